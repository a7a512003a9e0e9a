"""DynamoDB inside the local stack's process: moto's WSGI app under a single-threaded werkzeug server.

Single-threaded on purpose: DynamoDB applies a conditional write atomically, moto applies it atomically only
when requests are serialized (moto's own threaded servers are not). The same server answers the handlers'
other AWS calls (EventBridge, SNS, S3, ...): `publications` watches what they publish, `middleware` logs the
DynamoDB writes, `s3_writes` reports the S3 writes (to `local.persistence.s3_mirror`).

Calls from the stack itself to the embedded moto server, over its socket like any SDK call.

Over the socket, not in-process: the server serializes requests, so the stack's own reads (stream records)
and writes (event buses, topics) never interleave with a handler's request. One connection per call, closed
after it, so that the single-threaded server is never held by an idle connection.
"""

from __future__ import annotations

import http.client
import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

from local.aws.environment import (
    DUMMY_ACCESS_KEY_ID,
    DUMMY_SECRET_ACCESS_KEY,
    REGION,
    unverified_authorization,
)
from local.aws.publications import PublicationMiddleware
from local.persistence.s3_mirror import S3WriteMiddleware
from local.persistence.write_log import DYNAMODB_TARGET_PREFIX, MutationLoggingMiddleware

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HOST = "127.0.0.1"


class DynamoDBCallError(RuntimeError):
    def __init__(self, action: str, status: int, answer: dict[str, Any]) -> None:
        super().__init__(
            f"{action} answered {status}: {answer.get('__type', '')} {answer.get('message', '')}"
        )
        self.answer = answer


class _QuietRequestHandler(MotoRequestHandler):
    """Moto's request handler without werkzeug's one-line-per-request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class EmbeddedDynamoDB:
    def __init__(self) -> None:
        self.app = DomainDispatcherApplication(create_backend_app)
        self.middleware = MutationLoggingMiddleware(self.app)
        self.s3_writes = S3WriteMiddleware(self.middleware)
        self.publications = PublicationMiddleware(self.s3_writes)
        self._server: BaseWSGIServer = make_server(
            HOST, 0, self.publications, threaded=False, request_handler=_QuietRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="embedded-dynamodb", daemon=True
        )

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

    def client(self) -> DynamoDBClient:
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=DUMMY_ACCESS_KEY_ID,
            aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
            config=Config(retries={"max_attempts": 1}),
        )

    def call(self, action: str, request: dict[str, Any], *, logged: bool) -> dict[str, Any]:
        """One DynamoDB call in-process, without a socket; `logged` sends it through the mutation log."""
        return call_wsgi_dynamodb(self.middleware if logged else self.app, action, request)


def call_wsgi_dynamodb(app: Any, action: str, request: dict[str, Any]) -> dict[str, Any]:
    """Send one low-level DynamoDB request (DynamoDB JSON) to a moto WSGI app and return its answer."""
    response = Client(app).post(
        "/",
        data=json.dumps(request),
        headers={
            "Content-Type": "application/x-amz-json-1.0",
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
        """A JSON-protocol call (DynamoDB, DynamoDB Streams, EventBridge); the answer as sent."""
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
