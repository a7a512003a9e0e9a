"""What the providers say became of a message (SES events, End User Messaging SMS events): the delivery
record moves forward (`delivered`, `bounced`, `complained`, `failed`), and a contact that bounced for good
or complained is marked undeliverable, so nothing more is sent to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lapor.domain.delivery import Outcome
from lapor.ports import ContactFlags, DeliveryStates


@dataclass(frozen=True)
class Feedback:
    """One provider event about one of our messages (found by the report id and key it was sent with)."""

    report_id: str
    key: str
    outcome: Outcome
    at: datetime


class DeliveryFeedbackService:
    def __init__(self, states: DeliveryStates, flags: ContactFlags) -> None:
        self._states = states
        self._flags = flags

    def record(self, feedback: Feedback) -> bool:
        """Settle the record; False when it had moved on already (the event is late or repeated)."""
        outcome = feedback.outcome
        moved = self._states.settle(
            feedback.report_id, feedback.key, outcome.state, feedback.at, outcome.reason
        )
        if outcome.undeliverable:
            self._flags.mark_undeliverable(feedback.report_id, outcome.reason or "undeliverable")
        return moved
