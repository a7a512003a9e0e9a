"""Dispatch the events handlers put on EventBridge to the template's `Type: EventBridgeRule` functions.

Each accepted `PutEvents` entry becomes the event EventBridge delivers (`{"version": "0", "id",
"detail-type", "source", "account", "time", "region", "resources", "detail"}`) and goes to every rule on
its bus whose Pattern matches it. A failing invocation is retried at once, per the rule's RetryPolicy
(see `local.lambdas.triggers`), then the event goes to the dead letters (`local.memory_logs`) as it
would to the rule's dead-letter queue.

The events handlers put on EventBridge, held until the stack dispatches them to the template's rules.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.aws.environment import ACCOUNT_ID, REGION
from local.lambdas.triggers import EventRuleTrigger, TriggerInvoker, bus_name
from local.memory_logs import dead_letters


def _event_time(value: float | str | None) -> str:
    if isinstance(value, str) and value:
        return value
    instant = datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else datetime.now(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def eventbridge_event(published: PublishedEvent) -> dict[str, Any] | None:
    """The event a rule's target receives, or None when its detail is not a JSON object."""
    try:
        detail = json.loads(published.detail)
    except ValueError:
        return None
    if not isinstance(detail, dict):
        return None
    return {
        "version": "0",
        "id": published.event_id,
        "detail-type": published.detail_type,
        "source": published.source,
        "account": ACCOUNT_ID,
        "time": _event_time(published.time),
        "region": REGION,
        "resources": list(published.resources),
        "detail": detail,
    }


class EventDelivery:
    def __init__(
        self, rules: list[EventRuleTrigger], pending: PendingEvents, invoker: TriggerInvoker
    ) -> None:
        self._rules = rules
        self._pending = pending
        self._invoker = invoker

    def discard_pending(self) -> None:
        self._pending.take_all()

    def dispatch_pending(self) -> int:
        """Dispatch every event put since the last call; returns how many there were."""
        published_events = self._pending.take_all()
        for published in published_events:
            event = eventbridge_event(published)
            if event is None:
                continue
            for rule in self._rules:
                if (
                    rule.bus_name == published.bus_name
                    and rule.accepts(event)
                    and self._invoker.ready(rule.function_id)
                ):
                    self._deliver(rule, event)
        return len(published_events)

    def _deliver(self, rule: EventRuleTrigger, event: dict[str, Any]) -> None:
        attempts = rule.maximum_retry_attempts + 1
        error = ""
        for attempt in range(1, attempts + 1):
            invocation = self._invoker.invoke(
                rule.function_id,
                json.loads(json.dumps(event)),
                trigger=rule.event_name,
                attempt=attempt,
                attempts=attempts,
            )
            if not invocation.failed:
                return
            error = invocation.error or ""
        dead_letters.append(
            {
                "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "function": rule.function_id,
                "trigger": rule.event_name,
                "type": "EventBridgeRule",
                "attempts": attempts,
                "error": error,
                "payload": event,
            }
        )
        print(
            f"local: {rule.function_id} ({rule.event_name}) still failed after {attempts} attempts; "
            f"event {event['id']} went to the dead letters (GET /_local/dead-letters)",
            file=sys.stderr,
        )


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
