"""Reading reports: the caller's inbox, one report, the reporter's identity (audited) and its access log."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from lapor.domain.lifecycle import Status
from lapor.domain.models import IsoDate, ReporterIdentity
from lapor.domain.views import StaffReportView
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.services.casework import StaffQuery
from lapor.wiring import casework
from staff.answers import AccessLog, IdentityReadView, StaffReportList
from staff.conventions import READ_ERRORS, ReportId, caller_of, report_answer, request_id_of

router = make_router()
TAGS = ["staff: reports"]


@router.get(
    "/staff/reports",
    summary="The caller's inbox: running clocks first, soonest deadline first",
    tags=TAGS,
    responses={200: json_doc(StaffReportList, "One page"), **READ_ERRORS},
)
def inbox(
    status: Annotated[Status | None, Query()] = None,
    agency_id: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    overdue: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    submitted_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    submitted_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    contact_confirmed: Annotated[bool | None, Query()] = None,
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
        contact_confirmed=contact_confirmed,
    )
    page = casework().inbox(caller_of(router), query, limit, cursor)
    return StaffReportList(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/staff/reports/<id>",
    summary="A report, without identity",
    tags=TAGS,
    responses={200: json_doc(StaffReportView, "The report"), **READ_ERRORS},
)
def read_report(id: ReportId) -> Response[Any]:
    return report_answer(casework().read(caller_of(router), id))


@router.get(
    "/staff/reports/<id>/reporter",
    summary="The reporter's identity (every read is logged)",
    tags=TAGS,
    responses={
        200: json_doc(ReporterIdentity, "Who filed it"),
        **READ_ERRORS,
        410: error_doc("The identity was erased (or its retention ended)"),
    },
)
def read_reporter(
    id: ReportId,
    purpose: Annotated[
        str | None, Query(max_length=300, description="Why it is read (kept in the access log)")
    ] = None,
) -> Response[Any]:
    identity = casework().reporter(caller_of(router), id, request_id_of(router), purpose)
    return Response(200, "application/json", identity.model_dump(mode="json"), {"Cache-Control": "no-store"})


@router.get(
    "/staff/reports/<id>/access-log",
    summary="Who read the identity, when",
    tags=TAGS,
    responses={200: json_doc(AccessLog, "The log, oldest first"), **READ_ERRORS},
)
def access_log(id: ReportId) -> AccessLog:
    reads = casework().access_log(caller_of(router), id)
    items = [
        IdentityReadView(
            at=r.at, actor_role=r.actor_role, actor_id=r.actor_id, agency_id=r.agency_id, purpose=r.purpose
        )
        for r in reads
    ]
    return AccessLog(items=items)
