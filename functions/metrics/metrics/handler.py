"""Metrics, at 00:30 WIB (EventBridge Scheduler). The scheduled event's `time` is the computation's "now":
the job computes the WIB day before it. A recompute names its days in `detail` (`{"date": "2026-11-27"}`
or `{"from": ..., "to": ...}`); a day computed before keeps its stored `time` unless `detail.time` says
otherwise, so a recompute gives the same figures again."""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from lapor.adapters.cloudwatch_emf import emit_snapshot
from lapor.domain.calendar import local_date
from lapor.observability import instrument, logger
from lapor.services.metrics import MetricsService
from lapor.wiring import metrics_service

MAX_RECOMPUTE_DAYS = 92


class Recompute(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    day: Day | None = Field(default=None, alias="date")
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    time: AwareDatetime | None = None

    @classmethod
    def parse(cls, detail: dict[str, Any]) -> Recompute:
        return cls.model_validate(detail)


class ScheduledEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    time: AwareDatetime
    detail: dict[str, Any] = {}


def days_of(event: ScheduledEvent) -> list[Day]:
    asked = Recompute.parse(event.detail)
    if asked.day is not None:
        return [asked.day]
    if asked.from_ is not None or asked.to is not None:
        first = asked.from_ or asked.to
        last = asked.to or asked.from_
        if first is None or last is None:  # pragma: no cover - one of them is set
            raise ValueError("from/to")
        if last < first or (last - first).days >= MAX_RECOMPUTE_DAYS:
            raise ValueError("from/to must be an ordered range of at most 92 days")
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [local_date(event.time) - timedelta(days=1)]


def run(
    event: dict[str, Any], context: LambdaContext, service: MetricsService | None = None
) -> dict[str, Any]:
    try:
        scheduled = ScheduledEvent.model_validate(event)
        days = days_of(scheduled)
        explicit_time: datetime | None = Recompute.parse(scheduled.detail).time
    except (ValidationError, ValueError):
        logger.error("not a usable scheduled event")
        raise
    chosen = service or metrics_service()
    recompute = bool(scheduled.detail)
    computed = []
    for day in days:
        time = explicit_time or scheduled.time
        if recompute and explicit_time is None and (previous := chosen.stored(day)) is not None:
            time = previous.time  # the same `time` again: the same figures again
        snapshot = chosen.compute_day(day, time)
        lines = emit_snapshot(snapshot.document, day.isoformat())
        city = snapshot.document["city"]
        computed.append(
            {
                "date": day.isoformat(),
                "time": time.isoformat(),
                "received": city["received"],
                "response_time_mean_hk": city["response_time"]["mean_hk"],
                "response_time_n": city["response_time"]["n"],
                "backlog_overdue": city["backlog"]["overdue"],
                "emf_lines": lines,
            }
        )
    logger.info("indicators computed", extra={"days": [c["date"] for c in computed]})
    return {"computed": computed}


lambda_handler = instrument(run)
