"""Escalation, every 15 minutes (EventBridge Scheduler). The scheduled event's `time` is "now", so a run for
any instant can be replayed; the Lambda context's remaining time bounds the run.

A `lapor.calendar.changed` event (from `PUT /staff/calendar/{year}`, on the bus) recomputes the running
deadlines at once, as of the change; it fires no other step (the schedule does)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from lapor.domain.events import CALENDAR_CHANGED_DETAIL_TYPE, EVENT_SOURCE
from lapor.observability import instrument, logger, metrics
from lapor.services.escalation import EscalationService
from lapor.wiring import escalation_service


class ScheduledEvent(BaseModel):
    """What the schedule sends (API.md: the scheduled event, with the scheduler's context attributes)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    time: AwareDatetime
    source: str = "aws.scheduler"
    detail_type: str = Field(default="Scheduled Event", alias="detail-type")


def run(
    event: dict[str, Any], context: LambdaContext, service: EscalationService | None = None
) -> dict[str, Any]:
    try:
        scheduled = ScheduledEvent.model_validate(event)
    except ValidationError:
        logger.error("not a scheduled event: no usable time")
        raise
    now: datetime = scheduled.time
    chosen = service or escalation_service()
    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    if (scheduled.source, scheduled.detail_type) == (EVENT_SOURCE, CALENDAR_CHANGED_DETAIL_TYPE):
        summary = chosen.recompute_deadlines(now, seconds_left)
        metrics.add_metric(name="DeadlinesRecomputed", unit=MetricUnit.Count, value=summary.recomputed)
        logger.info("deadlines recomputed for a calendar change", extra=summary.as_dict())
        return summary.as_dict()
    summary = chosen.run(now, seconds_left)
    metrics.add_metric(name="EscalationSteps", unit=MetricUnit.Count, value=summary.steps)
    metrics.add_metric(name="EscalationFailures", unit=MetricUnit.Count, value=summary.failures)
    metrics.add_metric(name="EscalationConflicts", unit=MetricUnit.Count, value=summary.conflicts)
    logger.info("escalation run", extra=summary.as_dict())
    return summary.as_dict()


lambda_handler = instrument(run)
