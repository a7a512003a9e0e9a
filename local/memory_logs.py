"""What the stack keeps in memory for the life of the process, oldest first (API.md, "Local stack only").

- `outbox` (`GET /_local/outbox`): every message handed to delivery, one entry a message: `{"at", "channel",
  "recipient", "template", "report_id", "message", "state"}`; `state` is what the channel reported (e-mail and
  SMS: `delivered`, `bounced`, `complained` or `failed`, as the local SES and SMS report it; a staff message
  on a topic: `sent`).
- `dead_letters` (`GET /_local/dead-letters`): what the template's on-failure destinations would have
  received, one entry a stream batch or event that still failed after its retries: `{"at", "function",
  "trigger", "type", "attempts", "error", "payload"}`, where `payload` is what AWS sends to the destination
  (for a stream, Lambda's invocation record with the batch's shard and sequence numbers, never the item
  images; for an EventBridge rule, the event).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class MemoryLog:
    """An append-only, thread-safe list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []

    def append(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(dict(item))

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._items]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Pending(Generic[T]):
    """What the embedded server's thread hands over (events put, messages published) until the thread that
    settles a request takes it all. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[T] = []

    def add(self, items: list[T]) -> None:
        with self._lock:
            self._items.extend(items)

    def take_all(self) -> list[T]:
        with self._lock:
            taken, self._items = self._items, []
        return taken


def outbox_entry(
    channel: str | None,
    recipient: str | None,
    template: str | None,
    report_id: str | None,
    message: str,
    state: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "at": instant.isoformat(timespec="milliseconds"),
        "channel": channel,
        "recipient": recipient,
        "template": template,
        "report_id": report_id,
        "message": message,
        "state": state,
    }


outbox = MemoryLog()
dead_letters = MemoryLog()
