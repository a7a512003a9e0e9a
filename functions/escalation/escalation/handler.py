"""Escalation, every 15 minutes (EventBridge Scheduler). The scheduled event's `time` is "now", so a run for
any instant can be replayed; the Lambda context's remaining time bounds the run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from lapor.observability import instrument, logger, metrics
from lapor.services.escalation import EscalationService
from lapor.wiring import escalation_service


class ScheduledEvent(BaseModel):
    """What the schedule sends (API.md: the scheduled event, with the scheduler's context attributes)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    time: AwareDatetime
    source: str = "aws.scheduler"


def run(
    event: dict[str, Any], context: LambdaContext, service: EscalationService | None = None
) -> dict[str, Any]:
    try:
        now: datetime = ScheduledEvent.model_validate(event).time
    except ValidationError:
        logger.error("not a scheduled event: no usable time")
        raise
    chosen = service or escalation_service()
    summary = chosen.run(now, lambda: context.get_remaining_time_in_millis() / 1000)
    metrics.add_metric(name="EscalationSteps", unit=MetricUnit.Count, value=summary.steps)
    metrics.add_metric(name="EscalationFailures", unit=MetricUnit.Count, value=summary.failures)
    metrics.add_metric(name="EscalationConflicts", unit=MetricUnit.Count, value=summary.conflicts)
    logger.info("escalation run", extra=summary.as_dict())
    return summary.as_dict()


lambda_handler = instrument(run)
