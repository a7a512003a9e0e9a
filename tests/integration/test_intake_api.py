"""The intake handler on moto: filing, reading, the public's view, bad input, idempotency, cost."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from lapor.domain.wallclock import today_wib
from tests.integration.conftest import Answer, DynamoCalls, Invoke, build_event, table_items, valid_report
from tests.integration.publishing import publish

MARKERS = ("Siti Rahayu", "siti.rahayu@example.id", "081311112222", "3272014506880003")
IDENTITY = {"name": MARKERS[0], "email": MARKERS[1], "phone": MARKERS[2], "nik": MARKERS[3]}
SHOWN = {**IDENTITY, "nik": f"{MARKERS[3][:4]}********{MARKERS[3][-4:]}"}


def file(invoke: Invoke, **overrides: Any) -> Answer:
    answer = invoke("post_reports", body=valid_report(reporter=IDENTITY, **overrides))
    assert answer.status == 201, answer.body
    return answer


def report_items() -> list[dict[str, Any]]:
    return [i for i in table_items() if i["pk"]["S"].startswith("REPORT#")]


# --- filing and reading back -------------------------------------------------------------------


def test_a_report_is_filed_and_read_back_with_its_token(invoke: Invoke) -> None:
    filed = file(invoke)
    body = filed.body
    assert body["status"] == "SUBMITTED"
    assert body["id"].startswith("LPR-")
    assert len(body["access_token"]) >= 32
    assert body["deadlines"]["verify"] is not None
    assert body["report"]["reporter"] == SHOWN  # the NIK masked: only the audited staff route reads it
    assert filed.headers["etag"] == '"1"'
    assert filed.headers["location"] == f"/reports/{body['id']}"

    read = invoke(
        "get_report_with_token", report_id=body["id"], headers={"X-Report-Token": body["access_token"]}
    )
    assert read.status == 200
    assert read.body["reporter"] == SHOWN
    assert read.body["status_label"] == "Belum Terverifikasi"
    assert read.body["category"] == {"code": "pju", "name": "Penerangan jalan umum"}
    assert [e["action"] for e in read.body["timeline"]] == ["submit"]
    assert read.headers["etag"] == '"1"'
    assert read.body == {**body["report"], "reporter": SHOWN}


def test_without_its_token_a_report_is_not_found_until_verified(invoke: Invoke) -> None:
    filed = file(invoke).body
    assert invoke("get_report", report_id=filed["id"]).status == 404
    listed = invoke("get_reports", query={"limit": "100"})
    assert listed.status == 200
    assert filed["id"] not in [item["id"] for item in listed.body["items"]]


def test_a_wrong_token_is_401_whether_or_not_the_report_exists(invoke: Invoke) -> None:
    filed = file(invoke).body
    for report_id in (filed["id"], "LPR-ZZZZ-ZZZZ", "not-an-id"):
        answer = invoke("get_report_with_token", report_id=report_id, headers={"X-Report-Token": "wrong"})
        assert answer.status == 401
        assert answer.error["code"] == "invalid_token"


def test_once_verified_the_public_reads_it_without_identity(invoke: Invoke) -> None:
    filed = file(invoke).body
    publish(filed["id"])
    public = invoke("get_report", report_id=filed["id"])
    assert public.status == 200
    text = json.dumps(public.body)
    for marker in MARKERS:
        assert marker not in text
    assert "reporter" not in public.body
    assert public.body["status"] == "DISPOSED"
    listed = invoke("get_reports", query={"limit": "10"})
    assert [item["id"] for item in listed.body["items"]] == [filed["id"]]
    assert not any(marker in json.dumps(listed.body) for marker in MARKERS)


def test_a_confidential_report_is_never_public(invoke: Invoke) -> None:
    filed = file(invoke, confidential=True).body
    publish(filed["id"])
    assert invoke("get_report", report_id=filed["id"]).status == 404
    assert invoke("get_reports").body["items"] == []


def test_no_index_ever_holds_identity_or_the_token_hash(invoke: Invoke) -> None:
    filed = file(invoke).body
    publish(filed["id"])
    import boto3

    client = boto3.client("dynamodb")
    for index, key, value in (
        ("public-index", "public_pk", "PUBLIC"),
        ("inbox-index", "inbox_pk", "AGENCY#dishub"),
        ("queue-index", "queue_pk", "ALL"),
    ):
        page = client.query(
            TableName="AppTable",
            IndexName=index,
            KeyConditionExpression=f"{key} = :v",
            ExpressionAttributeValues={":v": {"S": value}},
        )
        assert page["Items"], index
        text = json.dumps(page["Items"])
        assert "token_hash" not in text
        for marker in MARKERS:
            assert marker not in text


def test_text_is_stored_and_returned_verbatim(invoke: Invoke) -> None:
    title = "Banjir 🌊 di \u200fشارع الجامعة\u200e <script>alert(1)</script>"
    description = (
        '\'; DROP TABLE reports; -- <b>tebal</b> & "kutip" 😀👍🏽 \u202eterbalik\u202c sampai selesai'
    )
    reporter = {"name": "Ñoño 山田 <img src=x>", "email": "o'brien@example.id"}
    location = {"lat": -6.9175, "lon": 106.9267, "address": "Jl. Siliwangi № 1 🏫", "kecamatan": "Cikole"}
    body = valid_report(title=title, description=description, reporter=reporter, location=location)
    filed = invoke("post_reports", body=body)
    assert filed.status == 201
    read = invoke(
        "get_report_with_token",
        report_id=filed.body["id"],
        headers={"X-Report-Token": filed.body["access_token"]},
    )
    assert read.body["title"] == title
    assert read.body["description"] == description
    assert read.body["reporter"]["name"] == reporter["name"]
    assert read.body["location"] == {**location, "kelurahan": None}


# --- bad input -------------------------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    body = valid_report()
    del body[key]
    return body


BAD_INPUT: list[tuple[str, dict[str, Any], int, str]] = [
    ("missing type", {"body": _without("type")}, 422, "type"),
    ("missing title", {"body": _without("title")}, 422, "title"),
    ("missing description", {"body": _without("description")}, 422, "description"),
    ("missing reporter", {"body": _without("reporter")}, 422, "reporter"),
    ("title not text", {"body": valid_report(title=12345)}, 422, "title"),
    ("flag not boolean", {"body": valid_report(anonymous="yes")}, 422, "anonymous"),
    ("unknown type", {"body": valid_report(type="gossip")}, 422, "type"),
    ("title too short", {"body": valid_report(title="abc")}, 422, "title"),
    ("title too long", {"body": valid_report(title="x" * 151)}, 422, "title"),
    ("description blank", {"body": valid_report(description=" " * 40)}, 422, "description"),
    ("description too long", {"body": valid_report(description="x" * 4001)}, 422, "description"),
    ("malformed JSON", {"raw_body": '{"type": "complaint", '}, 400, "body"),
    ("body not an object", {"body": ["complaint"]}, 422, "body"),
    (
        "wrong content type",
        {"raw_body": "type=complaint", "headers": {"Content-Type": "text/plain"}},
        415,
        "Content-Type",
    ),
    ("1 MB body", {"body": valid_report(description="x" * (1024 * 1024))}, 413, "body"),
    (
        "incident date in the future",
        {"body": valid_report(incident_date=(today_wib() + timedelta(days=2)).isoformat())},
        422,
        "incident_date",
    ),
    ("incident date malformed", {"body": valid_report(incident_date="29-11-2026")}, 422, "incident_date"),
    ("unknown category", {"body": valid_report(category="kuliner")}, 422, "category"),
    (
        "latitude out of range",
        {"body": valid_report(location={"lat": -91.0, "lon": 106.9})},
        422,
        "location.lat",
    ),
    (
        "longitude out of range",
        {"body": valid_report(location={"lat": -6.9, "lon": 181})},
        422,
        "location.lon",
    ),
    (
        "coordinate as text",
        {"body": valid_report(location={"lat": "-6.9", "lon": 106.9})},
        422,
        "location.lat",
    ),
    (
        "e-mail that is not one",
        {"body": valid_report(reporter={"name": "Siti", "email": "siti@"})},
        422,
        "reporter.email",
    ),
    (
        "phone with letters",
        {"body": valid_report(reporter={"name": "Siti", "phone": "08-CALL-ME"})},
        422,
        "reporter.phone",
    ),
    (
        "NIK of 15 digits",
        {"body": valid_report(reporter={"name": "Siti", "phone": "0812345678", "nik": "1" * 15})},
        422,
        "reporter.nik",
    ),
    ("no way to reach the reporter", {"body": valid_report(reporter={"name": "Siti"})}, 422, "reporter"),
    ("unknown field", {"body": valid_report(priority="urgent")}, 422, "priority"),
    (
        "idempotency key too long",
        {"body": valid_report(), "headers": {"Idempotency-Key": "k" * 129}},
        422,
        "idempotency-key",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "status", "field"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_with_the_field_named_and_writes_nothing(
    invoke: Invoke, calls: DynamoCalls, kwargs: dict[str, Any], status: int, field: str
) -> None:
    before = table_items()
    answer = invoke("post_reports", **kwargs)
    assert answer.status == status, answer.body
    assert field in answer.fields(), answer.body
    assert answer.error["message"]
    assert all(detail["message"] for detail in answer.error["details"])
    assert calls.writes == 0
    assert table_items() == before
    assert table_items("IdempotencyTable") == []


def test_errors_are_indonesian_by_default_and_english_on_request(invoke: Invoke) -> None:
    body = _without("description")
    indonesian = invoke("post_reports", body=body)
    english = invoke("post_reports", body=body, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert indonesian.error["message"] == "Deskripsi wajib diisi."
    assert english.error["message"] == "Description is required."
    assert indonesian.error["code"] == english.error["code"] == "validation_error"


def test_unparseable_query_parameters_are_400_and_out_of_range_ones_422(invoke: Invoke) -> None:
    assert invoke("get_reports", query={"limit": "many"}).status == 400
    assert invoke("get_reports", query={"limit": "500"}).status == 422
    assert invoke("get_reports", query={"cursor": "not-a-cursor"}).status == 400
    assert invoke("get_reports", query={"status": "LOST"}).status == 422


# --- idempotency ---------------------------------------------------------------------------------------


def test_the_same_key_twice_files_one_report_and_answers_the_same(invoke: Invoke) -> None:
    body = valid_report(reporter=IDENTITY)
    first = invoke("post_reports_idempotent", body=body)
    second = invoke("post_reports_idempotent", body=body)
    assert first.status == second.status == 201
    assert second.body == first.body
    assert len([i for i in report_items() if i["sk"]["S"] == "R"]) == 1
    read = invoke(
        "get_report_with_token",
        report_id=first.body["id"],
        headers={"X-Report-Token": second.body["access_token"]},
    )
    assert read.status == 200


def _counted(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> tuple[list[str], list[str]]:
    """The EMF metric names printed, and the messages logged, since the last call."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    metrics = [m["Name"] for line in lines for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    messages = [record.getMessage() for record in caplog.records]
    caplog.clear()
    return metrics, messages


