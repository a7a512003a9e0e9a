"""Checks made on the raw event before routing: body size (413), content type (415), and a JSON body that
is not an object (422).

They run before Powertools parses the body, so an oversized or non-JSON body is refused without being
read into a model, and nothing is written. Every route's body is a JSON object: Powertools would unwrap a
one-element array (`[{...}]`) into its element and file it, so any other JSON value is refused here.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lapor.domain.errors import FieldProblem
from lapor.domain.messages import language
from lapor.http.errors import error_response

MAX_BODY_BYTES = 64 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body, validate=False))
        except (binascii.Error, ValueError):
            return len(body)
    return len(body.encode("utf-8", errors="surrogatepass"))


def _is_text(event: dict[str, Any]) -> bool:
    """JSON is UTF-8 text: a body that does not decode as UTF-8 cannot be JSON."""
    body = event.get("body") or ""
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return True


def _json_kind(event: dict[str, Any]) -> str:
    """`object` for a JSON object; `unparsed` when it is not JSON at all (the resolver answers 400)."""
    body = event.get("body") or ""
    text = base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body
    try:
        value = json.loads(text)
    except ValueError:
        return "unparsed"
    return "object" if isinstance(value, dict) else type(value).__name__


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def refusal(event: dict[str, Any]) -> dict[str, Any] | None:
    """The proxy answer that refuses this request before routing, or None to let it through."""
    lang = language(_header(event, "accept-language"))
    method = str(event.get("httpMethod", "")).upper()
    if body_size(event) > MAX_BODY_BYTES:
        answer = error_response(413, "payload_too_large", lang, [FieldProblem("body", "too_large")])
    elif method in _BODY_METHODS and event.get("body") and not is_json(_header(event, "content-type")):
        problem = FieldProblem("Content-Type", "not_json")
        answer = error_response(415, "unsupported_media_type", lang, [problem])
    elif method in _BODY_METHODS and event.get("body") and not _is_text(event):
        answer = error_response(400, "malformed_json", lang, [FieldProblem("body", "json_invalid")])
    elif method in _BODY_METHODS and event.get("body") and _json_kind(event) not in ("object", "unparsed"):
        answer = error_response(422, "validation_error", lang, [FieldProblem("body", "model_type")])
    else:
        return None
    return {
        "statusCode": answer.status_code,
        "headers": {"Content-Type": answer.content_type or "application/json", **answer.headers},
        "body": answer.body,
        "isBase64Encoded": False,
    }
