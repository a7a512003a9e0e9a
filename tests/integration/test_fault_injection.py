"""Proof under fire: throttling, timeouts and conditional-check storms injected at the SDK's send step on
every write path, each through its real handler on moto (`tests.integration.faults` injects them).

For every path: a transient fault (fewer failures than the SDK's attempt budget) is retried by the SDK and
the call has exactly one effect; a persistent one answers 503 with Retry-After in the API's error shape
and writes nothing (both tables are compared item by item), and the next attempt without it succeeds; a
storm of cancelled transactions answers an action 409 `version_conflict`; the stream consumer fails the
record alone; the escalation job counts the failure and goes on, the metrics job and the notifier raise a
retryable error for their schedule or EventBridge to run them again; and the next run completes the work.
A write whose answer is lost after it was applied (a read timeout) is replayed by the SDK: DynamoDB's
ClientRequestToken makes a transaction's replay harmless (emulated here, as moto keeps no tokens).

The figures (faults injected and survived, by kind and by path) are written as JSON under pytest's
temporary directory (`fault_injection.json`) and summed up in one line at the end of the session.
The attachment paths (the form's record, the scrubber's reads and writes) are here too. Six tests began
as findings (an id storm answered 500; a keyed submission whose success record failed could be filed
twice; an access link lost when its event or its renewal's answer was lost; a lost answer to the
identity-log put; a conflict on the routing rules): they now hold the fixes. One more guards a case seen
in review before it was run: a lost answer to an attachment record's write must not add a second record.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from lapor.adapters.dynamodb.client import RETRY_ATTEMPTS
from lapor.domain.calendar import WIB
from lapor.domain.errors import StoreUnavailable
from lapor.domain.identifiers import derived_access_token
from lapor.services.intake import MAX_ID_ATTEMPTS
from tests.integration import faults
from tests.integration.conftest import (
    EVENTS,
    ROOT,
    Answer,
    Invoke,
    confirm_contact,
    filing_code,
    valid_report,
)
from tests.integration.faults import (
    CANCELLED_CONDITION,
    CANCELLED_CONFLICT,
    CANCELLED_THROTTLED,
    CONNECT_TIMEOUT,
    EVENTS_FAILED_ENTRY,
    INTERNAL_ERROR,
    LOST_RESPONSE,
    PROVISIONED,
    READ_TIMEOUT,
    S3_SLOW_DOWN,
    SES_THROTTLING,
    SNS_THROTTLING,
    THROTTLING,
    Key,
    Tables,
    persistent,
    scenario,
    transient,
)
from tools.lambda_context import LambdaContext

BUS = "lapor-test-bus"
SECRET = b"integration-test-secret"
# As many faults as the SDK can absorb: its last attempt goes through.
SURVIVABLE = (THROTTLING, READ_TIMEOUT, PROVISIONED)
# Faults the SDK retries to the end of its budget, then gives up on.
RETRIED = (THROTTLING, PROVISIONED, READ_TIMEOUT, CONNECT_TIMEOUT)
STORMS = (CANCELLED_CONDITION, CANCELLED_CONFLICT)


# --- figures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def figures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """At the end of the session: the JSON summary under the tmp dir, and one line on the terminal."""
    yield
    if not faults.LEDGER:
        return
    report = faults.summary(faults.LEDGER)
    report["sdk_attempt_budget"] = RETRY_ATTEMPTS
    report["backoff_skipped_seconds"] = round(sum(faults.SKIPPED_BACKOFF), 2)
    target = tmp_path_factory.getbasetemp() / "fault_injection.json"
    target.write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    kinds = ", ".join(f"{k} {v['survived']}/{v['injected']}" for k, v in report["by_kind"].items())
    lost = sorted({f"{e['path']} [{e['mode']}]" for e in report["not_survived"]})
    line = (
        f"fault injection: {report['faults_survived']}/{report['faults_injected']} faults survived in "
        f"{report['episodes_survived']}/{report['episodes']} episodes on {report['paths']} paths ({kinds}); "
        f"not survived: {'; '.join(lost) or 'none'}; figures: {target}"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or terminal is None:  # pragma: no cover - pytest without its usual plugins
        print(line)
        return
    with capture.global_and_fixture_disabled():  # a fixture's teardown output is captured otherwise
        terminal.write(f"\n{line}\n", flush=True)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with faults.recorded_backoff(monkeypatch.setattr):
        yield


# --- helpers ------------------------------------------------------------------------------------------


def ddb() -> Any:
    from lapor.adapters.dynamodb.client import dynamodb_client

    return dynamodb_client()


def bus_client() -> Any:
    from lapor.adapters.event_bus import events_client

    return events_client()


def unavailable(answer: Answer) -> None:
    """503 with Retry-After, in the API's error shape."""
    assert answer.status == 503, (answer.status, answer.body)
    assert int(answer.headers["retry-after"]) > 0
    assert answer.error["code"] == "service_unavailable"
    assert answer.error["message"]
    assert answer.error["details"] == []


def conflict(answer: Answer) -> None:
    assert answer.status == 409, (answer.status, answer.body)
    assert answer.error["code"] == "version_conflict"


def in_progress(answer: Answer) -> None:
    assert answer.status == 409, (answer.status, answer.body)
    assert answer.error["code"] == "request_in_progress"
    assert int(answer.headers["retry-after"]) > 0


def file(invoke: Invoke, **overrides: Any) -> dict[str, Any]:
    answer = invoke("post_reports", body=valid_report(incident_date=None, **overrides))
    assert answer.status == 201, answer.body
    return dict(answer.body)


def token(filed: dict[str, Any]) -> dict[str, str]:
    return {"X-Report-Token": str(filed["access_token"])}


def report_keys(added: list[Key], report_id: str) -> list[str]:
    """The sort keys of the added items of one report, and `DAY#` for each added metric event."""
    found = []
    for key in added:
        if key[0] in (f"REPORT#{report_id}", f"IDENTITY#{report_id}"):
            found.append(key[1] if key[1] in ("R", "I", "K") else key[1].split("#")[0] + "#")
        elif key[0].startswith("DAY#"):
            found.append("DAY#")
        else:
            found.append(f"other:{key}")
    return sorted(found)


def one_submission(before: Tables, report_id: str) -> None:
    """Exactly one report was filed: its item, identity, access, first entry, and one metric event."""
    app, _ = before.diff()
    assert report_keys(app.added, report_id) == ["DAY#", "I", "K", "R", "T#"], app
    assert app.changed == []
    assert app.removed == []


