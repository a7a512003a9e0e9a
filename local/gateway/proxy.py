"""The API Gateway REST (v1) Lambda proxy event for a request: the shape of
`sam local generate-event apigateway aws-proxy`, filled as API Gateway fills it.

Turn a function's Lambda proxy result into the HTTP answer, as API Gateway does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from local.aws.environment import ACCOUNT_ID
from local.gateway.http_types import IncomingRequest, OutgoingResponse
from local.gateway.routes import RouteMatch

API_ID = "lapor00local"
_TEXT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/javascript",
    "text/",
)


def _is_text(content_type: str | None, body: bytes) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type and not (media_type.startswith(_TEXT_TYPES) or media_type.endswith(("+json", "+xml"))):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _resource_id(resource_path: str) -> str:
    return hashlib.sha256(resource_path.encode()).hexdigest()[:6]


def _single_and_multi(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """API Gateway's two views of repeated keys: the last value, and all values in order."""
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def build_rest_event(
    request: IncomingRequest,
    match: RouteMatch,
    stage: str,
    *,
    claims: dict[str, str] | None = None,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    instant = now if now is not None else time.time()
    request_id = request_id or str(uuid.uuid4())
    user_agent = request.header("User-Agent")
    headers = [
        *request.headers,
        ("X-Amzn-Trace-Id", f"Root=1-{int(instant):08x}-{uuid.uuid4().hex[:24]}"),
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Proto", "http"),
    ]
    single_headers, multi_headers = _single_and_multi(headers)
    query, multi_query = _single_and_multi(parse_qsl(request.query, keep_blank_values=True))
    is_base64 = bool(request.body) and not _is_text(request.header("Content-Type"), request.body)
    if not request.body:
        body: str | None = None
    elif is_base64:
        body = base64.b64encode(request.body).decode("ascii")
    else:
        body = request.body.decode("utf-8")
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "resourceId": _resource_id(match.route.path),
        "resourcePath": match.route.path,
        "httpMethod": request.method,
        "extendedRequestId": base64.b32encode(uuid.UUID(request_id).bytes).decode()[:16],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(instant)),
        "requestTimeEpoch": int(instant * 1000),
        "path": f"/{stage}{request.path}",
        "stage": stage,
        "domainPrefix": API_ID,
        "domainName": request.header("Host") or "127.0.0.1",
        "requestId": request_id,
        "protocol": request.protocol,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "accessKey": None,
            "sourceIp": request.source_ip,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": user_agent,
            "user": None,
        },
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


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
