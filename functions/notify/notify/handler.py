"""Notify: each domain event from the bus becomes the messages lapor.domain.notifications derives from it.

EventBridge invokes this function once an event (`source: lapor`, detail-type `lapor.report.<action>` or
`lapor.report.access_link`). An event that cannot be read is a permanent fault: it is logged by its type
and dropped (`NotificationsDropped`), as a retry would fail the same way. A failed read or publication
raises, so EventBridge retries the event and then dead-letters it; a retry may repeat a message already
published. Nothing logged names a recipient, holds a message's text, or any part of the identity.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from lapor import wiring
from lapor.domain.events import (
    ACCESS_LINK_DETAIL_TYPE,
    DETAIL_VERSION,
    EVENT_SOURCE,
    AccessLinkRequested,
    ReportEvent,
)
from lapor.domain.identifiers import derived_access_token
from lapor.domain.notifications import (
    Message,
    access_link,
    access_link_message,
    messages_for,
    needs_contact,
)
from lapor.observability import instrument, log_unexpected, logger, metrics
from lapor.ports import ContactBook, MessageSender

REPORT_DETAIL_PREFIX = "lapor.report."
Detail = ReportEvent | AccessLinkRequested


class Unreadable(Exception):
    """An event this function can never handle; `reason` is a fixed word, never the event's content."""

    def __init__(self, reason: str, fields: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields or []


class NotificationFailed(Exception):
    """Raised in place of an SDK or validation error, whose message may quote a recipient or identity."""


def handle(
    event: dict[str, Any],
    context: Any,
    sender: MessageSender | None = None,
    contacts: ContactBook | None = None,
) -> dict[str, Any]:
    """The handler, with its ports injectable (tests pass fakes; Lambda gets the wired adapters)."""
    try:
        detail = parse(event)
    except Unreadable as unreadable:
        return _drop(event, unreadable)
    sent = 0
    try:
        messages = _messages(detail, contacts or wiring.contact_book())
        publisher = sender or wiring.message_sender()
        for message in messages:
            publisher.send(message)
            sent += 1
    except Exception as error:
        log_unexpected(error)
        raise NotificationFailed(type(error).__name__) from None
    finally:
        if sent:
            metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=sent)
    logger.info(
        "notifications sent",
        extra={
            "detail_type": event["detail-type"],
            "report_id": detail.report_id,
            "templates": [m.template for m in messages],
            "channels": [m.channel for m in messages],
        },
    )
    return {"sent": sent}


def parse(event: dict[str, Any]) -> Detail:
    """The event's detail as its model, or `Unreadable`."""
    if not isinstance(event, dict) or event.get("source") != EVENT_SOURCE:
        raise Unreadable("unexpected_source")
    detail_type = event.get("detail-type")
    detail = event.get("detail")
    if not isinstance(detail_type, str) or not isinstance(detail, dict):
        raise Unreadable("no_detail")
    if detail.get("version", DETAIL_VERSION) != DETAIL_VERSION:
        raise Unreadable("unsupported_version")
    model: type[Detail]
    if detail_type == ACCESS_LINK_DETAIL_TYPE:
        model = AccessLinkRequested
    elif detail_type.startswith(REPORT_DETAIL_PREFIX):
        model = ReportEvent
    else:
        raise Unreadable("unknown_detail_type")
    try:
        parsed = model.model_validate(detail)
    except ValidationError as error:
        fields = [".".join(str(p) for p in e["loc"]) for e in error.errors(include_input=False)]
        raise Unreadable("invalid_detail", fields) from None
    if isinstance(parsed, ReportEvent) and parsed.detail_type != detail_type:
        raise Unreadable("detail_type_mismatch")
    return parsed


def _messages(detail: Detail, contacts: ContactBook) -> list[Message]:
    if isinstance(detail, AccessLinkRequested):
        return _access_link(detail, contacts)
    contact = None
    if needs_contact(detail):
        contact = contacts.contact(detail.report_id)
        if contact is None:
            _no_contact(detail.report_id)
    return messages_for(detail, contact)


def _access_link(detail: AccessLinkRequested, contacts: ContactBook) -> list[Message]:
    contact = contacts.contact(detail.report_id)
    if contact is None:
        _no_contact(detail.report_id)
        return []
    # The token is never stored nor carried: POST /reports/{id}/access stores the hash of exactly this
    # derivation, `derived_access_token(secret, report_id, "access:" + nonce)`, and publishes the nonce.
    token = derived_access_token(wiring.access_secret(), detail.report_id, "access:" + detail.nonce)
    link = access_link(wiring.notify_settings().public_base_url, detail.report_id, token)
    return [access_link_message(detail, contact, link)]


def _no_contact(report_id: str) -> None:
    logger.warning(
        "no reporter contact on file; the reporter's message is left out", extra={"report_id": report_id}
    )
    metrics.add_metric(name="NotificationsDropped", unit=MetricUnit.Count, value=1)


def _drop(event: Any, unreadable: Unreadable) -> dict[str, Any]:
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    logger.warning(
        "event dropped",
        extra={
            "reason": unreadable.reason,
            "detail_type": detail_type[:100] if isinstance(detail_type, str) else type(detail_type).__name__,
            "fields": unreadable.fields[:20],
        },
    )
    metrics.add_metric(name="NotificationsDropped", unit=MetricUnit.Count, value=1)
    return {"sent": 0, "dropped": unreadable.reason}


lambda_handler = instrument(handle)
