"""What every staff route shares: the caller (from the authorizer's claims), the path and header
parameters, the error answers each kind of route documents, and the answer that carries a report."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from lapor.domain.access import StaffCaller
from lapor.domain.views import StaffReportView
from lapor.http.claims import staff_caller
from lapor.http.docs import error_doc, json_doc
from lapor.wiring import roster_admin

ReportId = Annotated[str, Path(description="Tracking id, e.g. LPR-7K3M-9Q2X", max_length=40)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description="The version last read (the ETag); a stale one is 409", max_length=20
    ),
]

READ_ERRORS: dict[int, OpenAPIResponse] = {
    401: error_doc("No valid staff token"),
    403: error_doc("The role may not do this"),
    404: error_doc("Unknown, or outside the caller's scope"),
}
ACTION_ANSWERS: dict[int, OpenAPIResponse] = {
    200: json_doc(StaffReportView, "The report after the action"),
    **READ_ERRORS,
    409: error_doc("Not possible in this status, or a stale If-Match"),
    422: error_doc("Invalid fields"),
}


def caller_of(router: APIGatewayRouter) -> StaffCaller:
    """The signed-in officer of the request being resolved (claims from the request context only), once the
    roster has said they are not inactive (401 otherwise: a disabled officer's token may live an hour)."""
    caller = staff_caller(router.current_event.raw_event)
    roster_admin().ensure_active(caller)
    return caller


def request_id_of(router: APIGatewayRouter) -> str:
    return str(router.lambda_context.aws_request_id)


def report_answer(view: StaffReportView) -> Response[Any]:
    """200 with the report, its version as the ETag (the next If-Match)."""
    return Response(200, "application/json", view.model_dump(mode="json"), {"ETag": f'"{view.version}"'})
