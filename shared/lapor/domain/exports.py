"""The report export (`GET /staff/exports/reports.csv`): its fixed columns and one row a report.

One row a report, one column each of:

    id, type, title, requires_supervision, category_code, category_name, agency_id, agency_name, kecamatan,
    status, status_label, anonymous, confidential, overdue, escalation_level, submitted_at, verified_at,
    first_response_at, closed_at, updated_at, deadline_verify, deadline_respond, deadline_resolve,
    rating_score, rating_resolved, reopen_count, version

What is left out, on purpose:
- the reporter's identity (name, e-mail, phone, NIK): it is never on a summary, and no column could hold it;
- the `description`: it can be long and, in the reporter's own words, may name people (the reporter, a
  neighbour, an officer). The `title` is kept: the coordinator verifies (and may rewrite) it, and a row
  without it is hard to read;
- the location (but its kecamatan, as filed: what leadership's breakdowns group by), the incident date, the
  rating's comment (the reporter's words again), the timeline.

Cells: timestamps in UTC, ISO 8601 with offset, to the millisecond (`lapor.domain.wallclock.iso`, as the API
answers them); booleans `true`/`false`; an absent value (no agency yet, a clock not running, no rating) is an
empty cell. The text is RFC 4180 CSV (the `csv` module, `\\r\\n` line ends, fields quoted when they hold a
comma, a quote or a line break), to be sent as UTF-8.

Formula injection (OWASP, "CSV Injection"): a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote, so that a spreadsheet shows it as text instead of evaluating it.
Only text cells are guarded (the title, names, codes, labels); numbers, booleans and timestamps are written
by this module and never start with one of those characters.

The lifecycle fields `verified_at`, `first_response_at`, `closed_at` and `reopen_count` are read from the
summary when it carries them (`getattr(summary, name, None)`): the staff list's index projects them and
`StaffReportSummary` declares them once they are added there. A summary without them leaves those cells
empty (never a made-up `0`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from lapor.domain.views import ReportSummary
from lapor.domain.wallclock import iso

COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "title",
    "requires_supervision",
    "category_code",
    "category_name",
    "agency_id",
    "agency_name",
    "kecamatan",
    "status",
    "status_label",
    "anonymous",
    "confidential",
    "overdue",
    "escalation_level",
    "submitted_at",
    "verified_at",
    "first_response_at",
    "closed_at",
    "updated_at",
    "deadline_verify",
    "deadline_respond",
    "deadline_resolve",
    "rating_score",
    "rating_resolved",
    "reopen_count",
    "version",
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to a spreadsheet (OWASP's list)."""


def safe_text(text: str) -> str:
    """A text cell a spreadsheet will not evaluate: a leading formula character gets a `'` before it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _flag(value: bool | None) -> str:
    if value is None:
        return ""
    return "true" if value else "false"


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _instant(value: datetime | None) -> str:
    return "" if value is None else iso(value)


def _optional_instant(summary: ReportSummary, name: str) -> str:
    value = getattr(summary, name, None)
    return iso(value) if isinstance(value, datetime) else ""


def _optional_number(summary: ReportSummary, name: str) -> str:
    value = getattr(summary, name, None)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def report_row(summary: ReportSummary) -> list[str]:
    """One report's cells, in `COLUMNS` order."""
    category, agency, rating, due = summary.category, summary.agency, summary.rating, summary.deadlines
    cells: dict[str, str] = {
        "id": safe_text(summary.id),
        "type": safe_text(summary.type),
        "title": safe_text(summary.title),
        "requires_supervision": _flag(summary.requires_supervision),
        "category_code": safe_text(category.code) if category else "",
        "category_name": safe_text(category.name) if category else "",
        "agency_id": safe_text(agency.id) if agency else "",
        "agency_name": safe_text(agency.name) if agency else "",
        "kecamatan": safe_text((summary.location.kecamatan or "").strip()) if summary.location else "",
        "status": safe_text(summary.status.value),
        "status_label": safe_text(summary.status_label),
        "anonymous": _flag(summary.anonymous),
        "confidential": _flag(summary.confidential),
        "overdue": _flag(summary.overdue),
        "escalation_level": _number(summary.escalation_level),
        "submitted_at": _instant(summary.submitted_at),
        "verified_at": _optional_instant(summary, "verified_at"),
        "first_response_at": _optional_instant(summary, "first_response_at"),
        "closed_at": _optional_instant(summary, "closed_at"),
        "updated_at": _instant(summary.updated_at),
        "deadline_verify": _instant(due.verify),
        "deadline_respond": _instant(due.respond),
        "deadline_resolve": _instant(due.resolve),
        "rating_score": _number(rating.score) if rating else "",
        "rating_resolved": _flag(rating.resolved) if rating else "",
        "reopen_count": _optional_number(summary, "reopen_count"),
        "version": _number(summary.version),
    }
    return [cells[column] for column in COLUMNS]


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """The header line, then the rows: RFC 4180 (`\\r\\n` after every line, the last one too)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def reports_csv(summaries: Iterable[ReportSummary]) -> str:
    """The CSV of these reports, header line first."""
    return csv_text(report_row(summary) for summary in summaries)
