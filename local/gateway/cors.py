"""CORS at the local gateway (API.md, "Browsers"), for everything it serves: the API, its own answers, the
local-only routes and the local S3 endpoint (the bucket's CORS rule, for the web app's uploads).

Allowed origins come from `LAPOR_ALLOWED_ORIGINS` (comma-separated; an entry may end in `:*` for any port),
by default any `http://localhost:<port>` and `http://127.0.0.1:<port>`, so the web app (`make run` serves it
on PORT+1) and a page on `http://localhost:5173` can call the stack. The headers are the functions' own
(`lapor.http.cors`). A preflight is answered here, before routing, with the route's methods; Open311's GET
routes stay open to `*`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from lapor.domain.open311 import OPEN311_RESOURCE, route_methods
from lapor.http.cors import EXPOSE_HEADERS, granted_headers, is_preflight, preflight_headers
from local.aws.s3.endpoint import is_s3_path
from local.gateway.http_types import IncomingRequest, OutgoingResponse
from local.gateway.local_routes import DEAD_LETTERS_PATH, JOBS_PREFIX, OUTBOX_PATH, TOKEN_PATH
from local.gateway.routes import RouteTable
from local.gateway.swagger_ui import DOCS_PREFIX, OPENAPI_URL

ORIGINS_VARIABLE = "LAPOR_ALLOWED_ORIGINS"
DEFAULT_ORIGINS = "http://localhost:*,http://127.0.0.1:*"
OPEN311_PREFIX = "/open311/"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class LocalOrigins:
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> LocalOrigins:
        parts = []
        for entry in (e.strip().rstrip("/") for e in text.split(",")):
            if not entry:
                continue
            if entry.endswith(":*"):
                parts.append(re.escape(entry[:-2]) + r":\d{1,5}")
            else:
                parts.append(re.escape(entry))
        return cls(re.compile("|".join(f"(?:{p})" for p in parts) or r"(?!)"))

    @classmethod
    def from_environment(cls) -> LocalOrigins:
        return cls.parse(os.environ.get(ORIGINS_VARIABLE) or DEFAULT_ORIGINS)

    def allows(self, origin: str | None) -> bool:
        return origin is not None and self.pattern.fullmatch(origin) is not None


def local_methods(path: str) -> set[str]:
    """The methods of the local-only routes (`local.local_routes`) and the local S3 endpoint on `path`."""
    if path == TOKEN_PATH or path.startswith(JOBS_PREFIX):
        return {"POST"}
    if path in (OUTBOX_PATH, DEAD_LETTERS_PATH, OPENAPI_URL) or path.startswith(DOCS_PREFIX):
        return {"GET"}
    if is_s3_path(path):
        return {"GET", "HEAD", "POST", "PUT"}
    return set()


def _strip_grants(response: OutgoingResponse) -> None:
    """Drop whatever grant the function gave: the gateway's own decision is the one that counts."""
    response.headers[:] = [
        (k, v)
        for k, v in response.headers
        if not k.lower().startswith("access-control-") and not (k.lower() == "vary" and v == "Origin")
    ]


class Cors:
    """`preflight` answers an OPTIONS preflight; `apply` adds (or withholds) the grant on any answer."""

    def __init__(self, routes: RouteTable, origins: LocalOrigins | None = None) -> None:
        self._routes = routes
        self._origins = origins or LocalOrigins.from_environment()

    def methods(self, path: str) -> set[str]:
        """The methods API Gateway would route on `path` (its resource's), or the local-only route's.
        Open311 is one `ANY` resource in the template: its methods are those its function serves there."""
        if path.startswith(OPEN311_RESOURCE):
            return set(route_methods(path[len(OPEN311_RESOURCE) :]))
        found = local_methods(path)
        for method in _METHODS:
            match = self._routes.match(method, path)
            if match is not None:
                found.add(method)
        return found

    def preflight(self, request: IncomingRequest) -> OutgoingResponse | None:
        if not is_preflight(request.method, dict(request.headers)):
            return None
        methods = self.methods(request.path)
        if not methods:
            return None  # the gateway answers 404, as API Gateway would for a path it has no resource for
        origin = request.header("Origin")
        if not self._origins.allows(origin):
            return OutgoingResponse(204)
        return OutgoingResponse(204, list(preflight_headers(str(origin), methods).items()))

    def apply(self, request: IncomingRequest, response: OutgoingResponse) -> OutgoingResponse:
        origin = request.header("Origin")
        if request.path.startswith(OPEN311_PREFIX) and request.method.upper() in ("GET", "HEAD"):
            _strip_grants(response)
            response.headers.extend(
                [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSE_HEADERS)]
            )
            return response
        if request.method.upper() == "OPTIONS" and response.header("Access-Control-Allow-Methods"):
            return response  # a preflight this module answered, grant included
        _strip_grants(response)
        if self._origins.allows(origin):
            response.headers.extend(granted_headers(str(origin)).items())
        return response
