"""Response entries of the OpenAPI document, shared by every HTTP function's routes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from lapor.http.errors import ErrorBody


def error_doc(description: str) -> OpenAPIResponse:
    """An error answer, in the API's error shape."""
    return {"description": description, "content": {"application/json": {"model": ErrorBody}}}


def json_doc(model: Any, description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}
