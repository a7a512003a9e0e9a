"""Input models, the audiences' views, ids and tokens, and the caller's language."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from lapor.domain.errors import NotFound
from lapor.domain.identifiers import (
    derived_access_token,
    is_report_id,
    new_access_token,
    new_report_id,
    token_hash,
    token_matches,
)
from lapor.domain.lifecycle import Action
from lapor.domain.messages import field_message, language
from lapor.domain.models import IdentityOnFile, NewReport, ReporterIdentity, TimelineEntry
from lapor.domain.views import own_view, public_view, reporter_view
from lapor.domain.wallclock import today_wib
from tests.unit.builders import OPERATOR, PUTR, REPORTER, act, new_report, submitted, verified, wib

IDENTITY = ReporterIdentity(
    name="Siti Aminah", email="siti@example.id", phone="081234567890", nik="3272010101900001"
)
MARKERS = ("Siti Aminah", "siti@example.id", "081234567890", "3272010101900001")
SHOWN = IdentityOnFile.of(IDENTITY, "sealed").shown()


def _errors(**overrides: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        new_report(**overrides)
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": "abc"}, ("title", "string_too_short")),
        ({"title": "     a    "}, ("title", "string_too_short")),
        ({"title": "x" * 151}, ("title", "string_too_long")),
        ({"description": "pendek"}, ("description", "string_too_short")),
        ({"type": "gossip"}, ("type", "literal_error")),
        ({"anonymous": "yes"}, ("anonymous", "bool_type")),
        ({"category": "Bad Code!"}, ("category", "invalid_code")),
        ({"location": {"lat": -91, "lon": 0}}, ("location.lat", "greater_than_equal")),
        ({"location": {"lat": "1.5", "lon": 0}}, ("location.lat", "float_type")),
        ({"incident_date": "2026/01/01"}, ("incident_date", "date_format")),
        ({"incident_date": 1700000000}, ("incident_date", "date_format")),
        ({"reporter": {"name": "Siti"}}, ("reporter", "contact_required")),
        ({"reporter": {"name": "Siti", "email": "bukan-email"}}, ("reporter.email", "invalid_email")),
        ({"reporter": {"name": "Siti", "phone": "12ab"}}, ("reporter.phone", "invalid_phone")),
        (
            {"reporter": {"name": "Siti", "phone": "0812345678", "nik": "123"}},
            ("reporter.nik", "invalid_nik"),
        ),
        ({"surprise": True}, ("surprise", "extra_forbidden")),
    ],
)
def test_bad_fields_are_named(overrides: dict[str, Any], expected: tuple[str, str]) -> None:
    assert expected in _errors(**overrides)


def test_an_incident_date_in_the_future_is_refused_and_today_is_fine() -> None:
    assert ("incident_date", "future_date") in _errors(
        incident_date=(today_wib() + timedelta(days=1)).isoformat()
    )
    assert new_report(incident_date=today_wib().isoformat()).incident_date == today_wib()


def test_text_is_kept_verbatim() -> None:
    title = "Banjir 🌊 di \u200fشارع\u200e <b>Cikole</b>'; DROP TABLE reports;--"
    report = new_report(title=title, description="  " + "Air setinggi lutut 💧. " * 2 + "  ")
    assert report.title == title
    assert report.description.startswith("  Air")


def test_identity_never_shows_in_a_repr() -> None:
    assert "Siti" not in repr(IDENTITY)
    assert "Siti" not in repr(new_report())


def test_a_report_is_not_public_until_verified() -> None:
    report = submitted()
    with pytest.raises(NotFound):
        public_view(report, [])


def test_a_confidential_report_is_never_public() -> None:
    with pytest.raises(NotFound):
        public_view(verified(confidential=True), [])


def _timeline() -> list[TimelineEntry]:
    disposed = verified()
    followed = act(disposed, Action.FOLLOWUP, OPERATOR, wib(2026, 11, 25, 9), note="Dicek lapangan")
    noted = act(followed.after, Action.NOTE, OPERATOR, wib(2026, 11, 25, 10), note="Internal", internal=True)
    reply = act(noted.after, Action.REPLY, REPORTER, wib(2026, 11, 25, 11), note="Nomor saya 081234567890")
    return [followed.entry, noted.entry, reply.entry]


def test_the_public_view_has_no_identity_no_internal_notes_and_no_reporter_words() -> None:
    report = verified()
    view = public_view(report, _timeline())
    text = view.model_dump_json()
    for marker in MARKERS:
        assert marker not in text
    actions = [entry.action for entry in view.timeline]
    assert Action.NOTE not in actions
    assert [e.note for e in view.timeline if e.action is Action.REPLY] == [None]
    assert "reporter" not in json.loads(text)


def test_the_public_reads_no_staff_reason_only_follow_ups_and_the_resolution() -> None:
    from tests.unit.builders import COORDINATOR, OFFICIAL, SUSPEND_REASON

    waiting = submitted()
    suspended = act(waiting, Action.SUSPEND, COORDINATOR, wib(2026, 11, 23, 12), note=SUSPEND_REASON)
    completed = act(
        suspended.after, Action.COMPLETE, REPORTER, wib(2026, 11, 23, 13), note="Lokasi: depan SD"
    )
    disposed = act(
        completed.after,
        Action.VERIFY,
        COORDINATOR,
        wib(2026, 11, 24, 9),
        note="Catatan verifikasi",
        updates={"agency": PUTR},
    )
    returned = act(disposed.after, Action.RETURN, OPERATOR, wib(2026, 11, 24, 10), note="Bukan wewenang kami")
    again = act(returned.after, Action.VERIFY, COORDINATOR, wib(2026, 11, 24, 11), updates={"agency": PUTR})
    followed = act(again.after, Action.FOLLOWUP, OPERATOR, wib(2026, 11, 25, 9), note="Dicek lapangan")
    closed = act(followed.after, Action.CLOSE, OFFICIAL, wib(2026, 11, 26, 9), note="Sudah diperbaiki")
    entries = [c.entry for c in (suspended, completed, disposed, returned, again, followed, closed)]
    shown = {(e.action, e.note) for e in public_view(closed.after, entries).timeline if e.note}
    assert shown == {(Action.FOLLOWUP, "Dicek lapangan"), (Action.CLOSE, "Sudah diperbaiki")}
    told = {e.note for e in reporter_view(closed.after, entries, SHOWN).timeline}
    assert {SUSPEND_REASON, "Bukan wewenang kami"} <= told  # the reporter reads why


def test_the_reporter_sees_their_identity_and_their_words_but_not_internal_notes() -> None:
    view = reporter_view(verified(), _timeline(), SHOWN)
    payload = json.loads(view.model_dump_json())
    assert payload["reporter"]["name"] == "Siti Aminah"
    assert payload["reporter"]["nik"] == "3272********0001"  # masked: only the audited staff route reads it
    assert "3272010101900001" not in view.model_dump_json()
    assert [e["action"] for e in payload["timeline"]] == ["followup", "reply"]
    assert payload["timeline"][0]["from"] == "DISPOSED"
    assert own_view(verified(), []).model_dump().get("reporter") is None


def test_view_timestamps_are_utc_with_offset() -> None:
    payload = json.loads(public_view(verified(), []).model_dump_json())
    assert payload["submitted_at"] == "2026-11-23T03:00:00.000+00:00"
    assert payload["deadlines"]["respond"] == "2026-12-01T17:00:00.000+00:00"
    assert payload["status_label"] == "Terdisposisi – Belum Ditindaklanjuti"


def test_tracking_ids_are_short_readable_and_recognised() -> None:
    ids = {new_report_id() for _ in range(500)}
    assert len(ids) == 500
    for report_id in ids:
        assert is_report_id(report_id), report_id
        assert not set(report_id[4:]) & set("ILOU")
    assert not is_report_id("LPR-0000-000I")
    assert not is_report_id("../etc/passwd")


def test_access_tokens_carry_at_least_128_bits_and_only_their_hash_is_compared() -> None:
    token = new_access_token()
    assert len(token) >= 32  # 24 random bytes, base64url
    assert token_matches(token, token_hash(token))
    assert not token_matches(token + "x", token_hash(token))
    assert not token_matches(None, token_hash(token))
    assert token_hash(token) != token


def test_derived_tokens_depend_on_secret_report_and_key() -> None:
    base = derived_access_token(b"secret", "LPR-0000-0001", "key-1")
    assert base == derived_access_token(b"secret", "LPR-0000-0001", "key-1")
    assert base != derived_access_token(b"other", "LPR-0000-0001", "key-1")
    assert base != derived_access_token(b"secret", "LPR-0000-0002", "key-1")
    assert base != derived_access_token(b"secret", "LPR-0000-0001", "key-2")
    assert len(base) == 32


def test_language_is_indonesian_unless_english_comes_first() -> None:
    assert language(None) == "id"
    assert language("en-US,en;q=0.9") == "en"
    assert language("id-ID,en;q=0.5") == "id"
    assert field_message("description", "missing", {}, "id") == "Deskripsi wajib diisi."
    assert field_message("description", "missing", {}, "en") == "Description is required."
    assert field_message("title", "string_too_short", {"min_length": 5}, "id") == "Judul minimal 5 karakter."


def test_new_report_is_valid_with_the_documented_minimum() -> None:
    report = NewReport.model_validate(
        {
            "type": "aspiration",
            "title": "Taman kota",
            "description": "Mohon tambah bangku di taman kota.",
            "reporter": {"name": "Budi", "phone": "+6281234567890"},
        }
    )
    assert report.anonymous is False
    assert report.category is None


def test_a_choice_lists_its_values_without_an_english_or() -> None:
    from lapor.http.errors import problems_from_validation

    with pytest.raises(ValidationError) as raised:
        NewReport.model_validate({"type": "gossip"})
    errors = [{**e, "loc": ("body", *e["loc"])} for e in raised.value.errors() if e["loc"] == ("type",)]
    _, _, [problem] = problems_from_validation(errors)
    for lang in ("id", "en"):
        text = field_message(problem.field, problem.key, problem.params, lang)
        assert "complaint, aspiration, information_request" in text
        assert " or " not in text
