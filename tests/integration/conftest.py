"""Integration tests: the real handlers on moto, with tables built from template.yaml and the seed loaded.

`mock_aws` starts before any client is built, and the handlers' cached clients and services are cleared
around each test, so every test gets a fresh, seeded table.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

os.environ.update(
    {
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "TABLE_NAME": "AppTable",
        "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
        "TOKEN_SECRET": "integration-test-secret",
        "EVENT_BUS_NAME": "lapor-test-bus",
        "ATTACHMENTS_BUCKET": "lapor-attachments-test",
        "POWERTOOLS_SERVICE_NAME": "intake",
        "POWERTOOLS_METRICS_NAMESPACE": "Lapor",
    }
)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
os.environ.pop("ATTACHMENTS_PUBLIC_ENDPOINT", None)
ATTACHMENTS_BUCKET = os.environ["ATTACHMENTS_BUCKET"]


def reset_moto() -> None:
    """Empty moto's backends (they are the process's: every in-process local stack shares them)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    Client(DomainDispatcherApplication(create_backend_app)).post("/moto-api/reset")


@contextmanager
def process_state_kept(standin_package: str) -> Iterator[None]:
    """The environment, the import path and the stand-in handlers' modules as they were before an
    in-process local stack (which sets its environment and imports its functions' code) ran."""
    saved_environ, saved_path = dict(os.environ), list(sys.path)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.path[:] = saved_path
        for name in [name for name in sys.modules if name.split(".")[0] == standin_package]:
            del sys.modules[name]


def _clear_caches() -> None:
    from intake import submission
    from lapor import wiring

    wiring.reset()
    submission._submit_once.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    from lapor.seed import load_seed, seed_items
    from tools.tables import create_tables

    with mock_aws():
        _clear_caches()
        client = boto3.client("dynamodb")
        create_tables(client)
        table = boto3.resource("dynamodb").Table("AppTable")
        with table.batch_writer() as batch:
            for item in seed_items(load_seed(ROOT / "seed" / "sukabumi.json")):
                batch.put_item(Item=item)
        boto3.client("events").create_event_bus(Name="lapor-test-bus")
        # The identity key that seals NIKs (moto's KMS), fresh for each test as every other resource.
        os.environ["IDENTITY_KEY_ID"] = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
        _clear_caches()
        boto3.client("s3").create_bucket(
            Bucket=ATTACHMENTS_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"},
        )
        yield
        _clear_caches()


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the Powertools logger writes (its handler keeps the stream it was built with, which capsys
    does not see)."""
    from lapor.observability import logger

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.fixture
def clock(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pin the services' wall clock: reports are filed and acted on at chosen instants."""
    from lapor import wiring
    from lapor.domain import wallclock

    class Pinned:
        now = datetime(2026, 3, 17, 10, tzinfo=ZoneInfo("Asia/Jakarta"))

        def set(self, instant: datetime) -> None:
            self.now = instant

        def utc(self) -> datetime:
            return self.now.astimezone(UTC)

    pinned = Pinned()
    monkeypatch.setattr(wallclock, "now_utc", pinned.utc)
    services = [
        wiring.intake_service(),
        wiring.casework(),
        wiring.calendar_admin(),
        wiring.routing_rules_admin(),
        wiring.metrics_service(),
    ]
    for service in [*services, wiring.attachment_service()]:
        monkeypatch.setattr(service, "_now", pinned.utc)
    return pinned


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.body["error"])

    def fields(self) -> list[str]:
        return [d["field"] for d in self.error["details"]]


@dataclass
class DynamoCalls:
    """DynamoDB operations the handlers make, counted with botocore's event hooks."""

    counts: Counter[str] = field(default_factory=Counter)
    tables: list[tuple[str, str]] = field(default_factory=list)

    def record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.counts[model.name] += 1
        self.tables.append((model.name, str(params.get("TableName", ""))))

    def reset(self) -> None:
        self.counts.clear()
        self.tables.clear()

    @property
    def writes(self) -> int:
        kinds = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
        return sum(self.counts[k] for k in kinds)


@pytest.fixture
def calls(aws: None) -> DynamoCalls:
    from lapor.adapters.dynamodb.client import dynamodb_client

    counter = DynamoCalls()
    dynamodb_client().meta.events.register("before-parameter-build.dynamodb", counter.record)
    return counter


Invoke = Callable[..., Answer]


def load_event(name: str, function: str = "intake") -> dict[str, Any]:
    with (EVENTS / function / f"{name}.json").open(encoding="utf-8") as handle:
        event: dict[str, Any] = json.load(handle)
    return event


