"""The notifier's rules on the fakes: an unconfirmed contact gets the code and nothing else, three codes a
contact a WIB day however many reports name it; a confirmed one gets every message, each once however often
the event comes; refusals, passing faults, the SMS budget; feedback stops messages to a bounced contact."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from lapor.domain.contact import confirmation_code
from lapor.domain.delivery import DeliveryState, Outcome
from lapor.domain.events import AccessLinkRequested, ReportEvent
from lapor.domain.lifecycle import Action, Role, Status
from lapor.domain.staff_inputs import FollowupInput, VerifyInput
from lapor.services.casework import CaseworkService
from lapor.services.contact import ContactService
from lapor.services.delivery import DeliveryService, SmsBudget
from lapor.services.delivery_feedback import DeliveryFeedbackService, Feedback
from tests.fakes import InMemoryTable, RecordingSender
from tests.unit.services.conftest import COORDINATOR, DISHUB_OPERATOR, SECRET, Clock

FileReport = Callable[..., str]
VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")
SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


def event_of(table: InMemoryTable, report_id: str, seq: int) -> ReportEvent:
    entry = next(e for e in table.timelines[report_id] if e.seq == seq)
    return ReportEvent(
        report_id=report_id,
        seq=entry.seq,
        action=entry.action,
        from_status=entry.from_status,
        to_status=entry.to_status,
        at=entry.at,
        actor_role=entry.actor_role,
        agency_id="dishub" if entry.to_status in (Status.DISPOSED, Status.IN_PROGRESS) else None,
        note=entry.note,
    )


def confirmed(
    file: FileReport, table: InMemoryTable, delivery: DeliveryService, contact: ContactService, **kw: object
) -> str:
    report_id = file(**kw)
    delivery.report_event(event_of(table, report_id, 1))
    contact.confirm(report_id, f"token-{report_id}", confirmation_code(SECRET, report_id, "submit-1"), SECRET)
    return report_id


def test_filing_sends_the_code_and_nothing_else(
    delivery: DeliveryService, file: FileReport, table: InMemoryTable, sender: RecordingSender
) -> None:
    report_id = file()
    done = delivery.report_event(event_of(table, report_id, 1))
    [message] = sender.sent
    assert (message.template, message.channel, message.recipient) == (
        "confirm_contact",
        "email",
        "dewi@example.id",
    )
    code = confirmation_code(SECRET, report_id, "submit-1")
    assert SIX_DIGITS.findall(message.text) == [code] * len(SIX_DIGITS.findall(message.text))
    assert code in message.text
    assert (done.sent, done.withheld) == (1, 1)  # laporan_diterima is withheld until confirmation
    [record] = table.deliveries[report_id].values()
    assert (record.template, record.state) == ("confirm_contact", DeliveryState.SENT)


def test_three_codes_a_contact_a_day_however_many_reports_name_it(
    file: FileReport, table: InMemoryTable, sender: RecordingSender, clock: Clock
) -> None:
    budget = SmsBudget(monthly_limit=10_000_000, per_message=50_000)
    delivery = DeliveryService(
        table, table, sender, secret=lambda: SECRET, base_url="https://x.id", sms_budget=budget, now=clock.now
    )
    reports = [file(reporter={"name": "Korban", "phone": "0812 3456 7890"}) for _ in range(5)]
    reports.append(file(reporter={"name": "Korban", "phone": "+62812-3456-7890"}))  # the same number
    for report_id in reports:
        delivery.report_event(event_of(table, report_id, 1))
    assert len(sender.sent) == 3
    assert len(table.reports) == 6  # filing itself is never refused
    capped = [d for r in reports[3:] for d in table.deliveries[r].values()]
    assert {(d.state, d.reason) for d in capped} == {(DeliveryState.FAILED, "daily_cap")}
    clock.at += timedelta(days=1)
    other = file(reporter={"name": "Korban", "phone": "081234567890"})
    delivery.report_event(event_of(table, other, 1))
    assert len(sender.sent) == 4  # a new WIB day


def test_a_confirmed_contact_gets_every_message_once_however_often_the_event_comes(
    delivery: DeliveryService,
    contact: ContactService,
    casework: CaseworkService,
    file: FileReport,
    table: InMemoryTable,
    sender: RecordingSender,
) -> None:
    report_id = confirmed(file, table, delivery, contact)
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    casework.follow_up(DISHUB_OPERATOR, report_id, FollowupInput(message="Petugas ke lokasi besok."), None)
    for _ in range(3):  # EventBridge delivers at least once
        delivery.report_event(event_of(table, report_id, 3))
    told = [m for m in sender.sent if m.recipient == "dewi@example.id" and m.template == "tindak_lanjut"]
    assert len(told) == 1
    assert "Petugas ke lokasi besok." in told[0].text
    record = table.deliveries[report_id]["000003-tindak_lanjut"]
    assert record.state is DeliveryState.SENT


def test_an_access_link_goes_to_a_confirmed_contact_with_the_token_in_the_fragment(
    delivery: DeliveryService,
    contact: ContactService,
    file: FileReport,
    table: InMemoryTable,
    sender: RecordingSender,
    clock: Clock,
) -> None:
    unconfirmed = file()
    request = AccessLinkRequested(report_id=unconfirmed, nonce="n1", at=clock.now())
    assert delivery.access_link(request).withheld == 1
    report_id = confirmed(file, table, delivery, contact)
    delivery.access_link(AccessLinkRequested(report_id=report_id, nonce="n2", at=clock.now()))
    link = sender.sent[-1]
    assert link.template == "access_link"
    assert f"/laporan/{report_id}#token=" in link.text
    assert "?token=" not in link.text


def test_refusals_are_recorded_and_passing_faults_retried_without_a_second_message(
    delivery: DeliveryService, file: FileReport, table: InMemoryTable, sender: RecordingSender
) -> None:
    refused = file(reporter={"name": "A", "email": "gone@example.id"})
    sender.refuse["gone@example.id"] = "rejected"
    assert delivery.report_event(event_of(table, refused, 1)).refused == 1
    [record] = table.deliveries[refused].values()
    assert (record.state, record.reason) == (DeliveryState.FAILED, "rejected")

    flaky = file()
    sender.fail_next = TimeoutError("slow provider")
    with pytest.raises(TimeoutError):
        delivery.report_event(event_of(table, flaky, 1))
    [record] = table.deliveries[flaky].values()
    assert record.state is DeliveryState.SENDING
    delivery.report_event(event_of(table, flaky, 1))  # EventBridge retries the event
    assert [m.template for m in sender.to("dewi@example.id")] == ["confirm_contact"]
    assert table.deliveries[flaky][record.key].state is DeliveryState.SENT


def test_sms_past_the_months_budget_are_held_back(
    delivery: DeliveryService, file: FileReport, table: InMemoryTable, sender: RecordingSender
) -> None:
    numbers = [f"08120000000{n}" for n in range(5)]
    for number in numbers:
        delivery.report_event(event_of(table, file(reporter={"name": "B", "phone": number}), 1))
    assert len([m for m in sender.sent if m.channel == "sms"]) == 3  # the budget holds three
    reasons = {d.reason for records in table.deliveries.values() for d in records.values()}
    assert "spend_limit" in reasons
    assert all(len(m.text) <= 160 for m in sender.sent)


def test_a_bounced_contact_gets_nothing_more_and_an_open311_reporter_nothing_at_all(
    delivery: DeliveryService,
    contact: ContactService,
    casework: CaseworkService,
    file: FileReport,
    table: InMemoryTable,
    sender: RecordingSender,
    clock: Clock,
) -> None:
    report_id = confirmed(file, table, delivery, contact)
    feedback = DeliveryFeedbackService(table, table)
    bounce = Outcome(DeliveryState.BOUNCED, "bounce", undeliverable=True)
    assert feedback.record(Feedback(report_id, "code-submit-1", bounce, clock.now()))
    assert not feedback.record(
        Feedback(report_id, "code-submit-1", Outcome(DeliveryState.DELIVERED), clock.now())
    )
    assert not table.reports[report_id].contact_confirmed
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    before = len(sender.to("dewi@example.id"))
    assert delivery.report_event(event_of(table, report_id, 2)).withheld == 1
    assert len(sender.to("dewi@example.id")) == before  # the agency is told; the reporter is not

    table.contacts[report_id] = table.contacts[report_id].model_copy(update={"state": "client"})
    assert delivery.report_event(event_of(table, report_id, 1)).sent == 0
    assert table.timelines[report_id][0].actor_role is Role.REPORTER
    assert table.timelines[report_id][0].action is Action.SUBMIT
