"""Scheduled functions: `POST /_local/jobs/{name}` and the local scheduler (`local.scheduler.clock`) run
them alike.

A job is a function with a `ScheduleV2` event whose name matches (`escalation` matches an event
`EscalationSchedule`, a schedule `Name: escalation` or a function `EscalationFunction`). A posted event is
laid over the schedule's `Input` (so `{}` is the schedule's own event, for "now"); placeholders such as
`<aws.scheduler.scheduled-time>` are filled in as the scheduler would. A run holds the function's lock (one
invocation of a function at a time, HTTP or scheduled) and is followed by its consequences (stream records,
events, notifications), so that it has run to completion when `run` returns.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws.environment import ACCOUNT_ID, REGION
from local.lambdas.runtime import FunctionRegistry
from local.template import ScheduleSpec

SCHEDULED_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def find_schedule(schedules: list[ScheduleSpec], job_name: str) -> ScheduleSpec | None:
    wanted = job_name.lower()
    return next((schedule for schedule in schedules if wanted in schedule.job_names), None)


def default_scheduled_event(schedule: ScheduleSpec) -> dict[str, Any]:
    """The schedule's `Input`, or the scheduler's usual envelope when it has none."""
    if isinstance(schedule.input, dict):
        return dict(schedule.input)
    return {
        "version": "0",
        "id": "<aws.scheduler.execution-id>",
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "time": "<aws.scheduler.scheduled-time>",
        "resources": ["<aws.scheduler.schedule-arn>"],
        "detail": {},
    }


def _next_whole_second() -> datetime:
    """The scheduler's time has whole seconds; "now" rounds up, so that what has just happened is included."""
    now = datetime.now(UTC)
    return now.replace(microsecond=0) + timedelta(seconds=1) if now.microsecond else now


def fill_context_attributes(event: Any, schedule: ScheduleSpec, now: datetime | None = None) -> Any:
    """Replace the scheduler's context attributes, wherever they appear in the event."""
    instant = (now or _next_whole_second()).astimezone(UTC)
    schedule_name = schedule.schedule_name or f"{schedule.function_id}-{schedule.event_name}"
    arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{schedule_name}"
    replacements = {
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.scheduled-time>": instant.strftime(SCHEDULED_TIME_FORMAT),
        "<aws.scheduler.schedule-arn>": arn,
        "<aws.scheduler.attempt-number>": "1",
    }
    text = json.dumps(event)
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def scheduled_event(
    schedule: ScheduleSpec, posted: dict[str, Any] | None, now: datetime | None = None
) -> Any:
    """The event of one run: the posted fields over the schedule's own event, context attributes filled."""
    event = default_scheduled_event(schedule)
    if posted:
        event = {**event, **posted}
    return fill_context_attributes(event, schedule, now)


class JobRunner:
    """Runs a scheduled function on an event, then what it set off (`settle`, the consequences loop)."""

    def __init__(self, functions: FunctionRegistry, settle: Callable[[], None] = lambda: None) -> None:
        self._functions = functions
        self._settle = settle

    def written(self, schedule: ScheduleSpec) -> bool:
        """False while the function's handler file is not written yet: its job cannot run."""
        return not self._functions[schedule.function_id].spec.handler_file_missing

    def run(self, schedule: ScheduleSpec, event: Any) -> Any:
        """The handler's result; its exception propagates, after the consequences have run."""
        try:
            return self._functions[schedule.function_id].invoke(event)
        finally:
            self._settle()
