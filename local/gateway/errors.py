"""The answers the gateway gives itself, in the API's error shape, worded as the handlers word them.

In AWS these are API Gateway's own answers, mapped by the template's gateway responses to the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lapor.domain.messages import ERRORS, Lang, language
from local.gateway.http_types import IncomingRequest, OutgoingResponse, json_response

_LOCAL_ONLY_ERRORS: dict[str, tuple[str, str]] = {
    "not_implemented": (
        "Tugas ini belum tersedia di tumpukan lokal.",
        "This job is not available in the local stack yet.",
    ),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    indonesian: str
    english: str


class GatewayError(Exception):
    """An error the gateway answers itself."""

    def __init__(self, status: int, code: str, details: list[FieldError] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.details = details or []


def _text(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang == "en" else pair[0]


def error_response(request: IncomingRequest, error: GatewayError) -> OutgoingResponse:
    lang = language(request.header("Accept-Language"))
    message = ERRORS.get(error.code) or _LOCAL_ONLY_ERRORS.get(error.code) or ERRORS["server_error"]
    document = {
        "error": {
            "code": error.code,
            "message": _text(message, lang),
            "details": [
                {"field": item.field, "message": _text((item.indonesian, item.english), lang)}
                for item in error.details
            ],
        }
    }
    return json_response(error.status, document)
