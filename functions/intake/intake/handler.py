"""Intake: the reporter's and the public's routes (API.md, "Reporter and public").

Each route takes validated input, calls one use case and returns its answer; errors become the API's
error shape in `lapor.http.errors`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit

from intake.answers import (
    Accepted,
    AccessRequest,
    AgencyList,
    CategoryList,
    CodeRequest,
    ContactCode,
    ContactConfirmed,
    Health,
    IndicatorSummary,
    ReportList,
    Submission,
)
from intake.submission import file_report, send_access_link
from lapor.domain.attachments import NewAttachment, NewUpload
from lapor.domain.errors import UseStaffRoute
from lapor.domain.lifecycle import Status
from lapor.domain.models import IsoDate, NewReport, RatingInput, Reply
from lapor.domain.views import ReporterReportView, ReportView
from lapor.domain.wallclock import today_wib
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import guarded, make_resolver
from lapor.observability import instrument, logger, metrics
from lapor.ports import PublicFilter
from lapor.wiring import city_setup, contact_service, event_publisher, intake_service, token_secret

app = make_resolver()
SUMMARY_DEFAULT_DAYS = 30

ReportId = Annotated[str, Path(description="Tracking id, e.g. LPR-7K3M-9Q2X", max_length=40)]
ReportToken = Annotated[
    str | None,
    Header(alias="X-Report-Token", description="The access token returned at submission", max_length=200),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string (a UUID): a retry with the same key and body files nothing new",
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
    ),
]


_BODY_ERRORS: dict[int, OpenAPIResponse] = {
    400: error_doc("Malformed JSON"),
    413: error_doc("Body over 64 KiB"),
    415: error_doc("Body is not application/json"),
    422: error_doc("Invalid fields (one detail per field)"),
}


NO_STORE = {"Cache-Control": "no-store"}  # answers that carry identity, a token, or a reporter's own view


def _report_answer(view: ReportView, status: int = 200, *, private: bool = False) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=view.model_dump(mode="json"),
        headers={"ETag": f'"{view.version}"', **(NO_STORE if private else {})},
    )


@app.post(
    "/reports",
    summary="File a report",
    tags=["reporter"],
    responses={
        201: json_doc(Submission, "Filed; keep access_token"),
        409: error_doc("Same key in flight"),
        **_BODY_ERRORS,
    },
)
def create_report(
    report: Annotated[NewReport, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Any]:
    raw = app.current_event.json_body
    filing = file_report(report, raw, idempotency_key, app.lambda_context)
    answer = filing.answer
    if filing.new:
        metrics.add_metric(name="ReportsFiled", unit=MetricUnit.Count, value=1)
        logger.info("report filed", extra={"report_id": answer.id, "type": answer.report.type})
    else:  # a client's retry: the report its first attempt filed, counted apart
        metrics.add_metric(name="FilingsReplayed", unit=MetricUnit.Count, value=1)
        logger.info("filing replayed", extra={"report_id": answer.id, "type": answer.report.type})
    return Response(
        status_code=201,
        content_type="application/json",
        body=answer.model_dump(mode="json"),
        headers={"ETag": f'"{answer.report.version}"', "Location": f"/reports/{answer.id}", **NO_STORE},
    )


@app.get(
    "/reports/<id>",
    summary="Read a report (the reporter's whole view with X-Report-Token, else the public view)",
    tags=["reporter", "public"],
    responses={
        200: json_doc(ReporterReportView | ReportView, "The report"),
        401: error_doc("Token does not match"),
        404: error_doc("Unknown or not public"),
    },
)
def get_report(id: ReportId, x_report_token: ReportToken = None) -> Response[Any]:
    return _report_answer(intake_service().read(id, x_report_token), private=x_report_token is not None)


@app.get(
    "/reports",
    summary="List public reports, newest first",
    tags=["public"],
    responses={
        200: json_doc(ReportList, "One page"),
        400: error_doc("Unparseable parameter"),
        422: error_doc("Invalid"),
    },
)
def list_reports(
    status: Annotated[Status | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    agency_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> ReportList:
    where = PublicFilter(status=status.value if status else None, category=category, agency_id=agency_id)
    page = intake_service().list_public(where, limit, cursor)
    return ReportList(items=page.items, next_cursor=page.next_cursor)


@app.post(
    "/reports/<id>/replies",
    summary="Reply: complete a pending report, add information, or reopen a closed one",
    tags=["reporter"],
    responses={
        201: json_doc(ReportView, "The report after the reply"),
        401: error_doc("Token does not match"),
        409: error_doc("Not possible in this status"),
        **_BODY_ERRORS,
    },
)
def reply(
    id: ReportId, message: Annotated[Reply, Body()], x_report_token: ReportToken = None
) -> Response[Any]:
    return _report_answer(intake_service().reply(id, x_report_token, message), 201, private=True)


@app.post(
    "/reports/<id>/rating",
    summary="Rate a closed report (once)",
    tags=["reporter"],
    responses={
        201: json_doc(ReportView, "The report with its rating"),
        401: error_doc("Token does not match"),
        409: error_doc("Not closed, or already rated"),
        **_BODY_ERRORS,
    },
)
def rate(
    id: ReportId, rating: Annotated[RatingInput, Body()], x_report_token: ReportToken = None
) -> Response[Any]:
    return _report_answer(intake_service().rate(id, x_report_token, rating), 201, private=True)


@app.post(
    "/reports/<id>/access",
    summary="Send a new access link to a confirmed contact (at most 3 a report a day)",
    description=(
        "The link carries a new token after `#token=`. The current token keeps working until the link's "
        "token is first used; from then on only that one works. A newer link voids older unused ones. "
        "Nothing is sent to an unconfirmed contact. The answer is the same whether or not anything is sent."
    ),
    tags=["reporter"],
    responses={202: json_doc(Accepted, "Accepted, whether or not the report exists"), **_BODY_ERRORS},
)
def request_access(id: ReportId, body: Annotated[AccessRequest, Body()]) -> Response[Any]:
    send_access_link(id)
    return Response(202, "application/json", Accepted(status="accepted").model_dump(), NO_STORE)


@app.post(
    "/reports/<id>/contact/confirm",
    summary="Confirm the contact with the 6-digit code sent to it",
    description=(
        "Until the contact is confirmed, the only message it gets is the code. A wrong or expired code is "
        "422 `invalid_code`; after 5 attempts the code is void (409 `code_void`) until a new one is sent "
        "(POST .../contact/code). Again 200 once confirmed. The report's version does not change."
    ),
    tags=["reporter"],
    responses={
        200: json_doc(ContactConfirmed, "Confirmed"),
        401: error_doc("Token does not match"),
        409: error_doc("The code is void: ask for a new one"),
        **_BODY_ERRORS,
    },
)
def confirm_contact(
    id: ReportId, body: Annotated[ContactCode, Body()], x_report_token: ReportToken = None
) -> Response[Any]:
    contact_service().confirm(id, x_report_token, body.code, token_secret())
    return Response(200, "application/json", ContactConfirmed(contact_confirmed=True).model_dump(), NO_STORE)


@app.post(
    "/reports/<id>/contact/code",
    summary="Send a new confirmation code to the contact on file (at most 3 a contact a day)",
    tags=["reporter"],
    responses={
        202: json_doc(Accepted, "Accepted (nothing is sent to a confirmed contact or past the day's cap)"),
        401: error_doc("Token does not match"),
        **_BODY_ERRORS,
    },
)
def request_code(
    id: ReportId, body: Annotated[CodeRequest, Body()], x_report_token: ReportToken = None
) -> Response[Any]:
    contact_service().request_code(id, x_report_token, event_publisher())
    return Response(202, "application/json", Accepted(status="accepted").model_dump(), NO_STORE)


@app.post(
    "/reports/<id>/attachments",
    summary="Attach a file: a presigned upload form (JPEG, PNG or PDF, at most 5 MB, 5 a report)",
    description=(
        "POST the form's `fields`, then the file as the last part (`file`), to `upload.url` within 15 "
        "minutes. The file is scrubbed of location and other metadata before anyone can fetch it; the "
        "report lists it (status `pending`, then `ready` with a download link, or `rejected`). Staff use "
        "POST /staff/reports/{id}/attachments."
    ),
    tags=["reporter", "attachments"],
    responses={
        201: json_doc(NewUpload, "The form"),
        401: error_doc("Token does not match (use_staff_route: a staff token, for the staff twin route)"),
        409: error_doc("Five files already, or the report is archived or referred"),
        **_BODY_ERRORS,
    },
)
def attach(
    id: ReportId, body: Annotated[NewAttachment, Body()], x_report_token: ReportToken = None
) -> Response[Any]:
    # A staff token (API Gateway passes the header on an open route; only the staff twin route checks it).
    bearer = app.current_event.headers.get("authorization", "").lower().startswith("bearer ")
    if x_report_token is None and bearer:
        raise UseStaffRoute(id)
    upload = intake_service().attach(id, x_report_token, body)
    metrics.add_metric(name="AttachmentFormsIssued", unit=MetricUnit.Count, value=1)
    return Response(201, "application/json", upload.model_dump(mode="json"))


@app.get(
    "/metrics/summary",
    summary="The city's indicators over a range of WIB days (default: the last 30), aggregates only",
    description=(
        "The nightly snapshots of the range's days added up (counts summed, rates over the summed numerators "
        "and denominators, times over the pooled samples; the backlog is the last stored day's). Nothing is "
        "recomputed: today counts once the night's run has stored it."
    ),
    tags=["public", "metrics"],
    responses={
        200: json_doc(IndicatorSummary, "The range"),
        400: error_doc("Unparseable date"),
        422: error_doc("Invalid range"),
    },
)
def metrics_summary(
    first: Annotated[IsoDate | None, Query(alias="from", description="First WIB date, inclusive")] = None,
    last: Annotated[IsoDate | None, Query(alias="to", description="Last WIB date, inclusive")] = None,
) -> Response[Any]:
    from lapor.wiring import metrics_service  # the indicators' code is loaded only by this route

    until = last or today_wib()
    since = first or until - timedelta(days=SUMMARY_DEFAULT_DAYS - 1)
    return Response(200, "application/json", metrics_service().summary(since, until))


@app.get("/categories", summary="Report categories", tags=["public"])
def categories() -> CategoryList:
    setup = city_setup().current()  # as stored now: a category just added or deactivated shows at once
    return CategoryList(items=setup.active_categories())  # an inactive one is offered to no one


@app.get("/agencies", summary="Agencies (perangkat daerah)", tags=["public"])
def agencies() -> AgencyList:
    setup = city_setup().current()
    return AgencyList(items=setup.active_agencies())


@app.get("/health", summary="Liveness", tags=["public"])
def health() -> Health:
    return Health(status="ok")


lambda_handler = instrument(guarded(app))
