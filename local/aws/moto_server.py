"""The embedded moto server: moto's WSGI app under a single-threaded werkzeug server, for every AWS call of
the functions and of the stack.

Single-threaded on purpose: DynamoDB applies a conditional write atomically, moto applies it atomically only
when requests are serialized (moto's own threaded servers are not). DynamoDB is `local.aws.dynamodb`'s engine.
In front of moto, each middleware watching its own requests: `DynamoDBFront` (ClientRequestToken, and the
writes for the data folder), `S3WriteMiddleware` (S3 writes for the data folder) and `PublicationMiddleware`
(what the functions publish).

The stack's own calls go over the socket too (`EmbeddedApi`), so that they never interleave with a
function's request; one connection a call, closed after it, so that none holds the single-threaded server.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from moto.core.model_instances import reset_model_data
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

from local.aws.dynamodb import Change, DynamoDBEngine, install
from local.aws.environment import ACCOUNT_ID, REGION, unverified_authorization
from local.aws.publications import PublicationMiddleware
from local.aws.wsgi import StartResponse, WSGIApplication, WSGIEnviron, answer_of, read_request_body
from local.persistence.s3_mirror import S3WriteMiddleware

HOST = "127.0.0.1"
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."
TOKEN_SECONDS = 600.0  # DynamoDB keeps a transaction's ClientRequestToken for 10 minutes
STREAM_RECORDS_KEPT = 10_000  # a stream's last records (the stack reads them after every request)
WRITE_ACTIONS = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "CreateTable",
        "UpdateTable",
        "UpdateTimeToLive",
        "DeleteTable",
    }
)
_JSON = "application/x-amz-json-1.0"

WritesSink = Callable[[str, dict[str, Any], list[Change]], None]  # action, request, the items it changed


@dataclass(frozen=True)
class _Completed:
    """A transaction applied under a token: what was asked, when it stops counting, and the answer."""

    digest: str
    until: float
    headers: list[tuple[str, str]]
    body: bytes


class DynamoDBFront:
    """DynamoDB requests on their way to moto.

    - `TransactWriteItems` with a `ClientRequestToken` (the SDK sets one, and sends the same on a retry) is
      idempotent for 10 minutes after the first one succeeded, as in DynamoDB: the same request answers as
      the first did and changes nothing; another request with the token is refused with
      `IdempotentParameterMismatchException`.
    - A successful write goes to `sink` with the items it changed (for the data folder's write log).
    - Moto keeps every model instance it makes (for its test resets) and every stream record; a
      long-running stack lets them go (all but each stream's last `STREAM_RECORDS_KEPT`).
    """

    def __init__(
        self, app: WSGIApplication, engine: DynamoDBEngine, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.engine = engine
        self.sink: WritesSink | None = None
        self.clock = clock
        self._tokens: OrderedDict[str, _Completed] = OrderedDict()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(DYNAMODB_TARGET_PREFIX):
            return self.app(environ, start_response)
        action = target.removeprefix(DYNAMODB_TARGET_PREFIX)
        body = read_request_body(environ)
        request: dict[str, Any] = json.loads(body or b"{}") if action in WRITE_ACTIONS else {}
        token = request.get("ClientRequestToken") if action == "TransactWriteItems" else None
        if isinstance(token, str):
            answered = self._answer_again(token, body, start_response)
            if answered is not None:
                return answered
        self.engine.take_changes()  # nothing a failed request changed is anyone's
        headers: list[tuple[str, str]] = []

        def keeping_headers(status: str, given: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers[:] = given
            return start_response(status, given, exc_info)

        status, chunks = answer_of(self.app, environ, keeping_headers, body)
        reset_model_data()
        changes = self.engine.take_changes()
        if status.startswith("200") and action in WRITE_ACTIONS:
            self.engine.trim_streams(STREAM_RECORDS_KEPT)
            if isinstance(token, str):
                self._tokens[token] = _Completed(
                    _digest(body), self.clock() + TOKEN_SECONDS, headers, b"".join(chunks)
                )
            if self.sink is not None:
                self.sink(action, request, changes)
        return chunks

    def _answer_again(self, token: str, body: bytes, start_response: StartResponse) -> list[bytes] | None:
        """The first answer to a transaction under this token, or a mismatch; None: not seen (or too old)."""
        now = self.clock()
        while self._tokens and next(iter(self._tokens.values())).until <= now:
            self._tokens.popitem(last=False)
        completed = self._tokens.get(token)
        if completed is None:
            return None
        if completed.digest == _digest(body):
            start_response("200 OK", completed.headers)
            return [completed.body]
        error = {
            "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
            "message": "The request uses the same client token as a previous, but non-identical request.",
        }
        start_response("400 Bad Request", [("Content-Type", _JSON)])
        return [json.dumps(error).encode()]


def _digest(body: bytes) -> str:
    return hashlib.sha256(json.dumps(json.loads(body), sort_keys=True).encode()).hexdigest()


class DynamoDBCallError(RuntimeError):
    def __init__(self, action: str, status: int, answer: dict[str, Any]) -> None:
        super().__init__(
            f"{action} answered {status}: {answer.get('__type', '')} {answer.get('message', '')}"
        )
        self.answer = answer


class _QuietRequestHandler(MotoRequestHandler):
    """Moto's request handler without werkzeug's one-line-per-request log, and without a traceback when the
    client hangs up before its answer is written (an SDK's read timeout); without Nagle's algorithm, which
    holds the body of each answer until the headers are acknowledged (as the gateway's)."""

    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:
            self.close_connection = True


class MotoServer:
    def __init__(self) -> None:
        self.engine = install(ACCOUNT_ID, REGION)
        self.app = DomainDispatcherApplication(create_backend_app)
        self.dynamodb = DynamoDBFront(self.app, self.engine)
        self.s3_writes = S3WriteMiddleware(self.dynamodb)
        self.publications = PublicationMiddleware(self.s3_writes)
        self._server: BaseWSGIServer = make_server(
            HOST, 0, self.publications, threaded=False, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-moto", daemon=True)

    @property
    def port(self) -> int:
        port: int = self._server.server_port
        return port

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
        self.dynamodb.sink = None
        self.s3_writes.sink = None

    def call(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        """One DynamoDB request in this thread (before the server serves, or from its own thread)."""
        return call_wsgi_dynamodb(self.dynamodb, action, request)


def call_wsgi_dynamodb(app: Any, action: str, request: dict[str, Any]) -> dict[str, Any]:
    """Send one low-level DynamoDB request (DynamoDB JSON) to a moto WSGI app and return its answer."""
    response = Client(app).post(
        "/",
        data=json.dumps(request),
        headers={
            "Content-Type": _JSON,
            "X-Amz-Target": DYNAMODB_TARGET_PREFIX + action,
            "Authorization": unverified_authorization("dynamodb", "host;x-amz-target"),
            "Host": f"dynamodb.{REGION}.amazonaws.com",
        },
    )
    answer: dict[str, Any] = json.loads(response.get_data() or b"{}")
    if response.status_code != 200:
        raise DynamoDBCallError(action, response.status_code, answer)
    return answer


TIMEOUT_SECONDS = 30


class EmbeddedApiError(RuntimeError):
    def __init__(self, action: str, status: int, answer: bytes) -> None:
        super().__init__(f"{action} answered {status}: {answer[:300].decode('utf-8', errors='replace')}")
        self.status = status
        self.answer = answer


class EmbeddedApi:
    def __init__(self, endpoint_url: str) -> None:
        parts = urlsplit(endpoint_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80

    def json_call(
        self, service: str, target: str, request: dict[str, Any], *, json_version: str = "1.0"
    ) -> dict[str, Any]:
        """A JSON-protocol call (DynamoDB, DynamoDB Streams, EventBridge, SQS); the answer as sent."""
        headers = {
            "Content-Type": f"application/x-amz-json-{json_version}",
            "X-Amz-Target": target,
            "Authorization": unverified_authorization(service),
        }
        answer = self._post(target, json.dumps(request).encode("utf-8"), headers)
        parsed: dict[str, Any] = json.loads(answer or b"{}")
        return parsed

    def query_call(self, service: str, parameters: dict[str, str]) -> bytes:
        """A query-protocol call (SNS): form-encoded parameters in, the XML answer out."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": unverified_authorization(service),
        }
        return self._post(parameters.get("Action", service), urlencode(parameters).encode(), headers)

    def _post(self, action: str, body: bytes, headers: dict[str, str]) -> bytes:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request("POST", "/", body=body, headers={**headers, "Connection": "close"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise EmbeddedApiError(action, response.status, answer)
        return answer
