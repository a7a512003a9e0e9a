"""Faults injected at the SDK's send step, and the ledger the fault-injection tests keep of them.

A `Rule` names an operation (and, optionally, a table or a piece of the request body) and the faults its
matching requests meet, one a request, in order; a persistent rule meets every matching request with its
fault. The rules hang on a client's `before-send` event, first in line: a faulted request never reaches
moto (its URL is pointed away, as moto's own hook also runs), except for `LOST_RESPONSE`, which moto
applies before the answer is lost, as a read timeout after the service did the work.

The SDK's standard retry mode then does what it does in AWS: it retries throttling and timeouts up to its
attempt budget and gives up on the rest. Its backoff sleeps are recorded and skipped (`no_backoff`).

`Scenario` wraps one injected episode: it counts what was injected, by kind, and records in `LEDGER`
whether the path survived it (every assertion inside the block held).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

# DynamoDB (JSON protocol) errors the SDK retries as throttling
THROTTLING = "ThrottlingException"
PROVISIONED = "ProvisionedThroughputExceededException"
# DynamoDB's own 500, which the SDK retries as transient
INTERNAL_ERROR = "InternalServerError"
# Transport faults, raised where the HTTP call would be made: the request never reached the service
READ_TIMEOUT = "ReadTimeoutError"
CONNECT_TIMEOUT = "ConnectTimeoutError"
# The service did the work, then the answer was lost (a read timeout after the write was applied)
LOST_RESPONSE = "LostResponse"
# TransactWriteItems cancelled: the SDK does not retry these
CANCELLED_CONDITION = "TransactionCanceled:ConditionalCheckFailed"
CANCELLED_CONFLICT = "TransactionCanceled:TransactionConflict"
CANCELLED_THROTTLED = "TransactionCanceled:ThrottlingError"
# SNS (query protocol) throttling; EventBridge's answer with a failed entry (HTTP 200)
SNS_THROTTLING = "Throttling"
# S3 (REST-XML) throttling: 503 SlowDown, which the SDK retries
S3_SLOW_DOWN = "SlowDown"
EVENTS_FAILED_ENTRY = "PutEvents:FailedEntry"
# SES v2 (REST-JSON) throttling: 429 TooManyRequestsException, which the SDK retries
SES_THROTTLING = "TooManyRequestsException"

_CANCEL_REASON = {
    CANCELLED_CONDITION: "ConditionalCheckFailed",
    CANCELLED_CONFLICT: "TransactionConflict",
    CANCELLED_THROTTLED: "ThrottlingError",
}
_AWAY = "https://fault-injected.invalid/"
# Faults answered the same way whatever the request: (status, headers, body)
_STATIC_ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    SNS_THROTTLING: (
        400,
        {"Content-Type": "text/xml"},
        b'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
        b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
        b"<RequestId>fault-injected</RequestId></ErrorResponse>",
    ),
    S3_SLOW_DOWN: (
        503,
        {"Content-Type": "application/xml"},
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
        b"<Message>Please reduce your request rate.</Message><RequestId>fault-injected</RequestId></Error>",
    ),
    SES_THROTTLING: (
        429,
        {"x-amzn-ErrorType": f"{SES_THROTTLING}:", "Content-Type": "application/json"},
        b'{"message": "Too many requests"}',
    ),
}


@dataclass
class Rule:
    """The faults met by the requests of one operation (and table, and body substring when given)."""

    operation: str
    plan: Sequence[str]
    persistent: bool = False
    table: str | None = None
    contains: str | None = None
    seen: int = 0
    injected: Counter[str] = field(default_factory=Counter)

    def matches(self, operation: str, body: str) -> bool:
        if operation != self.operation:
            return False
        if self.table is not None and self.table not in _tables(body):
            return False
        return self.contains is None or self.contains in body

    def next_fault(self) -> str | None:
        self.seen += 1
        if self.persistent:
            return self.plan[0]
        if self.seen <= len(self.plan):
            return self.plan[self.seen - 1]
        return None


def transient(operation: str, *plan: str, table: str | None = None, contains: str | None = None) -> Rule:
    """The first len(plan) matching requests meet these faults, in order; the later ones go through."""
    return Rule(operation, plan, table=table, contains=contains)


def persistent(operation: str, kind: str, table: str | None = None, contains: str | None = None) -> Rule:
    """Every matching request meets this fault."""
    return Rule(operation, (kind,), persistent=True, table=table, contains=contains)


def _tables(body: str) -> set[str]:
    """The tables a JSON request names (TransactWriteItems names one an item)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "TableName" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if body.startswith("{"):
        walk(json.loads(body))
    return found


