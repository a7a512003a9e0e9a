"""GeoReport v2 over HTTP: `/open311/v2/{proxy+}` (any method) -> the answer, JSON or XML by the path's
extension, errors in the specification's format (`[{"code", "description"}]`, `<errors><error>…`).

| Method and path (after `/open311/v2/`) | Answer |
|---|---|
| GET `discovery.{fmt}` | the endpoint's discovery document |
| GET `services.{fmt}` | the categories as services |
| GET `services/{code}.{fmt}` | the service's definition (no attributes: no category has extra fields) |
| POST `requests.{fmt}` | form-encoded; `api_key` required (403); files a report |
| GET `requests.{fmt}` | public reports: `service_request_id` (comma list), or `service_code`, |
|  | `start_date`, `end_date` (≤ 90 days), `status`, `page`, `page_size` |
| GET `requests/{id}.{fmt}` | one public report (404 otherwise) |
| GET `tokens/{token}.{fmt}` | the id the POST's token names |
| GET `servicerequestupdates.{fmt}` | FixMyStreet's extension: the public timeline with extended statuses |
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.metrics import MetricUnit

from lapor.domain.errors import DomainError, StoreUnavailable
from lapor.domain.open311 import (
    FORMATS,
    OPEN311_RESOURCE,
    Format,
    Open311Error,
    date_range,
    discovery,
    error_document,
    filing,
    page_of,
    request_ids,
    route_methods,
    statuses_of,
    to_xml,
)
from lapor.http.cors import (
    EXPOSE_HEADERS,
    ORIGINS_VARIABLE,
    AllowedOrigins,
    granted_headers,
    header,
    is_preflight,
    preflight_headers,
)
from lapor.http.guard import MAX_BODY_BYTES
from lapor.observability import log_unexpected, logger, metrics
from lapor.wiring import open311_keys, open311_service, token_secret

CONTACT = "The city's complaint coordinator (Lapor)"
FORM = "application/x-www-form-urlencoded"
_CONTENT_TYPES: Mapping[Format, str] = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

Handler = Callable[[dict[str, Any], list[str], dict[str, str]], tuple[str, Any]]


def answer(event: dict[str, Any]) -> dict[str, Any]:
    path = str((event.get("pathParameters") or {}).get("proxy") or "")
    name, _, extension = path.rpartition(".")
    fmt: Format = "xml" if extension == "xml" else "json"
    method = str(event.get("httpMethod") or "GET").upper()
    origin = header(event.get("headers"), "Origin")
    granted = AllowedOrigins.parse(os.environ.get(ORIGINS_VARIABLE)).allows(origin)
    methods = route_methods(path)
    if is_preflight(method, event.get("headers")) and methods:
        extra = preflight_headers(str(origin), methods) if granted else {}
        return {"statusCode": 204, "headers": extra, "body": "", "isBase64Encoded": False}
    try:
        if extension not in FORMATS or not name:
            raise Open311Error(404, "no such resource: the path ends in .json or .xml")
        if not methods:
            raise Open311Error(404, "no such resource")
        if method not in methods:
            raise Open311Error(405, f"{method} is not supported here; use {', '.join(sorted(methods))}")
        segments = name.split("/")
        query = {k: v for k, v in (event.get("queryStringParameters") or {}).items() if v is not None}
        kind, document = _HANDLERS[(segments[0], len(segments), method)](event, segments, query)
        status = 201 if method == "POST" else 200
    except Open311Error as error:
        status, kind, document = error.status, "errors", error_document(error.status, error.description)
    except StoreUnavailable:
        status, kind, document = 503, "errors", error_document(503, "busy: try again shortly")
    except DomainError as error:
        status, kind, document = 400, "errors", error_document(400, error.code)
    except Exception as error:
        log_unexpected(error)
        status, kind, document = 500, "errors", error_document(500, "server error")
    body = to_xml(kind, document) if fmt == "xml" else json.dumps(document, ensure_ascii=False)
    headers = {"Content-Type": _CONTENT_TYPES[fmt], **_cors_headers(method, origin, granted)}
    if status == 503:
        headers["Retry-After"] = "2"
    return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


def _cors_headers(method: str, origin: str | None, granted: bool) -> dict[str, str]:
    """Reads stay open to any origin (API.md, "Browsers"); a filing gets an allowed origin's grant only."""
    if method in ("GET", "HEAD"):
        return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSE_HEADERS}
    return granted_headers(str(origin)) if granted else {}


