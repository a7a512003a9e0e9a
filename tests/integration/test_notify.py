"""The notify function on moto: bus events in, messages on the SNS topic out (read back through SQS)."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from lapor.adapters.dynamodb.codec import to_item
from lapor.adapters.dynamodb.items import identity_item
from lapor.domain.identifiers import derived_access_token, token_hash
from lapor.domain.models import ReporterIdentity
from tests.integration.conftest import EVENTS, DynamoCalls

ID = "LPR-7K3M-9Q2X"
SECRET = "x"
EMAIL = "siti.rahayu@example.id"
PHONE = "081298765432"
IDENTITY = ReporterIdentity(name="Siti Rahayu Wulandari", email=EMAIL, phone=PHONE, nik="3272014501900002")
PERSONAL = (IDENTITY.name, EMAIL, PHONE, "3272014501900002")


@dataclass
class Outbox:
    """An SQS queue subscribed to the notifications topic."""

    sqs: Any
    url: str

    def messages(self) -> list[dict[str, str]]:
        received: list[dict[str, str]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
            batch = answer.get("Messages", [])
            if not batch:
                return received
            for raw in batch:
                envelope = json.loads(raw["Body"])
                attributes = {k: v["Value"] for k, v in envelope["MessageAttributes"].items()}
                received.append({**attributes, "text": envelope["Message"]})
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=raw["ReceiptHandle"])


def _clear_caches() -> None:
    from lapor import wiring
    from lapor.adapters.sns_publisher import sns_client

    for cached in (wiring.notify_settings, wiring.message_sender, wiring.contact_book, sns_client):
        cached.cache_clear()


@pytest.fixture
def outbox(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    url = sqs.create_queue(QueueName="outbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", topic)
    monkeypatch.setenv("TOKEN_SECRET", SECRET)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    _clear_caches()
    yield Outbox(sqs, url)
    _clear_caches()


def load(name: str) -> dict[str, Any]:
    with (EVENTS / "notify" / f"{name}.json").open(encoding="utf-8") as handle:
        event: dict[str, Any] = json.load(handle)
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from notify.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    return lambda_handler(event, LambdaContext("notify", 256, 10))


def put_identity(identity: ReporterIdentity = IDENTITY) -> None:
    boto3.client("dynamodb").put_item(TableName="AppTable", Item=to_item(identity_item(ID, identity)))


def test_a_verified_report_tells_the_reporter_and_the_agency(outbox: Outbox, calls: DynamoCalls) -> None:
    put_identity()
    calls.reset()
    assert invoke(load("report_verified")) == {"sent": 2}
    assert calls.counts == {"Query": 1}
    reporter, agency = sorted(outbox.messages(), key=lambda m: m["channel"])
    assert reporter["channel"] == "email"
    assert reporter["recipient"] == EMAIL
    assert reporter["template"] == "laporan_diverifikasi"
    assert reporter["report_id"] == ID
    assert ID in reporter["text"]
    assert (agency["channel"], agency["recipient"]) == ("staff", "agency:dinas-putr")
    assert agency["template"] == "disposisi_baru"
    assert ID in agency["text"]
    for personal in PERSONAL:
        assert personal not in agency["text"]


def test_a_reporter_without_email_is_told_by_sms(outbox: Outbox) -> None:
    put_identity(IDENTITY.model_copy(update={"email": None}))
    event = load("report_followup")
    assert invoke(event) == {"sent": 1}
    (sms,) = outbox.messages()
    assert (sms["channel"], sms["recipient"], sms["template"]) == ("sms", PHONE, "tindak_lanjut")
    assert len(sms["text"]) <= 160
    assert event["detail"]["note"][:40] in sms["text"]


def test_an_access_link_carries_the_token_rederived_from_the_nonce(outbox: Outbox) -> None:
    put_identity()
    event = load("access_link")
    assert invoke(event) == {"sent": 1}
    (message,) = outbox.messages()
    assert (message["channel"], message["recipient"], message["template"]) == (
        "email",
        EMAIL,
        "access_link",
    )
    token = derived_access_token(SECRET.encode(), ID, "access:" + event["detail"]["nonce"])
    link = f"https://lapor.example.go.id/laporan/{ID}?token={token}"
    assert link in message["text"]
    stored = token_hash(token)  # what the intake side keeps for this nonce
    assert token_hash(message["text"].split("?token=")[1].split()[0]) == stored


def test_a_staff_only_event_reads_no_identity(outbox: Outbox, calls: DynamoCalls) -> None:
    event = load("report_verified")
    event["detail-type"] = "lapor.report.rate"
    event["detail"].update(action="rate", from_status="DONE", to_status="DONE", actor_role="reporter")
    calls.reset()
    assert invoke(event) == {"sent": 1}
    assert calls.counts["Query"] == 0
    (message,) = outbox.messages()
    assert (message["recipient"], message["template"]) == ("agency:dinas-putr", "penilaian_diterima")


def test_without_an_identity_on_file_the_staff_are_still_told(outbox: Outbox) -> None:
    assert invoke(load("report_verified")) == {"sent": 1}
    (message,) = outbox.messages()
    assert message["recipient"] == "agency:dinas-putr"


def _malformed() -> list[tuple[str, dict[str, Any]]]:
    verified = load("report_verified")
    cases: list[tuple[str, dict[str, Any]]] = []

    def variant(reason: str, change: Any) -> None:
        event = copy.deepcopy(verified)
        change(event)
        cases.append((reason, event))

    variant("invalid_detail", lambda e: e["detail"].pop("report_id"))
    variant("invalid_detail", lambda e: e["detail"].update(action="teleport", reporter_email=EMAIL))
    variant("unknown_detail_type", lambda e: e.update({"detail-type": "lapor.metrics.snapshot"}))
    variant("unexpected_source", lambda e: e.update(source="aws.events"))
    variant("unsupported_version", lambda e: e["detail"].update(version=2))
    variant("detail_type_mismatch", lambda e: e.update({"detail-type": "lapor.report.close"}))
    variant("no_detail", lambda e: e.update(detail="not an object"))
    return cases


@pytest.mark.parametrize(("reason", "event"), _malformed())
def test_a_malformed_event_is_dropped_without_raising(
    outbox: Outbox,
    logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    reason: str,
    event: dict[str, Any],
) -> None:
    put_identity()
    assert invoke(event) == {"sent": 0, "dropped": reason}
    assert outbox.messages() == []
    assert "NotificationsDropped" in capsys.readouterr().out
    (line,) = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert (line["message"], line["reason"]) == ("event dropped", reason)
    assert EMAIL not in logs.getvalue()


def test_a_failed_publication_raises_for_eventbridge_to_retry(
    outbox: Outbox, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    from notify.handler import NotificationFailed

    put_identity()
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", "arn:aws:sns:ap-southeast-3:123456789012:gone")
    _clear_caches()
    with pytest.raises(NotificationFailed) as raised:
        invoke(load("report_verified"))
    assert EMAIL not in str(raised.value)
    assert raised.value.__cause__ is None
    assert '"error_type":"NotFoundException"' in logs.getvalue().replace(" ", "")
    out = capsys.readouterr()
    for personal in PERSONAL:
        assert personal not in out.out + out.err + logs.getvalue()


def test_nothing_personal_reaches_the_logs(
    outbox: Outbox, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    put_identity()
    sent: list[dict[str, str]] = []
    for name in ("report_verified", "report_followup", "access_link"):
        invoke(load(name))
        sent += outbox.messages()
    out = capsys.readouterr()
    logged = logs.getvalue() + out.out + out.err
    assert logs.getvalue().count("notifications sent") == 3
    assert "NotificationsSent" in logged
    for personal in PERSONAL:
        assert personal not in logged
    for message in sent:
        assert message["text"] not in logged
    assert "?token=" not in logged
