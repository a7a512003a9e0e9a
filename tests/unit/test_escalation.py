"""The ladder and the time-driven transitions, walked across weekends, Idul Fitri 2026 and an added holiday,
at the instants just before and just after each level."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lapor.domain.calendar import WorkingCalendar, YearAdjustments
from lapor.domain.clocks import start_clock
from lapor.domain.escalation import apply_step, due_steps, next_step
from lapor.domain.lifecycle import Action, ClockKind, Status
from lapor.domain.models import Report
from lapor.domain.sla import policy_in_force
from tests.unit.builders import (
    CALENDAR,
    COORDINATOR,
    OPERATOR,
    REPORTER,
    SUSPEND_REASON,
    act,
    submitted,
    verified,
    wib,
)

SECOND = timedelta(seconds=1)


def run(report: Report, now: datetime, calendar: WorkingCalendar = CALENDAR) -> tuple[Report, list[Action]]:
    """What one job run at `now` does to a report: every due step, in order."""
    fired: list[Action] = []
    while (step := next_step(report, now)) is not None:
        change = apply_step(report, step, now, calendar=calendar, policy=policy_in_force(report.submitted_at))
        report = change.after
        fired.append(change.entry.action)
    return report, fired


def test_verify_clock_across_the_idul_fitri_week() -> None:
    report = submitted(wib(2026, 3, 17, 10))
    clock = report.clocks[ClockKind.VERIFY]
    assert clock.remind_at == wib(2026, 3, 27, 0)
    assert clock.deadline == wib(2026, 3, 28, 0)
    assert clock.escalate_at == wib(2026, 4, 2, 0)  # 6 HK: 25, 26, 27, 30, 31 March, 1 April
    assert run(report, wib(2026, 3, 27, 0) - SECOND)[1] == []
    assert run(report, wib(2026, 3, 27, 0))[1] == [Action.REMIND]
    assert run(report, wib(2026, 3, 28, 0) - SECOND)[1] == [Action.REMIND]
    after_breach, fired = run(report, wib(2026, 3, 28, 0))
    assert fired == [Action.REMIND, Action.BREACH]
    assert after_breach.overdue
    assert after_breach.escalation_level == 1
    assert run(report, wib(2026, 4, 2, 0) - SECOND)[1] == [Action.REMIND, Action.BREACH]
    late, fired = run(report, wib(2026, 4, 2, 0))
    assert fired == [Action.REMIND, Action.BREACH, Action.ESCALATE]
    assert late.escalation_level == 2
    assert late.status is Status.SUBMITTED


def test_a_second_run_at_the_same_instant_fires_nothing() -> None:
    report, fired = run(submitted(wib(2026, 3, 17, 10)), wib(2026, 4, 2, 0))
    assert len(fired) == 3
    again, fired_again = run(report, wib(2026, 4, 2, 0))
    assert fired_again == []
    assert again == report


def test_an_earlier_run_never_lowers_the_level() -> None:
    report, _ = run(submitted(wib(2026, 3, 17, 10)), wib(2026, 4, 2, 0))
    earlier, fired = run(report, wib(2026, 3, 27, 12))
    assert fired == []
    assert earlier.escalation_level == 2
    assert earlier.overdue


def test_respond_clock_over_a_weekend_and_with_an_added_holiday() -> None:
    report = verified(wib(2026, 11, 27, 15))
    respond = report.clocks[ClockKind.RESPOND]
    assert respond.deadline == wib(2026, 12, 5, 0)
    assert respond.remind_at == wib(2026, 12, 4, 0)
    assert respond.escalate_at == wib(2026, 12, 12, 0)
    holiday = WorkingCalendar({2026: YearAdjustments(2026, added={date(2026, 12, 1): "Libur daerah"})})
    moved = start_clock(
        ClockKind.RESPOND,
        wib(2026, 11, 27, 15),
        policy=policy_in_force(report.submitted_at),
        calendar=holiday,
        report_type="complaint",
    )
    assert moved.deadline == wib(2026, 12, 8, 0)
    assert moved.remind_at == wib(2026, 12, 7, 0)
    assert run(report, wib(2026, 12, 4, 0) - SECOND)[1] == []
    reminded, fired = run(report, wib(2026, 12, 4, 0))
    assert fired == [Action.REMIND]
    assert reminded.escalation_level == 0
    assert not reminded.overdue


def test_both_agency_clocks_climb_their_own_ladders_in_order() -> None:
    report = verified(wib(2026, 11, 27, 15))
    steps = due_steps(report, wib(2026, 12, 20, 0))
    assert [(s.clock, s.action) for s in steps][:3] == [
        (ClockKind.RESPOND, Action.REMIND),
        (ClockKind.RESPOND, Action.BREACH),
        (ClockKind.RESPOND, Action.ESCALATE),
    ]
    late, fired = run(report, wib(2026, 12, 20, 0))
    assert fired == [Action.REMIND, Action.BREACH, Action.ESCALATE, Action.REMIND, Action.BREACH]
    assert late.clocks[ClockKind.RESOLVE].fired == (0, 1)


def test_a_breach_clears_when_its_clock_stops() -> None:
    report, _ = run(verified(wib(2026, 11, 27, 15)), wib(2026, 12, 5, 0))
    assert report.overdue
    followed = act(report, Action.FOLLOWUP, OPERATOR, wib(2026, 12, 5, 9)).after
    assert ClockKind.RESPOND not in followed.clocks
    assert not followed.overdue
    assert followed.escalation_level == 0


def test_auto_close_after_ten_silent_working_days() -> None:
    followed = act(verified(wib(2026, 11, 27, 15)), Action.FOLLOWUP, OPERATOR, wib(2026, 11, 30, 9)).after
    deadline = followed.clocks[ClockKind.AUTO_CLOSE].deadline
    assert deadline == wib(2026, 12, 15, 0)  # 1–14 December, weekends skipped: 10 HK
    still_open, fired = run(followed, deadline - SECOND)
    assert still_open.status is Status.IN_PROGRESS
    assert Action.AUTO_CLOSE not in fired
    closed, fired = run(followed, deadline)
    assert fired[-1] is Action.AUTO_CLOSE
    assert closed.status is Status.DONE
    assert closed.clocks == {}
    assert closed.closed_at == deadline


def test_a_reporter_reply_stops_the_auto_close_clock() -> None:
    followed = act(verified(wib(2026, 11, 27, 15)), Action.FOLLOWUP, OPERATOR, wib(2026, 11, 30, 9)).after
    replied = act(followed, Action.REPLY, REPORTER, wib(2026, 12, 1, 9), note="Belum beres").after
    _, fired = run(replied, wib(2026, 12, 16, 0))
    assert Action.AUTO_CLOSE not in fired


def test_a_pending_report_expires_after_exactly_720_hours() -> None:
    pending = act(submitted(), Action.SUSPEND, COORDINATOR, wib(2026, 11, 24, 9), note=SUSPEND_REASON).after
    deadline = wib(2026, 11, 24, 9) + timedelta(hours=720)
    assert run(pending, deadline - SECOND)[1] == []
    expired, fired = run(pending, deadline)
    assert fired == [Action.EXPIRE]
    assert expired.status is Status.ARCHIVED


@pytest.mark.parametrize("level", [0, 1, 2])
def test_a_level_fires_once_per_clock_instance(level: int) -> None:
    report, _ = run(submitted(wib(2026, 3, 17, 10)), wib(2026, 4, 2, 0))
    assert report.clocks[ClockKind.VERIFY].fired == (0, 1, 2)
    assert level in report.clocks[ClockKind.VERIFY].fired
