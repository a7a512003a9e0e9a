"""The redaction's rules (lapor.domain.redaction): what it replaces, what its entry records, what it
refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lapor.domain.errors import InvalidInput
from lapor.domain.lifecycle import Action, Role
from lapor.domain.models import TimelineEntry
from lapor.domain.redaction import redaction

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TIMELINE = [
    TimelineEntry(seq=1, at=AT, action=Action.SUBMIT, actor_role=Role.REPORTER),
    TimelineEntry(seq=2, at=AT, action=Action.REPLY, actor_role=Role.REPORTER, note="Kata Pak Budi Santoso."),
    TimelineEntry(seq=3, at=AT, action=Action.REDACT, actor_role=Role.COORDINATOR, note="title"),
]


def test_an_entrys_words_are_replaced_and_marked_and_the_note_names_the_entry_not_the_words() -> None:
    found = redaction(TIMELINE, "entry", 2, "Kata [nama dihapus].")
    assert found.rewritten is not None
    assert (found.rewritten.seq, found.rewritten.note, found.rewritten.redacted) == (
        2,
        "Kata [nama dihapus].",
        True,
    )
    assert found.rewritten.action is Action.REPLY  # the structure stays: same entry, same action
    assert found.updates == {}
    assert found.note == "entry 2 (reply)"
    assert "Budi" not in found.note


def test_a_report_field_is_replaced_as_an_update() -> None:
    found = redaction(TIMELINE, "description", None, "Lampu jalan mati di depan rumah warga.")
    assert (found.updates, found.rewritten, found.note) == (
        {"description": "Lampu jalan mati di depan rumah warga."},
        None,
        "description",
    )


@pytest.mark.parametrize(
    ("field", "seq", "text", "named"),
    [
        ("entry", None, "tanpa nomor", "seq"),
        ("title", 2, "Judul yang baru", "seq"),
        ("entry", 9, "tidak ada", "seq"),
        ("entry", 1, "pengajuan tanpa catatan", "seq"),
        ("entry", 3, "entri redaksi", "seq"),  # a personal-data entry holds no one's words
        ("title", None, "abc", "text"),
        ("title", None, "x" * 151, "text"),
        ("description", None, "terlalu pendek", "text"),
    ],
)
def test_what_it_refuses_names_the_field(field: str, seq: int | None, text: str, named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        redaction(TIMELINE, field, seq, text)  # type: ignore[arg-type]
    assert [p.field for p in refused.value.problems] == [named]
