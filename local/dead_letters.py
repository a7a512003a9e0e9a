"""What the template's on-failure destinations would have received, oldest first (`GET /_local/dead-letters`).

Kept in memory for the life of the process. One entry per stream batch or event that still failed after its
retries: `{"at", "function", "trigger", "type", "attempts", "error", "payload"}`, where `payload` is what AWS
sends to the destination (for a stream, Lambda's invocation record with the batch's shard and sequence
numbers, never the item images; for an EventBridge rule, the event).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_items: list[dict[str, Any]] = []


def append(item: dict[str, Any]) -> None:
    with _lock:
        _items.append(dict(item))


def items() -> list[dict[str, Any]]:
    with _lock:
        return [dict(item) for item in _items]


def clear() -> None:
    with _lock:
        _items.clear()
