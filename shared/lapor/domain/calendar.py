"""Indonesian working days (hari kerja) in Asia/Jakarta.

A working day is Monday to Friday, not a national holiday and not cuti bersama. National days come from the
`holidays` package (public and government categories, Indonesian names) for any year; the coordinator's
per-year additions and removals are data (`YearAdjustments`), stored in the table.

The `holidays` package is imported on first use, not at import time: it loads every country (about half a
second), which a cold start that never computes a deadline should not pay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
DAY = timedelta(days=1)
ADDED_DAY_NAME = "Hari libur tambahan (koordinator)"

HolidaySource = Literal["national", "added"]


@dataclass(frozen=True)
class Holiday:
    date: date
    name: str
    source: HolidaySource


@dataclass(frozen=True)
class YearAdjustments:
    """The coordinator's changes to one year's national holiday set."""

    year: int
    added: Mapping[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()
    revision: int = 0


@lru_cache(maxsize=64)
def indonesian_national_holidays(year: int) -> Mapping[date, str]:
    """The national holidays and cuti bersama of one year, named in Indonesian."""
    from holidays.countries.indonesia import Indonesia

    days = Indonesia(categories=("public", "government"), language="id", years=year)
    # Two holidays can share a date; keep every name, sorted, so the result never depends on dict order.
    names: dict[date, list[str]] = {}
    for day, name in days.items():
        names.setdefault(day, []).extend(part.strip() for part in str(name).split(";"))
    return {day: "; ".join(sorted(set(parts))) for day, parts in names.items()}


def local_date(instant: datetime) -> date:
    return instant.astimezone(WIB).date()


def start_of_day(day: date) -> datetime:
    """00:00 WIB of a date, as an aware datetime in UTC."""
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """24:00 WIB of a date (the next day's 00:00), as an aware datetime in UTC."""
    return start_of_day(day + DAY)


class WorkingCalendar:
    """Working days with the coordinator's adjustments applied."""

    def __init__(
        self,
        adjustments: Mapping[int, YearAdjustments] | None = None,
        national: Callable[[int], Mapping[date, str]] = indonesian_national_holidays,
    ) -> None:
        self._adjustments = dict(adjustments or {})
        self._national = national

    def adjustments(self, year: int) -> YearAdjustments:
        return self._adjustments.get(year, YearAdjustments(year))

    def holidays(self, year: int) -> list[Holiday]:
        """The year's days off, national (less the removed ones) and added, by date."""
        adjust = self.adjustments(year)
        days = [
            Holiday(day, name, "national")
            for day, name in self._national(year).items()
            if day not in adjust.removed
        ]
        days += [
            Holiday(day, name, "added") for day, name in adjust.added.items() if day not in adjust.removed
        ]
        return sorted(days, key=lambda h: (h.date, h.source))

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        adjust = self.adjustments(day.year)
        if day in adjust.removed:
            return True
        return day not in adjust.added and day not in self._national(day.year)

    def working_days_after(self, day: date) -> Iterator[date]:
        """The working days after `day`, in order, without end."""
        current = day
        while True:
            current += DAY
            if self.is_working_day(current):
                yield current

    def nth_working_day_after(self, day: date, n: int) -> date:
        if n < 1:
            raise ValueError("n must be at least 1")
        for count, working_day in enumerate(self.working_days_after(day), start=1):
            if count == n:
                return working_day
        raise AssertionError("unreachable")  # pragma: no cover

    def deadline(self, start: datetime, working_days: int) -> datetime:
        """The end (24:00 WIB) of the N-th working day after the start's local date."""
        return end_of_day(self.nth_working_day_after(local_date(start), working_days))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The part of [start, end) that falls on working days."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = local_date(start)
        last = local_date(end)
        while day <= last:
            if self.is_working_day(day):
                lo = max(start, start_of_day(day))
                hi = min(end, end_of_day(day))
                if hi > lo:
                    total += hi - lo
            day += DAY
        return total

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """A duration in working days: working time divided by 24 hours."""
        return self.working_time_between(start, end) / DAY
