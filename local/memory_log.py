"""An append-only, thread-safe list kept in memory for the life of the process (the outbox, dead letters)."""

from __future__ import annotations

import threading
from typing import Any


class MemoryLog:
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
