"""The indicators for staff: a stored day's snapshot, and the reports of a range of days as CSV; leadership's
breakdowns, officers' activity and the monthly recap (lapor.services.leadership)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lapor.domain.breakdown import Dimension
from lapor.domain.messages import language
from lapor.domain.models import IsoDate
from lapor.domain.recap import MONTH_PATTERN, Recap
from lapor.domain.wallclock import today_wib
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.services.leadership import MAX_RANGE_DAYS
from lapor.wiring import exports, leadership_reports, metrics_service
from staff.answers import BreakdownAnswer, DailyIndicators, OfficerActivityList
from staff.conventions import READ_ERRORS, caller_of

router = make_router()
TAGS = ["staff: metrics"]


@router.get(
    "/staff/metrics/daily/<date>",
    summary="A WIB day's indicators (officials: the city's and their agency's)",
    tags=TAGS,
    responses={200: json_doc(DailyIndicators, "The day's snapshot"), **READ_ERRORS},
)
def daily_metrics(date: Annotated[IsoDate, Path(description="A WIB date, YYYY-MM-DD")]) -> Response[Any]:
    return Response(200, "application/json", metrics_service().daily(caller_of(router), date))


@router.get(
    "/staff/exports/reports.csv",
    summary="Reports submitted in a range of WIB dates as CSV: every lifecycle timestamp, no identity",
    tags=TAGS,
    responses={
        200: {
            "description": "A header line, then one row a report; `X-Next-Cursor` when there is more",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **READ_ERRORS,
        400: error_doc("Unparseable parameter"),
        422: error_doc("Invalid range"),
    },
)
def export_reports(
    first: Annotated[IsoDate, Query(alias="from", description="First WIB date of submission, inclusive")],
    last: Annotated[IsoDate, Query(alias="to", description="Last WIB date of submission, inclusive")],
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Response[Any]:
    text, next_cursor = exports().reports_csv(caller_of(router), first, last, cursor, limit)
    headers = {
        "Content-Disposition": f'attachment; filename="reports-{first}-{last}.csv"',
        "Cache-Control": "no-store",
    }
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
    return Response(200, "text/csv; charset=utf-8", text, headers)


# --- leadership's reports (API.md, "Administration and leadership reporting") -------------------------------

DEFAULT_DAYS = 30
RANGE_ANSWERS = {**READ_ERRORS, 400: error_doc("Unparseable date"), 422: error_doc("Invalid range or value")}
First = Annotated[
    IsoDate | None,
    Query(alias="from", description="First WIB date, inclusive (default: 29 days before `to`)"),
]
Last = Annotated[IsoDate | None, Query(alias="to", description="Last WIB date, inclusive (default: today)")]


def _range(first: Any, last: Any) -> tuple[Any, Any]:
    until = last or today_wib()
    return first or until - timedelta(days=DEFAULT_DAYS - 1), until


@router.get(
    "/staff/metrics/breakdown",
    summary="Indicators of a range of WIB days by agency, category, kecamatan or month",
    description=(
        "Coordinator and leadership. Computed exactly (mean, nearest-rank median and p90, in working and "
        "calendar days: the daily snapshot's shapes) from the metric events stored under each day of the "
        "range, never by a scan: the cost follows the number of days asked for, at most "
        f"{MAX_RANGE_DAYS} (`to` further is 422). `received`: reports submitted in the range, by their "
        "category and kecamatan at submission or by month; by agency, the dispositions the agency received. "
        "`on_time_rate`: the range as one period. `backlog`: the overdue clocks at 24:00 WIB of the range's "
        "last day the nightly job stored (by month, of each month's), by agency its own respond and resolve "
        "clocks, otherwise every clock; zeros when no day is stored. Keys: null for a report without a "
        'category or kecamatan; "unknown" for what events stored before they carried the kecamatan cannot '
        "say."
    ),
    tags=TAGS,
    responses={200: json_doc(BreakdownAnswer, "One item a group, in key order"), **RANGE_ANSWERS},
)
def metrics_breakdown(
    first: First = None,
    last: Last = None,
    by: Annotated[Dimension, Query(description="What to group by")] = Dimension.AGENCY,
) -> Response[Any]:
    since, until = _range(first, last)
    answer = leadership_reports().breakdown(caller_of(router), since, until, by)
    return Response(200, "application/json", answer)


@router.get(
    "/staff/metrics/officers",
    summary="Each officer's follow-ups, closes and first-response times in a range of WIB days",
    description=(
        "Coordinator and leadership: every officer; an official: its own agency's. An officer is the "
        "actor (the token's `sub`) of the staff actions; `name` and `agency_id` come from the roster (an "
        "actor not in it still appears, `name` null). `response_time`: the follow-ups that stopped a respond "
        "clock (the first answer to a disposition or a reopening). Every active operator and official of the "
        "roster is listed, with zeros if need be; most active first. Ranges of at most "
        f"{MAX_RANGE_DAYS} days, read from the stored per-day metric events."
    ),
    tags=TAGS,
    responses={200: json_doc(OfficerActivityList, "One item an officer"), **RANGE_ANSWERS},
)
def metrics_officers(first: First = None, last: Last = None) -> Response[Any]:
    since, until = _range(first, last)
    return Response(200, "application/json", leadership_reports().officers(caller_of(router), since, until))


class RecapFormat(StrEnum):
    HTML = "html"
    CSV = "csv"
    JSON = "json"


# The printable page loads nothing and runs nothing: its only styles are its own inline ones.
RECAP_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@router.get(
    "/staff/recap/<month>",
    summary="The monthly recap for the coordination meeting (rakor): HTML to print, CSV, or JSON",
    description=(
        "Coordinator and leadership. Per agency (and the city): received, response time in working and "
        "calendar days against the response-time target, on-time rates, overdue backlog; and the most active "
        "officers. Indonesian; English with `Accept-Language: en`. The figures are those of "
        "`GET /staff/metrics/breakdown?by=agency` and `GET /staff/metrics/officers` over the month. "
        "`format=html` (default): one self-contained printable page (no script, nothing loaded from "
        "elsewhere); `csv`: one table, a row for the city, each agency and each listed officer; `json`: for "
        "the staff console. A month not begun yet is 422."
    ),
    tags=TAGS,
    responses={
        200: {
            "description": "The recap",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"model": Recap},
            },
        },
        **READ_ERRORS,
        422: error_doc("Not a YYYY-MM month, or one not begun"),
    },
)
def monthly_recap(
    month: Annotated[str, Path(description="The WIB month, YYYY-MM", pattern=MONTH_PATTERN, max_length=7)],
    format: Annotated[RecapFormat, Query(description="html (default), csv or json")] = RecapFormat.HTML,
) -> Response[Any]:
    from lapor.domain.recap_render import recap_csv, recap_html

    recap = leadership_reports().recap(caller_of(router), month)
    lang = language(router.current_event.headers.get("accept-language"))
    headers = {"Cache-Control": "no-store", "Content-Language": lang}
    if format is RecapFormat.JSON:
        return Response(200, "application/json", recap.model_dump(mode="json", by_alias=True), headers)
    if format is RecapFormat.CSV:
        headers["Content-Disposition"] = f'attachment; filename="rekap-{month}.csv"'
        return Response(200, "text/csv; charset=utf-8", recap_csv(recap, lang), headers)
    headers["Content-Security-Policy"] = RECAP_PAGE_POLICY
    return Response(200, "text/html; charset=utf-8", recap_html(recap, lang), headers)
