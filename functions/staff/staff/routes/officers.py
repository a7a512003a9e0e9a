"""The officer roster: who may sign in, in which role and agency, by which decree (SK). The coordinator
manages it; an official reads their agency's officers. An officer's e-mail is shown on these routes only."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel

from lapor.domain.roster import NewOfficer, Officer, OfficerChange
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.wiring import roster_admin
from staff.conventions import READ_ERRORS, caller_of, request_id_of

router = make_router()
TAGS = ["staff: officers"]
OfficerId = Annotated[str, Path(description="The officer's id: their token's `sub`", max_length=64)]


class OfficerList(BaseModel):
    items: list[Officer]


@router.get(
    "/staff/officers",
    summary="The officer roster (coordinator: everyone; official: their agency's)",
    tags=TAGS,
    responses={200: json_doc(OfficerList, "The officers, by name"), **READ_ERRORS},
)
def list_officers() -> OfficerList:
    return OfficerList(items=roster_admin().officers(caller_of(router)))


@router.post(
    "/staff/officers",
    summary="Add an officer (in AWS a Cognito user, invited by e-mail)",
    description=(
        "`role` is one of coordinator, operator, official, leadership; operators and officials name their "
        "agency (`agency_id`, an active one), the others none. `decree` is the appointment (SK): its number "
        "and date. The answer's `id` is the officer's token `sub`. In AWS the officer receives an e-mail "
        "with a temporary password and sets up an authenticator app at the first sign-in. Audited."
    ),
    tags=TAGS,
    responses={
        201: json_doc(Officer, "The officer"),
        **READ_ERRORS,
        409: error_doc("An officer with this e-mail exists"),
        422: error_doc("Invalid body, or an agency that does not fit the role"),
    },
)
def add_officer(body: Annotated[NewOfficer, Body()]) -> Response[Any]:
    officer = roster_admin().add(caller_of(router), body, request_id_of(router))
    return Response(201, "application/json", officer.model_dump(mode="json"))


@router.patch(
    "/staff/officers/<officer_id>",
    summary="Change an officer's role, agency, decree or activity",
    description=(
        "Any of `role`, `agency_id`, `active`, `decree`. An inactive officer is refused (401) from their "
        "next request: the staff functions check the roster; in AWS the user is also disabled and signed "
        "out everywhere. A change to a city role (coordinator, leadership) drops the agency. Audited."
    ),
    tags=TAGS,
    responses={
        200: json_doc(Officer, "The officer now"),
        **READ_ERRORS,
        409: error_doc("Changed by someone else meanwhile"),
        422: error_doc("Invalid body, or an agency that does not fit the role"),
    },
)
def change_officer(officer_id: OfficerId, body: Annotated[OfficerChange, Body()]) -> Officer:
    return roster_admin().change(caller_of(router), officer_id, body, request_id_of(router))
