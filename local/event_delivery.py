"""Dispatch the events handlers put on EventBridge to the template's `Type: EventBridgeRule` functions.

Each accepted `PutEvents` entry becomes the event EventBridge delivers (`{"version": "0", "id",
"detail-type", "source", "account", "time", "region", "resources", "detail"}`) and goes to every rule on
its bus whose Pattern matches it. A failing invocation is retried at once, per the rule's RetryPolicy
(see `local.triggers`), then the event goes to `local.dead_letters` as it would to the rule's dead-letter
queue.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from local import dead_letters
from local.aws_environment import ACCOUNT_ID, REGION
from local.published_events import PendingEvents, PublishedEvent
from local.trigger_invocation import TriggerInvoker
from local.triggers import EventRuleTrigger


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
