"""The officer roster on DynamoDB (`lapor.domain.roster`).

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| officer | `ROSTER` | `OFFICER#<id>` | `name`, `email`, `role`, `agency_id`, `active`, `decree_number`, |
|  |  |  | `decree_date`, `digest` (of the rest: a change is conditional on it); the e-mail is |
|  |  |  | read only by the roster's routes |
| roster audit | `AUDIT#ROSTER` | `AUDIT#<UTC instant>#<request id>` | who changed whom: `before`, `after` |

The whole roster is one partition (a city has tens or hundreds of officers): one `Query` reads it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from lapor.adapters.dynamodb.codec import to_item, value
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.domain.errors import VersionConflict
from lapor.domain.roster import Decree, Officer

ROSTER_PK = "ROSTER"
OFFICER_PREFIX = "OFFICER#"
ROSTER_AUDIT_PK = "AUDIT#ROSTER"


def digest(officer: Officer) -> str:
    return hashlib.sha256(officer.model_dump_json().encode()).hexdigest()


def officer_item(officer: Officer) -> dict[str, Any]:
    return {
        "pk": ROSTER_PK,
        "sk": f"{OFFICER_PREFIX}{officer.id}",
        "id": officer.id,
        "name": officer.name,
        "email": officer.email,
        "role": officer.role.value,
        "agency_id": officer.agency_id,
        "active": officer.active,
        "decree_number": officer.decree.number,
        "decree_date": officer.decree.date.isoformat(),
        "digest": digest(officer),
    }


def officer_from_item(item: dict[str, Any]) -> Officer:
    return Officer(
        id=str(item["id"]),
        name=str(item["name"]),
        email=str(item["email"]),
        role=item["role"],
        agency_id=item.get("agency_id"),
        active=bool(item.get("active", True)),
        decree=Decree(number=str(item["decree_number"]), date=item["decree_date"]),
    )


class DynamoRoster(DynamoReportRepository):
    def officers(self) -> list[Officer]:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :officer)",
                "ExpressionAttributeValues": {":pk": value(ROSTER_PK), ":officer": value(OFFICER_PREFIX)},
            }
        )
        return sorted((officer_from_item(item) for item in items), key=lambda o: (o.name, o.id))

    def officer(self, officer_id: str) -> Officer | None:
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk = :sk",
                "ExpressionAttributeValues": {
                    ":pk": value(ROSTER_PK),
                    ":sk": value(f"{OFFICER_PREFIX}{officer_id}"),
                },
            }
        )
        return officer_from_item(items[0]) if items else None

    def put_officer(self, officer: Officer, before: Officer | None, audit: dict[str, Any]) -> None:
        """Store a new or changed officer and its audit entry in one transaction; `VersionConflict` when the
        officer changed since `before` was read (or exists already when `before` is None)."""
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": to_item(officer_item(officer)),
            "ConditionExpression": "attribute_not_exists(pk)" if before is None else "digest = :before",
        }
        if before is not None:
            put["ExpressionAttributeValues"] = {":before": value(digest(before))}
        reasons = self._transact(
            [
                {"Put": put},  # type: ignore[typeddict-item]
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item({"pk": ROSTER_AUDIT_PK, **audit}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        if reasons:
            raise VersionConflict(officer.id)
