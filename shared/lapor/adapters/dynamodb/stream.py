"""The table's stream records, decoded: the stream consumer (`functions/report_stream`) sees a new report or
a new timeline entry's domain event, never an item's keys.

Only INSERTs matter: a report is inserted once, when it is filed, and a timeline entry is immutable. Every
other record (a modify, a remove, an item of another kind) decodes to None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lapor.adapters.dynamodb.codec import from_item
from lapor.adapters.dynamodb.items import REPORT_SK, TIMELINE_PREFIX, report_from_item
from lapor.domain.events import ReportEvent, event_from_timeline_item
from lapor.domain.models import Report

Inserted = Report | ReportEvent


def decode(record: Mapping[str, Any]) -> Inserted | None:
    """A DynamoDB stream record (its JSON as Lambda delivers it) as what it means to Lapor."""
    image = (record.get("dynamodb") or {}).get("NewImage")
    if record.get("eventName") != "INSERT" or not image:
        return None
    item = from_item(image)
    sort_key = str(item.get("sk", ""))
    if sort_key == REPORT_SK:
        return report_from_item(item)
    if sort_key.startswith(TIMELINE_PREFIX):
        return event_from_timeline_item(item)
    return None