def build_event(
    name: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    report_id: str | None = None,
    headers: dict[str, str] | None = None,
    drop_headers: tuple[str, ...] = (),
    query: dict[str, str] | None = None,
    function: str = "intake",
    claims: dict[str, str] | None = None,
    year: int | None = None,
    day: str | None = None,
    path: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The fixture `events/<function>/<name>.json` with what a test changes; `path` names any path
    parameters (`{"code": "jalan"}`), `report_id`, `day` and `year` the usual ones."""
    event = copy.deepcopy(load_event(name, function))
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    if report_id is not None:
        event["pathParameters"] = {"id": report_id}
        event["path"] = event["resource"].replace("{id}", report_id)
        event["requestContext"]["path"] = "/v1" + event["path"]
    if day is not None:
        event["pathParameters"] = {"date": day}
        event["path"] = event["resource"].replace("{date}", day)
        event["requestContext"]["path"] = "/v1" + event["path"]
    if year is not None:
        event["pathParameters"] = {"year": str(year)}
        event["path"] = event["resource"].replace("{year}", str(year))
        event["requestContext"]["path"] = "/v1" + event["path"]
    if path is not None:
        event["pathParameters"] = dict(path)
        event["path"] = event["resource"]
        for name_, value_ in path.items():
            event["path"] = event["path"].replace("{" + name_ + "}", value_)
        event["requestContext"]["path"] = "/v1" + event["path"]
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body, ensure_ascii=False)
    merged = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() not in drop_headers}
    merged.update(headers or {})
    event["headers"] = merged
    event["multiValueHeaders"] = {k: [v] for k, v in merged.items()}
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    return event


def _answer(result: dict[str, Any]) -> Answer:
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    headers.update({k.lower(): ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()})
    body = json.loads(result["body"]) if result.get("body") else None
    return Answer(result["statusCode"], headers, body)


@pytest.fixture
def invoke(aws: None) -> Invoke:
    from intake.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    def call(name: str, **kwargs: Any) -> Answer:
        return _answer(lambda_handler(build_event(name, **kwargs), LambdaContext("intake", 512, 10)))

    return call


def claims_of(role: str, agency_id: str | None = None, sub: str | None = None) -> dict[str, str]:
    """The claims Cognito's authorizer puts in the request context (string values, as API Gateway does)."""
    claims = {"sub": sub or f"{role}-{agency_id or 'city'}", "cognito:groups": role, "token_use": "id"}
    if agency_id:
        claims["custom:agency_id"] = agency_id
    return claims


@pytest.fixture
def staff(aws: None) -> Invoke:
    """Call a staff route as `role` (of `agency_id`): `staff("post_verify", "coordinator", report_id=...)`."""
    from staff.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    def call(
        name: str, role: str | None = "coordinator", agency_id: str | None = None, **kwargs: Any
    ) -> Answer:
        claims = claims_of(role, agency_id) if role else {}
        event = build_event(name, function="staff", claims=claims, **kwargs)
        return _answer(lambda_handler(event, LambdaContext("staff", 512, 10)))

    return call


def valid_report(**overrides: Any) -> dict[str, Any]:
    body = json.loads(load_event("post_reports")["body"])
    body.update(overrides)
    return body  # type: ignore[no-any-return]


def table_items(table: str = "AppTable") -> list[dict[str, Any]]:
    """Every item (tests may scan; the application never does)."""
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def filing_code(report_id: str) -> tuple[str, list[Any]]:
    """What the notifier sends when the report's filing reaches it (the submit event): the 6-digit code it
    sent, and the messages (`lapor.services.delivery` on the moto table, with a recording channel)."""
    import re

    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.adapters.dynamodb.contacts import DynamoContactBook
    from lapor.adapters.dynamodb.deliveries import DynamoDeliveryLog
    from lapor.domain.events import ReportEvent
    from lapor.services.delivery import DeliveryService, SmsBudget
    from lapor.wiring import repository
    from tests.fakes import RecordingSender

    stored = repository().get(report_id)
    assert stored is not None
    entry = stored.timeline[0]
    event = ReportEvent(
        report_id=report_id, seq=entry.seq, action=entry.action, at=entry.at, actor_role=entry.actor_role
    )
    sender = RecordingSender()
    service = DeliveryService(
        DynamoContactBook(dynamodb_client(), "AppTable"),
        DynamoDeliveryLog(dynamodb_client(), "AppTable"),
        sender,
        secret=os.environ["TOKEN_SECRET"].encode,
        base_url="https://lapor.example.go.id",
        sms_budget=SmsBudget(monthly_limit=10**12, per_message=1),
    )
    service.report_event(event)
    codes = [m for m in sender.sent if m.template == "confirm_contact"]
    found = re.search(r"\b(\d{6})\b", codes[0].text) if codes else None
    return (found.group(1) if found else ""), sender.sent


def confirm_contact(invoke: Invoke, filed: dict[str, Any]) -> None:
    """Confirm a reporter's contact as they would: the code the filing sent, entered on their report."""
    code, _ = filing_code(filed["id"])
    token = {"X-Report-Token": filed["access_token"]}
    answer = invoke("post_contact_confirm", report_id=filed["id"], body={"code": code}, headers=token)
    assert answer.status == 200, answer.body
