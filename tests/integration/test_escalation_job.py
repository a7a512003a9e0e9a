"""The escalation job on moto: due steps through the due index, idempotent runs, the time budget, one
report's failure, throttling retried by the SDK, and calendar changes that move running deadlines."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from lapor.domain.calendar import WIB
from tests.integration.conftest import ROOT, Invoke, valid_report
from tools.lambda_context import LambdaContext

SCHEDULED = json.loads((ROOT / "events" / "escalation" / "scheduled.json").read_text(encoding="utf-8"))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


def scheduled(now: datetime) -> dict[str, Any]:
    event = copy.deepcopy(SCHEDULED)
    event["time"] = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return event


def run_job(now: datetime, seconds: int = 300) -> dict[str, Any]:
    from escalation.handler import run

    return run(scheduled(now), LambdaContext("escalation", 512, seconds))


def file_at(invoke: Invoke, clock: Any, instant: datetime) -> str:
    clock.set(instant)
    answer = invoke("post_reports", body=valid_report(incident_date=None))
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def timeline(staff: Invoke, report_id: str) -> list[tuple[str, str | None]]:
    body = staff("get_staff_report", "coordinator", report_id=report_id).body
    return [(e["action"], e["note"]) for e in body["timeline"]]


def actions(staff: Invoke, report_id: str) -> list[str]:
    return [action for action, _ in timeline(staff, report_id)]


def test_the_verify_ladder_across_idul_fitri(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    report_id = file_at(invoke, clock, at(2026, 3, 17, 10))
    assert run_job(at(2026, 3, 27, 0) - timedelta(seconds=1))["steps"] == 0
    assert run_job(at(2026, 3, 27, 0))["by_action"] == {"remind": 1}
    late = run_job(at(2026, 4, 2, 0))
    assert late["by_action"] == {"breach": 1, "escalate": 1}
    assert actions(staff, report_id) == ["submit", "remind", "breach", "escalate"]
    read = staff("get_staff_report", "coordinator", report_id=report_id).body
    assert read["overdue"] is True
    assert read["escalation_level"] == 2
    overdue = staff("get_staff_reports", "coordinator", query={"overdue": "true"}).body["items"]
    assert [item["id"] for item in overdue] == [report_id]


def test_running_twice_for_the_same_instant_changes_nothing(
    invoke: Invoke, staff: Invoke, clock: Any
) -> None:
    report_id = file_at(invoke, clock, at(2026, 3, 17, 10))
    first = run_job(at(2026, 4, 2, 0))
    assert first["steps"] == 3
    before = staff("get_staff_report", "coordinator", report_id=report_id).body
    second = run_job(at(2026, 4, 2, 0))
    assert second["steps"] == 0
    assert staff("get_staff_report", "coordinator", report_id=report_id).body == before
    earlier = run_job(at(2026, 3, 27, 12))
    assert earlier["steps"] == 0
    assert staff("get_staff_report", "coordinator", report_id=report_id).body["escalation_level"] == 2


def test_auto_close_and_expiry(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    silent = file_at(invoke, clock, at(2026, 11, 23, 9))
    pending = file_at(invoke, clock, at(2026, 11, 23, 9))
    clock.set(at(2026, 11, 23, 10))
    staff("post_verify", "coordinator", report_id=silent)
    staff("post_suspend", "coordinator", report_id=pending)
    clock.set(at(2026, 11, 24, 9))
    staff("post_followups", "operator", "dishub", report_id=silent)
    summary = run_job(at(2026, 12, 24, 12))
    assert summary["failures"] == 0
    assert staff("get_staff_report", "coordinator", report_id=silent).body["status"] == "DONE"
    assert actions(staff, silent)[-1] == "auto_close"
    assert staff("get_staff_report", "coordinator", report_id=pending).body["status"] == "ARCHIVED"
    assert actions(staff, pending)[-1] == "expire"


def test_a_run_stops_before_its_time_is_up_and_the_next_carries_on(invoke: Invoke, clock: Any) -> None:
    for _ in range(3):
        file_at(invoke, clock, at(2026, 3, 17, 10))
    cut = run_job(at(2026, 4, 2, 0), seconds=5)  # less than the reserve: nothing is started
    assert cut["stopped_early"] is True
    assert cut["steps"] == 0
    assert run_job(at(2026, 4, 2, 0))["steps"] == 9


def test_one_reports_failure_does_not_stop_the_others(
    invoke: Invoke, staff: Invoke, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = file_at(invoke, clock, at(2026, 3, 17, 10))
    broken = file_at(invoke, clock, at(2026, 3, 17, 10))
    from lapor.services import escalation

    real = escalation.apply_step

    def failing(report: Any, *args: Any, **kwargs: Any) -> Any:
        if report.id == broken:
            raise RuntimeError("simulated failure")
        return real(report, *args, **kwargs)

    monkeypatch.setattr(escalation, "apply_step", failing)
    summary = run_job(at(2026, 3, 27, 0))
    assert summary["failures"] == 1
    assert summary["steps"] == 1
    assert actions(staff, healthy) == ["submit", "remind"]
    assert actions(staff, broken) == ["submit"]


def _throttle(times: int, operation: str = "TransactWriteItems") -> Any:
    """A before-send hook answering `times` requests with a throttling error, as DynamoDB would.

    botocore takes the first answer of all before-send handlers but calls them all, moto's among them; the
    throttled request's URL is pointed away from AWS so that moto leaves it alone and it is really lost.
    """
    state = {"left": times, "sent": 0}

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if operation not in request.headers.get("X-Amz-Target", b"").decode():
            return None
        state["sent"] += 1
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        request.url = "https://throttled.invalid/"
        body = json.dumps(
            {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow"}
        )
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body.encode()))

    return hook, state


class _Raw:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Any:
        yield self._content

    def read(self, *_: Any) -> bytes:
        return self._content


def test_throttling_is_retried_by_the_sdk_and_the_run_completes(
    invoke: Invoke, staff: Invoke, clock: Any
) -> None:
    report_id = file_at(invoke, clock, at(2026, 3, 17, 10))
    from lapor.adapters.dynamodb.client import dynamodb_client

    hook, state = _throttle(2)
    dynamodb_client().meta.events.register_first("before-send.dynamodb", hook)
    try:
        summary = run_job(at(2026, 3, 27, 0))
    finally:
        dynamodb_client().meta.events.unregister("before-send.dynamodb", hook)
    assert summary["failures"] == 0
    assert summary["steps"] == 1
    assert state["sent"] == 3  # two throttled, the third went through
    assert actions(staff, report_id) == ["submit", "remind"]


def test_persistent_throttling_fails_that_report_only(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    report_id = file_at(invoke, clock, at(2026, 3, 17, 10))
    from lapor.adapters.dynamodb.client import RETRY_ATTEMPTS, dynamodb_client

    hook, state = _throttle(1000)
    dynamodb_client().meta.events.register_first("before-send.dynamodb", hook)
    try:
        summary = run_job(at(2026, 3, 27, 0))
    finally:
        dynamodb_client().meta.events.unregister("before-send.dynamodb", hook)
    assert summary["failures"] == 1
    assert state["sent"] == RETRY_ATTEMPTS  # bounded attempts
    assert actions(staff, report_id) == ["submit"]
    assert run_job(at(2026, 3, 27, 0))["steps"] == 1  # the next run carries on


def test_a_calendar_change_moves_running_deadlines(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    report_id = file_at(invoke, clock, at(2026, 12, 21, 10))  # Monday; 3 HK would end Thursday 24th...
    before = staff("get_staff_report", "coordinator", report_id=report_id).body["deadlines"]["verify"]
    assert before == "2026-12-28T17:00:00.000+00:00"  # 24 and 25 are days off: 22, 23, 28 December
    changed = staff("put_calendar", "coordinator", year=2026, body={"add": ["2026-12-28"], "remove": []})
    assert changed.status == 200, changed.body
    assert {
        "date": "2026-12-28",
        "name": "Hari libur tambahan (koordinator)",
        "source": "added",
    } in changed.body["days"]
    summary = run_job(at(2026, 12, 21, 12))
    assert summary["recomputed"] == 1
    after = staff("get_staff_report", "coordinator", report_id=report_id).body
    assert after["deadlines"]["verify"] == "2026-12-29T17:00:00.000+00:00"
    assert after["timeline"][-1]["action"] == "deadline_recomputed"
    assert run_job(at(2026, 12, 21, 12))["recomputed"] == 0
    removed = staff("put_calendar", "coordinator", year=2026, body={"add": [], "remove": ["2026-12-24"]})
    assert "2026-12-24" in removed.body["removed"]
    assert staff("put_calendar", "coordinator", year=2026, body={"add": ["2027-01-02"]}).status == 422
    assert staff("put_calendar", "operator", "dishub", year=2026, body={"add": []}).status == 403
    assert staff("get_calendar", "coordinator", year=2026).body["year"] == 2026


def test_a_calendar_change_is_announced_and_its_event_moves_the_deadlines_at_once(
    invoke: Invoke, staff: Invoke, clock: Any
) -> None:
    from escalation.handler import run
    from lapor.adapters.event_bus import events_client

    report_id = file_at(invoke, clock, at(2026, 12, 21, 10))
    announced: list[dict[str, Any]] = []
    hook = lambda params, **_: announced.extend(params["Entries"])  # noqa: E731
    events_client().meta.events.register("provide-client-params.events.PutEvents", hook)
    try:
        clock.set(at(2026, 12, 21, 12))
        changed = staff("put_calendar", "coordinator", year=2026, body={"add": ["2026-12-28"], "remove": []})
    finally:
        events_client().meta.events.unregister("provide-client-params.events.PutEvents", hook)
    assert changed.status == 200, changed.body
    [entry] = announced
    assert (entry["Source"], entry["DetailType"]) == ("lapor", "lapor.calendar.changed")
    detail = json.loads(entry["Detail"])
    assert (detail["year"], detail["revision"]) == (2026, 1)

    event = json.loads((ROOT / "events" / "escalation" / "calendar_changed.json").read_text("utf-8"))
    event["detail"] = detail
    summary = run(event, LambdaContext("escalation", 512, 300))
    assert (summary["recomputed"], summary["steps"]) == (1, 0)  # only the deadlines: no other step
    after = staff("get_staff_report", "coordinator", report_id=report_id).body
    assert after["deadlines"]["verify"] == "2026-12-29T17:00:00.000+00:00"
    assert after["timeline"][-1]["action"] == "deadline_recomputed"
    assert run(event, LambdaContext("escalation", 512, 300))["recomputed"] == 0  # a retried event: nothing


def test_the_fixture_is_a_scheduler_event() -> None:
    assert SCHEDULED["source"] == "aws.scheduler"
    assert Path(ROOT / "events" / "escalation" / "scheduled.json").exists()
