"""The coordinator's calendar: a year's days off (national and added) and the changes to them.

A change is a delta: `add` makes a date a day off (or cancels its removal), `remove` cancels an addition or
makes a national day a working day. Each change is stored with its audit entry in one transaction,
conditional on the revision it was based on; the escalation job recomputes the deadlines of running
clocks against the new calendar on its next run.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.calendar import ADDED_DAY_NAME, HolidaySource, WorkingCalendar, YearAdjustments
from lapor.domain.errors import FieldProblem, InvalidInput, NotFound
from lapor.domain.lifecycle import Role
from lapor.ports import CalendarChange, CalendarStore
from lapor.services.base import Service

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_DATES = 60


class CalendarDelta(BaseModel):
    """`PUT /staff/calendar/{year}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    add: Annotated[list[date], Field(max_length=MAX_DATES)] = []
    remove: Annotated[list[date], Field(max_length=MAX_DATES)] = []


class DayOff(BaseModel):
    date: date
    name: str
    source: HolidaySource


class CalendarView(BaseModel):
    year: int
    days: list[DayOff]
    removed: list[date]


def calendar_view(calendar: WorkingCalendar, year: int) -> CalendarView:
    days = [DayOff(date=h.date, name=h.name, source=h.source) for h in calendar.holidays(year)]
    return CalendarView(year=year, days=days, removed=sorted(calendar.adjustments(year).removed))


def applied(current: YearAdjustments, delta: CalendarDelta, national: set[date]) -> YearAdjustments:
    added = dict(current.added)
    removed = set(current.removed)
    for day in delta.add:
        if day in removed:
            removed.discard(day)
        elif day not in national:
            added.setdefault(day, ADDED_DAY_NAME)
    for day in delta.remove:
        if day in added:
            del added[day]
        elif day in national:
            removed.add(day)
    return YearAdjustments(current.year, added, frozenset(removed), current.revision + 1)


class CalendarAdmin(Service[CalendarStore]):
    def read(self, caller: StaffCaller, year: int) -> CalendarView:
        ensure_role(caller, Role.COORDINATOR)
        _check_year(year)
        return calendar_view(self._setup.get().calendar(), year)

    def change(self, caller: StaffCaller, year: int, delta: CalendarDelta, request_id: str) -> CalendarView:
        ensure_role(caller, Role.COORDINATOR)
        _check_year(year)
        problems = [
            FieldProblem(f"{name}.{i}", "wrong_year")
            for name, days in (("add", delta.add), ("remove", delta.remove))
            for i, day in enumerate(days)
            if day.year != year
        ]
        if problems:
            raise InvalidInput(problems)
        self._setup.invalidate()
        calendar = self._setup.get().calendar()
        current = calendar.adjustments(year)
        national = {h.date for h in WorkingCalendar().holidays(year)}
        new = applied(current, delta, national)
        change = CalendarChange(
            adjustments=new,
            based_on=current.revision,
            at=self._now(),
            actor_id=caller.id,
            request_id=request_id,
            added=tuple(delta.add),
            removed=tuple(delta.remove),
        )
        self._store.save_calendar(change)
        self._setup.invalidate()
        return calendar_view(self._setup.get().calendar(), year)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(str(year))
