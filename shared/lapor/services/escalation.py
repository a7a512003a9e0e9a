"""The escalation job: every due step of every report with a running clock, as of the job's event time.

It reads only the due index (a sparse, sharded index keyed on each report's next due instant), so its cost
grows with the work due, not with the table. Each step is one conditional write; a second or overlapping run
finds the level fired (or loses the write's condition) and does nothing. It stops before its time runs out
and the next run carries on; a failure on one report is logged and counted, and the others go on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from lapor.domain.actions import SYSTEM, Command, apply_action
from lapor.domain.calendar import WorkingCalendar
from lapor.domain.clocks import recompute
from lapor.domain.errors import StoreUnavailable, VersionConflict
from lapor.domain.escalation import apply_step, next_step
from lapor.domain.lifecycle import Action
from lapor.domain.models import Report
from lapor.domain.sla import policy_version
from lapor.domain.wallclock import iso
from lapor.ports import EscalationStore
from lapor.services.city_setup import CitySetupCache

PAGE_SIZE = 100
END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
MAX_STEPS_PER_REPORT = 12  # three ladder levels on three clocks, and then some: a guard, not a limit


@dataclass
class RunSummary:
    now: str
    reports: int = 0
    steps: int = 0
    conflicts: int = 0
    failures: int = 0
    stopped_early: bool = False
    recomputed: int = 0
    by_action: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "now": self.now,
            "reports": self.reports,
            "steps": self.steps,
            "conflicts": self.conflicts,
            "failures": self.failures,
            "stopped_early": self.stopped_early,
            "recomputed": self.recomputed,
            "by_action": dict(sorted(self.by_action.items())),
        }


class EscalationService:
    def __init__(
        self,
        store: EscalationStore,
        setup: CitySetupCache,
        *,
        due_shards: int,
        on_failure: Callable[[BaseException], None] = lambda _error: None,
    ) -> None:
        self._store = store
        self._setup = setup
        self._due_shards = due_shards  # the due index's partitions (the adapter's layout, given by wiring)
        self._on_failure = on_failure

    def run(
        self, now: datetime, seconds_left: Callable[[], float], reserve_seconds: float = 10.0
    ) -> RunSummary:
        """Fire every step due at `now`; stop when fewer than `reserve_seconds` remain."""
        summary = self.recompute_deadlines(now, seconds_left, reserve_seconds)
        calendar = self._setup.get().calendar()
        advance = partial(self._advance, now=now, calendar=calendar, summary=summary)
        self._each_due(now, seconds_left, reserve_seconds, summary, advance)
        return summary

    def recompute_deadlines(
        self, now: datetime, seconds_left: Callable[[], float], reserve_seconds: float = 10.0
    ) -> RunSummary:
        """When the calendar changed since the clocks were last computed, every running clock's deadline
        against it (a `deadline_recomputed` entry where one moved); then the revision is marked done. Run on
        the calendar's change and at the start of every scheduled run (which finishes an interrupted one)."""
        summary = RunSummary(now=iso(now))
        setup = self._setup.current()  # a calendar change made since the last run counts now
        if setup.calendar_revision != setup.clocks_calendar_revision:
            recompute = partial(self._recompute, now=now, calendar=setup.calendar(), summary=summary)
            if self._each_due(END_OF_TIME, seconds_left, reserve_seconds, summary, recompute):
                self._store.mark_calendar(setup.calendar_revision)
        return summary

    def _each_due(
        self,
        until: datetime,
        seconds_left: Callable[[], float],
        reserve_seconds: float,
        summary: RunSummary,
        visit: Callable[[Report], None],
    ) -> bool:
        """Visit every report due by `until`, shard by shard; False when time ran out first."""
        for shard in range(self._due_shards):
            start: str | None = None
            while True:
                if seconds_left() < reserve_seconds:
                    summary.stopped_early = True
                    return False
                try:
                    reports, start = self._store.due_reports(shard, until, start, PAGE_SIZE)
                except StoreUnavailable as error:
                    summary.failures += 1
                    self._on_failure(error)
                    return False
                for report in reports:
                    visit(report)
                if start is None:
                    break
        return True

    def _recompute(
        self, report: Report, now: datetime, calendar: WorkingCalendar, summary: RunSummary
    ) -> None:
        """The report's running clocks against the calendar as it is now (the coordinator changed it)."""
        policy = policy_version(report.sla_policy)
        clocks = {
            kind: recompute(clock, policy=policy, calendar=calendar) for kind, clock in report.clocks.items()
        }
        if clocks == report.clocks:
            return
        command = Command(
            Action.DEADLINE_RECOMPUTED,
            SYSTEM,
            now,
            note="Tenggat dihitung ulang karena kalender hari libur berubah.",
            updates={"clocks": clocks},
        )
        try:
            self._store.save(apply_action(report, command, calendar=calendar, policy=policy))
            summary.recomputed += 1
        except VersionConflict:
            summary.conflicts += 1
        except Exception as error:  # one report's failure never stops the others
            summary.failures += 1
            self._on_failure(error)

    def _advance(self, report: Report, now: datetime, calendar: WorkingCalendar, summary: RunSummary) -> None:
        summary.reports += 1
        policy = policy_version(report.sla_policy)
        try:
            for _ in range(MAX_STEPS_PER_REPORT):
                step = next_step(report, now)
                if step is None:
                    return
                change = apply_step(report, step, now, calendar=calendar, policy=policy)
                self._store.save(change)
                report = change.after
                summary.steps += 1
                summary.by_action[step.action.value] += 1
        except VersionConflict:
            summary.conflicts += 1  # another run, or a person, changed it first: the next run sees it anew
        except Exception as error:  # one report's failure never stops the others
            summary.failures += 1
            self._on_failure(error)
