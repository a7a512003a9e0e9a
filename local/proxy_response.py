"""Turn a function's Lambda proxy result into the HTTP answer, as API Gateway does."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from local.http_types import OutgoingResponse


class MalformedProxyResponseError(ValueError):
    """API Gateway answers 502 to such a result ("Malformed Lambda proxy response")."""


def to_http_response(result: Any) -> OutgoingResponse:
    if not isinstance(result, Mapping):
        raise MalformedProxyResponseError(f"the result is a {type(result).__name__}, not an object")
    status = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponseError("statusCode is missing or not an HTTP status")

    headers: dict[str, list[str]] = {}
    for name, value in (result.get("headers") or {}).items():
        headers[str(name)] = [str(value)]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        # Both given: API Gateway keeps the multi-value ones.
        headers[str(name)] = [str(value) for value in (values or [])]
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = ["application/json"]

    raw_body = result.get("body")
    if raw_body is None:
        body = b""
    elif not isinstance(raw_body, str):
        raise MalformedProxyResponseError("body is not a string")
    elif result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body, validate=True)
        except binascii.Error as error:
            raise MalformedProxyResponseError("body is not valid base64") from error
    else:
        body = raw_body.encode("utf-8")
    return OutgoingResponse(
        status=status,
        headers=[(name, value) for name, values in headers.items() for value in values],
        body=body,
    )