class _Raw:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content

    def read(self, *_: Any) -> bytes:
        return self._content


def _answer(request: AWSPreparedRequest, status: int, headers: dict[str, str], body: bytes) -> AWSResponse:
    request.url = _AWAY  # moto's before-send hook runs too; it leaves a URL it does not serve alone
    return AWSResponse(request.url, status, headers, _Raw(body))  # type: ignore[arg-type]


def _json_error(
    request: AWSPreparedRequest, code: str, extra: dict[str, Any] | None = None, status: int = 400
) -> AWSResponse:
    body = {
        "__type": f"com.amazonaws.dynamodb.v20120810#{code}",
        "message": "fault injected",
        **(extra or {}),
    }
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.0"}
    return _answer(request, status, headers, json.dumps(body).encode())


def _body(request: AWSPreparedRequest) -> str:
    raw = request.body
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        return raw
    return ""


class Injector:
    """A before-send hook on one client, answering matching requests with the rules' faults."""

    def __init__(self, client: Any, rules: Sequence[Rule]) -> None:
        self._client = client
        self.rules = list(rules)
        self._applied_tokens: set[str] = set()
        self.replayed = 0

    def attach(self) -> None:
        self._client.meta.events.register_first("before-send", self._hook)

    def detach(self) -> None:
        self._client.meta.events.unregister("before-send", self._hook)

    def _hook(self, request: AWSPreparedRequest, event_name: str = "", **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        body = _body(request)
        for rule in self.rules:
            if rule.matches(operation, body):
                kind = rule.next_fault()
                if kind is not None:
                    rule.injected[kind] += 1
                    return self._fault(kind, request, body)
                break
        return self._replay(operation, request, body)

    def _replay(self, operation: str, request: AWSPreparedRequest, body: str) -> AWSResponse | None:
        """DynamoDB's idempotent TransactWriteItems: a retry with the ClientRequestToken of a transaction
        it applied answers success without applying it again (moto does not keep the tokens)."""
        if operation != "TransactWriteItems" or not self._applied_tokens:
            return None
        token = json.loads(body).get("ClientRequestToken")
        if token not in self._applied_tokens:
            return None
        self.replayed += 1
        return _answer(request, 200, {"Content-Type": "application/x-amz-json-1.0"}, b"{}")

    def _fault(self, kind: str, request: AWSPreparedRequest, body: str) -> AWSResponse:
        if kind == READ_TIMEOUT:
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == CONNECT_TIMEOUT:
            raise ConnectTimeoutError(endpoint_url=request.url)
        if kind == LOST_RESPONSE:
            from moto.core.models import botocore_stubber

            applied = botocore_stubber.process_request(request)
            assert applied is not None, "moto did not serve the request"
            assert applied[0] == 200, applied
            token = json.loads(body).get("ClientRequestToken") if body.startswith("{") else None
            if token:
                self._applied_tokens.add(str(token))
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind in (THROTTLING, PROVISIONED):
            return _json_error(request, kind)
        if kind == INTERNAL_ERROR:
            return _json_error(request, kind, status=500)
        if kind in _CANCEL_REASON:
            items = json.loads(body).get("TransactItems", [])
            reasons = [{"Code": _CANCEL_REASON[kind], "Message": "fault injected"}]
            reasons += [{"Code": "None"} for _ in items[1:]]
            return _json_error(request, "TransactionCanceledException", {"CancellationReasons": reasons})
        if kind in _STATIC_ANSWERS:
            status, headers, answer_body = _STATIC_ANSWERS[kind]
            return _answer(request, status, headers, answer_body)
        if kind == EVENTS_FAILED_ENTRY:
            answer = {
                "FailedEntryCount": 1,
                "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "fault injected"}],
            }
            return _answer(
                request, 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer).encode()
            )
        raise ValueError(f"unknown fault {kind}")


# --- the ledger ---------------------------------------------------------------------------------------


@dataclass
class Episode:
    path: str
    mode: str
    injected: Counter[str]
    attempts: int
    survived: bool
    outcome: str


LEDGER: list[Episode] = []
SKIPPED_BACKOFF: list[float] = []  # the SDK's backoff delays, in seconds, not slept


