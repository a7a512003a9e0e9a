"""The events handlers put on EventBridge, held until the stack dispatches them to the template's rules."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

DEFAULT_BUS = "default"


@dataclass(frozen=True)
class PublishedEvent:
    """One accepted `PutEvents` entry, with the id EventBridge (moto) gave it."""

    event_id: str
    bus_name: str
    source: str
    detail_type: str
    detail: str
    resources: tuple[str, ...] = ()
    time: float | str | None = None


def bus_name(name_or_arn: Any) -> str:
    """The bus of an entry's `EventBusName`: a name, an ARN (`...:event-bus/<name>`) or absent (default)."""
    if not isinstance(name_or_arn, str) or not name_or_arn:
        return DEFAULT_BUS
    return name_or_arn.rsplit("event-bus/", 1)[-1]


def accepted_events(request: dict[str, Any], answer: dict[str, Any]) -> list[PublishedEvent]:
    """The entries of a `PutEvents` request that its answer accepted (those given an `EventId`)."""
    events: list[PublishedEvent] = []
    for entry, result in zip(request.get("Entries") or [], answer.get("Entries") or [], strict=False):
        event_id = result.get("EventId") if isinstance(result, dict) else None
        if not event_id or not isinstance(entry, dict):
            continue
        events.append(
            PublishedEvent(
                event_id=str(event_id),
                bus_name=bus_name(entry.get("EventBusName")),
                source=str(entry.get("Source", "")),
                detail_type=str(entry.get("DetailType", "")),
                detail=str(entry.get("Detail", "{}")),
                resources=tuple(str(resource) for resource in entry.get("Resources") or []),
                time=entry.get("Time"),
            )
        )
    return events


@dataclass
class PendingEvents:
    """Thread-safe: the embedded server's thread adds, the thread that settles a request takes."""

    _events: list[PublishedEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, events: list[PublishedEvent]) -> None:
        with self._lock:
            self._events.extend(events)

    def take_all(self) -> list[PublishedEvent]:
        with self._lock:
            taken, self._events = self._events, []
        return taken
