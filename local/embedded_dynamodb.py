"""DynamoDB inside the local stack's process: moto's WSGI app under a single-threaded werkzeug server.

Single-threaded on purpose: DynamoDB applies a conditional write atomically, moto applies it atomically only
when requests are serialized (moto's own threaded servers are not). The same server answers the handlers'
other AWS calls (EventBridge, SNS, S3, ...): `publications` watches what they publish, `middleware` logs the
DynamoDB writes, `s3_writes` reports the S3 writes (to `local.s3_mirror`).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

from local.aws_environment import (
    DUMMY_ACCESS_KEY_ID,
    DUMMY_SECRET_ACCESS_KEY,
    REGION,
    unverified_authorization,
)
from local.mutation_log import DYNAMODB_TARGET_PREFIX, MutationLoggingMiddleware
from local.publication_middleware import PublicationMiddleware
from local.s3_mirror import S3WriteMiddleware

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
