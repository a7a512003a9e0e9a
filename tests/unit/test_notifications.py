"""Which messages each domain event sends, to whom, and in what words (lapor.domain.notifications)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from lapor.adapters.sns_publisher import SnsPublisher
from lapor.domain.events import AccessLinkRequested, ReportEvent
from lapor.domain.lifecycle import Action, Role, Status
from lapor.domain.models import ReporterIdentity
from lapor.domain.notifications import (
    SMS_LIMIT,
    Contact,
    Message,
    access_link,
    access_link_message,
    contact_of,
    messages_for,
    needs_contact,
)

ID = "LPR-7K3M-9Q2X"
AT = datetime(2026, 11, 24, 3, 15, tzinfo=UTC)
EMAIL = Contact("email", "siti@example.id")
SMS = Contact("sms", "081234567890")
IDENTITY = ReporterIdentity(name="Siti Aminah", email="siti@example.id", phone="081234567890", nik=None)
NOTE = "Lubang sudah ditambal oleh tim DPUTR pada 25 November. Mohon kabari bila masih ada kerusakan."
LONG_NOTE = "Perbaikan saluran di Jl. Cikole selesai dikerjakan. " * 12

# The GSM 03.38 basic character set: a text of these alone fits 160 characters in one SMS.
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def event(action: Action, **fields: Any) -> ReportEvent:
    base: dict[str, Any] = {
        "report_id": ID,
        "seq": 2,
        "action": action,
        "at": AT,
        "actor_role": Role.SYSTEM,
        "agency_id": "dinas-putr",
        "report_type": "complaint",
        "category": "jalan",
    }
    base.update(fields)
    return ReportEvent(**base)


def sent(e: ReportEvent, contact: Contact | None = EMAIL) -> list[tuple[str, str, str]]:
    return [(m.channel, m.recipient, m.template) for m in messages_for(e, contact)]


REPORTER = ("email", EMAIL.address)
AGENCY = ("staff", "agency:dinas-putr")
COORD = ("staff", "coordinator")
LEAD = ("staff", "leadership")

# (event, expected (channel, recipient, template) in order)
CASES: list[tuple[ReportEvent, list[tuple[str, str, str]]]] = [
    (event(Action.SUBMIT, actor_role=Role.REPORTER, agency_id=None), [(*REPORTER, "laporan_diterima")]),
    (
        event(Action.VERIFY, actor_role=Role.COORDINATOR, to_status=Status.DISPOSED),
        [(*REPORTER, "laporan_diverifikasi"), (*AGENCY, "disposisi_baru")],
    ),
    (event(Action.SUSPEND, note="Foto lokasi"), [(*REPORTER, "laporan_ditunda")]),
    (event(Action.COMPLETE, agency_id=None), [(*COORD, "laporan_dilengkapi")]),
    (event(Action.ARCHIVE, note="Bukan kewenangan"), [(*REPORTER, "laporan_diarsipkan")]),
    (event(Action.REFER, note="Ke BPN"), [(*REPORTER, "laporan_dirujuk")]),
    (event(Action.RETURN, note="Bukan wilayah kami"), [(*COORD, "laporan_dikembalikan")]),
    (
        event(Action.FORWARD, agency_id="dishub", previous_agency_id="dinas-putr"),
        [("staff", "agency:dishub", "disposisi_pelimpahan")],
    ),
    (event(Action.FOLLOWUP, note=NOTE), [(*REPORTER, "tindak_lanjut")]),
    (event(Action.FOLLOWUP, internal=True, note=None), []),
    (event(Action.NOTE, internal=True), []),
    (event(Action.REPLY, to_status=Status.IN_PROGRESS), [(*AGENCY, "balasan_pelapor")]),
    (event(Action.REPLY, to_status=Status.SUBMITTED, agency_id=None), [(*COORD, "balasan_pelapor")]),
    (event(Action.REPLY, to_status=Status.SUBMITTED), [(*COORD, "balasan_pelapor")]),
    (event(Action.REOPEN, to_status=Status.IN_PROGRESS), [(*AGENCY, "laporan_dibuka_kembali")]),
    (event(Action.CLOSE, note="Jalan sudah diaspal ulang."), [(*REPORTER, "laporan_selesai")]),
    (event(Action.AUTO_CLOSE), [(*REPORTER, "laporan_selesai_otomatis")]),
    (event(Action.RATE, to_status=Status.DONE), [(*AGENCY, "penilaian_diterima")]),
    (event(Action.REMIND, level=0, clock="verify", agency_id=None), [(*COORD, "pengingat_tenggat")]),
    (event(Action.REMIND, level=0, clock="respond"), [(*AGENCY, "pengingat_tenggat")]),
    (event(Action.REMIND, level=0, clock="resolve"), [(*AGENCY, "pengingat_tenggat")]),
    (
        event(Action.BREACH, level=1, clock="resolve"),
        [(*AGENCY, "tenggat_terlampaui"), (*COORD, "tenggat_terlampaui")],
    ),
    (event(Action.BREACH, level=1, clock="verify"), [(*COORD, "tenggat_terlampaui")]),
    (
        event(Action.ESCALATE, level=2, clock="respond"),
        [(*LEAD, "eskalasi"), (*COORD, "eskalasi"), (*REPORTER, "hak_ombudsman")],
    ),
    (event(Action.EXPIRE), [(*REPORTER, "laporan_kedaluwarsa")]),
    (event(Action.DEADLINE_RECOMPUTED), []),
    (
        event(Action.PRIVACY_TIGHTENED, actor_role=Role.COORDINATOR, note="rahasia"),
        [(*REPORTER, "privasi_diperketat")],
    ),
    (event(Action.IDENTITY_ERASED, actor_role=Role.COORDINATOR), []),
    (event(Action.REDACT, actor_role=Role.COORDINATOR), []),
]


@pytest.mark.parametrize(("e", "expected"), CASES, ids=[f"{e.action}-{i}" for i, (e, _) in enumerate(CASES)])
def test_each_event_notifies_whom_it_should(e: ReportEvent, expected: list[tuple[str, str, str]]) -> None:
    assert sent(e) == expected
    assert needs_contact(e) == any(channel == "email" for channel, _, _ in expected)


def test_every_action_is_covered() -> None:
    assert {e.action for e, _ in CASES} == set(Action)


@pytest.mark.parametrize("contact", [EMAIL, SMS, None])
def test_every_message_names_the_tracking_id_and_staff_never_the_reporter(contact: Contact | None) -> None:
    for e, _ in CASES:
        for message in messages_for(e, contact):
            assert ID in message.text
            assert message.report_id == ID
            if message.channel == "staff":
                assert message.recipient in {"coordinator", "leadership"} or message.recipient.startswith(
                    "agency:"
                )
                for personal in (EMAIL.address, SMS.address, IDENTITY.name):
                    assert personal not in message.text


def test_staff_messages_do_not_depend_on_the_contact() -> None:
    for e, _ in CASES:
        staff = [m for m in messages_for(e, EMAIL) if m.channel == "staff"]
        assert staff == [m for m in messages_for(e, None) if m.channel == "staff"]


def test_without_a_contact_the_reporters_messages_are_left_out() -> None:
    assert messages_for(event(Action.SUBMIT), None) == []
    assert sent(event(Action.VERIFY), None) == [(*AGENCY, "disposisi_baru")]


def test_an_internal_note_is_never_sent_even_if_an_event_carried_its_words() -> None:
    for action in (Action.FOLLOWUP, Action.NOTE):
        secret = "catatan internal: jangan diteruskan"
        assert messages_for(event(action, internal=True, note=secret), EMAIL) == []


def test_the_reporter_is_told_the_staffs_words() -> None:
    for action in (Action.FOLLOWUP, Action.SUSPEND, Action.ARCHIVE, Action.REFER, Action.CLOSE):
        (email,) = messages_for(event(action, note=NOTE), EMAIL)
        assert NOTE in email.text
        (sms,) = messages_for(event(action, note=NOTE), SMS)
        assert sms.channel == "sms"
        assert sms.recipient == SMS.address
        assert NOTE[:40] in sms.text


def test_escalation_points_the_reporter_to_the_ombudsman() -> None:
    (_, _, told) = messages_for(event(Action.ESCALATE, level=2, clock="resolve"), SMS)
    assert "Ombudsman RI" in told.text
    assert "ombudsman.go.id" in told.text
    assert "137" in told.text


def test_the_verified_message_names_no_agency_it_does_not_know() -> None:
    (told, new) = messages_for(event(Action.VERIFY), EMAIL)
    assert "perangkat daerah terkait" in told.text
    assert "dinas-putr" not in told.text
    assert "kategori jalan" in new.text


def _reporter_sms(e: ReportEvent) -> Message:
    (sms,) = [m for m in messages_for(e, SMS) if m.channel == "sms"]
    return sms


COMMON = [
    event(Action.SUBMIT),
    event(Action.VERIFY),
    event(Action.SUSPEND, note="Foto lokasi dan alamat lengkap."),
    event(Action.FOLLOWUP, note=NOTE),
    event(Action.CLOSE, note="Jalan sudah diaspal ulang."),
    event(Action.AUTO_CLOSE),
    event(Action.ARCHIVE, note="Laporan ganda."),
    event(Action.REFER, note="Kewenangan BPN."),
    event(Action.ESCALATE, level=2, clock="respond"),
    event(Action.EXPIRE),
]


@pytest.mark.parametrize("e", COMMON, ids=[e.action.value for e in COMMON])
def test_the_reporters_common_sms_fit_one_message(e: ReportEvent) -> None:
    text = _reporter_sms(e).text
    assert len(text) <= SMS_LIMIT
    assert set(text) <= GSM


@pytest.mark.parametrize(
    "e", [event(Action.CLOSE, note="Jalan sudah diaspal ulang."), event(Action.AUTO_CLOSE)]
)
def test_a_closed_reports_sms_invites_a_rating(e: ReportEvent) -> None:
    assert "penilaian" in _reporter_sms(e).text


@pytest.mark.parametrize("action", [Action.FOLLOWUP, Action.SUSPEND, Action.CLOSE, Action.ARCHIVE])
def test_a_long_note_is_shortened_in_an_sms_but_not_in_an_email(action: Action) -> None:
    e = event(action, note=LONG_NOTE)
    text = _reporter_sms(e).text
    assert len(text) <= SMS_LIMIT
    assert text.startswith("Laporan") or text.startswith("Ada tindak lanjut")
    assert ID in text
    assert text.endswith("...")
    (email,) = messages_for(e, EMAIL)
    assert LONG_NOTE.strip() in email.text


def test_the_access_link_message() -> None:
    request = AccessLinkRequested(report_id=ID, nonce="n-1", at=AT)
    link = access_link("https://lapor.example.go.id/", ID, "T" * 32)
    assert (
        link == f"https://lapor.example.go.id/laporan/{ID}#token={'T' * 32}"
    )  # a fragment: no server sees it
    sms = access_link_message(request, SMS, link)
    assert (sms.channel, sms.recipient, sms.template) == ("sms", SMS.address, "access_link")
    assert link in sms.text
    assert len(sms.text) <= SMS_LIMIT
    email = access_link_message(request, EMAIL, link)
    assert (email.channel, email.recipient) == ("email", EMAIL.address)
    assert link in email.text


def test_the_contact_is_the_email_when_given_else_the_phone() -> None:
    assert contact_of(IDENTITY) == EMAIL
    assert contact_of(IDENTITY.model_copy(update={"email": None})) == SMS


def test_reprs_keep_recipients_and_text_out() -> None:
    (message,) = messages_for(event(Action.FOLLOWUP, note=NOTE), EMAIL)
    for shown in (repr(message), repr(EMAIL), str(SMS)):
        assert EMAIL.address not in shown
        assert SMS.address not in shown
        assert NOTE not in shown


class FakeSns:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> Any:
        self.requests.append(request)
        return {"MessageId": "m-1"}


def test_the_publisher_sends_the_text_with_its_attributes() -> None:
    client = FakeSns()
    topic = "arn:aws:sns:ap-southeast-3:123456789012:notifications"
    (message,) = messages_for(event(Action.SUBMIT), SMS)
    SnsPublisher(topic, cast(Any, client)).send(message)
    (request,) = client.requests
    assert request["TopicArn"] == topic
    assert request["Message"] == message.text
    assert request["MessageAttributes"] == {
        "channel": {"DataType": "String", "StringValue": "sms"},
        "recipient": {"DataType": "String", "StringValue": SMS.address},
        "template": {"DataType": "String", "StringValue": "laporan_diterima"},
        "report_id": {"DataType": "String", "StringValue": ID},
    }
