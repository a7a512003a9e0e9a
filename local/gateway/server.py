"""The local API Gateway: HTTP in, REST proxy event to the template's function, proxy result out.

It also answers what API Gateway answers itself (unknown route 404, oversized body 413, authorizer refusal
401, a failed function 502), in the API's error shape, and the local-only routes. After the function, and
before the answer goes out, `settle` runs what the invocation set off (`local.lambdas.consequences`). Under
`/_local/s3` it hands the request to the local S3 endpoint (`local.aws.s3.endpoint`), which has its own body
limit and S3's error shape.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from local.aws.s3.endpoint import MAX_UPLOAD_BODY_BYTES, S3Endpoint, is_s3_path
from local.gateway.authorizer import InvalidTokenError, bearer_token, verify_token
from local.gateway.cors import Cors
from local.gateway.errors import GatewayError, error_response
from local.gateway.http_types import IncomingRequest, OutgoingResponse
from local.gateway.local_routes import LocalRoutes
from local.gateway.proxy import MalformedProxyResponseError, build_rest_event, to_http_response
from local.gateway.routes import RouteTable
from local.lambdas.runtime import FunctionRegistry
from local.template import ApiRoute, Template

HOST = "127.0.0.1"
MAX_BODY_BYTES = 64 * 1024
DRAIN_LIMIT_BYTES = 10 * 1024 * 1024  # API Gateway's own limit; an unread body makes the socket reset

Settle = Callable[[], None]


def nothing_to_settle() -> None:
    return None


class Gateway:
    def __init__(
        self,
        routes: RouteTable,
        stage: str,
        functions: FunctionRegistry,
        local_routes: LocalRoutes,
        secret: str,
        settle: Settle = nothing_to_settle,
        s3: S3Endpoint | None = None,
    ) -> None:
        self._routes = routes
        self._stage = stage
        self._functions = functions
        self._local_routes = local_routes
        self._secret = secret
        self._settle = settle
        self._s3 = s3
        self._cors = Cors(routes)

    def _serves_s3(self, path: str) -> bool:
        return self._s3 is not None and is_s3_path(path)

    def body_limit(self, path: str) -> int:
        """The largest body a request to `path` may have: the API's, or the S3 endpoint's for uploads."""
        return MAX_UPLOAD_BODY_BYTES if self._serves_s3(path) else MAX_BODY_BYTES

    def handle(self, request: IncomingRequest) -> OutgoingResponse:
        request_id = str(uuid.uuid4())
        try:
            response = self._cors.preflight(request) or self._answer(request, request_id)
        except GatewayError as error:
            response = error_response(request, error)
        except Exception:
            print(f"local: {request.method} {request.path} failed:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            response = error_response(request, GatewayError(502, "server_error"))
        response.headers.append(("x-amzn-RequestId", request_id))
        return self._cors.apply(request, response)

    def _answer(self, request: IncomingRequest, request_id: str) -> OutgoingResponse:
        if self._s3 is not None and self._serves_s3(request.path):
            return self._s3.handle(request)
        if request.oversized or len(request.body) > MAX_BODY_BYTES:
            raise GatewayError(413, "payload_too_large")
        local = self._local_routes.handle(request)
        if local is not None:
            return local
        match = self._routes.match(request.method, request.path)
        if match is None:
            raise GatewayError(404, "not_found")
        claims = self._authorize(request, match.route)
        event = build_rest_event(request, match, self._stage, claims=claims, request_id=request_id)
        try:
            result = self._functions[match.route.function_id].invoke(event)
        finally:
            self._settle()
        try:
            return to_http_response(result)
        except MalformedProxyResponseError as error:
            print(
                f"local: {match.route.function_id} returned a malformed proxy response: {error}",
                file=sys.stderr,
            )
            raise GatewayError(502, "server_error") from error

    def _authorize(self, request: IncomingRequest, route: ApiRoute) -> dict[str, str] | None:
        """The verified claims on a route with an authorizer (None without one); 401 otherwise."""
        if route.authorizer is None:
            return None
        token = bearer_token(request.header("Authorization"))
        if token is None:
            raise GatewayError(401, "unauthorized")
        try:
            return verify_token(self._secret, token)
        except InvalidTokenError:
            raise GatewayError(401, "unauthorized") from None


class _BodyTooLargeError(Exception):
    pass


class GatewayRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lapor-local"
    # The headers and the body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed acknowledgement of the first (40 ms on Linux), on every answer.
    disable_nagle_algorithm = True

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked_body(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self._drain(length)
            raise _BodyTooLargeError
        return self.rfile.read(length) if length > 0 else b""

    def _drain(self, length: int) -> None:
        """Read and drop an oversized body, so that the client gets to read the 413."""
        if length > DRAIN_LIMIT_BYTES:
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                return
            length -= len(chunk)

    def _read_chunked_body(self, limit: int) -> bytes:
        body = bytearray()
        received = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():  # trailers
                    pass
                if received > limit:
                    raise _BodyTooLargeError
                return bytes(body)
            received += size
            if received > DRAIN_LIMIT_BYTES:
                raise _BodyTooLargeError
            chunk = self.rfile.read(size)
            if received <= limit:
                body += chunk
            self.rfile.readline()

    def _handle(self) -> None:
        with cast(GatewayServer, self.server).answering():
            self._answer()

    def _answer(self) -> None:
        started = time.monotonic()
        gateway = cast(GatewayServer, self.server).gateway
        if gateway is None:  # bound, the stack still starting
            self.send_error(503)
            return
        path, _, query = self.path.partition("?")
        headers = list(self.headers.items())
        oversized = False
        try:
            body = self._read_body(gateway.body_limit(path))
        except _BodyTooLargeError:
            body, oversized = b"", True
            self.close_connection = True
        except ValueError:
            self.send_error(400)
            return
        request = IncomingRequest(
            method=self.command,
            path=path or "/",
            query=query,
            headers=headers,
            body=body,
            oversized=oversized,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        response = gateway.handle(request)
        gone = ""
        try:
            self._write(response)
        except ConnectionError:
            self.close_connection = True
            gone = ", the client had gone"
        elapsed_ms = (time.monotonic() - started) * 1000
        # One write a line: the gateway answers on several threads, and print() writes the text and its
        # newline apart, so that two threads' lines could run together.
        sys.stderr.write(f"local: {self.command} {path} -> {response.status} ({elapsed_ms:.0f} ms{gone})\n")

    def _write(self, response: OutgoingResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # Every method reaches the route table (API Gateway's answer to a method a resource lacks), TRACE too.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = do_QUERY = _handle

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by the one line `_handle` writes (without the query string, which may hold data)."""


