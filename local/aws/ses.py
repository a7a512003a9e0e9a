"""SES v2 `SendEmail` as the local stack answers it, and what SES reports of each message afterwards.

Moto's SES takes the message (it checks the addresses and gives the MessageId). The local stack counts every
From address as verified (which identities an account has verified is AWS's matter: README, "Deploying") and
answers `NotFoundException` for a configuration set the template does not have, as SES does. Each message
taken becomes an outbox entry (`local.memory_logs`), and its events go where its configuration set sends
them (an EventBridge bus, an SNS topic), for the event types the set names, as SES's mailbox simulator
produces them:

| To                                                | Events                        | Outbox `state` |
|---------------------------------------------------|-------------------------------|----------------|
| `success@simulator.amazonses.com`, any other one  | Delivery                      | delivered      |
| `bounce@simulator.amazonses.com`                  | Bounce (Permanent, General)   | bounced        |
| `suppressionlist@simulator.amazonses.com`         | Bounce (Permanent, Suppressed)| bounced        |
| `complaint@simulator.amazonses.com`               | Delivery, then Complaint      | complained     |

A label (`bounce+siti@simulator.amazonses.com`) is allowed, as SES allows it. The events carry the message's
tags (the notifier's report id, delivery key and template) and the configuration set's name, in SES's event
shape; the addresses are in them as SES puts them there (nothing here logs them).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.aws.environment import ACCOUNT_ID, REGION
from local.aws.eventbridge import PublishedEvent
from local.aws.sns import Publication, new_publication
from local.memory_logs import outbox_entry
from local.template import EventDestination

SEND_EMAIL_PATH = "/v2/email/outbound-emails"
SIMULATOR_DOMAIN = "simulator.amazonses.com"
SOURCE = "aws.ses"
# SES's eventType: (the configuration set's event type, EventBridge's detail-type, the outbox state)
EVENT_KINDS: Mapping[str, tuple[str, str, str]] = {
    "Delivery": ("DELIVERY", "Email Delivered", "delivered"),
    "Bounce": ("BOUNCE", "Email Bounced", "bounced"),
    "Complaint": ("COMPLAINT", "Email Complaint Received", "complained"),
}
SIMULATOR: Mapping[str, tuple[str, ...]] = {
    "success": ("Delivery",),
    "bounce": ("Bounce",),
    "suppressionlist": ("Bounce",),
    "complaint": ("Delivery", "Complaint"),
}


@dataclass(frozen=True)
class EmailRequest:
    source: str
    to: tuple[str, ...]
    text: str
    tags: dict[str, str]
    configuration_set: str | None

    @classmethod
    def parse(cls, body: bytes) -> EmailRequest:
        request: dict[str, Any] = json.loads(body or b"{}")
        simple = (request.get("Content") or {}).get("Simple") or {}
        text = ((simple.get("Body") or {}).get("Text") or (simple.get("Body") or {}).get("Html") or {}).get(
            "Data"
        )
        return cls(
            source=str(request.get("FromEmailAddress") or ""),
            to=tuple(str(address) for address in (request.get("Destination") or {}).get("ToAddresses") or []),
            text=str(text or ""),
            tags={str(tag.get("Name")): str(tag.get("Value")) for tag in request.get("EmailTags") or []},
            configuration_set=request.get("ConfigurationSetName"),
        )


def _simulator_mailbox(address: str) -> str | None:
    """`bounce` for `bounce+label@simulator.amazonses.com`; None for an address outside the simulator."""
    local_part, _, domain = address.strip().lower().rpartition("@")
    return local_part.split("+", 1)[0] if domain == SIMULATOR_DOMAIN else None


def simulated(address: str) -> tuple[str, ...]:
    """The events SES's mailbox simulator sends for `address` (every other address is delivered)."""
    return SIMULATOR.get(_simulator_mailbox(address) or "", ("Delivery",))


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def _event_detail(request: EmailRequest, message_id: str, event_type: str, at: datetime) -> dict[str, Any]:
    tags = {name: [value] for name, value in request.tags.items()}
    tags |= {
        "ses:configuration-set": [request.configuration_set or ""],
        "ses:from-domain": [request.source.rpartition("@")[2]],
        "ses:source-ip": ["127.0.0.1"],
    }
    detail: dict[str, Any] = {
        "eventType": event_type,
        "mail": {
            "timestamp": _iso(at),
            "source": request.source,
            "sendingAccountId": ACCOUNT_ID,
            "messageId": message_id,
            "destination": list(request.to),
            "headersTruncated": False,
            "tags": tags,
        },
    }
    recipient = request.to[0] if request.to else ""
    feedback = {"timestamp": _iso(at), "feedbackId": str(uuid.uuid4())}
    if event_type == "Delivery":
        detail["delivery"] = {
            "timestamp": _iso(at),
            "processingTimeMillis": 0,
            "recipients": list(request.to),
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a0-0.smtp-out.local",
        }
    elif event_type == "Bounce":
        suppressed = _simulator_mailbox(recipient) == "suppressionlist"
        detail["bounce"] = {
            "bounceType": "Permanent",
            "bounceSubType": "OnAccountSuppressionList" if suppressed else "General",
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "reportingMTA": "dns; a0-0.smtp-out.local",
            **feedback,
        }
    elif event_type == "Complaint":
        detail["complaint"] = {
            "complainedRecipients": [{"emailAddress": recipient}],
            "complaintFeedbackType": "abuse",
            "userAgent": "local mailbox simulator",
            "arrivalDate": _iso(at),
            **feedback,
        }
    return detail