def test_a_replay_is_counted_and_logged_as_a_replay_not_as_a_report(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    body = valid_report()
    _counted(capsys, caplog)
    assert invoke("post_reports_idempotent", body=body).status == 201
    metrics, messages = _counted(capsys, caplog)
    assert (metrics.count("ReportsFiled"), messages.count("report filed")) == (1, 1)
    assert invoke("post_reports_idempotent", body=body).status == 201  # answered from the store
    metrics, messages = _counted(capsys, caplog)
    assert (metrics.count("ReportsFiled"), metrics.count("FilingsReplayed")) == (0, 1)
    assert (messages.count("report filed"), messages.count("filing replayed")) == (0, 1)
    client = boto3.client("dynamodb")
    for item in table_items("IdempotencyTable"):  # the key's record gone: the derived id finds the report
        client.delete_item(TableName="IdempotencyTable", Key={"id": item["id"]})
    assert invoke("post_reports_idempotent", body=body).status == 201
    metrics, messages = _counted(capsys, caplog)
    assert (metrics.count("ReportsFiled"), metrics.count("FilingsReplayed")) == (0, 1)
    assert len([i for i in report_items() if i["sk"]["S"] == "R"]) == 1


def test_the_same_key_with_another_body_is_refused(invoke: Invoke) -> None:
    first = invoke("post_reports_idempotent", body=valid_report())
    other = invoke("post_reports_idempotent", body=valid_report(title="Judul yang lain sama sekali"))
    assert first.status == 201
    assert other.status == 422
    assert other.error["code"] == "idempotency_key_reused"
    assert len([i for i in report_items() if i["sk"]["S"] == "R"]) == 1


def test_the_idempotency_store_keeps_neither_token_nor_identity(invoke: Invoke) -> None:
    answer = invoke("post_reports_idempotent", body=valid_report(reporter=IDENTITY))
    stored = json.dumps(table_items("IdempotencyTable"))
    assert stored.count('"S"') > 0
    assert answer.body["access_token"] not in stored
    assert "access_token" not in stored
    for marker in MARKERS:
        assert marker not in stored


# --- cost -----------------------------------------------------------------------------------------------


def test_filing_costs_one_transactional_write_plus_the_idempotency_record(
    invoke: Invoke, calls: DynamoCalls
) -> None:
    file(invoke)  # warms the per-container setup cache, as any earlier request would
    calls.reset()
    invoke("post_reports_idempotent", body=valid_report())
    app_calls = [op for op, table in calls.tables if table == "AppTable" or op == "TransactWriteItems"]
    assert app_calls == ["TransactWriteItems"], calls.tables
    idempotency = [op for op, table in calls.tables if table == "IdempotencyTable"]
    assert idempotency == ["PutItem", "UpdateItem"]


def test_reading_a_report_costs_one_read_and_the_reporters_own_read_two(
    invoke: Invoke, calls: DynamoCalls
) -> None:
    """The public's read is one Query of the report's partition. The reporter's own read adds one of the
    identity's partition (its token and identity), which is apart so that IAM can keep every other function
    out of it (issue 15's least privilege by key, over DESIGN.md §6's one read; docs/ARCHITECTURE.md)."""
    filed = file(invoke).body
    for kwargs, reads in (({"headers": {"X-Report-Token": filed["access_token"]}}, 2), ({}, 1)):
        calls.reset()
        name = "get_report_with_token" if kwargs else "get_report"
        invoke(name, report_id=filed["id"], **kwargs)
        assert sum(calls.counts.values()) == reads
        assert calls.counts["Query"] == reads


# --- replies and ratings ----------------------------------------------------------------------------------


def test_a_reply_adds_information_to_a_submitted_report(invoke: Invoke) -> None:
    filed = file(invoke).body
    token = {"X-Report-Token": filed["access_token"]}
    replied = invoke(
        "post_reply", report_id=filed["id"], body={"message": "Lampunya di tiang nomor 12."}, headers=token
    )
    assert replied.status == 201
    assert replied.body["status"] == "SUBMITTED"
    assert replied.body["version"] == 2
    assert [e["action"] for e in replied.body["timeline"]] == ["submit", "reply"]
    assert "reporter" not in replied.body


def test_reply_and_rating_need_the_token(invoke: Invoke) -> None:
    filed = file(invoke).body
    for name, body in (("post_reply", {"message": "Halo"}), ("post_rating", {"score": 5, "resolved": True})):
        answer = invoke(name, report_id=filed["id"], body=body, drop_headers=("x-report-token",))
        assert answer.status == 401


def test_rating_and_reopening_an_open_report_are_invalid_transitions(invoke: Invoke) -> None:
    filed = file(invoke).body
    token = {"X-Report-Token": filed["access_token"]}
    rated = invoke("post_rating", report_id=filed["id"], body={"score": 4, "resolved": True}, headers=token)
    assert rated.status == 409
    assert rated.error["code"] == "invalid_transition"
    reopened = invoke(
        "post_reply", report_id=filed["id"], body={"message": "Belum beres", "reopen": True}, headers=token
    )
    assert reopened.status == 409


# --- catalog, health, routes -------------------------------------------------------------------------------


def test_catalog_health_and_unknown_routes(invoke: Invoke) -> None:
    categories = invoke("get_categories").body["items"]
    assert len(categories) == 22
    assert {
        "code": "pju",
        "name": "Penerangan jalan umum",
        "default_agency_id": "dishub",
        "default_type": "complaint",
        "active": True,
    } in categories
    agencies = invoke("get_agencies").body["items"]
    assert len(agencies) == 16
    assert invoke("get_health").body == {"status": "ok"}


def test_an_unknown_route_is_404_in_the_error_shape(aws: None) -> None:
    from intake.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    event = build_event("get_health")
    event.update(path="/nowhere", resource="/nowhere")
    result = lambda_handler(event, LambdaContext("intake", 512, 10))
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["error"]["code"] == "not_found"


def test_nothing_personal_reaches_the_logs(
    invoke: Invoke, capsys: pytest.CaptureFixture[str], logs: io.StringIO
) -> None:
    filed = file(invoke).body
    invoke("get_report_with_token", report_id=filed["id"], headers={"X-Report-Token": filed["access_token"]})
    invoke("post_reports", body=valid_report(reporter={**IDENTITY, "email": "broken@"}))
    invoke("post_reports", raw_body='{"reporter": {"name": "Siti Rahayu"')
    out = capsys.readouterr()
    logged = logs.getvalue()
    assert filed["id"] in logged  # the capture works: the filing is logged, by id only
    for marker in (*MARKERS, filed["access_token"]):
        assert marker not in out.out
        assert marker not in out.err
        assert marker not in logged