class Scenario:
    """One injected episode on one path: its injectors, what it met, and how it ended."""

    def __init__(self, path: str, mode: str, injectors: list[Injector]) -> None:
        self.path = path
        self.mode = mode
        self.injectors = injectors
        self.outcome = ""
        self._lifted = False

    @property
    def rules(self) -> list[Rule]:
        return [rule for injector in self.injectors for rule in injector.rules]

    @property
    def injected(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for rule in self.rules:
            total.update(rule.injected)
        return total

    @property
    def attempts(self) -> int:
        """Matching requests sent by the SDK (first attempts and retries)."""
        return sum(rule.seen for rule in self.rules)

    def lift(self) -> None:
        """The fault is over: later requests go through."""
        if not self._lifted:
            for injector in self.injectors:
                injector.detach()
            self._lifted = True


@contextmanager
def scenario(path: str, mode: str, *targets: tuple[Any, Sequence[Rule]]) -> Iterator[Scenario]:
    """Inject the rules on their clients for the block; the path survived when the block's checks hold."""
    injectors = [Injector(client, rules) for client, rules in targets]
    for injector in injectors:
        injector.attach()
    current = Scenario(path, mode, injectors)
    survived = False
    try:
        yield current
        survived = True
    finally:
        current.lift()
        LEDGER.append(
            Episode(path, mode, current.injected, current.attempts, survived, current.outcome or "")
        )


def summary(episodes: Sequence[Episode]) -> dict[str, Any]:
    """The figures: faults injected and survived, by kind and by path, and the episodes not survived."""
    by_kind: dict[str, dict[str, int]] = {}
    by_path: dict[str, dict[str, int]] = {}
    for episode in episodes:
        for kind, count in episode.injected.items():
            for table, key in ((by_kind, kind), (by_path, episode.path)):
                row = table.setdefault(key, {"injected": 0, "survived": 0})
                row["injected"] += count
                row["survived"] += count if episode.survived else 0
    injected = sum(sum(e.injected.values()) for e in episodes)
    survived = sum(sum(e.injected.values()) for e in episodes if e.survived)
    return {
        "episodes": len(episodes),
        "episodes_survived": sum(1 for e in episodes if e.survived),
        "paths": len({e.path for e in episodes}),
        "faults_injected": injected,
        "faults_survived": survived,
        "by_kind": dict(sorted(by_kind.items())),
        "by_path": dict(sorted(by_path.items())),
        "not_survived": [
            {"path": e.path, "mode": e.mode, "injected": dict(e.injected), "outcome": e.outcome}
            for e in episodes
            if not e.survived
        ],
    }


# --- tables -------------------------------------------------------------------------------------------


@cache
def client(service: str) -> Any:
    """A client for the test's own reads and setup, built once (moto serves it in every test's mock)."""
    return boto3.client(service)  # type: ignore[call-overload]


Key = tuple[str, ...]


def items(table: str = "AppTable") -> dict[Key, dict[str, Any]]:
    """Every item of a table by its key (tests may scan; the application never does)."""
    found: dict[Key, dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client("dynamodb").scan(**kwargs)
        for item in page["Items"]:
            key = (item["pk"]["S"], item["sk"]["S"]) if "pk" in item else (item["id"]["S"],)
            found[key] = item
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@dataclass(frozen=True)
class Diff:
    added: list[Key]
    removed: list[Key]
    changed: list[Key]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff(before: dict[Key, dict[str, Any]], after: dict[Key, dict[str, Any]]) -> Diff:
    return Diff(
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=sorted(k for k in set(before) & set(after) if before[k] != after[k]),
    )


class Tables:
    """Both tables, as they were when taken; `diff()` says what changed since."""

    def __init__(self) -> None:
        self.app = items("AppTable")
        self.idempotency = items("IdempotencyTable")

    def diff(self) -> tuple[Diff, Diff]:
        return diff(self.app, items("AppTable")), diff(self.idempotency, items("IdempotencyTable"))

    def unchanged(self) -> bool:
        app, idempotency = self.diff()
        return app.empty and idempotency.empty


@contextmanager
def recorded_backoff(patch: Callable[[Any, str, Any], None]) -> Iterator[list[float]]:
    """Skip the SDK's backoff sleeps (recording what it would have slept): `patch` is monkeypatch.setattr."""
    from botocore.retries.standard import ExponentialBackoff

    delays: list[float] = []
    real = ExponentialBackoff.delay_amount

    def delay_amount(self: ExponentialBackoff, context: Any) -> float:
        delays.append(float(real(self, context)))
        return 0.0

    patch(ExponentialBackoff, "delay_amount", delay_amount)
    try:
        yield delays
    finally:
        SKIPPED_BACKOFF.extend(delays)
