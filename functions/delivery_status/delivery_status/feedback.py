"""The providers' events, read: SES's (through EventBridge's default bus, `source: aws.ses`) and End User
Messaging SMS's (through its configuration set's SNS topic). Each names our message by the report id and the
delivery key it was sent with (SES message tags, the SMS `Context`); anything else is ignored.

Only those fields and the event's type are read: the destination address or number in the event is never
looked at, kept or logged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from lapor.domain.delivery import email_outcome, sms_outcome
from lapor.domain.identifiers import is_report_id
from lapor.services.delivery_feedback import Feedback

SES_SOURCE = "aws.ses"


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Bounce(_Read):
    bounceType: str | None = None


class _Mail(_Read):
    tags: dict[str, list[str]] = {}
    timestamp: str | None = None


class _SesDetail(_Read):
    eventType: str
    mail: _Mail
    bounce: _Bounce | None = None


class _SmsEvent(_Read):
    eventType: str
    eventTimestamp: int | None = None
    context: dict[str, str] = {}


def from_ses(event: dict[str, Any]) -> list[Feedback]:
    """An EventBridge event from SES (one message's event)."""
    try:
        detail = _SesDetail.model_validate(event.get("detail") or {})
    except ValidationError:
        return []
    outcome = email_outcome(detail.eventType, detail.bounce.bounceType if detail.bounce else None)
    report_id = _first(detail.mail.tags.get("report_id"))
    key = _first(detail.mail.tags.get("delivery"))
    if outcome is None or not report_id or not key or not is_report_id(report_id):
        return []
    return [Feedback(report_id, key, outcome, _instant(event.get("time")))]


def from_sms_topic(event: dict[str, Any]) -> list[Feedback]:
    """An SNS delivery of End User Messaging SMS events (one a record)."""
    found: list[Feedback] = []
    for record in event.get("Records") or []:
        try:
            body = json.loads(((record or {}).get("Sns") or {}).get("Message") or "{}")
            sms = _SmsEvent.model_validate(body)
        except (ValueError, ValidationError):
            continue
        outcome = sms_outcome(sms.eventType)
        report_id, key = sms.context.get("report_id", ""), sms.context.get("delivery", "")
        if outcome is None or not key or not is_report_id(report_id):
            continue
        at = (
            datetime.fromtimestamp(sms.eventTimestamp / 1000, UTC)
            if sms.eventTimestamp
            else datetime.now(UTC)
        )
        found.append(Feedback(report_id, key, outcome, at))
    return found


def _first(values: list[str] | None) -> str:
    return values[0] if values else ""


def _instant(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
