"""Message abuse, measured (docs/RELIABILITY.md, "Message abuse"): can Lapor be made to message a stranger?

Everything goes through the handlers as in AWS: `POST /reports` (intake), each filing's submit event through
the notifier (as the stream and the bus deliver it), `POST /reports/{id}/access` and each link event through
the notifier. E-mail goes to moto's SES, SMS to a recording channel. The figures are asserted here and
written to `message_abuse.json` under pytest's temporary directory, with one line on the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.fakes import RecordingSender
from tests.integration.conftest import EVENTS, Invoke, filing_code, valid_report

STRANGER = "081377776666"
FILINGS = 20
LINK_REQUESTS = 20
FIGURES: dict[str, Any] = {}


@pytest.fixture
def sms(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingSender]:
    from lapor import wiring
    from lapor.adapters.channels import ChannelRouter, SesEmailSender, sesv2_client

    boto3.client("sesv2").create_email_identity(EmailIdentity="lapor@example.go.id")
    monkeypatch.setenv("NOTIFICATIONS_TOPIC_ARN", "arn:aws:sns:ap-southeast-3:123456789012:unused")
    sesv2_client.cache_clear()
    recorded = RecordingSender()
    email = SesEmailSender("lapor@example.go.id", "lapor-reporters")
    wiring.stand_in("message_sender", ChannelRouter({"email": email, "sms": recorded, "staff": recorded}))
    yield recorded
    wiring.stand_in("message_sender", None)
    sesv2_client.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def figures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    if not FIGURES:
        return
    target = tmp_path_factory.getbasetemp() / "message_abuse.json"
    target.write_text(json.dumps(FIGURES, indent=2, sort_keys=True), encoding="utf-8")
    line = (
        f"message abuse: {FIGURES['filings_naming_one_phone']} filings naming one phone in a WIB day -> "
        f"{FIGURES['messages_to_that_phone']} messages to it; {FIGURES['link_requests_confirmed']} link "
        f"requests for a confirmed contact -> {FIGURES['links_sent_confirmed']} links; "
        f"{FIGURES['link_requests_unconfirmed']} for an unconfirmed one -> "
        f"{FIGURES['links_sent_unconfirmed']}; figures: {target}"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # type: ignore[union-attr]
        print(f"\n{line}")


def deliver(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    """The notifier, given one event as EventBridge delivers it."""
    from notify.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    with (EVENTS / "notify" / "access_link.json").open(encoding="utf-8") as handle:
        event = json.load(handle)
    event.update({"detail-type": detail_type, "detail": detail})
    return lambda_handler(event, LambdaContext("notify", 256, 10))


def submit_event(report_id: str) -> dict[str, Any]:
    """The filing's domain event, as the stream consumer publishes it (from the stored timeline item)."""
    from lapor.domain.events import ReportEvent
    from lapor.wiring import repository

    stored = repository().get(report_id)
    assert stored is not None
    entry = stored.timeline[0]
    event = ReportEvent(
        report_id=report_id, seq=entry.seq, action=entry.action, at=entry.at, actor_role=entry.actor_role
    )
    return event.model_dump(mode="json")


def test_filings_naming_a_strangers_phone_send_it_three_messages_a_day(
    invoke: Invoke, sms: RecordingSender
) -> None:
    for _ in range(FILINGS):
        answer = invoke("post_reports", body=valid_report(reporter={"name": "Siapa Saja", "phone": STRANGER}))
        assert answer.status == 201  # filing itself is never refused for the cap
        deliver("lapor.report.submit", submit_event(answer.body["id"]))
    to_stranger = [m for m in sms.sent if m.recipient == STRANGER]
    assert {m.template for m in to_stranger} == {"confirm_contact"}  # nothing else before confirmation
    FIGURES["filings_naming_one_phone"] = FILINGS
    FIGURES["messages_to_that_phone"] = len(to_stranger)
    assert len(to_stranger) == 3


def test_link_requests_send_three_links_a_day_and_none_to_an_unconfirmed_contact(
    invoke: Invoke, sms: RecordingSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lapor.adapters import event_bus

    published: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(event_bus.EventBridgePublisher, "publish", lambda _s, t, d: published.append((t, d)))
    unconfirmed = invoke("post_reports", body=valid_report(reporter={"name": "A", "phone": STRANGER})).body
    for _ in range(LINK_REQUESTS):
        assert invoke("post_access", report_id=unconfirmed["id"], body={}).status == 202
    sent_unconfirmed = [deliver(t, d)["sent"] for t, d in published]
    FIGURES["link_requests_unconfirmed"] = LINK_REQUESTS
    FIGURES["links_sent_unconfirmed"] = sum(sent_unconfirmed)
    assert FIGURES["links_sent_unconfirmed"] == 0

    published.clear()
    filed = invoke("post_reports", body=valid_report(reporter={"name": "B", "phone": "081355554444"})).body
    code, _ = filing_code(filed["id"])
    headers = {"X-Report-Token": filed["access_token"]}
    assert (
        invoke("post_contact_confirm", report_id=filed["id"], body={"code": code}, headers=headers).status
        == 200
    )
    for _ in range(LINK_REQUESTS):
        assert invoke("post_access", report_id=filed["id"], body={}).status == 202
    sent = [deliver(t, d)["sent"] for t, d in published]
    FIGURES["link_requests_confirmed"] = LINK_REQUESTS
    FIGURES["links_sent_confirmed"] = sum(sent)
    assert FIGURES["links_sent_confirmed"] == 3
    assert len([m for m in sms.sent if m.template == "access_link"]) == 3
