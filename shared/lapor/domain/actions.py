"""Applying an action to a report: the one function every state change goes through.

`apply_action` checks the transition table, the guards that need more than the status, starts and stops the
clocks the action names (and every clock whose statuses the report leaves), and returns a `Change`: the new
report, its timeline entry, and the clocks stopped, which is what one conditional write stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lapor.domain.calendar import WorkingCalendar
from lapor.domain.clocks import LEVEL_BREACH, Clock, start_clock
from lapor.domain.errors import AlreadyRated, InvalidTransition, NotFound, ReopenNotAllowed
from lapor.domain.lifecycle import (
    CLOCK_STATUSES,
    Action,
    ClockKind,
    Role,
    Status,
    Transition,
    resulting_status,
    transition_for,
)
from lapor.domain.models import CategoryRef, NewReport, Rating, Report, TimelineEntry
from lapor.domain.sla import SlaPolicy


@dataclass(frozen=True)
class Actor:
    role: Role
    id: str | None = None
    agency_id: str | None = None


REPORTER = Actor(Role.REPORTER)
SYSTEM = Actor(Role.SYSTEM, "system")


@dataclass(frozen=True)
class Command:
    """An action with what it carries. `updates` are report fields the action sets (verify, forward)."""

    action: Action
    actor: Actor
    at: datetime
    note: str | None = None
    internal: bool = False
    updates: dict[str, Any] = field(default_factory=dict)
    rating: Rating | None = None
    fire: tuple[ClockKind, int] | None = None  # an escalation step: the clock and the ladder level it reached


@dataclass(frozen=True)
class StoppedClock:
    clock: Clock
    stopped_at: datetime

    @property
    def on_time(self) -> bool:
        return self.stopped_at <= self.clock.deadline


@dataclass(frozen=True)
class Change:
    """What one action does: the report before and after, its timeline entry, the clocks it stopped."""

    before: Report | None
    after: Report
    entry: TimelineEntry
    stopped: tuple[StoppedClock, ...] = ()
    started: tuple[Clock, ...] = ()
    rewritten: tuple[TimelineEntry, ...] = ()  # earlier entries whose words a redaction replaced


def submit(
    new: NewReport,
    *,
    report_id: str,
    category: CategoryRef | None,
    at: datetime,
    calendar: WorkingCalendar,
    policy: SlaPolicy,
) -> Change:
    """A new report in SUBMITTED, its verify clock running."""
    transition = transition_for(Action.SUBMIT, None, Role.REPORTER)
    clocks = {
        kind: start_clock(kind, at, policy=policy, calendar=calendar, report_type=new.type)
        for kind in transition.starts
    }
    report = Report(
        id=report_id,
        type=new.type,
        title=new.title,
        description=new.description,
        category=category,
        location=new.location,
        incident_date=new.incident_date,
        status=resulting_status(transition, None),
        anonymous=new.anonymous,
        confidential=new.confidential,
        submitted_at=at,
        updated_at=at,
        version=1,
        clocks=clocks,
        sla_policy=policy.version,
    )
    entry = _entry(report, Command(Action.SUBMIT, REPORTER, at), None)
    return Change(before=None, after=report, entry=entry, started=tuple(clocks.values()))


def apply_action(report: Report, command: Command, *, calendar: WorkingCalendar, policy: SlaPolicy) -> Change:
    """Apply one action to a report, or raise the domain error that refuses it."""
    transition = transition_for(command.action, report.status, command.actor.role)
    _check_scope(report, command.actor, transition)
    _check_guards(report, command, calendar, policy)

    status = resulting_status(transition, report.status)
    fields = _field_updates(report, command)
    shaped = report.model_copy(update=fields)  # type and supervision decide the resolve clock's length
    clocks, stopped, started = _run_clocks(shaped, transition, status, command.at, calendar, policy)
    if command.fire is not None:
        clocks = _fired(clocks, *command.fire)

    levels = [level for clock in clocks.values() for level in clock.fired if level >= LEVEL_BREACH]
    after = shaped.model_copy(
        update={
            "status": status,
            "clocks": clocks,
            "version": report.version + 1,
            "updated_at": command.at,
            "overdue": LEVEL_BREACH in levels,
            "escalation_level": max(levels, default=0),
        }
    )
    entry = _entry(after, command, report.status)
    return Change(before=report, after=after, entry=entry, stopped=stopped, started=started)


def _check_scope(report: Report, actor: Actor, transition: Transition) -> None:
    """An agency's staff act only on reports assigned to their agency (others do not exist for them)."""
    agency_staff = actor.role in (Role.OPERATOR, Role.OFFICIAL)
    if (
        transition.assigned_agency_only
        and agency_staff
        and (report.agency is None or report.agency.id != actor.agency_id)
    ):
        raise NotFound(report.id)


