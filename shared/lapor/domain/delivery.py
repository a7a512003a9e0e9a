"""Delivery records: what became of each message to a reporter, kept beside the report for staff ("the
reporter was told" is a fact the coordinator can see), and what the providers' feedback means.

A record names its message by a key made from the event (never an address or the text), so a retried
event finds what it sent already. States move forward only: `sending` → `sent` → `delivered`, `bounced`
or `complained`; `failed` when the provider refused it or a cap held it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from lapor.domain.wallclock import Instant


class DeliveryState(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"


SETTLED = frozenset(
    {DeliveryState.DELIVERED, DeliveryState.BOUNCED, DeliveryState.COMPLAINED, DeliveryState.FAILED}
)
NEXT: dict[DeliveryState, frozenset[DeliveryState]] = {
    DeliveryState.SENDING: frozenset({DeliveryState.SENT, DeliveryState.FAILED, *SETTLED}),
    DeliveryState.SENT: SETTLED,
    DeliveryState.DELIVERED: frozenset({DeliveryState.BOUNCED, DeliveryState.COMPLAINED}),  # a late complaint
    DeliveryState.BOUNCED: frozenset(),
    DeliveryState.COMPLAINED: frozenset(),
    DeliveryState.FAILED: frozenset(),
}


def may_become(state: DeliveryState) -> frozenset[DeliveryState]:
    """The states a record may be in for `state` to be written over it (never backwards)."""
    return frozenset(before for before, after in NEXT.items() if state in after)


class Delivery(BaseModel):
    """One message to the reporter: which template, by which channel, and what became of it."""

    model_config = ConfigDict(frozen=True)

    key: str
    template: str
    channel: str
    state: DeliveryState
    at: Instant
    updated_at: Instant
    reason: str | None = None

    @property
    def done(self) -> bool:
        """Nothing more to send: a retried event leaves it alone."""
        return self.state is not DeliveryState.SENDING


@dataclass(frozen=True)
class Outcome:
    """What one piece of provider feedback means for the record and for the contact."""

    state: DeliveryState
    reason: str | None = None
    undeliverable: bool = False  # the address cannot receive: nothing more goes to it


_EMAIL = {
    "Delivery": Outcome(DeliveryState.DELIVERED),
    "Complaint": Outcome(DeliveryState.COMPLAINED, "complaint", undeliverable=True),
    "Reject": Outcome(DeliveryState.FAILED, "rejected"),
    "Rendering Failure": Outcome(DeliveryState.FAILED, "rendering_failure"),
}
_SMS = {
    "TEXT_DELIVERED": Outcome(DeliveryState.DELIVERED),
    "TEXT_INVALID": Outcome(DeliveryState.BOUNCED, "invalid_number", undeliverable=True),
    "TEXT_BLOCKED": Outcome(DeliveryState.BOUNCED, "blocked", undeliverable=True),
    "TEXT_SPAM": Outcome(DeliveryState.FAILED, "spam"),
    "TEXT_CARRIER_UNREACHABLE": Outcome(DeliveryState.FAILED, "carrier_unreachable"),
    "TEXT_UNREACHABLE": Outcome(DeliveryState.FAILED, "unreachable"),
    "TEXT_TTL_EXPIRED": Outcome(DeliveryState.FAILED, "ttl_expired"),
    "TEXT_CARRIER_BLOCKED": Outcome(DeliveryState.FAILED, "carrier_blocked"),
    "TEXT_INVALID_MESSAGE": Outcome(DeliveryState.FAILED, "invalid_message"),
    "TEXT_UNKNOWN": Outcome(DeliveryState.FAILED, "unknown"),
}


def email_outcome(event_type: str, bounce_type: str | None = None) -> Outcome | None:
    """SES's event (its `eventType`); None for the ones that change nothing (send, open, a delay)."""
    if event_type == "Bounce":
        if bounce_type == "Permanent":
            return Outcome(DeliveryState.BOUNCED, "bounce", undeliverable=True)
        return None  # a transient bounce: SES keeps trying
    return _EMAIL.get(event_type)


def sms_outcome(event_type: str) -> Outcome | None:
    """End User Messaging SMS's event (its `eventType`); None for the ones that change nothing."""
    return _SMS.get(event_type)
