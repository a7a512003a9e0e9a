"""The local EventBridge Scheduler: while `make run` serves, every `ScheduleV2` job of the template runs on
the real clock, once a minute (not on its cron: the point is that the jobs run while one works).

Ticks fall on the whole period (every minute on the minute; `LAPOR_SCHEDULER_SECONDS` sets another period,
`LAPOR_SCHEDULER=off` turns the scheduler off). Each tick runs every enabled job, one after the other, with
the schedule's `Input` and the scheduler's context attributes filled in, `aws.scheduler.scheduled-time`
being the tick's instant (UTC, whole seconds), as `POST /_local/jobs/{name}` does: holding the function's
lock, so never alongside an HTTP invocation of the same function, and followed by the consequences loop.
A tick missed while the previous one still ran is skipped (the next one runs as of its own instant, and the
jobs catch up with what fell due, as in AWS). Each run writes one line, as each request does; a failing run
is logged by its exception's type only (the handler logs what it wants to say) and the next tick carries on.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from local.scheduler.jobs import JobRunner, scheduled_event
from local.template import ScheduleSpec

SCHEDULER_VARIABLE = "LAPOR_SCHEDULER"
PERIOD_VARIABLE = "LAPOR_SCHEDULER_SECONDS"
DEFAULT_PERIOD_SECONDS = 60.0
MIN_PERIOD_SECONDS = 1.0
_OFF = frozenset({"off", "0", "false", "no", "disabled"})
_ON = frozenset({"", "on", "1", "true", "yes", "enabled"})
DISABLED_STATE = "DISABLED"


class SchedulerSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class SchedulerSettings:
    enabled: bool
    period_seconds: float

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> SchedulerSettings:
        """`LAPOR_SCHEDULER` (on, off) and `LAPOR_SCHEDULER_SECONDS` (a period of at least a second)."""
        variables = os.environ if environment is None else environment
        switch = variables.get(SCHEDULER_VARIABLE, "").strip().lower()
        if switch not in _OFF | _ON:
            raise SchedulerSettingsError(f"{SCHEDULER_VARIABLE} must be on or off, not {switch!r}")
        period_text = variables.get(PERIOD_VARIABLE, "").strip()
        period = DEFAULT_PERIOD_SECONDS
        if period_text:
            try:
                period = float(period_text)
            except ValueError:
                period = math.nan
            if not math.isfinite(period) or period < MIN_PERIOD_SECONDS:
                raise SchedulerSettingsError(
                    f"{PERIOD_VARIABLE} must be a number of seconds, at least {MIN_PERIOD_SECONDS:g}, "
                    f"not {period_text!r}"
                )
        return cls(enabled=switch not in _OFF, period_seconds=period)


def next_tick(after: float, period: float) -> float:
    """The first whole multiple of `period` (in seconds since the epoch) strictly after `after`."""
    return (math.floor(after / period) + 1) * period


def tick_instant(tick: float) -> datetime:
    """A tick as the scheduler's `scheduled-time`: UTC, whole seconds."""
    return datetime.fromtimestamp(math.floor(tick), tz=UTC)


def runnable(schedules: list[ScheduleSpec]) -> list[ScheduleSpec]:
    """The schedules the scheduler runs: all but those with `State: DISABLED`."""
    return [schedule for schedule in schedules if (schedule.state or "").upper() != DISABLED_STATE]


class Scheduler:
    def __init__(
        self,
        schedules: list[ScheduleSpec],
        jobs: JobRunner,
        period_seconds: float = DEFAULT_PERIOD_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.schedules = runnable(schedules)
        self.period_seconds = period_seconds
        self._jobs = jobs
        self._clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._said_missing: set[str] = set()

    def start(self) -> None:
        if self._thread is not None or not self.schedules:
            return
        self._thread = threading.Thread(target=self._loop, name="local-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the job that runs now, if any (it is not interrupted)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        due = next_tick(self._clock(), self.period_seconds)
        while not self._stopping.wait(max(0.0, due - self._clock())):
            if self._clock() < due:  # woken early (a clock step back): wait on
                continue
            self.tick(tick_instant(due))
            due = next_tick(max(due, self._clock()), self.period_seconds)

    def tick(self, instant: datetime) -> None:
        """Run every job once as of `instant`; a failure is said and the other jobs still run."""
        for schedule in self.schedules:
            if self._stopping.is_set():
                return
            if not self._jobs.written(schedule):
                self._say_missing(schedule)
                continue
            started = time.monotonic()
            try:
                self._jobs.run(schedule, scheduled_event(schedule, None, instant))
                outcome = "ok"
            except Exception as error:
                outcome = f"failed: {type(error).__name__}"
            elapsed_ms = (time.monotonic() - started) * 1000
            print(
                f"local: scheduled {schedule.job_name} at {instant:%Y-%m-%dT%H:%M:%SZ} -> {outcome} "
                f"({elapsed_ms:.0f} ms)",
                file=sys.stderr,
            )

    def _say_missing(self, schedule: ScheduleSpec) -> None:
        if schedule.function_id not in self._said_missing:
            self._said_missing.add(schedule.function_id)
            print(
                f"local: {schedule.function_id} is not written yet: "
                f"its schedule {schedule.event_name} is skipped",
                file=sys.stderr,
            )