def _base_url(event: dict[str, Any]) -> str:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    context = event.get("requestContext") or {}
    host = headers.get("host") or context.get("domainName") or "localhost"
    scheme = headers.get("x-forwarded-proto") or "https"
    # API Gateway's own domain names carry the stage in the path; a custom domain maps it away.
    stage = f"/{context['stage']}" if host.endswith(".amazonaws.com") and context.get("stage") else ""
    return f"{scheme}://{host}{stage}{OPEN311_RESOURCE.rstrip('/')}"


def _discovery(event: dict[str, Any], _segments: list[str], _query: dict[str, str]) -> tuple[str, Any]:
    return "discovery", discovery(_base_url(event), CONTACT)


def _services(_event: dict[str, Any], _segments: list[str], _query: dict[str, str]) -> tuple[str, Any]:
    return "services", open311_service().services()


def _service(_event: dict[str, Any], segments: list[str], _query: dict[str, str]) -> tuple[str, Any]:
    return "service_definition", open311_service().service(segments[1])


def _request(_event: dict[str, Any], segments: list[str], _query: dict[str, str]) -> tuple[str, Any]:
    return "requests", open311_service().request(segments[1])


def _token(_event: dict[str, Any], segments: list[str], _query: dict[str, str]) -> tuple[str, Any]:
    return "requests", open311_service().token(segments[1])


def _requests(_event: dict[str, Any], _segments: list[str], query: dict[str, str]) -> tuple[str, Any]:
    service = open311_service()
    if query.get("service_request_id"):  # overrides every other parameter (the specification)
        return "requests", service.requests_by_id(request_ids(query["service_request_id"]))
    since, until = date_range(query.get("start_date"), query.get("end_date"), service.now())
    page, size = page_of(query.get("page"), query.get("page_size"))
    code = (query.get("service_code") or "").strip() or None
    found = service.requests(since, until, code, statuses_of(query.get("status")), page, size)
    return "requests", found


def _updates(_event: dict[str, Any], _segments: list[str], query: dict[str, str]) -> tuple[str, Any]:
    service = open311_service()
    since, until = date_range(query.get("start_date"), query.get("end_date"), service.now())
    page, size = page_of(query.get("page"), query.get("page_size"))
    return "updates", service.updates(since, until, page, size)


def _form(event: dict[str, Any]) -> dict[str, str]:
    headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError) as error:
            raise Open311Error(400, "the body cannot be read") from error
    else:
        data = raw.encode("utf-8", errors="surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise Open311Error(413, "the body is over 64 KiB")
    if data and headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise Open311Error(400, f"the body must be {FORM}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Open311Error(400, "the body is not UTF-8") from error
    return dict(parse_qsl(text, keep_blank_values=True))


def _post(event: dict[str, Any], _segments: list[str], query: dict[str, str]) -> tuple[str, Any]:
    fields = _form(event)
    service = open311_service()
    key_id = open311_keys().check_key(fields.get("api_key") or query.get("api_key"))
    setup_category = service.category
    answer_body = service.file(filing(fields, setup_category), key_id, fields, token_secret())
    metrics.add_metric(name="Open311RequestsFiled", unit=MetricUnit.Count, value=1)
    logger.info(
        "open311 request filed",
        extra={"report_id": answer_body[0]["service_request_id"], "key_id": key_id},
    )
    return "requests", answer_body


# Who answers each resource's method (lapor.domain.open311.ROUTE_METHODS lists them: routing, preflights).
_HANDLERS: Mapping[tuple[str, int, str], Handler] = {
    ("discovery", 1, "GET"): _discovery,
    ("services", 1, "GET"): _services,
    ("services", 2, "GET"): _service,
    ("requests", 1, "GET"): _requests,
    ("requests", 1, "POST"): _post,
    ("requests", 2, "GET"): _request,
    ("tokens", 2, "GET"): _token,
    ("servicerequestupdates", 1, "GET"): _updates,
}