def one_change(before: Tables, report_id: str) -> None:
    """Exactly one state change: the report item one version up, one timeline entry, one metric event (and,
    when the report reached or left DONE, ARCHIVED or REFERRED, its identity's and access's time to live)."""
    app, idempotency = before.diff()
    assert report_keys(app.added, report_id) == ["DAY#", "T#"], app
    status = faults.items()[(f"REPORT#{report_id}", "R")]["status"]["S"]
    was = before.app[(f"REPORT#{report_id}", "R")]["status"]["S"]
    ended = {"DONE", "ARCHIVED", "REFERRED"}
    retention = [(f"IDENTITY#{report_id}", "I"), (f"IDENTITY#{report_id}", "K")]
    allowed = {*(retention if status in ended or was in ended else []), (f"REPORT#{report_id}", "R")}
    assert (f"REPORT#{report_id}", "R") in app.changed, app
    assert set(app.changed) <= allowed, app  # a time to live set again in the same second is no change
    assert app.removed == []
    assert idempotency.empty
    old = int(before.app[(f"REPORT#{report_id}", "R")]["version"]["N"])
    assert int(faults.items()[(f"REPORT#{report_id}", "R")]["version"]["N"]) == old + 1


def reports_in_table() -> list[str]:
    return sorted(k[0] for k in faults.items() if k[1] == "R" and k[0].startswith("REPORT#"))


def expire_in_progress() -> int:
    """What a Lambda timeout later looks like to the idempotency layer: in-progress records expire."""
    client = faults.client("dynamodb")
    expired = 0
    for key, item in faults.items("IdempotencyTable").items():
        if item.get("status", {}).get("S") == "INPROGRESS":
            client.update_item(
                TableName="IdempotencyTable",
                Key={"id": {"S": key[0]}},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )
            expired += 1
    return expired


def idempotency_statuses() -> list[str]:
    return sorted(item["status"]["S"] for item in faults.items("IdempotencyTable").values())


