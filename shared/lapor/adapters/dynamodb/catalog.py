"""The coordinator's catalog edits on DynamoDB: agencies and categories in the `CONFIG` partition (where the
seed put them, `lapor.seed`), each change with its audit entry in one transaction.

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| agency | `CONFIG` | `AGENCY#<id>` | `id`, `name`, `short_name`, `active` (absent: active, as seeded) |
| category | `CONFIG` | `CATEGORY#<code>` | `code`, `name`, `default_agency_id`, `default_type`, `active` |
| catalog audit | `AUDIT#CATALOG` | `AUDIT#<instant>#<request id>` | `kind`, `key`, `actor_id`, `before`, |
|  |  |  | `after` |

A change is conditional on the entry as it was read (every attribute), so two coordinators editing one
entry at once cannot lose either's change silently: the second gets 409.
"""

from __future__ import annotations

from typing import Any

from lapor.adapters.dynamodb.codec import to_item, value
from lapor.adapters.dynamodb.items import AGENCY_INBOX_PREFIX, CONFIG_PK, category_sk
from lapor.adapters.dynamodb.repository import INBOX_INDEX, DynamoReportRepository
from lapor.domain.catalog import Agency, Category
from lapor.domain.errors import VersionConflict
from lapor.domain.wallclock import iso
from lapor.ports import CatalogAudit

CATALOG_AUDIT_PK = "AUDIT#CATALOG"


class DynamoCatalog(DynamoReportRepository):
    def put_agency(self, agency: Agency, before: Agency | None, audit: CatalogAudit) -> None:
        self._put("agency", f"AGENCY#{agency.id}", agency.id, agency.model_dump(), before, audit)

    def put_category(self, category: Category, before: Category | None, audit: CatalogAudit) -> None:
        fields = category.model_dump(mode="json")
        self._put("category", category_sk(category.code), category.code, fields, before, audit)

    def holds_open_reports(self, agency_id: str) -> bool:
        # An agency's open reports (DISPOSED, IN_PROGRESS) are exactly its inbox items with a running clock,
        # which sort first ("0#<deadline>"): one item read at most, however long its history.
        answer = self._call(
            "query",
            {
                "TableName": self._table,
                "IndexName": INBOX_INDEX,
                "KeyConditionExpression": "inbox_pk = :pk AND begins_with(inbox_sk, :running)",
                "ExpressionAttributeValues": {
                    ":pk": value(f"{AGENCY_INBOX_PREFIX}{agency_id}"),
                    ":running": value("0#"),
                },
                "Limit": 1,
                "ProjectionExpression": "pk",
            },
        )
        return bool(answer.get("Items"))

    def _put(
        self,
        kind: str,
        sk: str,
        key: str,
        fields: dict[str, Any],
        before: Agency | Category | None,
        audit: CatalogAudit,
    ) -> None:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_item({"pk": CONFIG_PK, "sk": sk, **fields}),
        }
        if before is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put.update(_unchanged_since(before.model_dump(mode="json")))
        entry = {
            "pk": CATALOG_AUDIT_PK,
            "sk": f"AUDIT#{iso(audit.at)}#{audit.request_id}",
            "at": iso(audit.at),
            "kind": kind,
            "key": key,
            "actor_id": audit.actor_id,
            "before": audit.before,
            "after": audit.after,
        }
        reasons = self._transact(
            [
                {"Put": put},  # type: ignore[typeddict-item]
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(entry),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        if reasons:
            raise VersionConflict(key)


def _unchanged_since(before: dict[str, Any]) -> dict[str, Any]:
    """The condition that the stored entry still holds `before` (a seeded entry has no `active`: active)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    terms: list[str] = []
    for n, (field, plain) in enumerate(sorted(before.items())):
        names[f"#f{n}"] = field
        values[f":v{n}"] = value(plain)
        if field == "active" and plain is True:
            terms.append(f"(attribute_not_exists(#f{n}) OR #f{n} = :v{n})")
        else:
            terms.append(f"#f{n} = :v{n}")
    return {
        "ConditionExpression": " AND ".join(terms),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
