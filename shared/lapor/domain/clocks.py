"""Clocks: when each starts, its deadline, and the instants of its escalation ladder.

A clock's deadline is computed when it starts and stored with it; a calendar change recomputes the deadlines
of running clocks (`recompute`). The ladder (remind, breach, escalate) applies to the verify, respond and
resolve clocks; the auto-close and pending clocks act at their deadline instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from lapor.domain.calendar import WorkingCalendar, end_of_day, local_date
from lapor.domain.lifecycle import LADDER_CLOCKS, ClockKind
from lapor.domain.sla import SlaPolicy
from lapor.domain.wallclock import Instant

LEVEL_REMIND = 0
LEVEL_BREACH = 1
LEVEL_ESCALATE = 2


class Clock(BaseModel):
    """One running clock instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClockKind
    started_at: Instant
    deadline: Instant
    length: int  # working days, or hours for the pending clock
    remind_at: Instant | None = None
    escalate_at: Instant | None = None
    fired: tuple[int, ...] = ()  # ladder levels already fired for this instance
    policy: str

    def ladder(self) -> list[tuple[int, datetime]]:
        """(level, instant) for each level of this clock, in order."""
        if self.kind not in LADDER_CLOCKS or self.remind_at is None or self.escalate_at is None:
            return [(LEVEL_BREACH, self.deadline)]
        return [
            (LEVEL_REMIND, self.remind_at),
            (LEVEL_BREACH, self.deadline),
            (LEVEL_ESCALATE, self.escalate_at),
        ]

    def next_due(self) -> datetime | None:
        """The instant of the next level not yet fired, or None when the ladder is done."""
        for level, instant in self.ladder():
            if level not in self.fired:
                return instant
        return None


def clock_length(kind: ClockKind, policy: SlaPolicy, report_type: str, requires_supervision: bool) -> int:
    lengths = {
        ClockKind.VERIFY: policy.verify_hk,
        ClockKind.RESPOND: policy.respond_hk,
        ClockKind.AUTO_CLOSE: policy.auto_close_hk,
        ClockKind.PENDING: policy.pending_hours,
    }
    if kind is ClockKind.RESOLVE:
        return policy.resolve_length(report_type, requires_supervision)
    return lengths[kind]


def start_clock(
    kind: ClockKind,
    at: datetime,
    *,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    report_type: str,
    requires_supervision: bool = False,
) -> Clock:
    length = clock_length(kind, policy, report_type, requires_supervision)
    return _timed(
        Clock(kind=kind, started_at=at, deadline=at, length=length, policy=policy.version),
        policy=policy,
        calendar=calendar,
    )


def recompute(clock: Clock, *, policy: SlaPolicy, calendar: WorkingCalendar) -> Clock:
    """The same clock instance with its instants computed again (after a calendar change)."""
    return _timed(clock, policy=policy, calendar=calendar)


def _timed(clock: Clock, *, policy: SlaPolicy, calendar: WorkingCalendar) -> Clock:
    if clock.kind is ClockKind.PENDING:
        return clock.model_copy(update={"deadline": clock.started_at + timedelta(hours=clock.length)})
    deadline = calendar.deadline(clock.started_at, clock.length)
    if clock.kind not in LADDER_CLOCKS:
        return clock.model_copy(update={"deadline": deadline})
    escalate_day = calendar.nth_working_day_after(
        local_date(clock.started_at), clock.length * policy.escalate_multiple
    )
    return clock.model_copy(
        update={
            "deadline": deadline,
            "remind_at": deadline - timedelta(hours=policy.remind_before_hours),
            "escalate_at": end_of_day(escalate_day),
        }
    )


def next_due(clocks: Iterable[Clock]) -> datetime | None:
    """The earliest next-due instant over running clocks (what the due index is keyed on)."""
    instants = [due for clock in clocks if (due := clock.next_due()) is not None]
    return min(instants) if instants else None


def deadlines(clocks: Mapping[ClockKind, Clock]) -> dict[str, datetime | None]:
    """The deadline of each running clock, by kind, null for the others (the API's `deadlines`)."""
    return {kind.value: (clocks[kind].deadline if kind in clocks else None) for kind in ClockKind}
