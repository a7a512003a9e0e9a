"""The stream consumer on moto's own stream records: route suggestions, auto-disposition, domain events,
partial batch failures."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

from tests.integration.conftest import Invoke, valid_report
from tools.lambda_context import LambdaContext


class Published:
    """A fake bus: what the consumer published, in order."""

    def __init__(self, fail_for: str | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._fail_for = fail_for

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        if self._fail_for and detail.get("report_id") == self._fail_for:
            raise RuntimeError("bus refused")
        self.events.append((detail_type, detail))


def stream_records() -> list[dict[str, Any]]:
    """Every record of the table's stream so far, in the shape Lambda delivers them."""
    client = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    arn = client.describe_table(TableName="AppTable")["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            shaped = json.loads(json.dumps(record, default=str))
            shaped["eventSourceARN"] = arn
            records.append(shaped)
    return records


def matching(records: list[dict[str, Any]], report_id: str) -> list[dict[str, Any]]:
    """The INSERTs of one report's item and timeline entries, as the template's filter lets through."""
    key = {"S": f"REPORT#{report_id}"}
    return [
        r
        for r in records
        if r["eventName"] == "INSERT"
        and r["dynamodb"]["Keys"]["pk"] == key
        and (r["dynamodb"]["Keys"]["sk"]["S"] == "R" or r["dynamodb"]["Keys"]["sk"]["S"].startswith("T#"))
    ]


def consume(records: list[dict[str, Any]], published: Published) -> dict[str, Any]:
    from lapor import wiring
    from lapor.services.report_stream import ReportStreamService
    from report_stream.handler import process

    service = ReportStreamService(wiring.repository(), wiring.city_setup(), published)
    return process({"Records": records}, LambdaContext("report-stream", 512, 30), service)


def file(invoke: Invoke, **overrides: Any) -> dict[str, Any]:
    answer = invoke("post_reports", body=valid_report(**overrides))
    assert answer.status == 201, answer.body
    return dict(answer.body)


def test_a_new_report_gets_a_suggested_agency_without_a_new_version(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    published = Published()
    assert consume(matching(stream_records(), filed["id"]), published) == {"batchItemFailures": []}
    read = staff("get_staff_report", "coordinator", report_id=filed["id"]).body
    assert read["suggested_agency_id"] == "dishub"
    assert read["version"] == 1
    assert read["status"] == "SUBMITTED"
    inbox = staff("get_staff_reports", "coordinator", query={"status": "SUBMITTED"}).body["items"]
    assert [(i["id"], i["suggested_agency_id"]) for i in inbox] == [(filed["id"], "dishub")]
    assert [t for t, _ in published.events] == ["lapor.report.submit"]


def test_an_auto_dispose_rule_verifies_and_assigns_as_the_system(invoke: Invoke, staff: Invoke) -> None:
    rules = {"rules": [{"category": "pju", "agency_id": "dishub", "auto_dispose": True}]}
    assert staff("put_routing_rules", "coordinator", body=rules).status == 200
    filed = file(invoke)
    published = Published()
    consume(matching(stream_records(), filed["id"]), published)
    read = staff("get_staff_report", "operator", "dishub", report_id=filed["id"]).body
    assert read["status"] == "DISPOSED"
    assert read["agency"]["id"] == "dishub"
    assert [(e["action"], e["actor_role"]) for e in read["timeline"]] == [
        ("submit", "reporter"),
        ("verify", "system"),
    ]
    consume(matching(stream_records(), filed["id"])[-1:], published)  # the verify entry's own record
    assert [t for t, _ in published.events] == ["lapor.report.submit", "lapor.report.verify"]


def test_events_carry_no_identity_no_internal_note_and_no_reporters_words(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file(invoke, reporter={"name": "Yanti Susanti", "phone": "081399990000"})
    token = {"X-Report-Token": filed["access_token"]}
    staff("post_verify", "coordinator", report_id=filed["id"])
    staff(
        "post_followups",
        "operator",
        "dishub",
        report_id=filed["id"],
        body={"message": "Rahasia", "internal": True},
    )
    staff("post_followups", "operator", "dishub", report_id=filed["id"])
    invoke("post_reply", report_id=filed["id"], body={"message": "HP saya 081399990000"}, headers=token)
    published = Published()
    consume(matching(stream_records(), filed["id"]), published)
    actions = [detail["action"] for _, detail in published.events]
    assert actions == ["submit", "verify", "note", "followup", "reply"]
    text = json.dumps([detail for _, detail in published.events])
    for secret in ("Yanti", "081399990000", "Rahasia", filed["access_token"]):
        assert secret not in text
    followup = published.events[3][1]
    assert followup["note"] == "Petugas akan memeriksa lokasi besok pagi."
    assert followup["agency_id"] == "dishub"
    assert followup["version"] == 1


def test_a_poison_record_fails_alone(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    staff("post_verify", "coordinator", report_id=filed["id"])
    for n in range(8):
        staff("post_followups", "operator", "dishub", report_id=filed["id"], body={"message": f"Langkah {n}"})
    records = [r for r in matching(stream_records(), filed["id"]) if r["dynamodb"]["Keys"]["sk"]["S"] != "R"]
    assert len(records) == 10
    poison = copy.deepcopy(records[4])
    poison["dynamodb"]["NewImage"]["action"] = {"S": "vanish"}
    batch = [*records[:4], poison, *records[5:]]
    published = Published()
    answer = consume(batch, published)
    assert answer == {"batchItemFailures": [{"itemIdentifier": poison["dynamodb"]["SequenceNumber"]}]}
    assert len(published.events) == 9


def test_a_bus_failure_fails_only_that_record(invoke: Invoke) -> None:
    first, second = file(invoke), file(invoke)
    records = matching(stream_records(), first["id"]) + matching(stream_records(), second["id"])
    published = Published(fail_for=first["id"])
    answer = consume([r for r in records if r["dynamodb"]["Keys"]["sk"]["S"] != "R"], published)
    assert len(answer["batchItemFailures"]) == 1
    assert [d["report_id"] for _, d in published.events] == [second["id"]]
