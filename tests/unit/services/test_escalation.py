"""EscalationService's own decisions on the fakes: each level once, in ladder order, however often the job
runs; a late run catches up; an earlier instant never lowers a level; the calendar's change recomputes
running deadlines once; the run stops before its time is out; one report's failure spares the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from lapor.domain.calendar import local_date
from lapor.domain.lifecycle import ClockKind
from lapor.services.calendar_admin import CalendarAdmin, CalendarDelta
from lapor.services.city_setup import CitySetupCache
from lapor.services.escalation import EscalationService
from tests.fakes import InMemoryTable
from tests.unit.services.conftest import COORDINATOR, Clock

FOREVER = 900.0


def always() -> float:
    return FOREVER


def actions(table: InMemoryTable, report_id: str) -> list[str]:
    return [entry.action.value for entry in table.timelines[report_id]]


def test_each_level_fires_once_in_ladder_order_and_a_late_run_catches_up(
    escalation: EscalationService, table: InMemoryTable, file: Callable[..., str]
) -> None:
    report_id = file()
    clock = table.reports[report_id].clocks[ClockKind.VERIFY]
    assert clock.remind_at is not None
    assert clock.escalate_at is not None

    assert escalation.run(clock.remind_at - timedelta(seconds=1), always).steps == 0
    first = escalation.run(clock.remind_at, always)
    assert (first.steps, dict(first.by_action)) == (1, {"remind": 1})
    assert table.reports[report_id].escalation_level == 0  # a reminder leaves the level alone
    assert escalation.run(clock.remind_at, always).steps == 0  # the same instant again: nothing

    late = escalation.run(clock.escalate_at + timedelta(hours=1), always)
    assert dict(late.by_action) == {"breach": 1, "escalate": 1}
    report = table.reports[report_id]
    assert (report.overdue, report.escalation_level) == (True, 2)
    assert actions(table, report_id) == ["submit", "remind", "breach", "escalate"]

    assert escalation.run(clock.remind_at, always).steps == 0  # an earlier instant lowers nothing
    assert table.reports[report_id].escalation_level == 2


def test_a_calendar_change_recomputes_running_deadlines_once(
    escalation: EscalationService, table: InMemoryTable, file: Callable[..., str], clock: Clock
) -> None:
    report_id = file()
    before = table.reports[report_id].clocks[ClockKind.VERIFY].deadline
    day_off = local_date(before) - timedelta(days=1)  # the deadline's last working day becomes a day off
    admin = CalendarAdmin(table, CitySetupCache(table.city_setup, ttl=0), now=clock.now)
    admin.change(COORDINATOR, day_off.year, CalendarDelta(add=[day_off]), "req-1")

    summary = escalation.run(clock.now(), always)
    after = table.reports[report_id].clocks[ClockKind.VERIFY].deadline
    assert summary.recomputed == 1
    assert after > before
    assert actions(table, report_id) == ["submit", "deadline_recomputed"]
    assert table.setup.clocks_calendar_revision == table.setup.calendar_revision
    assert escalation.run(clock.now(), always).recomputed == 0  # done once


def test_the_run_stops_before_its_time_runs_out(
    escalation: EscalationService, table: InMemoryTable, file: Callable[..., str]
) -> None:
    report_id = file()
    remind = table.reports[report_id].clocks[ClockKind.VERIFY].remind_at
    assert remind is not None
    summary = escalation.run(remind, lambda: 5.0)
    assert (summary.stopped_early, summary.steps) == (True, 0)


def test_one_reports_failure_is_counted_and_the_others_go_on(
    table: InMemoryTable, setup: CitySetupCache, file: Callable[..., str]
) -> None:
    failures: list[BaseException] = []
    escalation = EscalationService(table, setup, due_shards=table.due_shards, on_failure=failures.append)
    first, second = file(), file()
    remind = max(table.reports[r].clocks[ClockKind.VERIFY].remind_at for r in (first, second))  # type: ignore[type-var]
    table.fail_next = RuntimeError("one write fails")
    summary = escalation.run(remind, always)
    assert (summary.failures, summary.steps) == (1, 1)
    assert [type(e) for e in failures] == [RuntimeError]
    assert sorted(len(table.timelines[r]) for r in (first, second)) == [1, 2]
