"""Open311's storage on DynamoDB: the report repository, plus the Open311 token items, the API keys and the
public-index reads of the GeoReport lists.

Items (docs/ARCHITECTURE.md, the application table):

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| Open311 token | `OPEN311#TOKEN#<SHA-256 of the token>` | `T` | `report_id`; written with the report |
| API key | `OPEN311` | `KEY#<key id>` | `name`, `key_hash` (SHA-256; the key is shown once), |
|  |  |  | `created_at`, `created_by` |
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lapor.adapters.dynamodb.codec import to_item, value
from lapor.adapters.dynamodb.items import PUBLIC_PK, access_item, identity_item, report_item
from lapor.adapters.dynamodb.repository import PUBLIC_INDEX, DynamoReportRepository
from lapor.domain.actions import Change
from lapor.domain.contact import ContactState, ContactStatus
from lapor.domain.errors import StoreUnavailable
from lapor.domain.models import IdentityOnFile
from lapor.domain.open311 import ApiKey
from lapor.domain.wallclock import iso
from lapor.ports import IdCollision

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

KEYS_PK = "OPEN311"
KEY_PREFIX = "KEY#"
TOKEN_PREFIX = "OPEN311#TOKEN#"  # noqa: S105 - a key prefix, not a secret
TOKEN_SK = "T"  # noqa: S105
PAGE_LIMIT = 200
UPDATES_INDEX = "updates-index"
_NOT_THERE = "attribute_not_exists(pk)"


class DynamoOpen311Store(DynamoReportRepository):
    def file_request(
        self,
        change: Change,
        identity: IdentityOnFile | None,
        access_hash: str | None,
        request_token_hash: str,
    ) -> None:
        report = change.after
        puts: list[dict[str, Any]] = [report_item(report)]
        if identity is not None:
            # The client system owns the conversation with its reporter: Lapor never messages them.
            puts.append(identity_item(report.id, identity, ContactStatus(state=ContactState.CLIENT)))
        if access_hash is not None:
            puts.append(access_item(report.id, access_hash))
        token = {"pk": f"{TOKEN_PREFIX}{request_token_hash}", "sk": TOKEN_SK, "report_id": report.id}
        items: list[TransactWriteItemTypeDef] = [
            {"Put": {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _NOT_THERE}}
            for item in [*puts, token]
        ]
        items += self._entry_and_event(change)
        reasons = self._transact(items)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise IdCollision(report.id)
        if "TransactionConflict" in reasons:
            raise StoreUnavailable("transaction conflict")  # 503: the client retries, and finds its report
        if any(r not in ("None", "") for r in reasons):
            raise RuntimeError(f"transaction cancelled: {reasons}")

    def report_for_token(self, request_token_hash: str) -> str | None:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk = :sk",
                "ExpressionAttributeValues": {
                    ":pk": value(f"{TOKEN_PREFIX}{request_token_hash}"),
                    ":sk": value(TOKEN_SK),
                },
            }
        )
        return str(items[0]["report_id"]) if items else None

    def public_report_ids(
        self,
        since: datetime,
        until: datetime,
        category: str | None,
        statuses: Collection[str] | None,
        limit: int,
    ) -> list[str]:
        names: dict[str, str] = {"#key": "public_pk", "#sort": "public_sk", "#id": "id"}
        values: dict[str, Any] = {
            ":key": value(PUBLIC_PK),
            ":from": value(iso(since)),
            ":to": value(f"{iso(until)}#~"),
        }
        filters: list[str] = []
        if category is not None:
            names |= {"#category": "category", "#code": "code"}
            values[":category"] = value(category)
            filters.append("#category.#code = :category")
        if statuses is not None:
            names["#status"] = "status"
            placeholders = []
            for number, status in enumerate(statuses):
                values[f":s{number}"] = value(status)
                placeholders.append(f":s{number}")
            filters.append(f"#status IN ({', '.join(placeholders)})" if placeholders else "#status = :none")
            if not placeholders:
                values[":none"] = value("")
        request: dict[str, Any] = {
            "KeyConditionExpression": "#key = :key AND #sort BETWEEN :from AND :to",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        return self._public_ids(request, limit)

    def updated_public_report_ids(self, since: datetime, until: datetime, limit: int) -> list[str]:
        """Public reports updated since `since` (submitted by `until`), newest update first, from the
        updates index: its cost follows the reports updated in the window, never the whole public list."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": UPDATES_INDEX,
            "KeyConditionExpression": "#key = :key AND #updated >= :since",
            "ExpressionAttributeNames": {"#key": "public_pk", "#updated": "public_updated_sk"},
            "ExpressionAttributeValues": {":key": value(PUBLIC_PK), ":since": value(iso(since))},
            "ScanIndexForward": False,
            "Limit": PAGE_LIMIT,
        }
        ids: list[str] = []
        while len(ids) < limit:
            answer = self._call("query", request)
            for item in answer.get("Items", []):
                report_id = str(item["pk"]["S"]).removeprefix("REPORT#")
                # The index keeps keys only; a report submitted after `until` is left to the next page's read.
                ids.append(report_id)
            last = answer.get("LastEvaluatedKey")
            if not last:
                break
            request = {**request, "ExclusiveStartKey": last}
        return ids[:limit]

    def _public_ids(self, request: dict[str, Any], limit: int) -> list[str]:
        """Newest first, page after page of public-index until `limit` ids have passed the filter."""
        request = {
            **request,
            "TableName": self._table,
            "IndexName": PUBLIC_INDEX,
            "ProjectionExpression": "#id",
            "ScanIndexForward": False,
            "Limit": PAGE_LIMIT,
        }
        ids: list[str] = []
        while len(ids) < limit:
            answer = self._call("query", request)
            ids += [str(item["id"]["S"]) for item in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if not last:
                break
            request = {**request, "ExclusiveStartKey": last}
        return ids[:limit]

    # API keys ------------------------------------------------------------------------------------------

    def put_key(self, key: ApiKey) -> None:
        item = {
            "pk": KEYS_PK,
            "sk": f"{KEY_PREFIX}{key.key_id}",
            "key_id": key.key_id,
            "name": key.name,
            "key_hash": key.key_hash,
            "created_at": iso(key.created_at),
            "created_by": key.created_by,
        }
        self._call(
            "put_item", {"TableName": self._table, "Item": to_item(item), "ConditionExpression": _NOT_THERE}
        )

    def api_keys(self) -> list[ApiKey]:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :key)",
                "ExpressionAttributeValues": {":pk": value(KEYS_PK), ":key": value(KEY_PREFIX)},
            }
        )
        return [_key(item) for item in items]

    def api_key(self, key_id: str) -> ApiKey | None:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk = :sk",
                "ExpressionAttributeValues": {":pk": value(KEYS_PK), ":sk": value(f"{KEY_PREFIX}{key_id}")},
                "ConsistentRead": True,  # a revoked key stops working at once
            }
        )
        return _key(items[0]) if items else None

    def delete_key(self, key_id: str) -> bool:
        return self._conditional(
            "delete_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(KEYS_PK), "sk": value(f"{KEY_PREFIX}{key_id}")},
                "ConditionExpression": "attribute_exists(pk)",
            },
        )


def _key(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=str(item["key_id"]),
        name=str(item["name"]),
        key_hash=str(item["key_hash"]),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        created_by=str(item["created_by"]),
    )
