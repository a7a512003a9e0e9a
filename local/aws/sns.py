"""SNS publications as outbox items: `{"at", "channel", "recipient", "template", "report_id", "message"}`.

The notifier sends the message as the body and `channel`, `recipient`, `template` and `report_id` as message
attributes (docs/ARCHITECTURE.md, Events and notifications). Requests are SNS's query protocol, form-encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

OUTBOX_ATTRIBUTES = ("channel", "recipient", "template", "report_id")
_BATCH_ENTRY = "PublishBatchRequestEntries.member.{}."


def _message_attributes(form: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    attributes: dict[str, str] = {}
    index = 1
    while f"{prefix}MessageAttributes.entry.{index}.Name" in form:
        entry = f"{prefix}MessageAttributes.entry.{index}."
        attributes[form[entry + "Name"]] = form.get(entry + "Value.StringValue", "")
        index += 1
    return attributes


def outbox_item(message: str, attributes: Mapping[str, str], now: datetime | None = None) -> dict[str, Any]:
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    item: dict[str, Any] = {"at": instant.isoformat(timespec="milliseconds")}
    item.update({name: attributes.get(name) for name in OUTBOX_ATTRIBUTES})
    item["message"] = message
    return item


def published_notifications(form: Mapping[str, str], answer: bytes) -> list[dict[str, Any]]:
    """The outbox items of a successful `Publish` or `PublishBatch` request (moto answered 200)."""
    action = form.get("Action")
    if action == "Publish":
        return [outbox_item(form.get("Message", ""), _message_attributes(form))]
    if action != "PublishBatch":
        return []
    successful = _successful_batch_ids(answer)
    items: list[dict[str, Any]] = []
    index = 1
    while _BATCH_ENTRY.format(index) + "Id" in form:
        entry = _BATCH_ENTRY.format(index)
        if form[entry + "Id"] in successful:
            items.append(outbox_item(form.get(entry + "Message", ""), _message_attributes(form, entry)))
        index += 1
    return items


def _successful_batch_ids(answer: bytes) -> set[str]:
    try:
        root = ElementTree.fromstring(answer)  # noqa: S314 - moto's own answer
    except ElementTree.ParseError:
        return set()
    successful = next((node for node in root.iter() if node.tag.endswith("Successful")), None)
    if successful is None:
        return set()
    return {node.text or "" for node in successful.iter() if node.tag.endswith("}Id") or node.tag == "Id"}
