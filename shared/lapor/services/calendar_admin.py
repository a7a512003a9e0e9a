"""The coordinator's calendar: a year's days off (national and added) and the changes to them.

A change is a delta: `add` makes a date a day off (or cancels its removal), `remove` cancels an addition or
makes a national day a working day. Each change is stored with its audit entry in one transaction,
conditional on the revision it was based on, then announced (`lapor.calendar.changed`): the escalation
function recomputes the deadlines of running clocks against the new calendar at once (asynchronously in AWS;
the local stack finishes it before answering). Should the announcement fail, the next scheduled escalation
run sees the calendar's new revision and recomputes them then.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.calendar import ADDED_DAY_NAME, HolidaySource, WorkingCalendar, YearAdjustments
from lapor.domain.errors import FieldProblem, InvalidInput, NotFound, StoreUnavailable
from lapor.domain.events import CALENDAR_CHANGED_DETAIL_TYPE, CalendarChanged
from lapor.domain.lifecycle import Role
from lapor.ports import CalendarChange, CalendarStore, EventPublisher
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache

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
    def __init__(
        self,
        store: CalendarStore,
        setup: CitySetupCache,
        *,
        publisher: Callable[[], EventPublisher] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._publisher = publisher  # announces a change; None: the scheduled run recomputes (tests)

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
        calendar = self._setup.current().calendar()
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
        self._announce(CalendarChanged(year=year, revision=new.revision, at=change.at))
        return calendar_view(self._setup.get().calendar(), year)

    def _announce(self, event: CalendarChanged) -> None:
        if self._publisher is None:
            return
        # Stored already: should the bus refuse it, the next scheduled run recomputes (it compares revisions).
        with suppress(StoreUnavailable):
            self._publisher().publish(CALENDAR_CHANGED_DETAIL_TYPE, event.model_dump(mode="json"))


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(str(year))