@dataclass(frozen=True)
class SentEmail:
    """What one accepted message leaves: its outbox entry and its events, for a bus or a topic."""

    entry: dict[str, Any]
    events: list[PublishedEvent]
    publications: list[Publication]


def email_sent(
    request: EmailRequest, message_id: str, destinations: list[EventDestination], now: datetime | None = None
) -> SentEmail:
    at = now or datetime.now(UTC)
    event_types = simulated(request.to[0]) if request.to else ("Delivery",)
    events: list[PublishedEvent] = []
    publications: list[Publication] = []
    set_arn = f"arn:aws:ses:{REGION}:{ACCOUNT_ID}:configuration-set/{request.configuration_set}"
    for event_type in event_types:
        kind, detail_type, _ = EVENT_KINDS[event_type]
        detail = _event_detail(request, message_id, event_type, at)
        for destination in destinations:
            if not destination.takes(kind):
                continue
            if destination.kind == "eventbridge":
                events.append(
                    PublishedEvent(
                        event_id=str(uuid.uuid4()),
                        bus_name=destination.target,
                        source=SOURCE,
                        detail_type=detail_type,
                        detail=json.dumps(detail),
                        resources=(set_arn,),
                        time=at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    )
                )
            else:
                publications.append(new_publication(destination.target, json.dumps(detail)))
    entry = outbox_entry(
        "email",
        ", ".join(request.to),
        request.tags.get("template"),
        request.tags.get("report_id"),
        request.text,
        EVENT_KINDS[event_types[-1]][2],
        at,
    )
    return SentEmail(entry, events, publications)


def as_sesv2_error(
    headers: list[tuple[str, str]], chunks: list[bytes]
) -> tuple[list[tuple[str, str]], list[bytes]]:
    """Moto's SES v2 answers an address it cannot parse with SES v1's `InvalidParameterValue`; SES v2 answers
    `BadRequestException`. Any other answer is kept as it is."""
    kinds = [value for name, value in headers if name.lower() == "x-amzn-errortype"]
    if kinds != ["InvalidParameterValue"]:
        return headers, chunks
    message = json.loads(b"".join(chunks) or b"{}").get("Message", "")
    kept = [
        (name, value) for name, value in headers if name.lower() not in ("x-amzn-errortype", "content-length")
    ]
    body = json.dumps({"__type": "BadRequestException", "message": message}).encode()
    return [*kept, ("x-amzn-ErrorType", "BadRequestException"), ("Content-Length", str(len(body)))], [body]


def not_found(configuration_set: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """SES v2's answer to a configuration set it does not have."""
    message = f"Configuration set <{configuration_set}> does not exist."
    body = json.dumps({"__type": "NotFoundException", "message": message}).encode()
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "NotFoundException")]
    return "404 Not Found", headers, body
