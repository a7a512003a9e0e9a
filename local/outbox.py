"""Every notification the local stack would have sent, oldest first (`GET /_local/outbox`).

Kept in memory for the life of the process. A local notification adapter appends one entry per message:
`{"at", "channel", "recipient", "template", "report_id", "message"}` (API.md, "Local stack only").
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
