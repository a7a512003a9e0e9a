"""The embedded DynamoDB on the data folder (`local.persistence.store`): a snapshot and the writes after it.

Each test opens the store as a start of the stack does (on moto reset in between, as a new process would
find it), writes through the embedded server as the functions do, and reopens it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.aws.moto_server import MotoServer, call_wsgi_dynamodb
from local.persistence import store as store_module
from local.persistence.store import (
    LOG_FILE_NAME,
    SNAPSHOT_FILE_NAME,
    DynamoDBStore,
    StoreSummary,
    stored_items,
)
from local.persistence.write_log import read_log
from local.template import load_template
from tests.integration.conftest import reset_moto

SEED = [{"pk": "CONFIG", "sk": "AGENCY#a", "name": "A", "weight": 1.5}]


class Stack:
    """The moto server and its store, opened and closed as the stack does at start and stop."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.server: MotoServer | None = None
        self.store: DynamoDBStore | None = None

    def open(self) -> StoreSummary:
        reset_moto()
        self.server = MotoServer()
        self.store = DynamoDBStore(self.server, load_template(), self.data_dir)
        return self.store.open(SEED)

    def close(self) -> None:
        assert self.server is not None
        assert self.store is not None
        self.server.stop()
        self.store.close()

    def call(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        assert self.server is not None
        return call_wsgi_dynamodb(self.server.dynamodb, action, request)

    def items(self, table: str = "AppTable") -> dict[tuple[str, str], dict[str, Any]]:
        assert self.server is not None
        found = stored_items(self.server, table)
        return {
            (item["pk"]["S"], item["sk"]["S"]) if "sk" in item else (item["id"]["S"], ""): item
            for item in found
        }


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    made = Stack(tmp_path / "data")
    yield made
    reset_moto()


def _report(number: int, **extra: Any) -> dict[str, Any]:
    return {"pk": {"S": f"REPORT#{number}"}, "sk": {"S": "R"}, "v": {"N": "1"}, **extra}


def test_a_new_folder_is_seeded_once_and_every_write_comes_back(stack: Stack) -> None:
    first = stack.open()
    assert first.fresh
    stack.call("PutItem", {"TableName": "AppTable", "Item": _report(1)})
    stack.call(
        "UpdateItem",
        {
            "TableName": "AppTable",
            "Key": {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}},
            "UpdateExpression": "SET v = v + :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        },
    )
    stack.call("PutItem", {"TableName": "AppTable", "Item": _report(2)})
    stack.call("DeleteItem", {"TableName": "AppTable", "Key": {"pk": {"S": "REPORT#2"}, "sk": {"S": "R"}}})
    stack.call(
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "AppTable", "Item": _report(n)}} for n in (3, 4)]},
    )
    stack.close()

    assert stack.data_dir is not None
    writes = read_log(stack.data_dir / LOG_FILE_NAME).entries
    assert [(next(iter(entry)), _pk(entry)) for entry in writes] == [
        ("put", "REPORT#1"),
        ("put", "REPORT#1"),
        ("put", "REPORT#2"),
        ("delete", "REPORT#2"),
        ("put", "REPORT#3"),
        ("put", "REPORT#4"),
    ]
    assert writes[1]["item"]["v"] == {"N": "2"}  # what the update left, not the update

    again = stack.open()
    assert not again.fresh
    assert again.replayed == 6
    items = stack.items()
    assert items[("REPORT#1", "R")]["v"] == {"N": "2"}
    assert ("REPORT#2", "R") not in items
    assert {("REPORT#3", "R"), ("REPORT#4", "R")} <= set(items)
    assert items[("CONFIG", "AGENCY#a")]["weight"] == {"N": "1.5"}
    assert len([key for key in items if key[0] == "CONFIG"]) == 1, "the seed went in twice"
    # The replayed writes are in the new snapshot; the log starts again.
    assert read_log(stack.data_dir / LOG_FILE_NAME).entries == []
    stack.close()

    third = stack.open()
    assert third.replayed == 0
    assert stack.items() == items
    stack.close()


def _pk(entry: dict[str, Any]) -> str:
    return str((entry.get("item") or entry.get("key") or {})["pk"]["S"])


def test_the_indexes_answer_after_a_restart(stack: Stack) -> None:
    stack.open()
    for number in range(5):
        queue = {"queue_pk": {"S": "ALL"}, "queue_sk": {"S": f"0#{number}"}}
        stack.call("PutItem", {"TableName": "AppTable", "Item": _report(number, **queue)})
    stack.close()
    stack.open()
    page = stack.call(
        "Query",
        {
            "TableName": "AppTable",
            "IndexName": "queue-index",
            "KeyConditionExpression": "queue_pk = :q",
            "ExpressionAttributeValues": {":q": {"S": "ALL"}},
            "ScanIndexForward": False,
            "Limit": 2,
        },
    )
    assert [item["queue_sk"]["S"] for item in page["Items"]] == ["0#4", "0#3"]
    stack.close()


