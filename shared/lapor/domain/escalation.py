"""The escalation ladder and the time-driven transitions, as of an instant ("now": the job's event time).

For each running verify, respond and resolve clock: remind 24 hours before the deadline (level 0), breach
at the deadline (level 1), escalate at the end of the 2N-th working day from the clock's start (level 2).
The auto-close clock closes the report at its deadline, the pending clock archives it. Every level fires at
most once per clock instance (`Clock.fired`), and a late run fires every level that is due, once each, in
order: `next_step` gives the earliest, the caller applies it and asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lapor.domain.actions import SYSTEM, Change, Command, apply_action
from lapor.domain.calendar import WorkingCalendar
from lapor.domain.clocks import LEVEL_BREACH, LEVEL_ESCALATE, LEVEL_REMIND
from lapor.domain.lifecycle import LADDER_CLOCKS, Action, ClockKind
from lapor.domain.models import Report
from lapor.domain.sla import SlaPolicy

LADDER_ACTIONS = {LEVEL_REMIND: Action.REMIND, LEVEL_BREACH: Action.BREACH, LEVEL_ESCALATE: Action.ESCALATE}
CLOCK_ACTIONS = {ClockKind.AUTO_CLOSE: Action.AUTO_CLOSE, ClockKind.PENDING: Action.EXPIRE}

NOTES = {
    Action.REMIND: "Pengingat: tenggat {clock} tinggal 1 hari kerja.",
    Action.BREACH: "Tenggat {clock} terlampaui.",
    Action.ESCALATE: "Eskalasi: tenggat {clock} terlampaui dua kali lipat.",
    Action.AUTO_CLOSE: "Ditutup otomatis: tidak ada tanggapan pelapor dalam 10 hari kerja.",
    Action.EXPIRE: "Diarsipkan otomatis: laporan tidak dilengkapi dalam 30 hari.",
}
CLOCK_NAMES = {
    ClockKind.VERIFY: "verifikasi",
    ClockKind.RESPOND: "tanggapan pertama",
    ClockKind.RESOLVE: "penyelesaian",
}


@dataclass(frozen=True)
class Step:
    clock: ClockKind
    level: int
    due_at: datetime
    action: Action


def due_steps(report: Report, now: datetime) -> list[Step]:
    """Every step due at `now` that has not fired, earliest first (ladder order within a clock)."""
    steps: list[Step] = []
    for kind, clock in report.clocks.items():
        if kind in LADDER_CLOCKS:
            steps += [
                Step(kind, level, instant, LADDER_ACTIONS[level])
                for level, instant in clock.ladder()
                if level not in clock.fired and instant <= now
            ]
        elif clock.deadline <= now:
            steps.append(Step(kind, LEVEL_BREACH, clock.deadline, CLOCK_ACTIONS[kind]))
    return sorted(steps, key=lambda s: (s.due_at, s.level, s.clock.value))


def next_step(report: Report, now: datetime) -> Step | None:
    steps = due_steps(report, now)
    return steps[0] if steps else None


def apply_step(
    report: Report, step: Step, now: datetime, *, calendar: WorkingCalendar, policy: SlaPolicy
) -> Change:
    """The change one step makes: a ladder level marked fired, or the report closed or archived."""
    ladder = step.clock in LADDER_CLOCKS
    note = NOTES[step.action].format(clock=CLOCK_NAMES.get(step.clock, step.clock.value))
    command = Command(
        step.action,
        SYSTEM,
        now,
        note=note,
        fire=(step.clock, step.level) if ladder else None,
    )
    return apply_action(report, command, calendar=calendar, policy=policy)
