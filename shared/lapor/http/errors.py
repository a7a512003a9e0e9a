"""The one place where errors become HTTP answers, in the API's error shape and the caller's language."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from lapor.domain import errors as domain
from lapor.domain.errors import FieldProblem
from lapor.domain.messages import Lang, field_message, language
from lapor.observability import log_unexpected

JSON = "application/json"
RETRY_AFTER_SECONDS = "2"

# Status code of each domain error (most specific class first).
_STATUS: Sequence[tuple[type[domain.DomainError], int]] = (
    (domain.NotFound, 404),
    (domain.BadToken, 401),
    (domain.Unauthenticated, 401),
    (domain.Forbidden, 403),
    (domain.AlreadyRated, 409),
    (domain.TooManyAttachments, 409),
    (domain.InvalidTransition, 409),
    (domain.VersionConflict, 409),
    (domain.RequestInProgress, 409),
    (domain.CodeVoid, 409),
    (domain.AgencyHasOpenReports, 409),
    (domain.OfficerExists, 409),
    (domain.IdentityErased, 410),
    (domain.InvalidInput, 422),
    (domain.IdempotencyKeyReused, 422),
    (domain.StoreUnavailable, 503),
)

_PARSE_ERRORS = frozenset(
    {
        "int_parsing",
        "float_parsing",
        "bool_parsing",
        "json_invalid",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_format",
    }
)


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    """The API's error shape."""

    error: ErrorInfo


def error_response(
    status: int,
    code: str,
    lang: Lang,
    problems: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[Any]:
    from lapor.domain.messages import error_message

    details = [{"field": p.field, "message": field_message(p.field, p.key, p.params, lang)} for p in problems]
    message = details[0]["message"] if len(details) == 1 else error_message(code, lang)
    body = {"error": {"code": code, "message": message, "details": details}}
    all_headers = {"Content-Language": lang, **(headers or {})}
    if status in (429, 503) or code == "request_in_progress":
        all_headers["Retry-After"] = RETRY_AFTER_SECONDS
    return Response(status, JSON, json.dumps(body, ensure_ascii=False), all_headers)


def caller_language(app: APIGatewayRestResolver) -> Lang:
    return language(app.current_event.headers.get("accept-language") if app.current_event else None)


def problems_from_validation(errors: Sequence[Any]) -> tuple[int, str, list[FieldProblem]]:
    """Powertools' validation errors as (status, code, problems): 400 for what cannot be parsed."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    status, code = 422, "validation_error"
    for error in errors:
        kind = str(error.get("type", "invalid"))
        where = [str(part) for part in error.get("loc", ())]
        source, path = (where[0], where[1:]) if where else ("body", [])
        if kind == "json_invalid":
            return 400, "malformed_json", [FieldProblem("body", "json_invalid")]
        if source == "query" and kind in _PARSE_ERRORS:
            status, code = 400, "bad_request"
        field = ".".join(path) if path else "body"
        if field in seen:
            continue
        seen.add(field)
        params = dict(error.get("ctx") or {})
        if kind == "literal_error" and "expected" in params:
            # pydantic writes "'a', 'b' or 'c'": a plain list reads right in Indonesian and in English
            params["expected"] = str(params["expected"]).replace("'", "").replace(" or ", ", ")
        problems.append(FieldProblem(field, kind, params))
    return status, code, problems


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """Answer every failure in the API's error shape; nothing leaks a 500 with a body from Powertools."""

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        if any(tuple(e.get("loc", ()))[:1] == ("response",) for e in error.errors()):
            log_unexpected(error)  # our answer broke its own schema: a bug, not the caller's fault
            return error_response(500, "server_error", caller_language(app))
        status, code, problems = problems_from_validation(error.errors())
        return error_response(status, code, caller_language(app), problems)

    @app.exception_handler(domain.InvalidInput)
    def _invalid_input(error: domain.InvalidInput) -> Response[Any]:
        status = 400 if isinstance(error, domain.Unparseable) else 422
        return error_response(status, error.code, caller_language(app), error.problems)

    @app.exception_handler(domain.DomainError)
    def _domain_error(error: domain.DomainError) -> Response[Any]:
        status = next((s for kind, s in _STATUS if isinstance(error, kind)), 400)
        return error_response(status, error.code, caller_language(app))

    @app.not_found
    def _unknown_route(_: Exception) -> Response[Any]:
        return error_response(404, "not_found", caller_language(app))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[Any]:
        log_unexpected(error)
        return error_response(500, "server_error", caller_language(app))
