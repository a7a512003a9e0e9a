"""The event bus and the delivery channels, in memory (`EventPublisher`, `MessageSender`)."""

from __future__ import annotations

from typing import Any

from lapor.domain.errors import DeliveryRefused
from lapor.domain.notifications import Message


class RecordingPublisher:
    """Keeps what was published, in order; `fail_next` makes the next publication raise."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.fail_next: Exception | None = None

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.events.append((detail_type, detail))

    @property
    def detail_types(self) -> list[str]:
        return [detail_type for detail_type, _ in self.events]


class RecordingSender:
    """Keeps every message a channel accepted, in order. `refuse[address] = reason` refuses that address for
    good (`DeliveryRefused`); `fail_next` makes the next send fail as a passing fault would."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.refuse: dict[str, str] = {}
        self.fail_next: Exception | None = None

    def send(self, message: Message) -> str:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        if message.recipient in self.refuse:
            raise DeliveryRefused(self.refuse[message.recipient])
        self.sent.append(message)
        return f"provider-{len(self.sent)}"

    def to(self, recipient: str) -> list[Message]:
        return [m for m in self.sent if m.recipient == recipient]


def _serves_its_ports(publisher: RecordingPublisher, sender: RecordingSender) -> None:
    """Never run: `make types` checks that each fake implements its port (mypy on tests/fakes)."""
    from lapor import ports

    bus: ports.EventPublisher = publisher
    delivery: ports.MessageSender = sender
    del bus, delivery
