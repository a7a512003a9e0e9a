"""The notify function on moto: bus events in; reporters' e-mail through SES v2 (moto keeps what it sent),
SMS through a recording stand-in for End User Messaging SMS (moto has none), staff messages on the SNS topic
(read back through SQS); delivery records and codes on the table."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from lapor.adapters.dynamodb.codec import to_item
from lapor.adapters.dynamodb.items import identity_item
from lapor.domain.contact import ContactState, ContactStatus, confirmation_code
from lapor.domain.identifiers import derived_access_token, token_hash
from lapor.domain.models import ReporterIdentity
from tests.fakes import RecordingSender
from tests.integration.conftest import EVENTS, DynamoCalls, table_items

ID = "LPR-7K3M-9Q2X"
SECRET = "x"
SENDER = "lapor@example.go.id"
EMAIL = "siti.rahayu@example.id"
PHONE = "081298765432"
IDENTITY = ReporterIdentity(name="Siti Rahayu Wulandari", email=EMAIL, phone=PHONE, nik="3272014501900002")
PERSONAL = (IDENTITY.name, EMAIL, PHONE, "3272014501900002")
CONFIRMED = ContactStatus(state=ContactState.CONFIRMED)


@dataclass
class Channels:
    """What went out: e-mail (moto's SES), SMS (recorded), staff messages (the topic, through SQS)."""

    sqs: Any
    url: str
    sms: RecordingSender

    def emails(self) -> list[dict[str, Any]]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        sent = ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-3"].sent_messages
        return [
            {"to": m.destinations["ToAddresses"], "subject": m.subject, "text": m.body, "source": m.source}
            for m in sent
        ]

    def staff(self) -> list[dict[str, str]]:
        received: list[dict[str, str]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return received
            for raw in batch:
                envelope = json.loads(raw["Body"])
                attributes = {k: v["Value"] for k, v in envelope["MessageAttributes"].items()}
                received.append({**attributes, "text": envelope["Message"]})
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=raw["ReceiptHandle"])


@pytest.fixture
def channels(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Channels]:
    from lapor import wiring
    from lapor.adapters.channels import ChannelRouter, SesEmailSender, sesv2_client
    from lapor.adapters.sns_publisher import SnsPublisher, sns_client

    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDER)
    topic = sns.create_topic(Name="notifications")["TopicArn"]
    url = sqs.create_queue(QueueName="outbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    for name, value in {
        "NOTIFICATIONS_TOPIC_ARN": topic,
        "TOKEN_SECRET": SECRET,
        "EMAIL_SENDER": SENDER,
        "EMAIL_CONFIGURATION_SET": "lapor-reporters",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    sesv2_client.cache_clear()
    sns_client.cache_clear()
    sms = RecordingSender()
    router = ChannelRouter(
        {"email": SesEmailSender(SENDER, "lapor-reporters"), "sms": sms, "staff": SnsPublisher(topic)}
    )
    wiring.stand_in("message_sender", router)
    yield Channels(sqs, url, sms)
    wiring.stand_in("message_sender", None)
    sesv2_client.cache_clear()
    sns_client.cache_clear()


def load(name: str) -> dict[str, Any]:
    with (EVENTS / "notify" / f"{name}.json").open(encoding="utf-8") as handle:
        event: dict[str, Any] = json.load(handle)
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from notify.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    return lambda_handler(event, LambdaContext("notify", 256, 10))


def put_identity(identity: ReporterIdentity = IDENTITY, status: ContactStatus = CONFIRMED) -> None:
    boto3.client("dynamodb").put_item(TableName="AppTable", Item=to_item(identity_item(ID, identity, status)))


def deliveries() -> dict[str, dict[str, Any]]:
    """The delivery records beside the report, by key (plain values)."""
    from lapor.adapters.dynamodb.codec import from_item

    found = [from_item(i) for i in table_items() if i["pk"]["S"] == f"REPORT#{ID}"]
    return {str(i["key"]): i for i in found if str(i["sk"]).startswith("SEND#")}


def test_a_verified_report_tells_a_confirmed_reporter_by_email_and_the_agency(
    channels: Channels, calls: DynamoCalls
) -> None:
    put_identity()
    calls.reset()
    assert invoke(load("report_verified")) == {"sent": 2, "skipped": 0, "refused": 0, "withheld": 0}
    [email] = channels.emails()
    assert (email["to"], email["source"]) == ([EMAIL], SENDER)
    assert ID in email["subject"]
    assert ID in email["text"]
    [agency] = channels.staff()
    assert (agency["channel"], agency["recipient"], agency["template"]) == (
        "staff",
        "agency:dinas-putr",
        "disposisi_baru",
    )
    for personal in PERSONAL:
        assert personal not in agency["text"]
    record = deliveries()["000002-laporan_diverifikasi"]
    assert (record["state"], record["channel"], record["template"]) == (
        "sent",
        "email",
        "laporan_diverifikasi",
    )
    assert EMAIL not in json.dumps(record)  # no address, no words: what staff are shown
    # The contact (Query), the record (Put, then Update once sent): no scan, nothing else.
    assert calls.counts == {"Query": 1, "PutItem": 1, "UpdateItem": 1}


def test_an_unconfirmed_reporter_gets_the_code_and_nothing_else(channels: Channels) -> None:
    put_identity(status=ContactStatus(state=ContactState.UNCONFIRMED))
    assert invoke(load("report_submitted"))["sent"] == 1
    [email] = channels.emails()
    code = confirmation_code(SECRET.encode(), ID, "submit-1")
    assert re.findall(r"(?<!\d)\d{6}(?!\d)", email["text"]) == [code]
    assert "konfirmasi" in email["subject"].lower()
    assert invoke(load("report_verified"))["withheld"] == 1  # not yet confirmed: only the agency is told
    assert len(channels.emails()) == 1
    contact = next(i for i in table_items() if i["pk"]["S"] == f"IDENTITY#{ID}" and i["sk"]["S"] == "I")
    assert contact["code_hash"]["S"] != code  # a keyed hash, never the code
    assert code not in json.dumps(table_items())


def test_a_new_code_on_request_and_none_past_the_contacts_three_a_day(channels: Channels) -> None:
    put_identity(status=ContactStatus(state=ContactState.UNCONFIRMED))
    event = load("contact_code")
    results = []
    for n in range(4):
        event["detail"]["nonce"] = f"nonce-{n}"
        results.append(invoke(event))
    assert [r["sent"] for r in results] == [1, 1, 1, 0]
    assert results[3]["refused"] == 1
    assert deliveries()["code-nonce-3"]["reason"] == "daily_cap"
    event["detail"]["nonce"] = "nonce-2"  # EventBridge delivering one again: no second message
    assert invoke(event) == {"sent": 0, "skipped": 1, "refused": 0, "withheld": 0}
    assert len(channels.emails()) == 3


def test_a_reporter_without_email_is_told_by_sms(channels: Channels) -> None:
    put_identity(IDENTITY.model_copy(update={"email": None}))
    event = load("report_followup")
    assert invoke(event)["sent"] == 1
    [sms] = channels.sms.sent
    assert (sms.channel, sms.recipient, sms.template) == ("sms", PHONE, "tindak_lanjut")
    assert len(sms.text) <= 160
    assert event["detail"]["note"][:40] in sms.text


def test_an_access_link_carries_the_token_in_the_fragment_rederived_from_the_nonce(
    channels: Channels,
) -> None:
    put_identity()
    event = load("access_link")
    assert invoke(event)["sent"] == 1
    [message] = channels.emails()
    token = derived_access_token(SECRET.encode(), ID, "access:" + event["detail"]["nonce"])
    link = f"https://lapor.example.go.id/laporan/{ID}#token={token}"
    assert link in message["text"]
    assert token_hash(message["text"].split("#token=")[1].split()[0]) == token_hash(token)


def test_a_staff_only_event_reads_no_identity(channels: Channels, calls: DynamoCalls) -> None:
    event = load("report_verified")
    event["detail-type"] = "lapor.report.rate"
    event["detail"].update(action="rate", from_status="DONE", to_status="DONE", actor_role="reporter")
    calls.reset()
    assert invoke(event)["sent"] == 1
    assert calls.counts["Query"] == 0
    [message] = channels.staff()
    assert (message["recipient"], message["template"]) == ("agency:dinas-putr", "penilaian_diterima")


def test_without_an_identity_on_file_the_staff_are_still_told(channels: Channels) -> None:
    assert invoke(load("report_verified"))["sent"] == 1
    [message] = channels.staff()
    assert message["recipient"] == "agency:dinas-putr"


def test_an_address_ses_refuses_is_recorded_as_failed(
    channels: Channels, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lapor import wiring
    from lapor.adapters.channels import ChannelRouter, SesEmailSender
    from lapor.adapters.sns_publisher import SnsPublisher

    put_identity()
    unverified = SesEmailSender("nobody@unverified.example", "lapor-reporters")  # moto: MessageRejected
    topic = boto3.client("sns").create_topic(Name="notifications")["TopicArn"]
    router = ChannelRouter({"email": unverified, "sms": channels.sms, "staff": SnsPublisher(topic)})
    wiring.stand_in("message_sender", router)
    assert invoke(load("report_verified"))["refused"] == 1
    record = deliveries()["000002-laporan_diverifikasi"]
    assert (record["state"], record["reason"]) == ("failed", "rejected")


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
    channels: Channels,
    logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    reason: str,
    event: dict[str, Any],
) -> None:
    put_identity()
    assert invoke(event) == {"sent": 0, "dropped": reason}
    assert channels.emails() == []
    assert channels.staff() == []
    assert "NotificationsDropped" in capsys.readouterr().out
    (line,) = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert (line["message"], line["reason"]) == ("event dropped", reason)
    assert EMAIL not in logs.getvalue()


def test_a_failed_publication_raises_for_eventbridge_to_retry(
    channels: Channels, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    from lapor import wiring
    from lapor.adapters.channels import ChannelRouter
    from lapor.adapters.sns_publisher import SnsPublisher
    from notify.handler import NotificationFailed

    put_identity()
    gone = SnsPublisher("arn:aws:sns:ap-southeast-3:123456789012:gone")
    wiring.stand_in("message_sender", ChannelRouter({"email": channels.sms, "staff": gone}))
    with pytest.raises(NotificationFailed) as raised:
        invoke(load("report_verified"))
    assert EMAIL not in str(raised.value)
    assert raised.value.__cause__ is None
    assert '"error_type":"NotFoundException"' in logs.getvalue().replace(" ", "")
    out = capsys.readouterr()
    for personal in PERSONAL:
        assert personal not in out.out + out.err + logs.getvalue()


def test_nothing_personal_reaches_the_logs(
    channels: Channels, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    put_identity()
    for name in ("report_verified", "report_followup", "access_link"):
        invoke(load(name))
    out = capsys.readouterr()
    logged = logs.getvalue() + out.out + out.err
    assert logs.getvalue().count("notifications delivered") == 3
    assert "NotificationsSent" in logged
    for personal in PERSONAL:
        assert personal not in logged
    for message in channels.emails():
        assert message["text"] not in logged
    assert "#token=" not in logged