def _check_guards(report: Report, command: Command, calendar: WorkingCalendar, policy: SlaPolicy) -> None:
    if command.action is Action.RATE and report.rating is not None:
        raise AlreadyRated(report.id)
    if command.action is Action.REOPEN:
        if report.reopen_count >= 1:
            raise ReopenNotAllowed("a report reopens once")
        if report.closed_at is None or command.at >= calendar.deadline(
            report.closed_at, policy.reopen_window_hk
        ):
            raise ReopenNotAllowed("the reopen window has passed")


def _field_updates(report: Report, command: Command) -> dict[str, Any]:
    fields: dict[str, Any] = dict(command.updates)
    action = command.action
    if action is Action.RETURN:
        fields["agency"] = None  # back with the coordinator: the agency no longer sees it
    if action is Action.FOLLOWUP and report.first_response_at is None:
        fields["first_response_at"] = command.at
    if action is Action.VERIFY and report.verified_at is None:
        fields["verified_at"] = command.at
    if action in (Action.CLOSE, Action.AUTO_CLOSE):
        fields["closed_at"] = command.at
    if action is Action.REOPEN:
        fields["reopen_count"] = report.reopen_count + 1
        fields["closed_at"] = None
    if action is Action.RATE:
        fields["rating"] = command.rating
    if action is Action.IDENTITY_ERASED:
        fields["contact_confirmed"] = False  # no contact is on file any more, confirmed or not
    return fields


def _run_clocks(
    report: Report,
    transition: Transition,
    status: Status,
    at: datetime,
    calendar: WorkingCalendar,
    policy: SlaPolicy,
) -> tuple[dict[ClockKind, Clock], tuple[StoppedClock, ...], tuple[Clock, ...]]:
    running = dict(report.clocks)
    stopped: list[StoppedClock] = []
    for kind in list(running):
        leaving = status not in CLOCK_STATUSES[kind]
        if leaving or kind in transition.stops or kind in transition.starts:
            stopped.append(StoppedClock(running.pop(kind), at))
    started = [
        start_clock(
            kind,
            at,
            policy=policy,
            calendar=calendar,
            report_type=report.type,
            requires_supervision=report.requires_supervision,
        )
        for kind in transition.starts
    ]
    running.update({clock.kind: clock for clock in started})
    return running, tuple(stopped), tuple(started)


def _fired(clocks: dict[ClockKind, Clock], kind: ClockKind, level: int) -> dict[ClockKind, Clock]:
    """The clocks with `level` marked fired on `kind` (once per clock instance)."""
    clock = clocks.get(kind)
    if clock is None:
        raise InvalidTransition(f"no running {kind} clock")
    if level in clock.fired:
        raise InvalidTransition(f"{kind} level {level} has fired already")
    return {**clocks, kind: clock.model_copy(update={"fired": (*clock.fired, level)})}


def _entry(report: Report, command: Command, from_status: Status | None) -> TimelineEntry:
    return TimelineEntry(
        seq=report.version,
        at=command.at,
        action=command.action,
        from_status=from_status,
        to_status=report.status,
        actor_role=command.actor.role,
        actor_id=command.actor.id,
        note=command.note,
        internal=command.internal,
        clock=command.fire[0] if command.fire else None,
        level=command.fire[1] if command.fire else None,
    )
