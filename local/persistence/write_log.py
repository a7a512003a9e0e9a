"""The embedded DynamoDB's write log: every successful write since the last snapshot, as its result.

One JSON object a line, flushed at once:

- `{"log": <id>}` first: the snapshot names the log (and how many of its lines it holds), so that a log
  whose lines a snapshot already holds is never applied twice;
- `{"put": <table>, "item": <the item after the write>}` and `{"delete": <table>, "key": <its key>}` for each
  item a request changed (a transaction: one line an item), in the order the server applied them: applying
  them again gives the same items, however often;
- `{"action": <CreateTable, UpdateTable, UpdateTimeToLive, DeleteTable>, "request": ...}` for the tables.

Logs written before snapshots existed hold requests (`{"action": "PutItem", "request": ...}`, ...): they are
replayed as requests, once, then compacted.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from local.aws.dynamodb import Change, item_json, key_json

TABLE_ACTIONS = frozenset({"CreateTable", "UpdateTable", "UpdateTimeToLive", "DeleteTable"})
ITEM_ACTIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})

Entry = dict[str, Any]


def entries_for(action: str, request: dict[str, Any], changes: list[Change]) -> list[Entry]:
    """The lines of one successful request: its table request, or what it changed."""
    if action in TABLE_ACTIONS:
        return [{"action": action, "request": request}]
    return [
        {"put": table.name, "item": item_json(item)}
        if item is not None
        else {"delete": table.name, "key": key_json(table, key)}
        for table, key, item in changes
    ]


class WriteLog:
    """The log file, appended to; each request's lines are flushed together."""

    def __init__(self, path: Path, log_id: str | None = None) -> None:
        """A new log (which replaces what is at `path`), or with `log_id`, the one there, appended to."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.lines = 0
        if log_id is None:
            self.log_id = uuid.uuid4().hex
            self._handle: IO[str] = path.open("w", encoding="utf-8")
            self._handle.write(json.dumps({"log": self.log_id}) + "\n")
            self._handle.flush()
        else:
            self.log_id = log_id
            self._handle = path.open("a", encoding="utf-8")

    def append(self, entries: list[Entry]) -> None:
        if not entries:
            return
        text = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in entries)
        with self._lock:
            self._handle.write(text)
            self._handle.flush()
            self.lines += len(entries)

    def sync(self) -> None:
        with self._lock:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._handle.closed:
                self._handle.flush()
                self._handle.close()


@dataclass(frozen=True)
class LogContents:
    log_id: str | None  # None: a log of requests, written before snapshots existed
    entries: list[Entry]


def read_log(path: Path) -> LogContents:
    """The log's id and entries in order; a torn last line (a crash while writing) is left out."""
    log_id: str | None = None
    entries: list[Entry] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                print(f"local: skipping unreadable line {number} of {path}", file=sys.stderr)
                continue
            if number == 1 and isinstance(entry, dict) and set(entry) == {"log"}:
                log_id = str(entry["log"])
            elif isinstance(entry, dict):
                entries.append(entry)
    return LogContents(log_id, entries)


def logged_writes(path: Path) -> Iterator[tuple[int, Entry]]:
    """The log's entries with their line numbers (the header is line 1)."""
    yield from enumerate(read_log(path).entries, start=2)
