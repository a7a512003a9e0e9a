"""A retried transaction does not apply twice in the embedded DynamoDB: its ClientRequestToken is honoured for
10 minutes, as in DynamoDB (moto ignores it). In front of the engine, then through the whole local stack,
where the answer to a filing's transaction is lost on the wire and the SDK retries it."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local.aws.moto_server import DynamoDBCallError, MotoServer, call_wsgi_dynamodb
from local.aws.wsgi import StartResponse, WSGIApplication, WSGIEnviron, read_request_body
from local.gateway.http_types import IncomingRequest
from local.gateway.server import build_gateway
from local.stack import LocalBackend
from local.template import load_template
from tests.e2e.http_client import new_report
from tests.integration.conftest import process_state_kept, reset_moto

TABLE = "AppTable"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[MotoServer]:
    reset_moto()
    made = MotoServer()
    for table in load_template().tables():
        made.call("CreateTable", table.create_kwargs)
    yield made
    reset_moto()


def _transaction(token: str, *numbers: int) -> dict[str, Any]:
    puts = [
        {
            "Put": {
                "TableName": TABLE,
                "Item": {"pk": {"S": f"REPORT#{number}"}, "sk": {"S": "R"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for number in numbers
    ]
    return {"TransactItems": puts, "ClientRequestToken": token}


def test_the_same_transaction_under_its_token_answers_as_the_first_and_changes_nothing(
    server: MotoServer,
) -> None:
    clock = Clock()
    server.dynamodb.clock = clock
    written: list[str] = []
    server.dynamodb.sink = lambda action, request, changes: written.append(action)
    first = server.call("TransactWriteItems", _transaction("t-1", 1, 2))
    clock.now += 599
    assert server.call("TransactWriteItems", _transaction("t-1", 1, 2)) == first  # not cancelled: not applied
    assert written == ["TransactWriteItems"]  # the data folder's log has it once
    with pytest.raises(DynamoDBCallError, match="IdempotentParameterMismatchException"):
        server.call("TransactWriteItems", _transaction("t-1", 3))
    clock.now += 2  # ten minutes after the first: a new request, whose conditions now fail
    with pytest.raises(DynamoDBCallError, match="TransactionCanceledException"):
        server.call("TransactWriteItems", _transaction("t-1", 1, 2))


def test_a_cancelled_transaction_leaves_its_token_unused(server: MotoServer) -> None:
    server.call("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}}})
    with pytest.raises(DynamoDBCallError, match="TransactionCanceledException"):
        server.call("TransactWriteItems", _transaction("t-2", 1))
    server.call("DeleteItem", {"TableName": TABLE, "Key": {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}}})
    server.call("TransactWriteItems", _transaction("t-2", 1))
    assert call_wsgi_dynamodb(
        server.app, "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}}}
    )["Item"]


class LoseFirstAnswer:
    """In front of the embedded server: the first TransactWriteItems is applied, then its connection is cut
    before the answer goes out, as when the SDK's read timeout fires after DynamoDB did the work."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.tokens: list[str] = []

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != "DynamoDB_20120810.TransactWriteItems":
            return self.app(environ, start_response)
        body = read_request_body(environ)
        self.tokens.append(json.loads(body)["ClientRequestToken"])
        environ["wsgi.input"] = io.BytesIO(body)
        answer = list(self.app(environ, start_response))
        if len(self.tokens) == 1:
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        return answer


def test_a_filing_whose_transaction_answer_is_lost_files_one_report(tmp_path: Path) -> None:
    with process_state_kept("intake"):
        reset_moto()
        template = load_template()
        backend = LocalBackend.start(template, None)
        server = backend.db._server  # the werkzeug server of the embedded moto
        lossy = LoseFirstAnswer(server.app)
        server.app = lossy
        gateway = build_gateway(
            template, backend.functions, backend.secret, tmp_path / "openapi.json", backend.consequences.run
        )
        try:
            answer = gateway.handle(
                IncomingRequest(
                    "POST",
                    "/reports",
                    headers=[("Content-Type", "application/json")],
                    body=json.dumps(new_report()).encode(),
                )
            )
            reports = [
                item
                for item in call_wsgi_dynamodb(backend.db.app, "Scan", {"TableName": TABLE})["Items"]
                if item["sk"]["S"] == "R"
            ]
        finally:
            backend.stop()
            reset_moto()
    assert answer.status == 201, answer.body
    # The filing's transaction twice (the SDK retried the one whose answer it lost), then others' (the
    # notifier's code for the contact) once each.
    assert lossy.tokens[0] == lossy.tokens[1], "the SDK retried the transaction whose answer it lost"
    assert lossy.tokens.count(lossy.tokens[0]) == 2
    assert [item["id"]["S"] for item in reports] == [json.loads(answer.body)["id"]]
