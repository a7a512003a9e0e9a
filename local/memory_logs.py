"""What the stack keeps in memory for the life of the process, oldest first (API.md, "Local stack only").

- `outbox` (`GET /_local/outbox`): every notification the stack would have sent, one entry a message:
  `{"at", "channel", "recipient", "template", "report_id", "message"}`.
- `dead_letters` (`GET /_local/dead-letters`): what the template's on-failure destinations would have
  received, one entry a stream batch or event that still failed after its retries: `{"at", "function",
  "trigger", "type", "attempts", "error", "payload"}`, where `payload` is what AWS sends to the destination
  (for a stream, Lambda's invocation record with the batch's shard and sequence numbers, never the item
  images; for an EventBridge rule, the event).
"""

from __future__ import annotations

import threading
from typing import Any


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


outbox = MemoryLog()
dead_letters = MemoryLog()
