"""Open the embedded DynamoDB on a data folder: replay the log, compact it, seed a fresh folder.

Compaction rebuilds the tables from the template (so a changed index reaches old data too) and writes the
log anew as CreateTable + UpdateTimeToLive + PutItem lines for the current items. The new log replaces the
old one only once it is complete.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from local.aws.moto_server import DynamoDBCallError, EmbeddedDynamoDB
from local.persistence.write_log import Mutation, MutationLog, read_mutations
from local.template import Template
from tools.tables import create_tables

DynamoItem = dict[str, Any]


class StoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoreSummary:
    log_path: Path | None
    fresh: bool
    replayed_mutations: int
    item_count: int


def replay(db: EmbeddedDynamoDB, mutations: Iterable[Mutation]) -> int:
    """Apply logged mutations in order, without logging them again; returns how many were applied."""
    applied = 0
    for mutation in mutations:
        try:
            db.call(mutation.action, mutation.request, logged=False)
            applied += 1
        except DynamoDBCallError as error:
            print(f"local: could not replay a logged {mutation.action}: {error}", file=sys.stderr)
    return applied


def table_names(db: EmbeddedDynamoDB) -> list[str]:
    names: list[str] = []
    request: dict[str, Any] = {}
    while True:
        answer = db.call("ListTables", request, logged=False)
        names.extend(answer.get("TableNames", []))
        if not answer.get("LastEvaluatedTableName"):
            return names
        request = {"ExclusiveStartTableName": answer["LastEvaluatedTableName"]}


def scan_items(db: EmbeddedDynamoDB, table_name: str) -> list[DynamoItem]:
    """Every item of a table. A full Scan is fine for local tooling; the application never scans."""
    items: list[DynamoItem] = []
    request: dict[str, Any] = {"TableName": table_name}
    while True:
        answer = db.call("Scan", request, logged=False)
        items.extend(answer.get("Items", []))
        if not answer.get("LastEvaluatedKey"):
            return items
        request = {"TableName": table_name, "ExclusiveStartKey": answer["LastEvaluatedKey"]}


def _is_expired(item: DynamoItem, ttl_attribute: str | None, now: float) -> bool:
    """What DynamoDB's TTL sweep would eventually delete (moto never does)."""
    if not ttl_attribute or "N" not in item.get(ttl_attribute, {}):
        return False
    return Decimal(item[ttl_attribute]["N"]) < Decimal(now)


def _recreate_request(db: EmbeddedDynamoDB, table_name: str) -> tuple[dict[str, Any], str | None]:
    """CreateTable arguments and TTL attribute of a table that is not in the template (kept as it is)."""
    table = db.call("DescribeTable", {"TableName": table_name}, logged=False)["Table"]
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if table.get(key):
            request[key] = [
                {name: index[name] for name in ("IndexName", "KeySchema", "Projection")}
                for index in table[key]
            ]
    if table.get("StreamSpecification", {}).get("StreamEnabled"):
        request["StreamSpecification"] = table["StreamSpecification"]
    ttl = db.call("DescribeTimeToLive", {"TableName": table_name}, logged=False)
    description = ttl.get("TimeToLiveDescription", {})
    ttl_attribute = (
        description.get("AttributeName") if description.get("TimeToLiveStatus") == "ENABLED" else None
    )
    return request, ttl_attribute


def _to_dynamodb_item(item: dict[str, Any]) -> DynamoItem:
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


def open_store(
    db: EmbeddedDynamoDB,
    log_path: Path | None,
    template: Template,
    seed_items: list[dict[str, Any]],
) -> tuple[MutationLog | None, StoreSummary]:
    """Bring `db` to the state the log records, or to the seeded start when there is no log yet.

    With a `log_path`, returns the log open for appending, the server's middleware already writing to it;
    without one (an in-memory store), nothing is logged.
    """
    fresh = log_path is None or not log_path.exists()
    replayed = 0 if fresh or log_path is None else replay(db, read_mutations(log_path))
    kept_items, other_tables = _take_out_tables(db, template)

    log: MutationLog | None = None
    if log_path is not None:
        log = MutationLog(log_path.with_name(log_path.name + ".compacting"), truncate=True)
        db.middleware.sink = log.append
    logged = log is not None
    create_tables(db.client(), template.tables())
    for request, ttl_attribute in other_tables:
        db.call("CreateTable", request, logged=logged)
        if ttl_attribute:
            ttl = {"Enabled": True, "AttributeName": ttl_attribute}
            db.call(
                "UpdateTimeToLive",
                {"TableName": request["TableName"], "TimeToLiveSpecification": ttl},
                logged=logged,
            )
    if fresh:
        kept_items[template.app_table_name()] = [_to_dynamodb_item(item) for item in seed_items]
    item_count = 0
    for name, items in kept_items.items():
        for item in items:
            try:
                db.call("PutItem", {"TableName": name, "Item": item}, logged=logged)
            except DynamoDBCallError as error:
                if log is not None:
                    log.close()
                raise StoreError(
                    f"the local data no longer fits table {name} of the template ({error}); "
                    "delete the data folder to start afresh"
                ) from error
            item_count += 1
    if log is not None and log_path is not None:
        log.sync()
        os.replace(log.path, log_path)
        log.path = log_path
    summary = StoreSummary(log_path=log_path, fresh=fresh, replayed_mutations=replayed, item_count=item_count)
    return log, summary


def _take_out_tables(
    db: EmbeddedDynamoDB, template: Template
) -> tuple[dict[str, list[DynamoItem]], list[tuple[dict[str, Any], str | None]]]:
    """Read every table's live items (dropping expired TTL items) and delete the tables, so that they can
    be created again from the template; tables the template lacks are kept with their own definition."""
    now = time.time()
    template_tables = {table.logical_id: table for table in template.tables()}
    kept_items: dict[str, list[DynamoItem]] = {}
    other_tables: list[tuple[dict[str, Any], str | None]] = []
    for name in table_names(db):
        table_spec = template_tables.get(name)
        if table_spec is None:
            request, ttl_attribute = _recreate_request(db, name)
            other_tables.append((request, ttl_attribute))
        else:
            ttl_attribute = table_spec.ttl_attribute
        kept_items[name] = [
            item for item in scan_items(db, name) if not _is_expired(item, ttl_attribute, now)
        ]
        db.call("DeleteTable", {"TableName": name}, logged=False)
    return kept_items, other_tables
