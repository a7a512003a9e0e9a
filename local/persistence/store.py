"""The embedded DynamoDB's tables on the data folder: a snapshot, and the writes after it.

`dynamodb.snapshot` holds every table's items (and the definition of a table the template lacks) as they
were when it was written; `dynamodb.log` (`local.persistence.write_log`) every write since, as its result.
Opening puts the snapshot's items back without a request each, applies the log's lines the snapshot does
not hold, and, when there were any, writes a new snapshot with a new, empty log; closing does the same once
the log is long (`COMPACT_AFTER_LINES`), and a running stack does it whenever the log reaches
`COMPACT_WHILE_RUNNING_LINES`. So a start reads the data once, however long its history, and after a crash
replays a bounded log.

The template's tables are created from the template each time (a changed index reaches old data too);
items whose TTL has passed are dropped when a snapshot is written (DynamoDB's sweep; moto never does).
A new snapshot and log replace the old ones only once written in full; the snapshot names the log it
starts and the lines of an older log it already holds, so a crash in between applies nothing twice.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from moto.dynamodb.models.table import Table

from local.aws.dynamodb import Change, DynamoDBEngine, IndexedTable, item_json
from local.aws.moto_server import DynamoDBCallError, MotoServer
from local.persistence.write_log import Entry, WriteLog, entries_for, read_log
from local.template import Template

SNAPSHOT_FILE_NAME = "dynamodb.snapshot"
LOG_FILE_NAME = "dynamodb.log"
COMPACT_AFTER_LINES = 20_000
COMPACT_WHILE_RUNNING_LINES = COMPACT_AFTER_LINES  # a running stack's log never grows longer
SNAPSHOT_FORMAT = 1
_NO_LOG_ID = ""  # a log of requests, from before snapshots

DynamoItem = dict[str, Any]


class StoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoreSummary:
    fresh: bool
    item_count: int
    replayed: int  # log lines applied at start-up
    seconds: float  # how long opening took


class DynamoDBStore:
    """The embedded DynamoDB's tables, on a data folder, or in memory (`data_dir` None: nothing is kept)."""

    def __init__(self, server: MotoServer, template: Template, data_dir: Path | None) -> None:
        self._server = server
        self._engine: DynamoDBEngine = server.engine
        self._template = template
        self._data_dir = data_dir
        self._log: WriteLog | None = None

    @property
    def snapshot_path(self) -> Path | None:
        return self._data_dir / SNAPSHOT_FILE_NAME if self._data_dir is not None else None

    @property
    def log_path(self) -> Path | None:
        return self._data_dir / LOG_FILE_NAME if self._data_dir is not None else None

    def open(self, seed_items: list[dict[str, Any]]) -> StoreSummary:
        """Bring the tables to what the data folder holds (the seed, the first time); from then on every
        write goes to the log."""
        started = time.monotonic()
        for table in self._template.tables():
            self._call("CreateTable", table.create_kwargs)
            if table.ttl_attribute:
                ttl = {"Enabled": True, "AttributeName": table.ttl_attribute}
                self._call(
                    "UpdateTimeToLive", {"TableName": table.logical_id, "TimeToLiveSpecification": ttl}
                )
        snapshot, log = self.snapshot_path, self.log_path
        held: dict[str, int] = {}
        if snapshot is not None and snapshot.exists():
            held = self._load_snapshot(snapshot)
        fresh = not held and (log is None or not log.exists())
        replayed = 0
        log_id: str | None = None
        logged_lines = 0
        if log is not None and log.exists():
            contents = read_log(log)
            log_id, logged_lines = contents.log_id, len(contents.entries)
            replayed = self._replay(contents.entries[held.get(log_id or _NO_LOG_ID, 0) :])
        if fresh:
            for item in seed_items:
                self._call(
                    "PutItem", {"TableName": self._template.app_table_name(), "Item": _to_dynamodb(item)}
                )
        if log is not None:
            if fresh or replayed or log_id is None:
                self._log = self._compact(log_id, logged_lines)
            else:
                self._log = WriteLog(log, log_id)
                self._log.lines = logged_lines
            self._server.dynamodb.sink = self._record
        count = 0
        for indexed in self._engine.indexed_tables():
            indexed.sorted_partitions()  # now, rather than on the first query
            count += len(indexed)
        self._engine.take_changes()
        return StoreSummary(fresh, count, replayed, time.monotonic() - started)

    def close(self) -> None:
        """Stop logging; a long log is compacted first (the server no longer serves)."""
        self._server.dynamodb.sink = None
        log = self._log
        if log is None:
            return
        self._log = None
        log.close()
        if log.lines > COMPACT_AFTER_LINES:
            self._compact(log.log_id, log.lines).close()

    # Writing ----------------------------------------------------------------------------------------------

    def _record(self, action: str, request: dict[str, Any], changes: list[Change]) -> None:
        log = self._log
        if log is None:
            return
        log.append(entries_for(action, request, changes))
        if log.lines >= COMPACT_WHILE_RUNNING_LINES:
            # A crash replays at most this many lines: the restart's time stays bounded however long the
            # stack runs (the request that crosses the line pays for the snapshot; requests are serial).
            log.close()
            self._log = self._compact(log.log_id, log.lines)

    def _compact(self, old_log_id: str | None, old_lines: int) -> WriteLog:
        """A snapshot of every table now, holding the old log's lines, and a new, empty log."""
        snapshot, log = self.snapshot_path, self.log_path
        assert snapshot is not None
        assert log is not None
        new_log = log.with_name(log.name + ".new")
        fresh_log = WriteLog(new_log)
        fresh_log.sync()
        held = {fresh_log.log_id: 0}
        if old_lines:
            held[old_log_id or _NO_LOG_ID] = old_lines
        partial = snapshot.with_name(snapshot.name + ".partial")
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps({"snapshot": SNAPSHOT_FORMAT, "logs": held}) + "\n")
            for table in self._engine.indexed_tables():
                handle.write(json.dumps(self._table_line(table), separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, snapshot)
        fresh_log.close()
        os.replace(new_log, log)
        return WriteLog(log, fresh_log.log_id)

    def _table_line(self, table: IndexedTable) -> dict[str, Any]:
        ttl = _ttl_attribute(table)
        now = Decimal(time.time())
        return {
            "table": table.name,
            "create": None if table.name in self._template.table_ids() else _create_request(table),
            "ttl": ttl,
            "items": [
                attributes
                for _, item in table.keyed_items()
                if not _expired(attributes := item_json(item), ttl, now)
            ],
        }

    # Reading ----------------------------------------------------------------------------------------------

    def _load_snapshot(self, path: Path) -> dict[str, int]:
        """Put the snapshot's items back; the log lines it holds, by log id."""
        with path.open(encoding="utf-8") as handle:
            header = json.loads(handle.readline() or "{}")
            if header.get("snapshot") != SNAPSHOT_FORMAT:
                raise StoreError(
                    f"{path} is not a snapshot this stack reads; delete the data folder to start afresh"
                )
            for line in handle:
                table = json.loads(line)
                name = str(table["table"])
                if table.get("create") is not None and name not in self._template.table_ids():
                    self._call("CreateTable", table["create"])
                    if table.get("ttl"):
                        ttl = {"Enabled": True, "AttributeName": table["ttl"]}
                        self._call("UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": ttl})
                try:
                    self._load(name, table["items"])
                except (ValueError, KeyError) as error:
                    raise StoreError(
                        f"the local data no longer fits table {name} of the template ({error}); "
                        "delete the data folder to start afresh"
                    ) from error
        return {str(log_id): int(lines) for log_id, lines in dict(header.get("logs") or {}).items()}

    def _load(self, table_name: str, items: list[DynamoItem]) -> None:
        """Stored items back into a table, but those whose TTL has passed."""
        ttl = _ttl_attribute(self._engine.get_table(table_name))
        now = Decimal(time.time())
        self._engine.load(table_name, [item for item in items if not _expired(item, ttl, now)])

    def _replay(self, entries: Iterable[Entry]) -> int:
        """Apply logged writes in order; returns how many lines there were."""
        count = 0
        for entry in entries:
            count += 1
            try:
                if "put" in entry:
                    self._load(str(entry["put"]), [entry["item"]])
                elif "delete" in entry:
                    self._engine.unload(str(entry["delete"]), entry["key"])
                else:
                    self._replay_request(str(entry["action"]), dict(entry["request"]))
            except (DynamoDBCallError, ValueError, KeyError, LookupError) as error:
                print(f"local: could not apply a logged write ({error}); left out", file=sys.stderr)
        return count

    def _replay_request(self, action: str, request: dict[str, Any]) -> None:
        if action == "CreateTable" and request.get("TableName") in self._template.table_ids():
            return  # created from the template
        if action == "UpdateTimeToLive" and request.get("TableName") in self._template.table_ids():
            return
        self._call(action, request)

    def _call(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        return self._server.call(action, request)


def _create_request(table: IndexedTable) -> dict[str, Any]:
    """CreateTable arguments of a table that is not in the template (kept as it is)."""
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": table.schema,
        "AttributeDefinitions": table.attr,
        "BillingMode": "PAY_PER_REQUEST",
    }
    described = table.describe()["TableDescription"]
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if described.get(key):
            request[key] = [
                {name: index[name] for name in ("IndexName", "KeySchema", "Projection")}
                for index in described[key]
            ]
    if (table.stream_specification or {}).get("StreamEnabled"):
        request["StreamSpecification"] = table.stream_specification
    return request


def _ttl_attribute(table: Table) -> str | None:
    return str(table.ttl["AttributeName"]) if table.ttl.get("TimeToLiveStatus") == "ENABLED" else None


def _expired(item: DynamoItem, ttl_attribute: str | None, now: Decimal) -> bool:
    """What DynamoDB's TTL sweep would eventually delete (moto never does)."""
    if not ttl_attribute or "N" not in item.get(ttl_attribute, {}):
        return False
    return Decimal(item[ttl_attribute]["N"]) < now


def _to_dynamodb(item: dict[str, Any]) -> DynamoItem:
    serializer = TypeSerializer()
    return {name: serializer.serialize(_decimals(value)) for name, value in item.items()}


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _decimals(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_decimals(inner) for inner in value]
    return value


def stored_items(server: MotoServer, table_name: str) -> list[DynamoItem]:
    """Every item of a table, in DynamoDB JSON (for tests and tools; the application never scans)."""
    table = server.engine.get_table(table_name)
    assert isinstance(table, IndexedTable)
    return [item_json(item) for _, item in table.keyed_items()]
