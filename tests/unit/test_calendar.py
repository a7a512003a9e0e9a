"""Working days and deadlines, with the design's own examples."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from lapor.domain.calendar import (
    WIB,
    WorkingCalendar,
    YearAdjustments,
    indonesian_national_holidays,
)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def test_2026_has_seventeen_holidays_and_eight_cuti_bersama() -> None:
    days = indonesian_national_holidays(2026)
    cuti = [d for d, name in days.items() if "Cuti Bersama" in name]
    assert len(cuti) == 8
    assert len(days) == 25


def test_holiday_names_are_indonesian_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "LANG", "en_US.UTF-8")
    indonesian_national_holidays.cache_clear()
    assert indonesian_national_holidays(2026)[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"


def test_three_working_days_from_monday_morning_end_at_friday_midnight(calendar: WorkingCalendar) -> None:
    due = calendar.deadline(wib(2026, 11, 23, 10), 3)
    assert due == wib(2026, 11, 27, 0)
    assert due.tzinfo is not None
    assert due.astimezone(UTC) == datetime(2026, 11, 26, 17, tzinfo=UTC)


def test_a_monday_holiday_is_skipped() -> None:
    added = YearAdjustments(2026, added={date(2026, 11, 30): "Libur daerah"})
    calendar = WorkingCalendar({2026: added})
    assert calendar.deadline(wib(2026, 11, 27, 16), 3) == wib(2026, 12, 4, 0)


def test_idul_fitri_week_2026_is_not_counted(calendar: WorkingCalendar) -> None:
    for day in range(18, 25):
        assert not calendar.is_working_day(date(2026, 3, day))
    assert calendar.deadline(wib(2026, 3, 17, 10), 3) == wib(2026, 3, 28, 0)


def test_removing_a_national_day_makes_it_a_working_day() -> None:
    removed = YearAdjustments(2026, removed=frozenset({date(2026, 3, 23)}))
    calendar = WorkingCalendar({2026: removed})
    assert calendar.is_working_day(date(2026, 3, 23))
    assert calendar.deadline(wib(2026, 3, 17, 10), 3) == wib(2026, 3, 27, 0)
    sources = {h.date: h.source for h in calendar.holidays(2026)}
    assert date(2026, 3, 23) not in sources


def test_added_days_are_listed_as_added() -> None:
    calendar = WorkingCalendar({2026: YearAdjustments(2026, added={date(2026, 11, 30): "Libur daerah"})})
    listed = {h.date: h for h in calendar.holidays(2026)}
    assert listed[date(2026, 11, 30)].source == "added"
    assert listed[date(2026, 8, 17)].source == "national"


def test_duration_counts_only_working_time(calendar: WorkingCalendar) -> None:
    start, end = wib(2026, 11, 27, 15), wib(2026, 11, 30, 9)
    assert calendar.working_days_between(start, end) == pytest.approx(0.75)
    assert (end - start) / timedelta(days=1) == pytest.approx(2.75)


def test_duration_is_zero_when_end_is_not_after_start(calendar: WorkingCalendar) -> None:
    instant = wib(2026, 11, 27, 15)
    assert calendar.working_days_between(instant, instant) == 0
    assert calendar.working_days_between(instant, instant - timedelta(hours=1)) == 0


def test_weekend_submission_counts_from_monday(calendar: WorkingCalendar) -> None:
    assert calendar.deadline(wib(2026, 11, 28, 22), 1) == wib(2026, 12, 1, 0)


def test_nth_working_day_needs_a_positive_count(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        calendar.nth_working_day_after(date(2026, 1, 1), 0)


def test_any_year_comes_from_the_package(calendar: WorkingCalendar) -> None:
    assert not calendar.is_working_day(date(2031, 8, 18 - 1))  # 17 August is a holiday every year
