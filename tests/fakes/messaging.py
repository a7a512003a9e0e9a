"""The event bus, the message sender and the contact book, in memory (`EventPublisher`, `MessageSender`,
`ContactBook`)."""

from __future__ import annotations

from typing import Any

from lapor.domain.notifications import Contact, Message


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
    """Keeps every message handed to delivery, in order."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


class FixedContacts:
    """The reporters' contacts, by report id."""

    def __init__(self, contacts: dict[str, Contact] | None = None) -> None:
        self.contacts = dict(contacts or {})

    def contact(self, report_id: str) -> Contact | None:
        return self.contacts.get(report_id)


def _serves_its_ports(
    publisher: RecordingPublisher, sender: RecordingSender, contacts: FixedContacts
) -> None:
    """Never run: `make types` checks that each fake implements its port (mypy on tests/fakes)."""
    from lapor import ports

    bus: ports.EventPublisher = publisher
    delivery: ports.MessageSender = sender
    book: ports.ContactBook = contacts
    del bus, delivery, book
