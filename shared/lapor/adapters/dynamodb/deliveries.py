"""Delivery records (`lapor.domain.delivery`) beside the report, and the month's SMS budget.

| Item | `pk` | `sk` | Notes |
|---|---|---|---|
| delivery record | `REPORT#<id>` | `SEND#<key>` | `template`, `channel`, `state`, `at`, `updated_at`, |
|  |  |  | `reason`; no address, no words |
| SMS spend | `SPEND#SMS` | `MONTH#<YYYY-MM>` | `spent` in micro-USD, counted before each SMS |

A record is created once (`begin`), then moved forward only (`settle`, conditional on the states it may
leave): provider feedback that arrives out of order never sets a record back.
"""

from __future__ import annotations

from datetime import datetime

from lapor.adapters.dynamodb.codec import to_item, value
from lapor.adapters.dynamodb.items import (
    DELIVERY_PREFIX,
    SMS_SPEND_PK,
    delivery_from_item,
    delivery_item,
    report_pk,
)
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.domain.delivery import Delivery, DeliveryState, may_become
from lapor.domain.wallclock import iso


class DynamoDeliveryLog(DynamoReportRepository):
    def begin(self, report_id: str, delivery: Delivery) -> Delivery | None:
        created = self._conditional(
            "put_item",
            {
                "TableName": self._table,
                "Item": to_item(delivery_item(report_id, delivery)),
                "ConditionExpression": "attribute_not_exists(pk)",
            },
        )
        if created:
            return None
        items = self._query_all(
            {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk = :sk",
                "ExpressionAttributeValues": {
                    ":pk": value(report_pk(report_id)),
                    ":sk": value(f"{DELIVERY_PREFIX}{delivery.key}"),
                },
                "ConsistentRead": True,
            }
        )
        return delivery_from_item(items[0]) if items else None

    def settle(
        self, report_id: str, key: str, state: DeliveryState, at: datetime, reason: str | None
    ) -> bool:
        earlier = sorted(s.value for s in may_become(state))
        placeholders = {f":from{n}": value(s) for n, s in enumerate(earlier)}
        update = "SET #state = :state, updated_at = :at" + (", reason = :reason" if reason else "")
        values = {":state": value(state.value), ":at": value(iso(at)), **placeholders}
        if reason:
            values[":reason"] = value(reason)
        return self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(report_pk(report_id)), "sk": value(f"{DELIVERY_PREFIX}{key}")},
                "UpdateExpression": update,
                "ConditionExpression": f"#state IN ({', '.join(placeholders)})",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": values,
            },
        )

    def charge_sms(self, month: str, cost: int, limit: int) -> bool:
        return self._conditional(
            "update_item",
            {
                "TableName": self._table,
                "Key": {"pk": value(SMS_SPEND_PK), "sk": value(f"MONTH#{month}")},
                "UpdateExpression": "ADD spent :cost",
                "ConditionExpression": "attribute_not_exists(spent) OR spent <= :most",
                "ExpressionAttributeValues": {":cost": value(cost), ":most": value(limit - cost)},
            },
        )
