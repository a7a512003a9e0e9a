"""Routing: the staff API (API.md, "Staff") behind the Cognito authorizer.

The caller comes from the authorizer's claims in the request context (`lapor.http.claims`); each route
reads its validated input, calls one use case and answers the staff view of the report.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from lapor.domain.access import StaffCaller
from lapor.domain.attachments import NewAttachment, NewUpload
from lapor.domain.lifecycle import Status
from lapor.domain.models import IsoDate, ReporterIdentity
from lapor.domain.routing_rules import RoutingRuleSet
from lapor.domain.staff_inputs import (
    CloseInput,
    FollowupInput,
    ForwardInput,
    ReasonInput,
    ReferInput,
    VerifyInput,
)
from lapor.domain.views import StaffReportView
from lapor.http.claims import staff_caller
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import guarded, make_resolver
from lapor.observability import instrument
from lapor.services.calendar_admin import CalendarDelta, CalendarView
from lapor.services.casework import StaffQuery
from routing import wiring
from routing.answers import AccessLog, DailyIndicators, IdentityReadView, StaffReportList
from routing.wiring import calendar_admin, casework

app = make_resolver()

ReportId = Annotated[str, Path(description="Tracking id, e.g. LPR-7K3M-9Q2X", max_length=40)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description="The version last read (the ETag); a stale one is 409", max_length=20
    ),
]


_READ = {
    401: error_doc("No valid staff token"),
    403: error_doc("The role may not do this"),
    404: error_doc("Unknown, or outside the caller's scope"),
}
_ACTION = {
    200: json_doc(StaffReportView, "The report after the action"),
    **_READ,
    409: error_doc("Not possible in this status, or a stale If-Match"),
    422: error_doc("Invalid fields"),
}


def _caller() -> StaffCaller:
    return staff_caller(app.current_event.raw_event)


def _report(view: StaffReportView) -> Response[Any]:
    return Response(200, "application/json", view.model_dump(mode="json"), {"ETag": f'"{view.version}"'})


@app.get(
    "/staff/reports",
    summary="The caller's inbox: running clocks first, soonest deadline first",
    tags=["staff"],
    responses={200: json_doc(StaffReportList, "One page"), **_READ},
)
def inbox(
    status: Annotated[Status | None, Query()] = None,
    agency_id: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    overdue: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    submitted_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    submitted_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> StaffReportList:
    query = StaffQuery(
        status=status.value if status else None,
        agency_id=agency_id,
        category=category,
        overdue=overdue,
        q=q,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
    )
    page = casework().inbox(_caller(), query, limit, cursor)
    return StaffReportList(items=page.items, next_cursor=page.next_cursor)


@app.get(
    "/staff/reports/<id>",
    summary="A report, without identity",
    tags=["staff"],
    responses={200: json_doc(StaffReportView, "The report"), **_READ},
)
def read_report(id: ReportId) -> Response[Any]:
    return _report(casework().read(_caller(), id))


@app.get(
    "/staff/reports/<id>/reporter",
    summary="The reporter's identity (every read is logged)",
    tags=["staff"],
    responses={200: json_doc(ReporterIdentity, "Who filed it"), **_READ},
)
def read_reporter(id: ReportId) -> ReporterIdentity:
    return casework().reporter(_caller(), id, app.lambda_context.aws_request_id)


@app.get(
    "/staff/reports/<id>/access-log",
    summary="Who read the identity, when",
    tags=["staff"],
    responses={200: json_doc(AccessLog, "The log, oldest first"), **_READ},
)
def access_log(id: ReportId) -> AccessLog:
    reads = casework().access_log(_caller(), id)
    items = [
        IdentityReadView(at=r.at, actor_role=r.actor_role, actor_id=r.actor_id, agency_id=r.agency_id)
        for r in reads
    ]
    return AccessLog(items=items)


@app.post(
    "/staff/reports/<id>/verify", summary="Verify and assign to an agency", tags=["staff"], responses=_ACTION
)
def verify(id: ReportId, body: Annotated[VerifyInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().verify(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/suspend",
    summary="Ask the reporter to complete it",
    tags=["staff"],
    responses=_ACTION,
)
def suspend(id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().suspend(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/archive",
    summary="Archive (not processed further)",
    tags=["staff"],
    responses=_ACTION,
)
def archive(id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().archive(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/refer",
    summary="Refer outside the city's authority",
    tags=["staff"],
    responses=_ACTION,
)
def refer(id: ReportId, body: Annotated[ReferInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().refer(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/forward", summary="Assign to another agency", tags=["staff"], responses=_ACTION
)
def forward(id: ReportId, body: Annotated[ForwardInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().forward(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/return",
    summary="Return to the coordinator (bukan wewenang)",
    tags=["staff"],
    responses=_ACTION,
)
def return_report(
    id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None
) -> Response[Any]:
    return _report(casework().return_to_coordinator(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/followups",
    summary="Follow up (or an internal note)",
    tags=["staff"],
    responses=_ACTION,
)
def follow_up(
    id: ReportId, body: Annotated[FollowupInput, Body()], if_match: IfMatch = None
) -> Response[Any]:
    return _report(casework().follow_up(_caller(), id, body, if_match))


@app.post("/staff/reports/<id>/close", summary="Close with a resolution", tags=["staff"], responses=_ACTION)
def close(id: ReportId, body: Annotated[CloseInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return _report(casework().close(_caller(), id, body, if_match))


@app.post(
    "/staff/reports/<id>/attachments",
    summary="Attach a file: a presigned upload form (JPEG, PNG or PDF, at most 5 MB, 5 a report)",
    description=(
        "The staff twin of POST /reports/{id}/attachments (API Gateway's Cognito authorizer cannot be "
        "optional on one route): coordinator, operator and official of a report in scope. POST the form's "
        "fields, then the file, to its url within 15 minutes; the file is listed once scrubbed."
    ),
    tags=["staff", "attachments"],
    responses={
        201: json_doc(NewUpload, "The form"),
        **_READ,
        409: error_doc("Five files already, or the report is archived or referred"),
        422: error_doc("Content type or size not allowed"),
    },
)
def attach(id: ReportId, body: Annotated[NewAttachment, Body()]) -> Response[Any]:
    upload = casework().attach(_caller(), id, body)
    return Response(201, "application/json", upload.model_dump(mode="json"))


@app.get(
    "/staff/routing-rules",
    summary="Routing rules",
    tags=["staff"],
    responses={200: json_doc(RoutingRuleSet, "The rules"), **_READ},
)
def routing_rules() -> RoutingRuleSet:
    return casework().routing_rules(_caller())


@app.put(
    "/staff/routing-rules",
    summary="Replace the routing rules",
    tags=["staff"],
    responses={200: json_doc(RoutingRuleSet, "The rules now"), **_READ, 422: error_doc("Invalid rules")},
)
def replace_routing_rules(body: Annotated[RoutingRuleSet, Body()]) -> RoutingRuleSet:
    return casework().replace_routing_rules(_caller(), body)


Year = Annotated[int, Path(ge=2000, le=2100, description="A year, e.g. 2026")]


@app.get(
    "/staff/calendar/<year>",
    summary="A year's days off: national (from the holidays package) and added, and the removed ones",
    tags=["staff"],
    responses={200: json_doc(CalendarView, "The year"), **_READ},
)
def read_calendar(year: Year) -> CalendarView:
    return calendar_admin().read(_caller(), year)


@app.put(
    "/staff/calendar/<year>",
    summary="Change a year's days off (a delta); running deadlines are recomputed by the next escalation run",
    tags=["staff"],
    responses={
        200: json_doc(CalendarView, "The year now"),
        **_READ,
        409: error_doc("Changed by someone else meanwhile"),
        422: error_doc("Invalid dates"),
    },
)
def change_calendar(year: Year, body: Annotated[CalendarDelta, Body()]) -> CalendarView:
    return calendar_admin().change(_caller(), year, body, app.lambda_context.aws_request_id)


@app.get(
    "/staff/metrics/daily/<date>",
    summary="A WIB day's indicators (officials: the city's and their agency's)",
    tags=["staff", "metrics"],
    responses={200: json_doc(DailyIndicators, "The day's snapshot"), **_READ},
)
def daily_metrics(date: Annotated[IsoDate, Path(description="A WIB date, YYYY-MM-DD")]) -> Response[Any]:
    return Response(200, "application/json", wiring.metrics().daily(_caller(), date))


@app.get(
    "/staff/exports/reports.csv",
    summary="Reports submitted in a range of WIB dates as CSV: every lifecycle timestamp, no identity",
    tags=["staff", "metrics"],
    responses={
        200: {
            "description": "A header line, then one row a report; `X-Next-Cursor` when there is more",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **_READ,
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
    text, next_cursor = wiring.exports().reports_csv(_caller(), first, last, cursor, limit)
    headers = {
        "Content-Disposition": f'attachment; filename="reports-{first}-{last}.csv"',
        "Cache-Control": "no-store",
    }
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
    return Response(200, "text/csv; charset=utf-8", text, headers)


lambda_handler = instrument(guarded(app))
