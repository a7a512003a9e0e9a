"""The report export: its columns, one row a report, CSV and formula escaping, and the use case's rules."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from lapor.domain.access import StaffCaller
from lapor.domain.errors import Forbidden, InvalidInput
from lapor.domain.exports import COLUMNS, csv_text, report_row, reports_csv, safe_text
from lapor.domain.lifecycle import Action, Role
from lapor.domain.models import Rating, Report
from lapor.domain.views import StaffReportSummary, staff_view
from lapor.domain.wallclock import iso
from lapor.ports import Page, StaffFilter
from lapor.services.exports import MAX_LIMIT, MAX_SPAN_DAYS, ExportService
from tests.unit.builders import OFFICIAL, OPERATOR, act, submitted, verified, wib

IDENTITY_MARKERS = ("Siti Aminah", "siti@example.id", "081234567890")
DESCRIPTION = "Lubang besar di tengah jalan sudah dua minggu, berbahaya bagi pengendara motor."
LIFECYCLE = ("verified_at", "first_response_at", "closed_at", "reopen_count")


def summary(report: Report) -> StaffReportSummary:
    """A report as the queue index lists it (the projection carries the lifecycle's instants)."""
    fields = staff_view(report, []).model_dump(exclude={"timeline"})
    fields.update({name: getattr(report, name) for name in LIFECYCLE})
    return StaffReportSummary.model_validate(fields)


def closed() -> Report:
    report = verified()
    report = act(report, Action.FOLLOWUP, OPERATOR, wib(2026, 11, 25, 10), note="Dicek besok.").after
    report = act(report, Action.CLOSE, OFFICIAL, wib(2026, 11, 26, 15), note="Sudah ditambal.").after
    return report.model_copy(
        update={"rating": Rating(score=4, resolved=True, comment="Siti puas", at=wib(2026, 11, 27, 8))}
    )


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def row_of(cells: list[str]) -> dict[str, str]:
    return dict(zip(COLUMNS, cells, strict=True))


# --- the columns and one row ---------------------------------------------------------------------------


def test_the_columns_are_fixed_and_leave_identity_and_description_out() -> None:
    assert COLUMNS[:3] == ("id", "type", "title")
    assert COLUMNS[-1] == "version"
    assert len(COLUMNS) == len(set(COLUMNS)) == 27
    assert COLUMNS[COLUMNS.index("agency_name") + 1] == "kecamatan"  # the location's, and nothing else of it
    for absent in ("description", "reporter", "name", "email", "phone", "nik", "location", "rating_comment"):
        assert absent not in COLUMNS


def test_a_header_line_alone_when_there_are_no_reports() -> None:
    text = reports_csv([])
    assert text == ",".join(COLUMNS) + "\r\n"


def test_a_submitted_report() -> None:
    report = submitted()
    cells = row_of(report_row(summary(report)))
    assert cells["id"] == report.id
    assert cells["type"] == "complaint"
    assert cells["title"] == "Jalan berlubang di Cikole"
    assert cells["requires_supervision"] == "false"
    assert (cells["category_code"], cells["category_name"]) == ("jalan", "Jalan dan trotoar rusak")
    assert (cells["agency_id"], cells["agency_name"]) == ("", "")
    assert (cells["status"], cells["status_label"]) == ("SUBMITTED", "Belum Terverifikasi")
    assert (cells["anonymous"], cells["confidential"], cells["overdue"]) == ("false", "false", "false")
    assert cells["escalation_level"] == "0"
    assert cells["submitted_at"] == "2026-11-23T03:00:00.000+00:00"  # 10:00 WIB
    assert cells["updated_at"] == cells["submitted_at"]
    assert cells["deadline_verify"].endswith("+00:00")
    assert cells["deadline_respond"] == cells["deadline_resolve"] == ""
    assert cells["rating_score"] == cells["rating_resolved"] == ""
    assert cells["version"] == str(report.version)
    assert cells["kecamatan"] == ""  # no location given


def test_the_kecamatan_is_the_one_filed_and_guarded_like_any_text() -> None:
    location = {"lat": -6.92, "lon": 106.93, "address": "Jl. Siliwangi 7", "kecamatan": " Cikole "}
    cells = row_of(report_row(summary(submitted(location=location))))
    assert cells["kecamatan"] == "Cikole"
    assert "Siliwangi" not in ",".join(cells.values())  # the address stays out
    odd = row_of(report_row(summary(submitted(location={**location, "kecamatan": "=1+1"}))))
    assert odd["kecamatan"] == "'=1+1"


def test_a_closed_report_carries_every_lifecycle_timestamp() -> None:
    report = closed()
    assert report.verified_at is not None
    assert report.first_response_at is not None
    assert report.closed_at is not None
    cells = row_of(report_row(summary(report)))
    assert cells["status"] == "DONE"
    assert cells["agency_id"] == "dinas-putr"
    assert cells["verified_at"] == iso(report.verified_at) == "2026-11-24T02:00:00.000+00:00"
    assert cells["first_response_at"] == iso(report.first_response_at) == "2026-11-25T03:00:00.000+00:00"
    assert cells["closed_at"] == iso(report.closed_at) == "2026-11-26T08:00:00.000+00:00"
    assert cells["updated_at"] == iso(report.updated_at)
    assert (cells["rating_score"], cells["rating_resolved"]) == ("4", "true")
    assert cells["reopen_count"] == "0"
    text = reports_csv([summary(report)])
    assert "Siti puas" not in text  # the rating's comment is the reporter's words


def test_a_report_not_yet_verified_leaves_the_lifecycle_cells_empty() -> None:
    cells = row_of(report_row(summary(submitted())))
    assert all(cells[name] == "" for name in LIFECYCLE[:3])  # never a made-up instant
    assert cells["reopen_count"] == "0"
    assert cells["submitted_at"]
    assert cells["updated_at"]


def test_no_identity_and_no_description() -> None:
    text = reports_csv([summary(submitted()), summary(closed())])
    for marker in (*IDENTITY_MARKERS, DESCRIPTION, "Lubang besar"):
        assert marker not in text


def test_timestamps_are_utc_with_offset() -> None:
    cells = row_of(report_row(summary(closed())))
    stamps = [cells[c] for c in COLUMNS if c.endswith("_at") or c.startswith("deadline_")]
    assert all(s == "" or s.endswith("+00:00") for s in stamps)
    assert all(datetime.fromisoformat(s).utcoffset() == timedelta(0) for s in stamps if s)


# --- CSV and escaping --------------------------------------------------------------------------------


def test_rfc_4180_line_ends_and_quoting_round_trip() -> None:
    title = 'Jalan "Siliwangi", rusak\nparah'
    text = reports_csv([summary(submitted(title=title))])
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert text.endswith("\r\n")
    assert '"Jalan ""Siliwangi"", rusak\nparah"' in text
    rows = parse(text)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2
    assert row_of(rows[1])["title"] == title


def test_utf8_text_is_kept() -> None:
    title = "Jalan rusak 🚧 di Gunungpuyuh — مرحبا"
    text = reports_csv([summary(submitted(title=title))])
    assert row_of(parse(text.encode().decode("utf-8"))[1])["title"] == title


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+6281234", "-1+1", "@SUM(A1)", "\tJalan rusak", "\rJalan rusak"],
)
def test_a_formula_is_written_as_text(text: str) -> None:
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Jalan rusak", "1+1", "LPR-0000-0001", "a=b", "", "'quoted"])
def test_other_text_is_left_alone(text: str) -> None:
    assert safe_text(text) == text


