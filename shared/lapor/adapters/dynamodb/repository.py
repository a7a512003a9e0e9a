"""The storage port on DynamoDB: every access is one call, as the design's storage bounds require."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from lapor.adapters.dynamodb.codec import from_item, to_item, value
from lapor.adapters.dynamodb.items import (
    CONFIG_PK,
    IDENTITY_SK,
    PUBLIC_PK,
    REPORT_SK,
    TIMELINE_PREFIX,
    city_setup_from_items,
    identity_from_item,
    identity_item,
    metric_event_item,
    report_from_item,
    report_item,
    report_pk,
    summary_from_item,
    timeline_from_item,
    timeline_item,
)
from lapor.domain.actions import Change
from lapor.domain.catalog import CitySetup
from lapor.domain.errors import FieldProblem, StoreUnavailable, Unparseable, VersionConflict
from lapor.domain.models import ReporterIdentity, TimelineEntry
from lapor.ports import IdCollision, Page, PublicFilter, StoredReport

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PUBLIC_INDEX = "public-index"
_RETRYABLE = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
_CURSOR_KEYS = frozenset({"pk", "sk", "public_pk", "public_sk"})


class DynamoReportRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def create(self, change: Change, identity: ReporterIdentity) -> None:
        report = change.after
        not_there = "attribute_not_exists(pk)"
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(report_item(report)),
                    "ConditionExpression": not_there,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(identity_item(report.id, identity)),
                    "ConditionExpression": not_there,
                }
            },
            *self._entry_and_event(change),
        ]
        reasons = self._transact(items)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise IdCollision(report.id)
        if "TransactionConflict" in reasons:
            raise StoreUnavailable("transaction conflict")
        _raise_unexpected(reasons)

    def save(self, change: Change) -> None:
        before = change.before
        if before is None:
            raise ValueError("save() stores a change to an existing report; use create()")
        items: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(report_item(change.after)),
                    "ConditionExpression": "#v = :expected",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":expected": value(before.version)},
                }
            },
            *self._entry_and_event(change),
        ]
        reasons = self._transact(items)
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise VersionConflict(change.after.id)
        _raise_unexpected(reasons)

    def get(self, report_id: str, *, with_identity: bool = False) -> StoredReport | None:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk >= :from",
                "ExpressionAttributeValues": {
                    ":pk": value(report_pk(report_id)),
                    ":from": value(IDENTITY_SK if with_identity else REPORT_SK),
                },
                "ConsistentRead": True,
            }
        )
        report = None
        identity = None
        timeline: list[TimelineEntry] = []
        for item in items:
            sk = item["sk"]
            if sk == REPORT_SK:
                report = report_from_item(item)
            elif sk == IDENTITY_SK:
                identity = identity_from_item(item)
            elif sk.startswith(TIMELINE_PREFIX):
                timeline.append(timeline_from_item(item))
        if report is None:
            return None
        return StoredReport(report, timeline, identity if with_identity else None)

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page:
        names: dict[str, str] = {}
        values: dict[str, Any] = {":public": value(PUBLIC_PK)}
        conditions: list[str] = []
        for attribute, wanted in (
            ("status", where.status),
            ("category.code", where.category),
            ("agency.id", where.agency_id),
        ):
            if wanted is None:
                continue
            parts = attribute.split(".")
            path = ".".join(f"#{p}" for p in parts)
            names.update({f"#{p}": p for p in parts})
            placeholder = f":{parts[0]}"
            values[placeholder] = value(wanted)
            conditions.append(f"{path} = {placeholder}")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": PUBLIC_INDEX,
            "KeyConditionExpression": "public_pk = :public",
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if conditions:
            request["FilterExpression"] = " AND ".join(conditions)
            request["ExpressionAttributeNames"] = names
        if cursor is not None:
            request["ExclusiveStartKey"] = _decode_cursor(cursor)
        answer = self._call("query", request)
        items = [summary_from_item(from_item(i)) for i in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return Page(items, _encode_cursor(from_item(last)) if last else None)

    def city_setup(self) -> CitySetup:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": value(CONFIG_PK)},
            }
        )
        return city_setup_from_items(items)

    def _entry_and_event(self, change: Change) -> list[TransactWriteItemTypeDef]:
        not_there = "attribute_not_exists(pk)"
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(timeline_item(change)),
                    "ConditionExpression": not_there,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(metric_event_item(change)),
                    "ConditionExpression": not_there,
                }
            },
        ]

    def _transact(self, items: list[TransactWriteItemTypeDef]) -> list[str]:
        """Run one transaction; the cancellation reason codes when it was cancelled, else []."""
        client_error, sdk_error = _sdk_errors()
        try:
            self._client.transact_write_items(TransactItems=items)
        except client_error as error:
            if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                codes = [str(r.get("Code", "None")) for r in reasons]
                if any(code in _THROTTLED_REASONS for code in codes):
                    raise StoreUnavailable("transaction throttled") from error
                return codes
            raise _translated(error) from error
        except sdk_error as error:
            raise StoreUnavailable(type(error).__name__) from error
        return []

    def _query_all(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            answer = self._call("query", request)
            items += [from_item(i) for i in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if not last:
                return items
            request = {**request, "ExclusiveStartKey": last}

    def _call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        client_error, sdk_error = _sdk_errors()
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**request)
        except client_error as error:
            raise _translated(error) from error
        except sdk_error as error:
            raise StoreUnavailable(type(error).__name__) from error
        return answer


def _sdk_errors() -> tuple[type[ClientError], type[Exception]]:
    """botocore's error classes, imported when a call is made (the client has loaded botocore by then)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def _translated(error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _RETRYABLE:
        return StoreUnavailable(code)
    return error


def _raise_unexpected(reasons: list[str]) -> None:
    failed = [r for r in reasons if r not in ("None", "")]
    if failed:
        raise RuntimeError(f"transaction cancelled: {failed}")


def _encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    problem = Unparseable([FieldProblem("cursor", "invalid_cursor")])
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise problem from error
    if (
        not isinstance(key, dict)
        or set(key) != _CURSOR_KEYS
        or not all(isinstance(v, str) and len(v) <= 200 for v in key.values())
        or key["public_pk"] != PUBLIC_PK
        or not key["pk"].startswith("REPORT#")
        or key["sk"] != REPORT_SK
    ):
        raise problem
    return to_item(key)
