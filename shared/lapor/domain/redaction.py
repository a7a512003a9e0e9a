"""A coordinator's redaction of free text (DESIGN.md §2, "Personal-data actions"): the words a reporter (or an
officer) typed that name someone are replaced, in the report's title or description or in one timeline
entry's note. The `redact` entry records who redacted which field and when, never the removed words; the
rewritten entry says that it was redacted. The timeline keeps its structure: no entry is added or removed
but the `redact` entry itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lapor.domain.errors import FieldProblem, InvalidInput
from lapor.domain.lifecycle import STAFF_ONLY
from lapor.domain.models import TimelineEntry

RedactedField = Literal["title", "description", "entry"]

# The replacement must still satisfy what the field asks of a new report (lapor.domain.models).
SHORTEST = {"title": 5, "description": 20, "entry": 1}
LONGEST = {"title": 150, "description": 4000, "entry": 4000}


@dataclass(frozen=True)
class Redaction:
    """What one redaction changes: report fields, or one entry rewritten; and the `redact` entry's note."""

    updates: dict[str, Any]
    rewritten: TimelineEntry | None
    note: str


def redaction(timeline: list[TimelineEntry], field: RedactedField, seq: int | None, text: str) -> Redaction:
    """The redaction of `field` (of entry `seq` when the field is `entry`) with `text` in its place, or
    `InvalidInput` naming what is wrong."""
    if len(text.strip()) < SHORTEST[field]:
        raise InvalidInput([FieldProblem("text", "string_too_short", {"min_length": SHORTEST[field]})])
    if len(text) > LONGEST[field]:
        raise InvalidInput([FieldProblem("text", "string_too_long", {"max_length": LONGEST[field]})])
    if field != "entry":
        if seq is not None:
            raise InvalidInput([FieldProblem("seq", "only_for_entry")])
        return Redaction(updates={field: text}, rewritten=None, note=field)
    if seq is None:
        raise InvalidInput([FieldProblem("seq", "missing")])
    entry = next((e for e in timeline if e.seq == seq), None)
    if entry is None:
        raise InvalidInput([FieldProblem("seq", "no_such_entry")])
    if not entry.note or entry.action in STAFF_ONLY:
        raise InvalidInput([FieldProblem("seq", "nothing_to_redact")])
    rewritten = entry.model_copy(update={"note": text, "redacted": True})
    return Redaction(updates={}, rewritten=rewritten, note=f"entry {seq} ({entry.action.value})")
