"""Persistence of the embedded DynamoDB: an append-only log of the successful mutating requests.

A WSGI middleware in front of moto writes one JSON line per successful write; at start-up the log is replayed
in order into a fresh backend. The embedded server handles one request at a time, so the log order is the
order in which DynamoDB applied the writes.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from moto.core.model_instances import reset_model_data

DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."
MUTATING_ACTIONS = frozenset(
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

StartResponse = Callable[..., Any]
WSGIEnviron = dict[str, Any]


class WSGIApplication(Protocol):
    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]: ...


@dataclass(frozen=True)
class Mutation:
    action: str
    request: dict[str, Any]

    def to_line(self) -> str:
        return json.dumps({"action": self.action, "request": self.request}, separators=(",", ":")) + "\n"


def mutating_action(target: str) -> str | None:
    """The DynamoDB action named by an `X-Amz-Target` header when it changes data, else None."""
    if not target.startswith(DYNAMODB_TARGET_PREFIX):
        return None
    action = target.removeprefix(DYNAMODB_TARGET_PREFIX)
    return action if action in MUTATING_ACTIONS else None


class MutationLog:
    """The log file; each line is flushed as soon as it is written."""

    def __init__(self, path: Path, *, truncate: bool = False) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = path.open("w" if truncate else "a", encoding="utf-8")
        self._lock = threading.Lock()

    def append(self, mutation: Mutation) -> None:
        with self._lock:
            self._handle.write(mutation.to_line())
            self._handle.flush()

    def sync(self) -> None:
        with self._lock:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._handle.closed:
                self._handle.flush()
                self._handle.close()


def read_mutations(path: Path) -> Iterator[Mutation]:
    """The log's mutations in order; a torn last line (a crash while writing) is skipped."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                yield Mutation(action=str(entry["action"]), request=dict(entry["request"]))
            except (ValueError, KeyError, TypeError):
                print(f"local: skipping unreadable line {number} of {path}", file=sys.stderr)


def answer_of(
    app: WSGIApplication, environ: WSGIEnviron, start_response: StartResponse, body: bytes
) -> tuple[str, list[bytes]]:
    """Call a WSGI app with an already read body; its answer, read in full, and its status line."""
    environ["wsgi.input"] = io.BytesIO(body)
    statuses: list[str] = []

    def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return start_response(status, headers, exc_info)

    result = app(environ, recording_start_response)
    try:
        chunks = list(result)
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()
    return (statuses[-1] if statuses else ""), chunks


class MutationLoggingMiddleware:
    """Passes every request to moto; records the successful mutating DynamoDB ones in `sink` when set."""

    def __init__(self, app: WSGIApplication, sink: Callable[[Mutation], None] | None = None) -> None:
        self.app = app
        self.sink = sink

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        sink = self.sink
        action = mutating_action(str(environ.get("HTTP_X_AMZ_TARGET", "")))
        if sink is None or action is None:
            return self.app(environ, start_response)
        body = read_request_body(environ)
        status, chunks = answer_of(self.app, environ, start_response, body)
        # moto keeps every model instance it creates (a table's deep copy per transaction item, for its own
        # rollback) for its test resets; a long-running stack must let them go.
        reset_model_data()
        if status.startswith("200"):
            sink(Mutation(action=action, request=json.loads(body or b"{}")))
        return chunks


def read_request_body(environ: WSGIEnviron) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        data: bytes = stream.read(int(length))
        return data
    if environ.get("wsgi.input_terminated"):
        rest: bytes = stream.read()
        return rest
    return b""