class GatewayServer(ThreadingHTTPServer):
    """Listens from the moment it is made (so that its port, and base URL, are known before the stack
    starts); answers 503 until it has its `gateway`."""

    daemon_threads = True

    def __init__(self, port: int, gateway: Gateway | None = None) -> None:
        super().__init__((HOST, port), GatewayRequestHandler)
        self.gateway = gateway
        self._answering = 0
        self._idle = threading.Condition()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.server_port}"

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around each request: the stack stops only once those in progress have been answered."""
        with self._idle:
            self._answering += 1
        try:
            yield
        finally:
            with self._idle:
                self._answering -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._answering == 0, timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up before its answer is written is no error of the stack's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_gateway_server(port: int, gateway: Gateway | None = None) -> GatewayServer:
    """Listen on 127.0.0.1:`port` (0: any free port); OSError when it cannot."""
    return GatewayServer(port, gateway)


def build_gateway(
    template: Template,
    functions: FunctionRegistry,
    secret: str,
    openapi_path: Path,
    settle: Settle = nothing_to_settle,
    s3: S3Endpoint | None = None,
) -> Gateway:
    """The gateway of the template's API; with `s3`, it also serves `/_local/s3` (`local.aws.s3.endpoint`)."""
    staff = template.functions().get("StaffFunction")
    roster_table = staff.environment.get("TABLE_NAME") if staff is not None else None
    local_routes = LocalRoutes(
        secret, functions, template.schedules(), openapi_path, settle, roster_table=roster_table
    )
    return Gateway(
        RouteTable(template.routes()), template.stage_name(), functions, local_routes, secret, settle, s3
    )
