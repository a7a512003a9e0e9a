"""The indicators for staff: a stored day's snapshot, and the reports of a range of days as CSV."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lapor.domain.models import IsoDate
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.wiring import exports, metrics_service
from staff.answers import DailyIndicators
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
