"""Dispatch the events put on EventBridge (by handlers, and by the local S3 and SES as AWS sends theirs) to
the template's `Type: EventBridgeRule` functions.

Each accepted `PutEvents` entry becomes the event EventBridge delivers (`{"version": "0", "id",
"detail-type", "source", "account", "time", "region", "resources", "detail"}`) and goes to every rule on
its bus whose Pattern matches it. A failing invocation is retried at once, per the rule's RetryPolicy
(see `local.lambdas.triggers`), then the event goes to the dead letters (`local.memory_logs`) as it
would to the rule's dead-letter queue. The events are held until the stack dispatches them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.aws.environment import ACCOUNT_ID, REGION
from local.lambdas.triggers import EventRuleTrigger, TriggerInvoker, bus_name
from local.memory_logs import Pending


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
        self._invoker.invoke_async(
            rule.function_id, event, rule.event_name, "EventBridgeRule", rule.maximum_retry_attempts
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


PendingEvents = Pending[PublishedEvent]
