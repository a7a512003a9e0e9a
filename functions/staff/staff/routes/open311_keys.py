"""The coordinator's Open311 API keys: issue (shown once), list (never the keys), revoke (at once)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lapor.http.docs import error_doc, json_doc
from lapor.http.resolver import make_router
from lapor.observability import logger
from lapor.wiring import open311_keys
from staff.answers import IssuedKeyAnswer, KeyList, NewKey
from staff.conventions import caller_of

router = make_router()
TAGS = ["staff: open311 keys"]
KeyId = Annotated[str, Path(description="The key's id (shown in the list)", max_length=20)]
_READ = {401: error_doc("No valid staff token"), 403: error_doc("Coordinator only")}


@router.get(
    "/staff/open311/keys",
    summary="The Open311 API keys issued (never the keys themselves)",
    tags=TAGS,
    responses={200: json_doc(KeyList, "Every key, oldest first"), **_READ},
)
def list_keys() -> KeyList:
    return KeyList.model_validate({"items": open311_keys().keys(caller_of(router))})


@router.post(
    "/staff/open311/keys",
    summary="Issue an Open311 API key (shown once)",
    tags=TAGS,
    responses={
        201: json_doc(IssuedKeyAnswer, "The key, shown this once"),
        **_READ,
        400: error_doc("Malformed JSON"),
        415: error_doc("Body is not application/json"),
        422: error_doc("Invalid name"),
    },
)
def issue_key(body: Annotated[NewKey, Body()]) -> Response[Any]:
    issued = open311_keys().issue_key(caller_of(router), body.name)
    logger.info("open311 key issued", extra={"key_id": issued.key_id})
    answer_body = IssuedKeyAnswer(
        key=issued.key, key_id=issued.key_id, name=issued.name, created_at=issued.created_at
    )
    return Response(
        201, "application/json", answer_body.model_dump(mode="json"), {"Cache-Control": "no-store"}
    )


@router.delete(
    "/staff/open311/keys/<key_id>",
    summary="Revoke an Open311 API key (at once)",
    tags=TAGS,
    responses={204: {"description": "Revoked"}, **_READ, 404: error_doc("No such key")},
)
def revoke_key(key_id: KeyId) -> Response[Any]:
    open311_keys().revoke_key(caller_of(router), key_id)
    logger.info("open311 key revoked", extra={"key_id": key_id})
    return Response(204, "application/json", "")