def test_a_formula_title_is_escaped_in_the_row_and_survives_the_csv() -> None:
    title = "=cmd|' /C calc'!A0 jalan"
    rows = parse(reports_csv([summary(submitted(title=title))]))
    assert row_of(rows[1])["title"] == "'" + title


def test_numbers_booleans_and_timestamps_are_not_escaped() -> None:
    cells = report_row(summary(closed()))
    title = COLUMNS.index("title")
    assert not any(c.startswith("'") for i, c in enumerate(cells) if i != title)


def test_csv_text_writes_the_header_first() -> None:
    assert parse(csv_text([["a"] * len(COLUMNS)])) == [list(COLUMNS), ["a"] * len(COLUMNS)]


# --- the use case ------------------------------------------------------------------------------------


class ListOnly:
    """A repository that answers `list_staff` from a list and records what it was asked."""

    def __init__(self, items: list[StaffReportSummary], next_cursor: str | None = None) -> None:
        self.items = items
        self.next_cursor = next_cursor
        self.calls: list[tuple[StaffFilter, int, str | None]] = []

    def list_staff(self, where: StaffFilter, limit: int, cursor: str | None) -> Page[StaffReportSummary]:
        self.calls.append((where, limit, cursor))
        return Page(self.items, self.next_cursor)


