"""Integration tests: the real handlers on moto, with tables built from template.yaml and the seed loaded.

`mock_aws` starts before any client is built, and the handlers' cached clients and services are cleared
around each test, so every test gets a fresh, seeded table.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        "POWERTOOLS_SERVICE_NAME": "intake",
        "POWERTOOLS_METRICS_NAMESPACE": "Lapor",
    }
)
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)


def _clear_caches() -> None:
    from intake import submission, wiring
    from lapor.adapters.dynamodb.client import dynamodb_client
    from lapor.settings import settings

    for cached in (
        dynamodb_client,
        settings,
        wiring.repository,
        wiring.city_setup,
        wiring.intake_service,
        wiring.idempotency,
        submission._submit_once,
    ):
        cached.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    from lapor.seed import load_seed, seed_items
    from local.template import create_tables

    with mock_aws():
        _clear_caches()
        client = boto3.client("dynamodb")
        create_tables(client)
        table = boto3.resource("dynamodb").Table("AppTable")
        with table.batch_writer() as batch:
            for item in seed_items(load_seed(ROOT / "seed" / "sukabumi.json")):
                batch.put_item(Item=item)
        yield
        _clear_caches()


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


def load_event(name: str) -> dict[str, Any]:
    with (EVENTS / "intake" / f"{name}.json").open(encoding="utf-8") as handle:
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
) -> dict[str, Any]:
    event = copy.deepcopy(load_event(name))
    if report_id is not None:
        event["pathParameters"] = {"id": report_id}
        event["path"] = event["resource"].replace("{id}", report_id)
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


@pytest.fixture
def invoke(aws: None) -> Invoke:
    from intake.handler import lambda_handler
    from local.context import LambdaContext

    def call(name: str, **kwargs: Any) -> Answer:
        event = build_event(name, **kwargs)
        result = lambda_handler(event, LambdaContext("intake", 512, 10))
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        headers.update({k.lower(): ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()})
        body = json.loads(result["body"]) if result.get("body") else None
        return Answer(result["statusCode"], headers, body)

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
