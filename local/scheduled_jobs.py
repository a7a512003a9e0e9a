"""`POST /_local/jobs/{name}`: run a scheduled function now, with the event its schedule would send.

A job is a function with a `ScheduleV2` event whose name matches (`escalation` matches an event
`EscalationSchedule`, a schedule `Name: escalation` or a function `EscalationFunction`). The posted event is
used as it is; placeholders such as `<aws.scheduler.scheduled-time>` are filled in as the scheduler would.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from local.aws_environment import ACCOUNT_ID, REGION
from local.template import ScheduleSpec


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


def fill_context_attributes(event: Any, schedule: ScheduleSpec, now: datetime | None = None) -> Any:
    """Replace the scheduler's context attributes, wherever they appear in the event."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    schedule_name = schedule.schedule_name or f"{schedule.function_id}-{schedule.event_name}"
    arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{schedule_name}"
    replacements = {
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.scheduled-time>": instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.schedule-arn>": arn,
        "<aws.scheduler.attempt-number>": "1",
    }
    text = json.dumps(event)
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return json.loads(text)
