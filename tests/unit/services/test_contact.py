"""Reaching the reporter on the fakes (API.md, "Reaching the reporter"): the code confirms the contact and
nothing else does; five attempts void a code, however they race; access links only to a confirmed contact,
three a report a day, the old token working until the link's is used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from lapor.domain.contact import confirmation_code
from lapor.domain.errors import BadToken, CodeVoid, InvalidCode, StoreUnavailable
from lapor.domain.events import ReportEvent
from lapor.domain.identifiers import derived_access_token
from lapor.services.contact import ContactService
from lapor.services.delivery import DeliveryService
from lapor.services.intake import IntakeService
from tests.fakes import InMemoryTable, RecordingPublisher, RecordingSender
from tests.unit.services.conftest import SECRET, Clock

FileReport = Callable[..., str]


def filed_and_told(file: FileReport, table: InMemoryTable, delivery: DeliveryService) -> tuple[str, str, str]:
    """A report filed, its submit event delivered: (id, token, the code the contact received)."""
    report_id = file()
    [entry] = table.timelines[report_id]
    event = ReportEvent(
        report_id=report_id, seq=entry.seq, action=entry.action, at=entry.at, actor_role=entry.actor_role
    )
    delivery.report_event(event)
    return report_id, f"token-{report_id}", confirmation_code(SECRET, report_id, f"submit-{entry.seq}")


def test_the_code_confirms_the_contact_without_a_new_version(
    contact: ContactService, delivery: DeliveryService, file: FileReport, table: InMemoryTable
) -> None:
    report_id, token, code = filed_and_told(file, table, delivery)
    with pytest.raises(InvalidCode):
        contact.confirm(report_id, token, "000000" if code != "000000" else "111111", SECRET)
    assert contact.confirm(report_id, token, code, SECRET)
    assert contact.confirm(report_id, token, "999999", SECRET)  # again 200 once confirmed, whatever the code
    report = table.reports[report_id]
    assert report.contact_confirmed
    assert report.version == 1
    assert len(table.timelines[report_id]) == 1
    with pytest.raises(BadToken):
        contact.confirm(report_id, "someone-else", code, SECRET)


def test_five_attempts_void_the_code_until_a_new_one_is_sent(
    contact: ContactService, delivery: DeliveryService, file: FileReport, table: InMemoryTable
) -> None:
    report_id, token, code = filed_and_told(file, table, delivery)
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        with pytest.raises(InvalidCode):
            contact.confirm(report_id, token, wrong, SECRET)
    with pytest.raises(CodeVoid):  # the sixth attempt, even with the right code
        contact.confirm(report_id, token, code, SECRET)
    bus = RecordingPublisher()
    assert contact.request_code(report_id, token, bus)
    [(detail_type, detail)] = bus.events
    assert detail_type == "lapor.report.contact_code"
    assert set(detail) == {"version", "report_id", "nonce", "at"}  # no code, no contact
    from lapor.domain.events import ContactCodeRequested

    delivery.contact_code(ContactCodeRequested.model_validate(detail))
    fresh = confirmation_code(SECRET, report_id, detail["nonce"])
    assert contact.confirm(report_id, token, fresh, SECRET)


def test_an_expired_code_is_wrong(
    contact: ContactService, delivery: DeliveryService, file: FileReport, table: InMemoryTable, clock: Clock
) -> None:
    report_id, token, code = filed_and_told(file, table, delivery)
    clock.at += timedelta(hours=24, seconds=1)
    with pytest.raises(InvalidCode):
        contact.confirm(report_id, token, code, SECRET)


def test_access_links_only_to_a_confirmed_contact_three_a_day_and_the_old_token_lives_until_a_link_is_used(
    contact: ContactService,
    delivery: DeliveryService,
    intake: IntakeService,
    file: FileReport,
    table: InMemoryTable,
    sender: RecordingSender,
    clock: Clock,
) -> None:
    report_id, token, code = filed_and_told(file, table, delivery)
    bus = RecordingPublisher()
    assert not contact.request_access(report_id, SECRET, bus)  # unconfirmed: nothing is sent
    contact.confirm(report_id, token, code, SECRET)
    assert [contact.request_access(report_id, SECRET, bus) for _ in range(4)] == [True, True, True, False]
    nonces = [detail["nonce"] for _, detail in bus.events]
    links = [derived_access_token(SECRET, report_id, f"access:{nonce}") for nonce in nonces]
    assert intake.read(report_id, token).id == report_id  # the old token still works
    with pytest.raises(BadToken):
        intake.read(report_id, links[0])  # a newer link voided the older unused one
    assert intake.read(report_id, links[2]).id == report_id  # the newest link's token: first use
    with pytest.raises(BadToken):
        intake.read(report_id, token)  # from then on only that one works
    assert intake.read(report_id, links[2]).version == 1
    clock.at += timedelta(days=1)
    assert contact.request_access(report_id, SECRET, bus)  # a new WIB day
    bus.fail_next = StoreUnavailable("bus")
    with pytest.raises(StoreUnavailable):
        contact.request_access(report_id, SECRET, bus)
    assert table.links[report_id][1] == 1  # the unsent link does not count
    assert not contact.request_access("LPR-0000-0000", SECRET, bus)
    assert not contact.request_access("not-an-id", SECRET, bus)
    assert sender.sent == [
        m for m in sender.sent if m.template == "confirm_contact"
    ]  # the service sends none
