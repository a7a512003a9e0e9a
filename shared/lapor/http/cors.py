"""CORS for browsers on other origins (API.md, "Browsers"), shared by the functions and the local gateway.

Only the origins of `ALLOWED_ORIGINS` (the stack parameter `AllowedOrigins` and the web app's own origin,
comma-separated) get a grant: `Access-Control-Allow-Origin` echoing the origin (never `*`), `Vary: Origin`
and the exposed headers, on every answer, errors included. A preflight (`OPTIONS` with
`Access-Control-Request-Method`) answers 204 with the route's methods, the request headers the API reads and
a max age. Other origins get no `Access-Control-Allow-*` header at all.

In AWS, API Gateway passes `OPTIONS` of every API path to the function that owns the path (template.yaml);
`with_cors` answers it from that function's own routes. The local gateway applies the same headers itself
(`local/gateway/cors.py`), with its own notion of which origins are allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ALLOW_HEADERS = "Content-Type, Authorization, X-Report-Token, Idempotency-Key, If-Match, Accept-Language"
EXPOSE_HEADERS = "ETag, Location, Retry-After"
MAX_AGE_SECONDS = 600
ORIGINS_VARIABLE = "ALLOWED_ORIGINS"
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted and value is not None:
            return str(value)
    return None


def granted_headers(origin: str) -> dict[str, str]:
    """What every answer to an allowed origin carries."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Vary": "Origin",
    }


def preflight_headers(origin: str, methods: Iterable[str]) -> dict[str, str]:
    """A 204 preflight answer's headers for an allowed origin and the route's methods."""
    listed = sorted({m.upper() for m in methods} | {"OPTIONS"}, key=_method_rank)
    return {
        **granted_headers(origin),
        "Access-Control-Allow-Methods": ", ".join(listed),
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
    }


def _method_rank(method: str) -> int:
    return _METHOD_ORDER.index(method) if method in _METHOD_ORDER else len(_METHOD_ORDER)


def is_preflight(method: str, headers: Mapping[str, Any] | None) -> bool:
    return method.upper() == "OPTIONS" and header(headers, "Access-Control-Request-Method") is not None


@dataclass(frozen=True)
class AllowedOrigins:
    """Exact origins, as the stack gives them (scheme, host and port; no path, no trailing slash)."""

    origins: frozenset[str]

    @classmethod
    def parse(cls, text: str | None) -> AllowedOrigins:
        return cls(frozenset(o.strip().rstrip("/") for o in (text or "").split(",") if o.strip()))

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin != "null" and origin in self.origins


Resolve = Callable[[dict[str, Any], Any], dict[str, Any]]


def _route_methods(app: Any, path: str) -> set[str]:
    """The methods the resolver serves on `path` (Powertools keeps its routes as compiled rules)."""
    routes = list(getattr(app, "_static_routes", [])) + list(getattr(app, "_dynamic_routes", []))
    return {str(route.method).upper() for route in routes if re.fullmatch(route.rule, path)}


def _with_headers(answer: dict[str, Any], extra: Mapping[str, str]) -> dict[str, Any]:
    headers = dict(answer.get("headers") or {})
    headers.update(extra)
    multi = answer.get("multiValueHeaders")
    if multi:  # one source of truth for a header: the single-value map
        multi = {k: v for k, v in multi.items() if k.lower() not in {e.lower() for e in extra}}
    return {**answer, "headers": headers, **({"multiValueHeaders": multi} if multi is not None else {})}


def with_cors(app: Any, resolve: Resolve, origins: AllowedOrigins | None = None) -> Resolve:
    """`resolve` with the grant added to allowed origins' answers and their preflights answered; the origins
    are `ALLOWED_ORIGINS`'s unless given."""

    def answer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = event.get("headers")
        origin = header(headers, "Origin")
        allowed = origins if origins is not None else AllowedOrigins.parse(os.environ.get(ORIGINS_VARIABLE))
        granted = allowed.allows(origin)
        if is_preflight(str(event.get("httpMethod") or ""), headers):
            methods = _route_methods(app, str(event.get("path") or ""))
            if methods:
                extra = preflight_headers(str(origin), methods) if granted else {}
                return {"statusCode": 204, "headers": extra, "body": "", "isBase64Encoded": False}
        result = resolve(event, context)
        return _with_headers(result, granted_headers(str(origin))) if granted else result

    return answer