def test_expired_items_are_dropped_and_a_torn_last_line_is_left_out(stack: Stack) -> None:
    stack.open()
    expired = {"id": {"S": "old"}, "expiration": {"N": str(int(time.time()) - 10)}}
    current = {"id": {"S": "new"}, "expiration": {"N": str(int(time.time()) + 3600)}}
    stack.call("PutItem", {"TableName": "IdempotencyTable", "Item": expired})
    stack.call("PutItem", {"TableName": "IdempotencyTable", "Item": current})
    stack.close()
    assert stack.data_dir is not None
    with (stack.data_dir / LOG_FILE_NAME).open("a", encoding="utf-8") as handle:
        handle.write('{"put": "AppTable", "item": {"pk": {"S": "REP')  # a crash while writing

    stack.open()
    assert set(stack.items("IdempotencyTable")) == {("new", "")}
    stack.close()


def test_a_crash_after_the_snapshot_applies_no_line_twice(stack: Stack) -> None:
    stack.open()
    stack.call("PutItem", {"TableName": "AppTable", "Item": _report(1)})
    stack.close()
    assert stack.data_dir is not None
    log_path = stack.data_dir / LOG_FILE_NAME
    old_log = log_path.read_text(encoding="utf-8")
    stack.open()  # replays the line and writes a snapshot that holds it...
    stack.close()
    log_path.write_text(old_log, encoding="utf-8")  # ...as if the crash came before the new log replaced it
    again = stack.open()
    assert again.replayed == 0
    assert ("REPORT#1", "R") in stack.items()
    stack.close()


def test_a_log_of_requests_from_before_snapshots_is_replayed_once(stack: Stack) -> None:
    assert stack.data_dir is not None
    stack.data_dir.mkdir(parents=True)
    lines = [
        {"action": "CreateTable", "request": {"TableName": "AppTable"}},  # made from the template instead
        {"action": "PutItem", "request": {"TableName": "AppTable", "Item": _report(1)}},
        {
            "action": "UpdateItem",
            "request": {
                "TableName": "AppTable",
                "Key": {"pk": {"S": "REPORT#1"}, "sk": {"S": "R"}},
                "UpdateExpression": "SET v = v + :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            },
        },
    ]
    (stack.data_dir / LOG_FILE_NAME).write_text("".join(json.dumps(line) + "\n" for line in lines))
    summary = stack.open()
    assert not summary.fresh
    assert stack.items()[("REPORT#1", "R")]["v"] == {"N": "2"}
    stack.close()
    stack.open()
    assert stack.items()[("REPORT#1", "R")]["v"] == {"N": "2"}
    stack.close()


def test_a_long_log_is_compacted_when_the_stack_stops(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "COMPACT_AFTER_LINES", 3)
    stack.open()
    assert stack.data_dir is not None
    snapshot = stack.data_dir / SNAPSHOT_FILE_NAME
    before = snapshot.stat().st_mtime_ns
    for number in range(2):
        stack.call("PutItem", {"TableName": "AppTable", "Item": _report(number)})
    stack.close()
    assert snapshot.stat().st_mtime_ns == before, "a short log stays"
    stack.open()
    for number in range(4):
        stack.call("PutItem", {"TableName": "AppTable", "Item": _report(number + 10)})
    stack.close()
    assert read_log(stack.data_dir / LOG_FILE_NAME).entries == []
    summary = stack.open()
    assert summary.replayed == 0
    assert {("REPORT#0", "R"), ("REPORT#13", "R")} <= set(stack.items())
    stack.close()


def test_a_running_stack_compacts_its_log_so_a_crash_replays_a_bounded_one(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "COMPACT_WHILE_RUNNING_LINES", 3)
    stack.open()
    assert stack.data_dir is not None
    for number in range(7):
        stack.call("PutItem", {"TableName": "AppTable", "Item": _report(number)})
    # A crash: no close. Of the seven writes the log holds only those since the last compaction.
    assert len(read_log(stack.data_dir / LOG_FILE_NAME).entries) == 1
    assert stack.server is not None
    stack.server.stop()
    summary = stack.open()
    assert summary.replayed == 1
    assert {("REPORT#0", "R"), ("REPORT#6", "R")} <= set(stack.items())
    stack.close()


def test_in_memory_nothing_is_written(tmp_path: Path) -> None:
    memory = Stack(None)
    summary = memory.open()
    assert summary.fresh
    memory.call("PutItem", {"TableName": "AppTable", "Item": _report(1)})
    memory.close()
    assert list(tmp_path.iterdir()) == []
    reset_moto()
