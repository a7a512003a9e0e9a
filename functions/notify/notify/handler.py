"""Notify: each domain event from the bus becomes its messages (`lapor.services.delivery`): staff messages on
the staff topic; a reporter's only to a confirmed contact (e-mail through SES, SMS through End User Messaging
SMS), or the confirmation code to an unconfirmed one; each reporter message recorded beside the report.

EventBridge invokes this function once an event (`source: lapor`, detail-type `lapor.report.<action>`,
`lapor.report.access_link` or `lapor.report.contact_code`). An event that cannot be read is a permanent
fault: it is logged by its type and dropped (`NotificationsDropped`), as a retry would fail the same way. A
failed read, write or send raises, so EventBridge retries the event with backoff and then dead-letters it;
the delivery records make a retry skip what was sent. Nothing logged names a recipient, holds a message's
text or code, or any part of the identity.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from lapor.domain.events import (
    ACCESS_LINK_DETAIL_TYPE,
    CONTACT_CODE_DETAIL_TYPE,
    DETAIL_VERSION,
    EVENT_SOURCE,
    AccessLinkRequested,
    ContactCodeRequested,
    ReportEvent,
)
from lapor.observability import instrument, log_unexpected, logger, metrics
from lapor.services.delivery import Delivered, DeliveryService
from lapor.wiring import delivery_service

REPORT_DETAIL_PREFIX = "lapor.report."
Detail = ReportEvent | AccessLinkRequested | ContactCodeRequested


class Unreadable(Exception):
    """An event this function can never handle; `reason` is a fixed word, never the event's content."""

    def __init__(self, reason: str, fields: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields or []


class NotificationFailed(Exception):
    """Raised in place of an SDK or validation error, whose message may quote a recipient or identity."""


def handle(event: dict[str, Any], context: Any, service: DeliveryService | None = None) -> dict[str, Any]:
    """The handler, with its service injectable (tests pass one on fakes; Lambda gets the wired one)."""
    try:
        detail = parse(event)
    except Unreadable as unreadable:
        return _drop(event, unreadable)
    try:
        done = _deliver(detail, service or delivery_service())
    except Exception as error:
        log_unexpected(error)
        raise NotificationFailed(type(error).__name__) from None
    for name, count in (
        ("NotificationsSent", done.sent),
        ("NotificationsRefused", done.refused),
        ("NotificationsWithheld", done.withheld),
    ):
        if count:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    logger.info(
        "notifications delivered",
        extra={
            "detail_type": event["detail-type"],
            "report_id": detail.report_id,
            "templates": done.templates,
            "channels": done.channels,
            "sent": done.sent,
            "skipped": done.skipped,
            "refused": done.refused,
            "withheld": done.withheld,
        },
    )
    return {"sent": done.sent, "skipped": done.skipped, "refused": done.refused, "withheld": done.withheld}


def _deliver(detail: Detail, service: DeliveryService) -> Delivered:
    if isinstance(detail, AccessLinkRequested):
        return service.access_link(detail)
    if isinstance(detail, ContactCodeRequested):
        return service.contact_code(detail)
    return service.report_event(detail)


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
    elif detail_type == CONTACT_CODE_DETAIL_TYPE:
        model = ContactCodeRequested
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
