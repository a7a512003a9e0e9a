"""AWS End User Messaging SMS (`pinpoint-sms-voice-v2`, JSON protocol) as the local stack answers it: moto
has no such service.

`SendTextMessage` is checked as the service checks it (a destination in E.164, a body of at most 1,600
characters, a configuration set that exists) and answered with a MessageId. Any origination identity counts
as the account's own: the local stack gives the template a stand-in one (`local.template.LOCAL_PARAMETERS`).
Other actions are refused (`UnknownOperationException`). Each message taken becomes an outbox entry
(`local.memory_logs`), and its event is published to its configuration set's SNS destinations as the service
publishes it, with the request's `Context`.

Numbers that fail locally (README, "Make a channel fail"): Indonesia's toll-free range 0800 (+62 800), which
no phone has.

| To                         | Event                       | Outbox `state` |
|----------------------------|-----------------------------|----------------|
| +62 800 0000 0002          | TEXT_CARRIER_UNREACHABLE    | failed         |
| +62 800 0000 0003          | TEXT_INVALID                | bounced        |
| any other +62 800…         | TEXT_BLOCKED                | bounced        |
| any other number           | TEXT_DELIVERED              | delivered      |
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.aws.sns import Publication, new_publication
from local.memory_logs import outbox_entry
from local.template import EventDestination

TARGET_PREFIX = "PinpointSMSVoiceV2."
SEND_TEXT_MESSAGE = TARGET_PREFIX + "SendTextMessage"
MAX_BODY_CHARACTERS = 1600
FAILING_PREFIX = "+62800"
FAILING_NUMBERS: Mapping[str, str] = {
    "+6280000000002": "TEXT_CARRIER_UNREACHABLE",
    "+6280000000003": "TEXT_INVALID",
}
DESCRIPTIONS: Mapping[str, str] = {
    "TEXT_DELIVERED": "Message has been accepted by phone",
    "TEXT_BLOCKED": "The destination phone number is blocked from receiving messages",
    "TEXT_INVALID": "The destination phone number is not valid",
    "TEXT_CARRIER_UNREACHABLE": "The carrier of the destination phone number could not be reached",
}
STATES: Mapping[str, str] = {
    "TEXT_DELIVERED": "delivered",
    "TEXT_BLOCKED": "bounced",
    "TEXT_INVALID": "bounced",
}
_E164 = re.compile(r"^\+[1-9][0-9]{1,18}$")


def simulated(number: str) -> str:
    """The event the local SMS service reports for a message to `number` (E.164)."""
    if number.startswith(FAILING_PREFIX):
        return FAILING_NUMBERS.get(number, "TEXT_BLOCKED")
    return "TEXT_DELIVERED"


@dataclass(frozen=True)
class SmsAnswer:
    """The service's answer, and what an accepted message leaves: its outbox entry and its events."""

    status: str
    body: dict[str, Any]
    entry: dict[str, Any] | None = None
    publications: list[Publication] = field(default_factory=list)

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [("Content-Type", "application/x-amz-json-1.0")]


def _error(status: str, kind: str, message: str, **fields: str) -> SmsAnswer:
    return SmsAnswer(status, {"__type": kind, "Message": message, **fields})


def answer(
    target: str,
    body: bytes,
    configuration_sets: Mapping[str, list[EventDestination]],
    now: datetime | None = None,
) -> SmsAnswer:
    if target != SEND_TEXT_MESSAGE:
        return _error("400 Bad Request", "UnknownOperationException", f"{target} is not run locally")
    try:
        request: Any = json.loads(body or b"{}")
    except ValueError:
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("Context") or {}, dict):
        return _error(
            "400 Bad Request", "SerializationException", "The request is not SendTextMessage's JSON"
        )
    destination = str(request.get("DestinationPhoneNumber") or "")
    text = str(request.get("MessageBody") or "")
    configuration_set = request.get("ConfigurationSetName")
    if not _E164.fullmatch(destination):
        return _error(
            "400 Bad Request", "ValidationException", "DestinationPhoneNumber", Reason="INVALID_PARAMETER"
        )
    if len(text) > MAX_BODY_CHARACTERS:
        return _error("400 Bad Request", "ValidationException", "MessageBody", Reason="INVALID_PARAMETER")
    if configuration_set is not None and configuration_set not in configuration_sets:
        return _error(
            "404 Not Found",
            "ResourceNotFoundException",
            "Configuration set not found",
            ResourceType="configuration-set",
            ResourceId=str(configuration_set),
        )
    at = now or datetime.now(UTC)
    message_id = str(uuid.uuid4())
    event_type = simulated(destination)
    context = {str(name): str(value) for name, value in (request.get("Context") or {}).items()}
    event = {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": int(at.timestamp() * 1000),
        "isFinal": True,
        "originationPhoneNumber": str(request.get("OriginationIdentity") or ""),
        "destinationPhoneNumber": destination,
        "isInternationalSend": False,
        "messageId": message_id,
        "messageRequestTimestamp": int(at.timestamp() * 1000),
        "messageEncoding": "GSM" if text.isascii() else "UCS2",
        "messageType": str(request.get("MessageType") or "TRANSACTIONAL"),
        "messageStatus": event_type.removeprefix("TEXT_"),
        "messageStatusDescription": DESCRIPTIONS[event_type],
        "context": context,
        "totalMessageParts": 1,
        "totalMessagePrice": 0.0,
        "totalCarrierFee": 0.0,
    }
    publications = [
        new_publication(target.target, json.dumps(event))
        for target in configuration_sets.get(str(configuration_set), [])
        if target.kind == "sns" and target.takes(event_type)
    ]
    entry = outbox_entry(
        "sms",
        destination,
        context.get("template"),
        context.get("report_id"),
        text,
        STATES.get(event_type, "failed"),
        at,
    )
    return SmsAnswer("200 OK", {"MessageId": message_id}, entry, publications)