def service(repository: ListOnly) -> ExportService:
    return ExportService(repository)  # `StaffLists` is all the service needs: no cast


COORDINATOR = StaffCaller(Role.COORDINATOR, "coord-1")
LEADERSHIP = StaffCaller(Role.LEADERSHIP, "lead-1")


@pytest.mark.parametrize("caller", [COORDINATOR, LEADERSHIP])
def test_one_query_a_page_over_wib_days(caller: StaffCaller) -> None:
    repository = ListOnly([summary(submitted())], next_cursor="next")
    text, cursor = service(repository).reports_csv(
        caller, date(2026, 11, 1), date(2026, 11, 30), "this", limit=50
    )
    assert cursor == "next"
    assert repository.calls == [
        (
            StaffFilter(
                submitted_from="2026-10-31T17:00:00.000+00:00",  # 1 November, 00:00 WIB
                submitted_before="2026-11-30T17:00:00.000+00:00",  # 1 December, 00:00 WIB
            ),
            50,
            "this",
        )
    ]
    rows = parse(text)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2


def test_the_last_page_has_no_cursor_and_a_single_day_is_a_range() -> None:
    repository = ListOnly([])
    text, cursor = service(repository).reports_csv(COORDINATOR, date(2026, 11, 27), date(2026, 11, 27), None)
    assert (text, cursor) == (",".join(COLUMNS) + "\r\n", None)
    where, limit, _ = repository.calls[0]
    assert (where.submitted_from, where.submitted_before) == (
        "2026-11-26T17:00:00.000+00:00",
        "2026-11-27T17:00:00.000+00:00",
    )
    assert limit == 500
    assert (where.agency_id, where.status, where.q) == (None, None, None)


@pytest.mark.parametrize(
    "caller",
    [StaffCaller(Role.OPERATOR, "op-1", "dinas-putr"), StaffCaller(Role.OFFICIAL, "off-1", "dinas-putr")],
)
def test_agency_roles_may_not_export(caller: StaffCaller) -> None:
    repository = ListOnly([summary(submitted())])
    with pytest.raises(Forbidden):
        service(repository).reports_csv(caller, date(2026, 11, 1), date(2026, 11, 30), None)
    assert repository.calls == []


@pytest.mark.parametrize(
    ("first", "last", "limit", "field", "key"),
    [
        (date(2026, 11, 2), date(2026, 11, 1), 500, "from", "less_than_equal"),
        (
            date(2026, 1, 1),
            date(2026, 1, 1) + timedelta(days=MAX_SPAN_DAYS + 1),
            500,
            "to",
            "less_than_equal",
        ),
        (date(2026, 11, 1), date(2026, 11, 30), 0, "limit", "greater_than_equal"),
        (date(2026, 11, 1), date(2026, 11, 30), MAX_LIMIT + 1, "limit", "less_than_equal"),
    ],
)
def test_invalid_ranges_and_limits(first: date, last: date, limit: int, field: str, key: str) -> None:
    repository = ListOnly([])
    with pytest.raises(InvalidInput) as caught:
        service(repository).reports_csv(COORDINATOR, first, last, None, limit)
    assert [(p.field, p.key) for p in caught.value.problems] == [(field, key)]
    assert repository.calls == []


def test_the_widest_range_is_accepted() -> None:
    repository = ListOnly([])
    first = date(2028, 1, 1)
    service(repository).reports_csv(
        COORDINATOR, first, first + timedelta(days=MAX_SPAN_DAYS), None, MAX_LIMIT
    )
    assert len(repository.calls) == 1


def test_the_role_is_checked_before_the_range() -> None:
    with pytest.raises(Forbidden):
        service(ListOnly([])).reports_csv(
            StaffCaller(Role.OPERATOR, "op-1", "dinas-putr"), date(2026, 11, 2), date(2026, 11, 1), None
        )