@dataclass
class Tap:
    """An SQS queue behind a rule on the event bus: what was published, as EventBridge delivers it."""

    sqs: Any
    url: str

    def events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            for message in batch:
                found.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def tap(aws: None) -> Tap:
    sqs = faults.client("sqs")
    url = sqs.create_queue(QueueName="bus-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = faults.client("events")
    events.put_rule(Name="tap", EventBusName=BUS, EventPattern=json.dumps({"source": ["lapor"]}))
    events.put_targets(Rule="tap", EventBusName=BUS, Targets=[{"Id": "tap", "Arn": arn}])
    return Tap(sqs, url)


def published(tap: Tap, detail_type: str | None = None) -> list[str]:
    """The report ids of the events delivered since the last look (of one detail type, when given)."""
    return sorted(
        str(e["detail"]["report_id"])
        for e in tap.events()
        if detail_type is None or e["detail-type"] == detail_type
    )


# --- POST /reports ------------------------------------------------------------------------------------

SUBMIT = "POST /reports"
SUBMIT_KEYED = "POST /reports (Idempotency-Key)"


def test_a_submission_survives_transient_faults_with_one_report(invoke: Invoke) -> None:
    before = Tables()
    with scenario(SUBMIT, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        answer = invoke("post_reports", body=valid_report(incident_date=None))
        assert answer.status == 201, answer.body
        assert s.attempts == RETRY_ATTEMPTS
        one_submission(before, answer.body["id"])
        read = invoke("get_report_with_token", report_id=answer.body["id"], headers=token(answer.body))
        assert read.status == 200
        s.outcome = "201"
    # The transaction went in and its answer was lost: the SDK's retry carries the same ClientRequestToken,
    # which DynamoDB answers as done (the injector emulates it), so one report, under the answered id.
    before = Tables()
    with scenario(SUBMIT, "lost answer", (ddb(), [transient("TransactWriteItems", LOST_RESPONSE)])) as s:
        answer = invoke("post_reports", body=valid_report(incident_date=None))
        assert answer.status == 201, answer.body
        assert s.injectors[0].replayed == 1
        one_submission(before, answer.body["id"])
        s.outcome = "201"


def test_a_submission_under_persistent_faults_answers_503_and_files_nothing(invoke: Invoke) -> None:
    for kind in (*RETRIED, INTERNAL_ERROR, CANCELLED_THROTTLED, CANCELLED_CONFLICT):
        before = Tables()
        with scenario(SUBMIT, f"persistent {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            unavailable(invoke("post_reports", body=valid_report(incident_date=None)))
            retried = kind in (*RETRIED, INTERNAL_ERROR)  # a cancelled transaction is not retried by the SDK
            assert s.attempts == (RETRY_ATTEMPTS if retried else 1), kind
            assert before.unchanged(), kind
            s.lift()
            answer = invoke("post_reports", body=valid_report(incident_date=None))
            assert answer.status == 201, answer.body
            one_submission(before, answer.body["id"])
            s.outcome = "503, then 201"


@pytest.mark.parametrize("key", [None, "storm-key-1"])
def test_a_condition_storm_on_submission_redraws_a_bounded_number_of_ids_then_answers_503(
    invoke: Invoke, key: str | None
) -> None:
    before = Tables()
    headers = {"Idempotency-Key": key} if key else {}
    path = SUBMIT_KEYED if key else SUBMIT
    rule = persistent("TransactWriteItems", CANCELLED_CONDITION)
    with scenario(path, f"storm {CANCELLED_CONDITION}", (ddb(), [rule])) as s:
        answer = invoke("post_reports", body=valid_report(incident_date=None), headers=headers)
        s.outcome = str(answer.status)
        assert s.attempts == MAX_ID_ATTEMPTS  # one transaction an id drawn, never retried by the SDK
        assert before.unchanged()  # with a key, the in-progress record is gone too
        unavailable(answer)
        s.lift()
        again = invoke("post_reports", body=valid_report(incident_date=None), headers=headers)
        assert again.status == 201


# --- POST /reports with Idempotency-Key ---------------------------------------------------------------


def keyed(invoke: Invoke, key: str) -> Answer:
    return invoke("post_reports_idempotent", headers={"Idempotency-Key": key})


def test_a_keyed_submission_survives_transient_faults_on_every_write(invoke: Invoke) -> None:
    before = Tables()
    rules = [
        transient("PutItem", *SURVIVABLE, table="IdempotencyTable"),
        transient("TransactWriteItems", *SURVIVABLE),
        transient("UpdateItem", *SURVIVABLE, table="IdempotencyTable"),
    ]
    with scenario(SUBMIT_KEYED, "transient (put, transaction, update)", (ddb(), rules)) as s:
        first = keyed(invoke, "transient-key")
        assert first.status == 201, first.body
        assert [rule.seen for rule in s.rules] == [RETRY_ATTEMPTS] * 3
        one_submission(before, first.body["id"])
        assert idempotency_statuses() == ["COMPLETED"]
        s.lift()
        settled = Tables()
        again = keyed(invoke, "transient-key")
        assert (again.status, again.body) == (201, first.body)
        assert settled.unchanged()
        s.outcome = "201, replay identical"


def test_a_keyed_submission_under_persistent_faults_answers_503_and_writes_nothing(invoke: Invoke) -> None:
    idempotency = "IdempotencyTable"
    cases = [
        (
            "persistent ThrottlingException on the in-progress put",
            [persistent("PutItem", THROTTLING, idempotency)],
        ),
        (
            "persistent ConnectTimeoutError on the in-progress put",
            [persistent("PutItem", CONNECT_TIMEOUT, idempotency)],
        ),
        (
            "persistent ProvisionedThroughputExceededException on the transaction",
            [persistent("TransactWriteItems", PROVISIONED)],
        ),
        ("persistent ReadTimeoutError on the transaction", [persistent("TransactWriteItems", READ_TIMEOUT)]),
        (
            "persistent on the transaction, transient on the cleanup",
            [
                persistent("TransactWriteItems", THROTTLING),
                transient("DeleteItem", *SURVIVABLE, table=idempotency),
            ],
        ),
    ]
    for n, (mode, rules) in enumerate(cases):
        key = f"persistent-key-{n}"
        before = Tables()
        with scenario(SUBMIT_KEYED, mode, (ddb(), rules)) as s:
            unavailable(keyed(invoke, key))
            assert rules[0].seen == RETRY_ATTEMPTS, mode
            assert before.unchanged(), mode  # the in-progress record was never written, or was deleted
            s.lift()
            answer = keyed(invoke, key)
            assert answer.status == 201, answer.body
            one_submission(before, answer.body["id"])
            s.outcome = "503, then 201"


def test_a_keyed_submission_whose_cleanup_also_fails_is_in_progress_until_it_expires(invoke: Invoke) -> None:
    before = Tables()
    rules = [
        persistent("TransactWriteItems", THROTTLING),
        persistent("DeleteItem", READ_TIMEOUT, table="IdempotencyTable"),
    ]
    with scenario(SUBMIT_KEYED, "persistent on transaction and cleanup", (ddb(), rules)) as s:
        unavailable(keyed(invoke, "cleanup-key"))
        app, _ = before.diff()
        assert app.empty
        assert idempotency_statuses() == ["INPROGRESS"]  # no report, only the lock the retry waits for
        s.lift()
        in_progress(keyed(invoke, "cleanup-key"))
        assert expire_in_progress() == 1
        answer = keyed(invoke, "cleanup-key")
        assert answer.status == 201, answer.body
        one_submission(before, answer.body["id"])
        s.outcome = "503, 409 request_in_progress, then 201"


def test_a_lost_answer_to_the_in_progress_record_is_request_in_progress_not_a_second_report(
    invoke: Invoke,
) -> None:
    before = Tables()
    rule = transient("PutItem", LOST_RESPONSE, table="IdempotencyTable")
    with scenario(SUBMIT_KEYED, "lost answer to the in-progress put", (ddb(), [rule])) as s:
        in_progress(keyed(invoke, "lost-lock-key"))  # its own record, seen on the SDK's retry
        app, _ = before.diff()
        assert app.empty
        assert expire_in_progress() == 1
        answer = keyed(invoke, "lost-lock-key")
        assert answer.status == 201, answer.body
        one_submission(before, answer.body["id"])
        s.outcome = "409 request_in_progress, then 201"


def test_a_keyed_submission_whose_success_record_fails_is_not_filed_twice(invoke: Invoke) -> None:
    earlier = reports_in_table()
    rule = persistent("UpdateItem", THROTTLING, table="IdempotencyTable")
    with scenario(SUBMIT_KEYED, "persistent on the success record", (ddb(), [rule])) as s:
        first = keyed(invoke, "success-key")
        written = [r for r in reports_in_table() if r not in earlier]
        assert len(written) == 1  # the report went in: the one write the idempotency layer cannot undo
        if first.status != 201:
            unavailable(first)
        s.lift()
        retry = keyed(invoke, "success-key")
        if retry.status == 409:  # the same key is in progress until the in-progress record expires
            in_progress(retry)
            assert expire_in_progress() == 1
            retry = keyed(invoke, "success-key")
        filed = [r for r in reports_in_table() if r not in earlier]
        s.outcome = f"{first.status}, then {retry.status} with {len(filed)} reports filed"
        assert retry.status == 201, retry.body
        assert filed == written  # the retry answers the report already filed, not a second one
        assert written == [f"REPORT#{retry.body['id']}"]
        fresh = invoke("get_report_with_token", report_id=retry.body["id"], headers=token(retry.body))
        assert fresh.status == 200


# --- reporter and staff actions: one conditional transaction each ------------------------------------


@dataclass(frozen=True)
class Action:
    state: str
    call: Callable[[Invoke, Invoke, dict[str, Any]], Answer]
    status: int = 200


def by_reporter(name: str) -> Callable[[Invoke, Invoke, dict[str, Any]], Answer]:
    return lambda invoke, _staff, filed: invoke(name, report_id=filed["id"], headers=token(filed))


def by_staff(
    name: str, role: str, agency: str | None = None
) -> Callable[[Invoke, Invoke, dict[str, Any]], Answer]:
    return lambda _invoke, staff, filed: staff(name, role, agency, report_id=filed["id"])


ACTIONS = {
    "POST /reports/{id}/replies": Action("SUBMITTED", by_reporter("post_reply"), 201),
    "POST /reports/{id}/rating": Action("DONE", by_reporter("post_rating"), 201),
    "POST /staff/reports/{id}/verify": Action("SUBMITTED", by_staff("post_verify", "coordinator")),
    "POST /staff/reports/{id}/suspend": Action("SUBMITTED", by_staff("post_suspend", "coordinator")),
    "POST /staff/reports/{id}/archive": Action("SUBMITTED", by_staff("post_archive", "coordinator")),
    "POST /staff/reports/{id}/refer": Action("SUBMITTED", by_staff("post_refer", "coordinator")),
    "POST /staff/reports/{id}/forward": Action("DISPOSED", by_staff("post_forward", "coordinator")),
    "POST /staff/reports/{id}/return": Action("DISPOSED", by_staff("post_return", "operator", "dishub")),
    "POST /staff/reports/{id}/followups": Action(
        "DISPOSED", by_staff("post_followups", "operator", "dishub")
    ),
    "POST /staff/reports/{id}/close": Action("IN_PROGRESS", by_staff("post_close", "official", "dishub")),
}
REPEATABLE = ("POST /reports/{id}/replies", "POST /staff/reports/{id}/followups")


def brought_to(state: str, invoke: Invoke, staff: Invoke) -> dict[str, Any]:
    filed = file(invoke)
    steps: list[tuple[str, Callable[[], Answer]]] = [
        ("DISPOSED", lambda: staff("post_verify", "coordinator", report_id=filed["id"])),
        ("IN_PROGRESS", lambda: staff("post_followups", "operator", "dishub", report_id=filed["id"])),
        ("DONE", lambda: staff("post_close", "official", "dishub", report_id=filed["id"])),
    ]
    order = ["SUBMITTED", "DISPOSED", "IN_PROGRESS", "DONE"]
    for target, step in steps:
        if order.index(state) >= order.index(target):
            assert step().status == 200
    return filed


@pytest.mark.parametrize("path", list(ACTIONS))
def test_an_action_under_fire(path: str, invoke: Invoke, staff: Invoke) -> None:
    action = ACTIONS[path]
    filed = brought_to(action.state, invoke, staff)
    report_id = filed["id"]

    def act() -> Answer:
        return action.call(invoke, staff, filed)

    pair = RETRIED[:2] if list(ACTIONS).index(path) % 2 else RETRIED[2:]  # every kind, on half the paths
    for kind in pair:
        before = Tables()
        with scenario(path, f"persistent {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            unavailable(act())
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "503"
    for kind in STORMS:
        before = Tables()
        with scenario(path, f"storm {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            conflict(act())
            assert s.attempts == 1
            assert before.unchanged()
            s.outcome = "409 version_conflict"
    before = Tables()
    with scenario(path, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        answer = act()
        assert answer.status == action.status, answer.body
        assert s.attempts == RETRY_ATTEMPTS
        one_change(before, report_id)
        s.outcome = str(action.status)
    if path in REPEATABLE:
        # The write went in and its answer was lost: the SDK's retry carries the same ClientRequestToken,
        # which DynamoDB answers as done (emulated by the injector), so the action lands once.
        before = Tables()
        with scenario(path, "lost answer", (ddb(), [transient("TransactWriteItems", LOST_RESPONSE)])) as s:
            answer = act()
            assert answer.status == action.status, answer.body
            assert s.injectors[0].replayed == 1
            one_change(before, report_id)
            s.outcome = str(action.status)


# --- POST /reports/{id}/access: the token renewal and its event ---------------------------------------

ACCESS = "POST /reports/{id}/access"
ACCESS_LINK = "lapor.report.access_link"


def confirmed_filing(invoke: Invoke) -> dict[str, Any]:
    """A report whose reporter confirmed their contact: access links go to nobody else."""
    filed = file(invoke)
    confirm_contact(invoke, filed)
    return filed


def access(invoke: Invoke, report_id: str) -> Answer:
    return invoke("post_access", report_id=report_id, body={})


def token_works(invoke: Invoke, report_id: str, secret_token: str) -> bool:
    read = invoke("get_report_with_token", report_id=report_id, headers={"X-Report-Token": secret_token})
    return read.status == 200


def link_token(event: dict[str, Any]) -> str:
    nonce = event["detail"]["nonce"]
    return derived_access_token(SECRET, event["detail"]["report_id"], f"access:{nonce}")


def test_an_access_link_survives_transient_faults_with_one_link(invoke: Invoke, tap: Tap) -> None:
    filed = confirmed_filing(invoke)
    published(tap)
    before = Tables()
    targets = (
        (ddb(), [transient("UpdateItem", *SURVIVABLE)]),
        (bus_client(), [transient("PutEvents", THROTTLING, CONNECT_TIMEOUT, THROTTLING)]),
    )
    with scenario(ACCESS, "transient (renewal, event)", *targets) as s:
        assert access(invoke, filed["id"]).status == 202
        assert [rule.seen for rule in s.rules] == [RETRY_ATTEMPTS, RETRY_ATTEMPTS]
        app, _ = before.diff()
        assert app.changed == [(f"IDENTITY#{filed['id']}", "K")]
        assert not app.added
        events = tap.events()
        assert [e["detail-type"] for e in events] == [ACCESS_LINK]
        assert token_works(invoke, filed["id"], link_token(events[0]))
        assert not token_works(invoke, filed["id"], filed["access_token"])
        s.outcome = "202, one link"


def test_an_access_link_under_a_persistent_store_fault_answers_503_and_keeps_the_token(
    invoke: Invoke, tap: Tap
) -> None:
    for kind in (THROTTLING, READ_TIMEOUT):
        filed = confirmed_filing(invoke)
        published(tap)
        before = Tables()
        rule = persistent("UpdateItem", kind)
        with scenario(ACCESS, f"persistent {kind} on the renewal", (ddb(), [rule])) as s:
            unavailable(access(invoke, filed["id"]))
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            assert published(tap) == []
            assert token_works(invoke, filed["id"], filed["access_token"])
            s.lift()
            assert access(invoke, filed["id"]).status == 202
            assert published(tap, ACCESS_LINK) == [filed["id"]]
            s.outcome = "503, then 202"


@pytest.mark.parametrize("kind", [THROTTLING, EVENTS_FAILED_ENTRY])
def test_an_access_link_whose_event_cannot_be_published_answers_503_and_the_retry_sends_it(
    invoke: Invoke, tap: Tap, kind: str
) -> None:
    filed = confirmed_filing(invoke)
    published(tap)
    with scenario(
        ACCESS, f"persistent {kind} on the event", (bus_client(), [persistent("PutEvents", kind)])
    ) as s:
        answer = access(invoke, filed["id"])
        s.outcome = str(answer.status)
        s.lift()
        retry = access(invoke, filed["id"])
        events = tap.events()
        s.outcome += f", then {retry.status} with {len(events)} link(s)"
        unavailable(answer)
        assert retry.status == 202
        assert [e["detail-type"] for e in events] == [ACCESS_LINK]
        assert token_works(invoke, filed["id"], link_token(events[0]))


def test_a_lost_answer_to_the_token_renewal_still_sends_the_link(invoke: Invoke, tap: Tap) -> None:
    filed = confirmed_filing(invoke)
    published(tap)
    with scenario(
        ACCESS, "lost answer to the renewal", (ddb(), [transient("UpdateItem", LOST_RESPONSE)])
    ) as s:
        answer = access(invoke, filed["id"])
        events = tap.events()
        s.outcome = f"{answer.status} with {len(events)} link(s)"
        assert answer.status == 202
        assert [e["detail-type"] for e in events] == [ACCESS_LINK]
        assert token_works(invoke, filed["id"], link_token(events[0]))


# --- GET /staff/reports/{id}/reporter: the access-log put ---------------------------------------------

IDENTITY = "GET /staff/reports/{id}/reporter"


def read_identity(staff: Invoke, report_id: str) -> Answer:
    return staff("get_staff_reporter", "coordinator", report_id=report_id)


def test_an_identity_read_is_never_answered_without_its_log_entry(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    name = valid_report()["reporter"]["name"]
    for kind in (THROTTLING, CONNECT_TIMEOUT):
        before = Tables()
        with scenario(IDENTITY, f"persistent {kind}", (ddb(), [persistent("PutItem", kind)])) as s:
            answer = read_identity(staff, filed["id"])
            unavailable(answer)
            assert name not in json.dumps(answer.body)
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "503, no identity"
    before = Tables()
    with scenario(IDENTITY, "transient", (ddb(), [transient("PutItem", *SURVIVABLE)])) as s:
        answer = read_identity(staff, filed["id"])
        assert answer.status == 200
        assert answer.body["name"] == name
        app, _ = before.diff()
        assert [k[1].split("#")[0] for k in app.added] == ["AL"]
        assert not app.changed
        s.outcome = "200, one log entry"


def test_a_lost_answer_to_the_access_log_put_is_one_entry_not_a_500(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    before = Tables()
    with scenario(IDENTITY, "lost answer", (ddb(), [transient("PutItem", LOST_RESPONSE)])) as s:
        answer = read_identity(staff, filed["id"])
        s.outcome = str(answer.status)
        app, _ = before.diff()
        assert [k[1].split("#")[0] for k in app.added] == ["AL"]
        assert answer.status == 200, answer.body


# --- PUT /staff/routing-rules and PUT /staff/calendar/{year} -----------------------------------------

RULES = "PUT /staff/routing-rules"
CALENDAR = "PUT /staff/calendar/{year}"


def put_rules(staff: Invoke) -> Answer:
    return staff("put_routing_rules", "coordinator")


def test_routing_rules_under_fire(staff: Invoke) -> None:
    for kind in (PROVISIONED, READ_TIMEOUT):
        before = Tables()
        with scenario(RULES, f"persistent {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            unavailable(put_rules(staff))
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "503"
    before = Tables()
    with scenario(RULES, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        answer = put_rules(staff)
        assert answer.status == 200, answer.body
        app, _ = before.diff()
        assert all(key[0] == "CONFIG" for key in app.added + app.changed + app.removed)
        assert staff("get_routing_rules", "coordinator").body == answer.body
        s.outcome = "200"


def test_a_conflict_storm_on_routing_rules_is_not_a_500(staff: Invoke) -> None:
    before = Tables()
    with scenario(
        RULES, f"storm {CANCELLED_CONFLICT}", (ddb(), [persistent("TransactWriteItems", CANCELLED_CONFLICT)])
    ) as s:
        answer = put_rules(staff)
        s.outcome = str(answer.status)
        assert before.unchanged()
        assert answer.status in (409, 503), answer.body
        if answer.status == 503:
            unavailable(answer)
        else:
            conflict(answer)


def test_the_calendar_under_fire(staff: Invoke) -> None:
    def change() -> Answer:
        return staff("put_calendar", "coordinator", year=2026, body={"add": ["2026-12-28"], "remove": []})

    for kind in (THROTTLING, CONNECT_TIMEOUT):
        before = Tables()
        with scenario(CALENDAR, f"persistent {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            unavailable(change())
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "503"
    for kind in STORMS:
        before = Tables()
        with scenario(CALENDAR, f"storm {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            conflict(change())
            assert s.attempts == 1
            assert before.unchanged()
            s.outcome = "409 version_conflict"
    before = Tables()
    with scenario(CALENDAR, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        answer = change()
        assert answer.status == 200, answer.body
        app, _ = before.diff()
        written = app.added + app.changed  # the year's calendar and its audit entry
        assert sorted(k[0] for k in written) == ["CALENDAR#2026", "CONFIG"], app
        assert not app.removed
        s.outcome = "200"


# --- the stream consumer ------------------------------------------------------------------------------


def stream_records(*report_ids: str, timeline: bool = False) -> list[dict[str, Any]]:
    """The INSERT records of the reports' items (or timeline entries), as Lambda delivers them."""
    client = faults.client("dynamodb")
    streams = faults.client("dynamodbstreams")
    arn = client.describe_table(TableName="AppTable")["Table"]["LatestStreamArn"]
    wanted = {f"REPORT#{r}" for r in report_ids}
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            keys = record["dynamodb"]["Keys"]
            sk = keys["sk"]["S"]
            kind_ok = sk.startswith("T#") if timeline else sk == "R"
            if record["eventName"] == "INSERT" and keys["pk"]["S"] in wanted and kind_ok:
                shaped = json.loads(json.dumps(record, default=str))
                shaped["eventSourceARN"] = arn
                records.append(shaped)
    return records


def consume(records: list[dict[str, Any]]) -> list[str]:
    """The stream consumer's handler on a batch; the report ids of the records it failed."""
    from report_stream.handler import lambda_handler

    answer = lambda_handler({"Records": records}, LambdaContext("routing-stream", 512, 30))
    by_sequence = {r["dynamodb"]["SequenceNumber"]: r for r in records}
    failed = [by_sequence[f["itemIdentifier"]] for f in answer["batchItemFailures"]]
    return sorted(r["dynamodb"]["Keys"]["pk"]["S"].removeprefix("REPORT#") for r in failed)


def staff_read(staff: Invoke, report_id: str) -> dict[str, Any]:
    answer = staff("get_staff_report", "coordinator", report_id=report_id)
    assert answer.status == 200
    return dict(answer.body)


def test_a_route_suggestion_that_cannot_be_written_fails_its_record_alone(
    invoke: Invoke, staff: Invoke
) -> None:
    down, slow = file(invoke)["id"], file(invoke)["id"]
    before = Tables()
    rules = [
        persistent("UpdateItem", THROTTLING, contains=down),
        transient("UpdateItem", READ_TIMEOUT, THROTTLING, CONNECT_TIMEOUT, contains=slow),
    ]
    with scenario(
        "stream: route suggestion", "persistent on one record, transient on the other", (ddb(), rules)
    ) as s:
        assert consume(stream_records(down, slow)) == [down]
        app, _ = before.diff()
        assert app.changed == [(f"REPORT#{slow}", "R")]
        assert not app.added
        assert staff_read(staff, slow)["suggested_agency_id"] == "dishub"
        assert staff_read(staff, down)["suggested_agency_id"] is None
        s.lift()
        assert consume(stream_records(down)) == []  # the retried record
        assert staff_read(staff, down)["suggested_agency_id"] == "dishub"
        s.outcome = "one record failed, then retried"


def test_an_auto_disposition_that_cannot_be_written_fails_its_record_alone(
    invoke: Invoke, staff: Invoke
) -> None:
    assert staff("put_routing_rules", "coordinator").status == 200  # pju → dishub, auto_dispose
    down, slow, raced = file(invoke)["id"], file(invoke)["id"], file(invoke)["id"]
    before = Tables()
    rules = [
        persistent("TransactWriteItems", READ_TIMEOUT, contains=down),
        transient("TransactWriteItems", *SURVIVABLE, contains=slow),
    ]
    with scenario(
        "stream: auto-dispose", "persistent on one record, transient on the other", (ddb(), rules)
    ) as s:
        assert consume(stream_records(down, slow)) == [down]
        app, _ = before.diff()
        assert report_keys(app.added, slow) == ["DAY#", "T#"]
        assert staff_read(staff, slow)["status"] == "DISPOSED"
        assert staff_read(staff, down)["status"] == "SUBMITTED"
        s.lift()
        assert consume(stream_records(down)) == []
        assert staff_read(staff, down)["status"] == "DISPOSED"
        s.outcome = "one record failed, then retried"
    for kind in STORMS:
        # The version moved on (a coordinator acted first): the disposition is skipped, nothing written.
        # A TransactionConflict is skipped the same way (see the report: it may deserve a retry instead).
        before = Tables()
        with scenario(
            "stream: auto-dispose", f"storm {kind}", (ddb(), [persistent("TransactWriteItems", kind)])
        ) as s:
            assert consume(stream_records(raced)) == []
            assert before.unchanged()
            s.outcome = "skipped"
    assert staff_read(staff, raced)["status"] == "SUBMITTED"


def test_an_event_that_cannot_be_published_fails_its_record_alone(invoke: Invoke, tap: Tap) -> None:
    down, slow, refused = file(invoke)["id"], file(invoke)["id"], file(invoke)["id"]
    rules = [
        persistent("PutEvents", THROTTLING, contains=down),
        persistent("PutEvents", EVENTS_FAILED_ENTRY, contains=refused),
        transient("PutEvents", CONNECT_TIMEOUT, THROTTLING, READ_TIMEOUT, contains=slow),
    ]
    with scenario(
        "stream: event publish", "persistent on two records, transient on one", (bus_client(), rules)
    ) as s:
        assert consume(stream_records(down, slow, refused, timeline=True)) == sorted([down, refused])
        assert published(tap) == [slow]
        s.lift()
        assert consume(stream_records(down, refused, timeline=True)) == []
        assert published(tap) == sorted([down, refused])
        s.outcome = "two records failed, then retried"
    lost = file(invoke)["id"]
    with scenario(
        "stream: event publish", "lost answer", (bus_client(), [transient("PutEvents", LOST_RESPONSE)])
    ) as s:
        assert consume(stream_records(lost, timeline=True)) == []
        # PutEvents has no idempotency token: at least once, so the notifier may repeat a message.
        assert published(tap) == [lost, lost]
        s.outcome = "published twice (at least once)"


# --- the escalation job -------------------------------------------------------------------------------

ESCALATION = "escalation job"
SCHEDULED = json.loads((ROOT / "events" / "escalation" / "scheduled.json").read_text(encoding="utf-8"))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def scheduled(now: datetime, template: dict[str, Any] = SCHEDULED) -> dict[str, Any]:
    event = copy.deepcopy(template)
    event["time"] = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def escalate(now: datetime) -> dict[str, Any]:
    from escalation.handler import lambda_handler

    return lambda_handler(scheduled(now), LambdaContext("escalation", 512, 300))


def test_the_escalation_job_reports_failures_and_the_next_run_completes(
    invoke: Invoke, staff: Invoke, clock: Any
) -> None:
    clock.set(at(2026, 3, 17, 10))
    report_id = file(invoke)["id"]
    due = at(2026, 3, 27, 0)  # the verify clock's reminder
    for kind in (READ_TIMEOUT, PROVISIONED):
        before = Tables()
        with scenario(
            ESCALATION, f"persistent {kind}", (ddb(), [persistent("TransactWriteItems", kind)])
        ) as s:
            summary = escalate(due)
            assert (summary["failures"], summary["steps"]) == (1, 0)
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "failures: 1"
    for kind in STORMS:
        before = Tables()
        with scenario(ESCALATION, f"storm {kind}", (ddb(), [persistent("TransactWriteItems", kind)])) as s:
            summary = escalate(due)
            assert (summary["failures"], summary["conflicts"], summary["steps"]) == (0, 1, 0)
            assert before.unchanged()
            s.outcome = "conflicts: 1"
    before = Tables()
    rule = persistent("Query", THROTTLING, contains="due-index")
    with scenario(ESCALATION, "persistent on the due index", (ddb(), [rule])) as s:
        summary = escalate(due)
        assert summary["failures"] == 1
        assert summary["steps"] == 0
        assert before.unchanged()
        s.outcome = "failures: 1"
    rule = persistent("Query", READ_TIMEOUT, contains='"CONFIG"')
    with scenario(ESCALATION, "persistent on the setup read", (ddb(), [rule])) as s:
        # Before any report is visited: the run raises for the schedule's RetryPolicy (then its DLQ).
        with pytest.raises(StoreUnavailable):
            escalate(due)
        assert before.unchanged()
        s.outcome = "StoreUnavailable raised, nothing written"
    before = Tables()
    with scenario(ESCALATION, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        summary = escalate(due)
        assert (summary["failures"], summary["steps"]) == (0, 1)
        one_change(before, report_id)
        s.outcome = "steps: 1"
    assert escalate(due)["steps"] == 0
    assert [e["action"] for e in staff_read(staff, report_id)["timeline"]] == ["submit", "remind"]


# --- the metrics job ----------------------------------------------------------------------------------

METRICS = "metrics job"
METRICS_SCHEDULED = json.loads((EVENTS / "metrics" / "scheduled.json").read_text(encoding="utf-8"))


def compute_metrics(time: datetime) -> dict[str, Any]:
    from metrics.handler import lambda_handler

    return lambda_handler(scheduled(time, METRICS_SCHEDULED), LambdaContext("metrics", 512, 300))


def snapshots() -> dict[Key, dict[str, Any]]:
    return {k: v for k, v in faults.items().items() if k[0] == "METRICS"}


def test_the_metrics_job_fails_cleanly_and_the_next_run_stores_the_day(invoke: Invoke, clock: Any) -> None:
    clock.set(at(2026, 11, 27, 9))
    file(invoke)
    night = at(2026, 11, 28, 0, 30)
    for kind in (THROTTLING, READ_TIMEOUT):
        before = Tables()
        with scenario(METRICS, f"persistent {kind}", (ddb(), [persistent("PutItem", kind)])) as s:
            # The run raises a retryable StoreUnavailable: the schedule's RetryPolicy runs it again.
            with pytest.raises(StoreUnavailable):
                compute_metrics(night)
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.outcome = "StoreUnavailable raised, nothing stored"
    with scenario(METRICS, "transient", (ddb(), [transient("PutItem", *SURVIVABLE)])) as s:
        computed = compute_metrics(night)["computed"]
        assert [c["date"] for c in computed] == ["2026-11-27"]
        assert computed[0]["received"] == 1
        stored = snapshots()
        assert list(stored) == [("METRICS", "DAY#2026-11-27")]
        s.outcome = "stored once"
    compute_metrics(night)  # a fault-free run of the same night gives the same document
    assert snapshots() == stored


# --- the notifier: codes, delivery records, e-mail and the staff topic ---------------------------------

NOTIFIER = "notifier"
CONFIRM = "POST /reports/{id}/contact/confirm"
FEEDBACK = "delivery status function"
SENDER = "lapor@example.go.id"


@pytest.fixture
def outbox(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Tap]:
    """An SQS queue subscribed to the staff notifications topic; SES (moto) verified for the sender."""
    from lapor import wiring
    from lapor.adapters.channels import sesv2_client
    from lapor.adapters.sns_publisher import sns_client

    sns = faults.client("sns")
    sqs = faults.client("sqs")
    faults.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    url = sqs.create_queue(QueueName="outbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", topic)
    monkeypatch.setenv("EMAIL_SENDER", SENDER)
    monkeypatch.setenv("EMAIL_CONFIGURATION_SET", "lapor-reporters")
    sesv2_client.cache_clear()
    sns_client.cache_clear()
    wiring.reset()
    yield Tap(sqs, url)
    sesv2_client.cache_clear()
    sns_client.cache_clear()
    wiring.reset()


def ses() -> Any:
    from lapor.adapters.channels import sesv2_client

    return sesv2_client()


def sns() -> Any:
    from lapor.adapters.sns_publisher import sns_client

    return sns_client()


def emails() -> list[str]:
    """The subjects of the e-mail moto's SES has sent so far."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [m.subject for m in ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-3"].sent_messages]


def notify(report_id: str, name: str = "report_verified", **detail: Any) -> dict[str, Any]:
    from notify.handler import lambda_handler

    with (EVENTS / "notify" / f"{name}.json").open(encoding="utf-8") as handle:
        event = json.load(handle)
    event["detail"].update(report_id=report_id, **detail)
    return lambda_handler(event, LambdaContext("notify", 256, 10))


def templates(outbox: Tap) -> list[str]:
    """The templates of the staff messages on the topic since the last look."""
    return sorted(m["MessageAttributes"]["template"]["Value"] for m in outbox.events())


def records(report_id: str) -> dict[str, str]:
    """The report's delivery records: key -> state."""
    return {
        key[1]: item["state"]["S"]
        for key, item in faults.items().items()
        if key[0] == f"REPORT#{report_id}" and key[1].startswith("SEND#")
    }


def test_the_notifier_raises_for_eventbridge_to_retry_and_the_retry_sends_each_message_once(
    invoke: Invoke, outbox: Tap
) -> None:
    from notify.handler import NotificationFailed

    filed = file(invoke)
    confirm_contact(invoke, filed)
    report_id = filed["id"]
    sent_before = len(emails())
    rule = persistent("SendEmail", SES_THROTTLING)
    with scenario(NOTIFIER, "persistent throttling of SES", (ses(), [rule])) as s:
        with pytest.raises(NotificationFailed):
            notify(report_id)
        assert s.attempts == RETRY_ATTEMPTS
        assert records(report_id)["SEND#000002-laporan_diverifikasi"] == "sending"
        assert len(emails()) == sent_before
        s.lift()
        assert notify(report_id)["sent"] == 2  # EventBridge's retry: the e-mail and the agency's message
        assert records(report_id)["SEND#000002-laporan_diverifikasi"] == "sent"
        assert len(emails()) == sent_before + 1
        s.outcome = "raised, then sent once"
    templates(outbox)
    with scenario(
        NOTIFIER,
        "transient (SES, the topic)",
        (ses(), [transient("SendEmail", SES_THROTTLING, READ_TIMEOUT)]),
    ) as s:
        assert notify(report_id, seq=3)["sent"] == 2
        assert records(report_id)["SEND#000003-laporan_diverifikasi"] == "sent"
        assert len(emails()) == sent_before + 2
        assert templates(outbox) == ["disposisi_baru"]
        s.outcome = "sent once each"
    rule = persistent("Publish", SNS_THROTTLING, contains="disposisi_baru")
    with scenario(NOTIFIER, "persistent on the staff message after the e-mail", (sns(), [rule])) as s:
        with pytest.raises(NotificationFailed):
            notify(report_id, seq=4)
        s.lift()
        assert notify(report_id, seq=4) == {"sent": 1, "skipped": 1, "refused": 0, "withheld": 0}
        assert len(emails()) == sent_before + 3  # the reporter's e-mail went out once: its record says sent
        assert templates(outbox) == ["disposisi_baru"]
        s.outcome = "raised, then the staff message; the e-mail not twice"


def test_a_code_is_issued_once_however_its_write_or_send_fails(invoke: Invoke, outbox: Tap) -> None:
    from notify.handler import NotificationFailed

    filed = file(invoke)
    report_id = filed["id"]
    contact = (f"IDENTITY#{report_id}", "I")
    for kind in (THROTTLING, READ_TIMEOUT):
        before = Tables()
        rule = persistent("TransactWriteItems", kind)
        with scenario(NOTIFIER, f"persistent {kind} on the code", (ddb(), [rule])) as s:
            with pytest.raises(NotificationFailed):
                notify(report_id, "report_submitted")
            app, _ = before.diff()
            assert contact not in app.changed  # no code stored
            assert not [k for k in app.added if k[0].startswith("CONTACT#")]  # nothing counted
            assert not emails() or "konfirmasi" not in emails()[-1].lower()
            s.outcome = "raised, nothing stored"
    sent_before = len(emails())
    rule = transient("TransactWriteItems", THROTTLING, LOST_RESPONSE)
    with scenario(NOTIFIER, "transient and a lost answer on the code", (ddb(), [rule])) as s:
        assert notify(report_id, "report_submitted")["sent"] == 1
        assert len(emails()) == sent_before + 1
        assert notify(report_id, "report_submitted")["skipped"] == 1  # EventBridge delivering it again
        assert len(emails()) == sent_before + 1
        counters = [item for key, item in faults.items().items() if key[0].startswith("CONTACT#")]
        assert [int(c["codes"]["N"]) for c in counters] == [1]  # counted once
        s.outcome = "one code, one message"


def test_confirming_the_contact_is_one_write_or_503_and_nothing_written(invoke: Invoke) -> None:
    filed = file(invoke)
    code, _ = filing_code(filed["id"])

    def confirm(given: str) -> Answer:
        body = {"code": given}
        return invoke("post_contact_confirm", report_id=filed["id"], body=body, headers=token(filed))

    wrong = "000000" if code != "000000" else "111111"
    for operation, given in (("UpdateItem", wrong), ("TransactWriteItems", code)):
        before = Tables()
        rule = persistent(operation, THROTTLING)
        with scenario(CONFIRM, f"persistent on {operation}", (ddb(), [rule])) as s:
            unavailable(confirm(given))
            assert before.unchanged()  # not even an attempt counted
            s.outcome = "503, nothing written"
    before = Tables()
    with scenario(CONFIRM, "transient", (ddb(), [transient("TransactWriteItems", *SURVIVABLE)])) as s:
        answer = confirm(code)
        assert answer.status == 200, answer.body
        app, _ = before.diff()
        assert app.changed == [(f"IDENTITY#{filed['id']}", "I"), (f"REPORT#{filed['id']}", "R")]
        assert not app.added
        report = faults.items()[(f"REPORT#{filed['id']}", "R")]
        assert report["contact_confirmed"]["BOOL"] is True
        assert report["version"]["N"] == "1"  # neither the version nor the timeline
        s.outcome = "200, confirmed once"


def test_provider_feedback_settles_a_record_once_or_raises_for_a_retry(invoke: Invoke, outbox: Tap) -> None:
    from delivery_status.handler import lambda_handler as feedback

    filed = file(invoke)
    confirm_contact(invoke, filed)
    notify(filed["id"])
    key = "000002-laporan_diverifikasi"
    event = {
        "source": "aws.ses",
        "detail-type": "Email Delivered",
        "time": "2026-11-24T03:16:00Z",
        "detail": {
            "eventType": "Delivery",
            "mail": {"tags": {"report_id": [filed["id"]], "delivery": [key]}},
        },
    }
    for kind in (THROTTLING, READ_TIMEOUT):
        before = Tables()
        with scenario(FEEDBACK, f"persistent {kind}", (ddb(), [persistent("UpdateItem", kind)])) as s:
            with pytest.raises(StoreUnavailable):
                feedback(event, LambdaContext("delivery-status", 256, 10))
            assert before.unchanged()
            s.outcome = "raised, nothing written"
    with scenario(FEEDBACK, "transient", (ddb(), [transient("UpdateItem", *SURVIVABLE)])) as s:
        assert feedback(event, LambdaContext("delivery-status", 256, 10)) == {"events": 1, "settled": 1}
        assert records(filed["id"])[f"SEND#{key}"] == "delivered"
        assert feedback(event, LambdaContext("delivery-status", 256, 10)) == {"events": 1, "settled": 0}
        s.outcome = "settled once"


# --- POST /reports/{id}/attachments and the attachments function ---------------------------------------

ATTACH = "POST /reports/{id}/attachments"
SCRUB = "attachments function"


def ask_for_form(invoke: Invoke, filed: dict[str, Any]) -> Answer:
    body = {"content_type": "image/jpeg", "size": 4096}
    return invoke("post_attachment", report_id=filed["id"], body=body, headers=token(filed))


def attachment_records(report_id: str) -> dict[str, Any]:
    item = faults.items().get((f"REPORT#{report_id}", "UPLOADS"))
    return dict(item["files"]["M"]) if item else {}


def test_an_attachment_form_survives_transient_faults_with_one_record(invoke: Invoke) -> None:
    filed = file(invoke)
    # Each new record is a put of the whole item, conditional on its revision.
    for count, operation in enumerate(("PutItem", "PutItem", "PutItem"), start=1):
        plan = (*SURVIVABLE,) if count < 3 else (LOST_RESPONSE,)
        with scenario(
            ATTACH, f"transient {'/'.join(plan)} on {operation}", (ddb(), [transient(operation, *plan)])
        ) as s:
            answer = ask_for_form(invoke, filed)
            assert answer.status == 201, answer.body
            records = attachment_records(filed["id"])
            assert len(records) == count  # one record, even when the answer to its write was lost
            assert answer.body["attachment_id"] in records
            s.outcome = "201, one record"


def test_an_attachment_form_under_persistent_faults_answers_503_and_writes_nothing(invoke: Invoke) -> None:
    filed = file(invoke)
    assert ask_for_form(invoke, filed).status == 201
    for kind in (THROTTLING, READ_TIMEOUT):
        before = Tables()
        with scenario(ATTACH, f"persistent {kind}", (ddb(), [persistent("PutItem", kind)])) as s:
            unavailable(ask_for_form(invoke, filed))
            assert s.attempts == RETRY_ATTEMPTS
            assert before.unchanged()
            s.lift()
            assert ask_for_form(invoke, filed).status == 201
            s.outcome = "503, then 201"


def _uploaded(invoke: Invoke, filed: dict[str, Any]) -> str:
    """A form for a phone's photo, and the photo in incoming/ as S3 would store it; the key."""
    from tests.integration.test_attachments_api import attach, upload
    from tests.photos import full_jpeg

    photo = full_jpeg()
    form = attach(invoke, filed, size=len(photo))
    key = str(form.body["upload"]["fields"]["key"])
    upload(key, photo, "image/jpeg")
    return key


def _scrub(key: str) -> dict[str, Any]:
    from tests.integration.test_attachments_api import run_scrubber

    return run_scrubber(key, 0)


def _scrubbed(key: str) -> bool:
    """The upload is gone, its scrubbed copy is there, and the record says ready."""
    import boto3

    from tests.integration.conftest import ATTACHMENTS_BUCKET

    _, report_id, attachment_id = key.split("/")
    listed = boto3.client("s3").list_objects_v2(Bucket=ATTACHMENTS_BUCKET).get("Contents", [])
    keys = {o["Key"] for o in listed}
    record = attachment_records(report_id)[attachment_id]["M"]
    return (
        key not in keys and f"clean/{report_id}/{attachment_id}" in keys and record["status"]["S"] == "ready"
    )


def s3() -> Any:
    from lapor.wiring import attachment_service

    service = attachment_service()
    assert service is not None
    return service._files._client  # type: ignore[attr-defined]


def test_the_scrubber_raises_for_eventbridge_to_retry_and_the_retry_finishes(invoke: Invoke) -> None:
    filed = file(invoke)
    for client, operation, kind in (
        (s3(), "GetObject", READ_TIMEOUT),
        (s3(), "PutObject", S3_SLOW_DOWN),
        (ddb(), "PutItem", THROTTLING),
        (s3(), "DeleteObject", CONNECT_TIMEOUT),
    ):
        key = _uploaded(invoke, filed)
        with scenario(
            SCRUB, f"persistent {kind} on {operation}", (client, [persistent(operation, kind)])
        ) as s:
            with pytest.raises(StoreUnavailable):
                _scrub(key)
            assert s.attempts == RETRY_ATTEMPTS
            assert not _scrubbed(key)
            s.lift()
            _scrub(key)  # EventBridge's retry
            assert _scrubbed(key)
            s.outcome = "raised, then scrubbed"
    key = _uploaded(invoke, filed)
    rule = transient("GetObject", READ_TIMEOUT, CONNECT_TIMEOUT, S3_SLOW_DOWN)
    with scenario(SCRUB, "transient on GetObject", (s3(), [rule])) as s:
        assert _scrub(key)["outcome"] == "ready"
        assert _scrubbed(key)
        s.outcome = "scrubbed once"
