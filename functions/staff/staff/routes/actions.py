"""The lifecycle's staff actions on one report (DESIGN.md §2) and the staff's file uploads. Each answers
200 with the report after the action (its version as the ETag) and accepts `If-Match`.

Adding an action: docs/ARCHITECTURE.md, "Adding a staff action".
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from lapor.domain.attachments import NewAttachment, NewUpload
from lapor.domain.staff_inputs import (
    CloseInput,
    FollowupInput,
    ForwardInput,
    ReasonInput,
    RedactionInput,
    ReferInput,
    VerifyInput,
)
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.wiring import casework
from staff.conventions import ACTION_ANSWERS, READ_ERRORS, IfMatch, ReportId, caller_of, report_answer

router = make_router()
TAGS = ["staff: actions"]


@router.post(
    "/staff/reports/<id>/verify",
    summary="Verify and assign to an agency",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def verify(id: ReportId, body: Annotated[VerifyInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().verify(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/suspend",
    summary="Ask the reporter to complete it",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def suspend(id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().suspend(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/archive",
    summary="Archive (not processed further)",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def archive(id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().archive(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/refer",
    summary="Refer outside the city's authority",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def refer(id: ReportId, body: Annotated[ReferInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().refer(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/forward", summary="Assign to another agency", tags=TAGS, responses=ACTION_ANSWERS
)
def forward(id: ReportId, body: Annotated[ForwardInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().forward(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/return",
    summary="Return to the coordinator (bukan wewenang)",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def return_report(
    id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None
) -> Response[Any]:
    return report_answer(casework().return_to_coordinator(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/followups",
    summary="Follow up (or an internal note)",
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def follow_up(
    id: ReportId, body: Annotated[FollowupInput, Body()], if_match: IfMatch = None
) -> Response[Any]:
    return report_answer(casework().follow_up(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/close", summary="Close with a resolution", tags=TAGS, responses=ACTION_ANSWERS
)
def close(id: ReportId, body: Annotated[CloseInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().close(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/erase-identity",
    summary="Erase the reporter's identity, tokens and private documents (UU PDP 27/2022)",
    description=(
        "Deletes the reporter's name, e-mail, phone and NIK, every token, the contact's confirmation and the "
        "reporter's own files the public was never shown. The timeline records `identity_erased` (staff "
        "only) with the reason; the identity access log stays. Afterwards GET .../reporter answers 410, the "
        "old token 401, and nothing is sent to the contact. A second call answers 200 and changes nothing."
    ),
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def erase_identity(
    id: ReportId, body: Annotated[ReasonInput, Body()], if_match: IfMatch = None
) -> Response[Any]:
    return report_answer(casework().erase_identity(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/redactions",
    summary="Redact free text: replace words that name someone (coordinator)",
    description=(
        "Replaces the report's `title` or `description`, or the note of one timeline entry (`field: "
        '"entry"` with its `seq`: a reply, a follow-up, a reason), with `text`. The timeline gets a `redact` '
        "entry (staff only) naming the field and recording who and when, never the removed words; a "
        "rewritten entry reads `redacted: true` wherever it is shown. No status or clock changes. 422 names "
        "the field: `seq` missing for an entry or given for another field, no such entry, or an entry "
        "without text; `text` shorter or longer than the field allows (title 5–150, description 20–4000)."
    ),
    tags=TAGS,
    responses=ACTION_ANSWERS,
)
def redact(id: ReportId, body: Annotated[RedactionInput, Body()], if_match: IfMatch = None) -> Response[Any]:
    return report_answer(casework().redact(caller_of(router), id, body, if_match))


@router.post(
    "/staff/reports/<id>/attachments",
    summary="Attach a file: a presigned upload form (JPEG, PNG or PDF, at most 5 MB, 5 a report)",
    description=(
        "The staff twin of POST /reports/{id}/attachments (API Gateway's Cognito authorizer cannot be "
        "optional on one route): coordinator, operator and official of a report in scope. POST the form's "
        "fields, then the file, to its url within 15 minutes; the file is listed once scrubbed."
    ),
    tags=[*TAGS, "attachments"],
    responses={
        201: json_doc(NewUpload, "The form"),
        **READ_ERRORS,
        409: error_doc("Five files already, or the report is archived or referred"),
        422: error_doc("Content type or size not allowed"),
    },
)
def attach(id: ReportId, body: Annotated[NewAttachment, Body()]) -> Response[Any]:
    upload = casework().attach(caller_of(router), id, body)
    return Response(201, "application/json", upload.model_dump(mode="json"))
