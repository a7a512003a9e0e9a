"""The report export on moto: reports filed and worked through the real handlers, then exported by the
service over the real repository (the route `GET /staff/exports/reports.csv` calls the same service)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest

from lapor.domain.access import StaffCaller
from lapor.domain.exports import COLUMNS
from lapor.domain.lifecycle import Role
from lapor.domain.wallclock import iso, today_wib
from lapor.services.exports import ExportService
from tests.integration.conftest import Answer, DynamoCalls, Invoke, valid_report

REPORTER = {"name": "Yusuf Kurniawan", "email": "yusuf.k@example.id", "phone": "081355557777"}
IDENTITY = ("Yusuf", "Kurniawan", "yusuf.k@example.id", "081355557777")
LIFECYCLE = ("verified_at", "first_response_at", "closed_at", "reopen_count")
COORDINATOR = StaffCaller(Role.COORDINATOR, "coordinator-city")


def ok(answer: Answer, status: int = 200) -> dict[str, Any]:
    assert answer.status == status, answer.body
    return dict(answer.body)


def exporter() -> ExportService:
    from lapor import wiring

    return ExportService(wiring.repository())


def window() -> tuple[date, date]:
    """Today in WIB, a day either side (a test run across midnight WIB still finds its reports)."""
    today = today_wib()
    return today - timedelta(days=1), today + timedelta(days=1)


def rows_of(text: str) -> list[dict[str, str]]:
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert lines[0] == list(COLUMNS)
    return [dict(zip(COLUMNS, line, strict=True)) for line in lines[1:]]


@pytest.fixture
def filed(invoke: Invoke, staff: Invoke) -> dict[str, str]:
    """Three reports: one verified, followed up and closed, two waiting for verification."""
    ids = [
        ok(invoke("post_reports", body=valid_report(reporter=REPORTER, title=title)), 201)["id"]
        for title in ("Lampu PJU padam di Jalan Siliwangi", "=SUM(A1:A9) jalan rusak", "Sampah menumpuk")
    ]
    done = ids[0]
    ok(staff("post_verify", "coordinator", report_id=done))
    ok(staff("post_followups", "operator", "dishub", report_id=done))
    assert ok(staff("post_close", "official", "dishub", report_id=done))["status"] == "DONE"
    return {"done": done, "formula": ids[1], "waiting": ids[2]}


def test_the_export_of_three_reports(filed: dict[str, str], calls: DynamoCalls) -> None:
    first, last = window()
    calls.reset()
    text, cursor = exporter().reports_csv(COORDINATOR, first, last, None)
    assert calls.counts["Query"] == 1  # one query a page
    assert cursor is None
    assert text.endswith("\r\n")
    rows = {row["id"]: row for row in rows_of(text)}
    assert set(rows) == set(filed.values())

    for marker in (*IDENTITY, "Dewi Lestari", "Sudah tiga malam"):  # no identity, no description
        assert marker not in text

    done = rows[filed["done"]]
    assert (done["status"], done["agency_id"], done["category_code"]) == ("DONE", "dishub", "pju")
    assert done["kecamatan"] == "Cikole"  # the location's kecamatan, as filed; nothing else of the location
    assert done["submitted_at"].endswith("+00:00")
    assert done["updated_at"] > done["submitted_at"]
    assert done["deadline_respond"] == done["deadline_resolve"] == ""  # the clocks stopped at closing
    assert rows[filed["waiting"]]["status"] == "SUBMITTED"
    assert rows[filed["waiting"]]["deadline_verify"].endswith("+00:00")
    assert rows[filed["formula"]]["title"] == "'=SUM(A1:A9) jalan rusak"


def test_the_closed_report_has_its_lifecycle_timestamps(filed: dict[str, str]) -> None:
    from lapor import wiring

    stored = wiring.repository().get(filed["done"])
    assert stored is not None
    report = stored.report
    assert report.verified_at is not None
    assert report.first_response_at is not None
    assert report.closed_at is not None
    first, last = window()
    text, _ = exporter().reports_csv(COORDINATOR, first, last, None)
    done = next(row for row in rows_of(text) if row["id"] == filed["done"])
    assert done["verified_at"] == iso(report.verified_at)
    assert done["first_response_at"] == iso(report.first_response_at)
    assert done["closed_at"] == iso(report.closed_at)
    assert done["updated_at"] == iso(report.updated_at)
    assert done["reopen_count"] == "0"
    assert done["submitted_at"] <= done["verified_at"] <= done["first_response_at"] <= done["closed_at"]


def test_paging_with_two_a_page(filed: dict[str, str], calls: DynamoCalls) -> None:
    first, last = window()
    service = exporter()
    calls.reset()
    text, cursor = service.reports_csv(COORDINATOR, first, last, None, limit=2)
    assert cursor is not None
    pages = [rows_of(text)]
    while cursor is not None:
        text, cursor = service.reports_csv(COORDINATOR, first, last, cursor, limit=2)
        pages.append(rows_of(text))  # every page starts with the header line
    assert len(pages) == 2
    assert [len(page) for page in pages] == [2, 1]
    assert calls.counts["Query"] == 2
    ids = [row["id"] for page in pages for row in page]
    assert sorted(ids) == sorted(filed.values())


def test_leadership_exports_and_a_range_before_the_reports_is_empty(filed: dict[str, str]) -> None:
    first, _ = window()
    leadership = StaffCaller(Role.LEADERSHIP, "leadership-city")
    text, cursor = exporter().reports_csv(
        leadership, first - timedelta(days=30), first - timedelta(days=1), None
    )
    assert (rows_of(text), cursor) == ([], None)


def test_the_route_answers_csv_to_the_coordinator_only(invoke: Invoke, staff: Invoke) -> None:
    from lapor.domain.wallclock import today_wib

    filed = invoke("post_reports", body=valid_report())
    assert filed.status == 201
    today = today_wib().isoformat()
    from staff.handler import lambda_handler
    from tests.integration.conftest import build_event, claims_of
    from tools.lambda_context import LambdaContext

    event = build_event(
        "get_exports_reports_csv",
        function="staff",
        claims=claims_of("coordinator"),
        query={"from": today, "to": today},
    )
    result = lambda_handler(event, LambdaContext("staff", 512, 10))
    assert result["statusCode"] == 200
    headers = {k.lower(): v for k, v in (result.get("multiValueHeaders") or {}).items()}
    assert headers["content-type"] == ["text/csv; charset=utf-8"]
    lines = result["body"].splitlines()
    assert lines[0].startswith("id,type,title")
    assert filed.body["id"] in lines[1]
    assert (
        staff("get_exports_reports_csv", "operator", "dishub", query={"from": today, "to": today}).status
        == 403
    )
    assert staff("get_exports_reports_csv", "coordinator", query={"from": today}).status == 422
