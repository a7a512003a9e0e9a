"""The Open311 function: GeoReport v2 under `/open311/v2/` (`open311.georeport`, the specification's own
error format) and the coordinator's API keys under `/staff/open311/keys` (the API's error shape, Cognito
authorizer). One Lambda, two kinds of route: the event's resource says which."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from lapor.http.claims import staff_caller
from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import guarded, make_resolver
from lapor.observability import instrument, logger
from open311.answers import IssuedKeyAnswer, KeyList, NewKey
from open311.georeport import OPEN311_RESOURCE, answer
from open311.wiring import open311_service

app = make_resolver()
_staff_routes = guarded(app)

KeyId = Annotated[str, Path(description="The key's id (shown in the list)", max_length=20)]
_READ = {401: error_doc("No valid staff token"), 403: error_doc("Coordinator only")}


@app.get(
    "/staff/open311/keys",
    summary="The Open311 API keys issued (never the keys themselves)",
    tags=["staff", "open311"],
    responses={200: json_doc(KeyList, "Every key, oldest first"), **_READ},
)
def list_keys() -> KeyList:
    caller = staff_caller(app.current_event.raw_event)
    return KeyList.model_validate({"items": open311_service().keys(caller)})


@app.post(
    "/staff/open311/keys",
    summary="Issue an Open311 API key (shown once)",
    tags=["staff", "open311"],
    responses={
        201: json_doc(IssuedKeyAnswer, "The key, shown this once"),
        **_READ,
        400: error_doc("Malformed JSON"),
        415: error_doc("Body is not application/json"),
        422: error_doc("Invalid name"),
    },
)
def issue_key(body: Annotated[NewKey, Body()]) -> Response[Any]:
    caller = staff_caller(app.current_event.raw_event)
    issued = open311_service().issue_key(caller, body.name)
    logger.info("open311 key issued", extra={"key_id": issued.key_id})
    answer_body = IssuedKeyAnswer(
        key=issued.key, key_id=issued.key_id, name=issued.name, created_at=issued.created_at
    )
    return Response(
        201, "application/json", answer_body.model_dump(mode="json"), {"Cache-Control": "no-store"}
    )


@app.delete(
    "/staff/open311/keys/<key_id>",
    summary="Revoke an Open311 API key (at once)",
    tags=["staff", "open311"],
    responses={204: {"description": "Revoked"}, **_READ, 404: error_doc("No such key")},
)
def revoke_key(key_id: KeyId) -> Response[Any]:
    caller = staff_caller(app.current_event.raw_event)
    open311_service().revoke_key(caller, key_id)
    logger.info("open311 key revoked", extra={"key_id": key_id})
    return Response(204, "application/json", "")


def route(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if str(event.get("resource") or "").startswith(OPEN311_RESOURCE):
        return answer(event)
    return _staff_routes(event, context)


lambda_handler = instrument(route)
