"""Indicators (DESIGN.md §5) over a month of activity with known timestamps, every figure worked out by hand.

November 2026, WIB. No national holiday falls in November 2026 (checked below); the coordinator adds
Wednesday 18 November, so that day is not a working day. Weekends are not either.

    Mo Tu We Th Fr Sa Su
                       1
     2  3  4  5  6  7  8
     9 10 11 12 13 14 15
    16 17 18 19 20 21 22        18: added by the coordinator
    23 24 25 26 27 28 29
    30

Clock lengths: verify 3 HK, respond 5 HK, resolve 14 HK (complaint) or 5 HK (aspiration), auto-close 10 HK,
pending 720 h; a deadline of N HK is 24:00 WIB of the N-th working day after the start's date.

The reports (two agencies: dinas-putr answers 6 dispositions, dinas-lh 2):

    P1 putr  submit Thu 05 09:00 · verify Fri 06 15:00 · follow-up Mon 09 09:00 · close Fri 13 15:00 ·
             rate 4 Sat 14 · reopen Mon 16 09:00 · close Wed 18 10:00
    P2 putr  submit Fri 30 Oct 12:00 · verify Mon 02 09:00 · follow-up Mon 02 15:00 ·
             auto-close Tue 17 00:00 · rate 5 Wed 18
    P3 putr  submit Mon 16 10:00 · verify Tue 17 10:00 · follow-up Thu 19 10:00 · close Mon 30 10:00
    P4 putr  submit Mon 16 12:00 · verify Fri 20 12:00 · follow-up Tue 24 12:00 · (close Tue 1 Dec 02:30,
             after the job's time)
    P5 putr  submit Wed 11 08:00 · verify Thu 12 08:00 · remind Fri 20 00:00 · respond breach Sat 21 00:00 ·
             follow-up Tue 24 08:00 (late) · close Thu 26 08:00 · rate 2 Fri 27
    P6 lh→putr submit Sat 31 Oct 12:00 · verify to lh Mon 02 12:00 · forward to putr Wed 04 10:00 ·
             follow-up Thu 05 16:00 · close Fri 06 10:00 · rate 4 Sat 07
    L1 lh (aspiration) submit Fri 06 20:00 · verify Mon 09 08:00 · follow-up Tue 10 14:00 · remind Mon 16 ·
             resolve breach Tue 17 00:00 · close Thu 19 14:00 (late) · rate 3 Fri 20
    L2 lh    submit Fri 13 06:00 · verify Fri 13 18:00 · follow-up Mon 16 06:00 · close Tue 1 Dec 01:00
             (after the period, before the job's time)
    L3 lh    submit Mon 16 09:00 · verify Mon 16 15:00 · internal note Tue 17 · remind Tue 24 00:00 ·
             respond breach Wed 25 00:00 · (follow-up Tue 1 Dec 03:00, after the job's time)
    X1 —     submit Mon 23 10:00 · remind Thu 26 00:00 · verify breach Fri 27 00:00 (never verified)
    X2 —     submit Tue 03 09:00 · suspend Tue 03 11:00

The month is computed as the range 1–30 November, by a job running Tue 1 Dec 02:00 WIB; the backlog is as
of 24:00 WIB on 30 November: X1's verify clock and L3's respond clock.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lapor.adapters.dynamodb.items import metric_event_item
from lapor.domain.actions import Command, apply_action, submit
from lapor.domain.calendar import WIB, WorkingCalendar, YearAdjustments, indonesian_national_holidays
from lapor.domain.indicators import (
    Figures,
    Indicators,
    MetricEvent,
    MetricStartedClock,
    MetricStoppedClock,
    OverdueClock,
    TimeFigures,
    combine,
    compute,
    compute_with_parts,
    day_window,
    range_window,
)
from lapor.domain.lifecycle import Action, ClockKind, Role, Status
from lapor.domain.models import AgencyRef, CategoryRef, ReportType
from lapor.domain.sla import policy_in_force
from tests.unit.builders import COORDINATOR, OPERATOR, new_report

CITY_DAY = date(2026, 11, 18)
CALENDAR = WorkingCalendar({2026: YearAdjustments(2026, added={CITY_DAY: "Libur daerah (koordinator)"})})
PUTR = "dinas-putr"
LH = "dinas-lh"
KES = "dinas-kes"

VERIFY, RESPOND, RESOLVE = ClockKind.VERIFY, ClockKind.RESPOND, ClockKind.RESOLVE
AUTO_CLOSE, PENDING = ClockKind.AUTO_CLOSE, ClockKind.PENDING
LENGTHS = {VERIFY: 3, RESPOND: 5, AUTO_CLOSE: 10}
RESOLVE_LENGTHS: dict[str, int] = {"complaint": 14, "aspiration": 5, "information_request": 5}


def nov(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB)


def wib(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


class Story:
    """One report's metric events, its clocks run as the lifecycle runs them (DESIGN.md §3): a clock an
    action starts while it runs is restarted (stopped, then started again)."""

    def __init__(
        self, into: list[MetricEvent], report_id: str, report_type: ReportType = "complaint"
    ) -> None:
        self._into = into
        self.id = report_id
        self.type: ReportType = report_type
        self._seq = 0
        self._agency: str | None = None
        self._clocks: dict[ClockKind, tuple[datetime, datetime]] = {}
        self._fired: dict[ClockKind, list[int]] = {}
        self._verified = False

    def submit(self, at: datetime) -> MetricEvent:
        return self._emit(Action.SUBMIT, at, Role.REPORTER, starts=(VERIFY,))

    def verify(self, at: datetime, agency: str) -> MetricEvent:
        first, self._verified = not self._verified, True
        return self._emit(
            Action.VERIFY,
            at,
            Role.COORDINATOR,
            agency=agency,
            stops=(VERIFY,),
            starts=(RESPOND, RESOLVE),
            first_verification=first,
        )

    def forward(self, at: datetime, agency: str) -> MetricEvent:
        return self._emit(
            Action.FORWARD,
            at,
            Role.COORDINATOR,
            agency=agency,
            stops=(AUTO_CLOSE,),
            starts=(RESPOND, RESOLVE),
        )

    def suspend(self, at: datetime) -> MetricEvent:
        return self._emit(Action.SUSPEND, at, Role.COORDINATOR, stops=(VERIFY,), starts=(PENDING,))

    def followup(self, at: datetime) -> MetricEvent:
        return self._emit(Action.FOLLOWUP, at, Role.OPERATOR, stops=(RESPOND,), starts=(AUTO_CLOSE,))

    def note(self, at: datetime) -> MetricEvent:
        return self._emit(Action.NOTE, at, Role.OPERATOR, internal=True)

    def close(self, at: datetime) -> MetricEvent:
        return self._emit(Action.CLOSE, at, Role.OFFICIAL, stops=(RESPOND, RESOLVE, AUTO_CLOSE))

    def auto_close(self, at: datetime) -> MetricEvent:
        assert at == self._clocks[AUTO_CLOSE][1], "the job closes at the auto-close deadline"
        return self._emit(Action.AUTO_CLOSE, at, Role.SYSTEM, stops=(RESPOND, RESOLVE, AUTO_CLOSE))

    def reopen(self, at: datetime) -> MetricEvent:
        return self._emit(Action.REOPEN, at, Role.REPORTER, starts=(RESPOND,))

    def rate(self, at: datetime, score: int) -> MetricEvent:
        return self._emit(Action.RATE, at, Role.REPORTER, rating=score, resolved=score >= 3)

    def remind(self, at: datetime, kind: ClockKind) -> MetricEvent:
        assert at == self._clocks[kind][1] - timedelta(hours=24), "reminders fire 24 h before the deadline"
        return self._emit(Action.REMIND, at, Role.SYSTEM, clock=kind, level=0)

    def breach(self, at: datetime, kind: ClockKind) -> MetricEvent:
        assert at == self._clocks[kind][1], "a breach fires at the deadline"
        self._fired.setdefault(kind, []).append(1)
        return self._emit(Action.BREACH, at, Role.SYSTEM, clock=kind, level=1)

    def overdue(self, kind: ClockKind) -> OverdueClock:
        started_at, deadline = self._clocks[kind]
        return OverdueClock(agency_id=self._agency, kind=kind, deadline=deadline, started_at=started_at)

    def _length(self, kind: ClockKind) -> int:
        return RESOLVE_LENGTHS[self.type] if kind is RESOLVE else LENGTHS[kind]

    def _emit(
        self,
        action: Action,
        at: datetime,
        role: Role,
        *,
        agency: str | None = None,
        stops: tuple[ClockKind, ...] = (),
        starts: tuple[ClockKind, ...] = (),
        **fields: Any,
    ) -> MetricEvent:
        previous = self._agency
        self._agency = agency or self._agency
        stopped = []
        for kind in dict.fromkeys((*stops, *starts)):
            if kind in self._clocks:
                started_at, deadline = self._clocks.pop(kind)
                stopped.append(
                    MetricStoppedClock(
                        kind=kind,
                        started_at=started_at,
                        deadline=deadline,
                        stopped_at=at,
                        on_time=at <= deadline,
                        fired=tuple(self._fired.pop(kind, [])),
                    )
                )
        started = []
        for kind in starts:
            deadline = (
                at + timedelta(hours=720) if kind is PENDING else CALENDAR.deadline(at, self._length(kind))
            )
            self._clocks[kind] = (at, deadline)
            started.append(MetricStartedClock(kind=kind, started_at=at, deadline=deadline))
        self._seq += 1
        event = MetricEvent(
            report_id=self.id,
            seq=self._seq,
            at=at,
            action=action,
            actor_role=role,
            type=self.type,
            agency_id=self._agency,
            previous_agency_id=previous,
            stopped_clocks=tuple(stopped),
            started_clocks=tuple(started),
            **fields,
        )
        self._into.append(event)
        return event


def november() -> tuple[list[MetricEvent], list[OverdueClock]]:
    """The month's events (with a few from October and after the job's time) and its end-of-month backlog."""
    events: list[MetricEvent] = []

    p1 = Story(events, "P1")
    p1.submit(nov(5, 9))
    p1.verify(nov(6, 15), PUTR)
    p1.followup(nov(9, 9))
    p1.close(nov(13, 15))
    p1.rate(nov(14, 10), 4)
    p1.reopen(nov(16, 9))
    p1.close(nov(18, 10))

    p2 = Story(events, "P2")
    p2.submit(wib(10, 30, 12))
    p2.verify(nov(2, 9), PUTR)
    p2.followup(nov(2, 15))
    p2.auto_close(nov(17))
    p2.rate(nov(18, 10), 5)

    p3 = Story(events, "P3")
    p3.submit(nov(16, 10))
    p3.verify(nov(17, 10), PUTR)
    p3.followup(nov(19, 10))
    p3.close(nov(30, 10))

    p4 = Story(events, "P4")
    p4.submit(nov(16, 12))
    p4.verify(nov(20, 12), PUTR)
    p4.followup(nov(24, 12))
    p4.close(wib(12, 1, 2, 30))  # after the job's time: ignored

    p5 = Story(events, "P5")
    p5.submit(nov(11, 8))
    p5.verify(nov(12, 8), PUTR)
    p5.remind(nov(20), RESPOND)
    p5.breach(nov(21), RESPOND)
    p5.followup(nov(24, 8))
    p5.close(nov(26, 8))
    p5.rate(nov(27, 10), 2)

    p6 = Story(events, "P6")
    p6.submit(wib(10, 31, 12))
    p6.verify(nov(2, 12), LH)
    p6.forward(nov(4, 10), PUTR)
    p6.followup(nov(5, 16))
    p6.close(nov(6, 10))
    p6.rate(nov(7, 10), 4)

    l1 = Story(events, "L1", "aspiration")
    l1.submit(nov(6, 20))
    l1.verify(nov(9, 8), LH)
    l1.followup(nov(10, 14))
    l1.remind(nov(16), RESOLVE)
    l1.breach(nov(17), RESOLVE)
    l1.close(nov(19, 14))
    l1.rate(nov(20, 10), 3)

    l2 = Story(events, "L2")
    l2.submit(nov(13, 6))
    l2.verify(nov(13, 18), LH)
    l2.followup(nov(16, 6))
    l2.close(wib(12, 1, 1))  # after the period, before the job's time: completes the disposition

    l3 = Story(events, "L3")
    l3.submit(nov(16, 9))
    l3.verify(nov(16, 15), LH)
    l3.note(nov(17, 10))
    l3.remind(nov(24), RESPOND)
    l3.breach(nov(25), RESPOND)
    l3_overdue = l3.overdue(RESPOND)
    l3.followup(wib(12, 1, 3))  # after the job's time: ignored

    x1 = Story(events, "X1")
    x1.submit(nov(23, 10))
    x1.remind(nov(26), VERIFY)
    x1.breach(nov(27), VERIFY)
    x1_overdue = x1.overdue(VERIFY)

    x2 = Story(events, "X2")
    x2.submit(nov(3, 9))
    x2.suspend(nov(3, 11))

    return events, [x1_overdue, l3_overdue]


EVENTS, BACKLOG = november()
MONTH = range_window(date(2026, 11, 1), date(2026, 11, 30))
JOB_TIME = wib(12, 1, 2)


def month(events: list[MetricEvent] | None = None) -> Indicators:
    start, end = MONTH
    return compute(
        EVENTS if events is None else events,
        start=start,
        end=end,
        time=JOB_TIME,
        calendar=CALENDAR,
        backlog=BACKLOG,
        backlog_at=end,
    )


def times(n: int, hk: tuple[float, float, float], days: tuple[float, float, float]) -> TimeFigures:
    """(mean, median, p90) in working days and in calendar days."""
    return {
        "n": n,
        "mean_hk": hk[0],
        "median_hk": hk[1],
        "p90_hk": hk[2],
        "mean_days": days[0],
        "median_days": days[1],
        "p90_days": days[2],
    }


NO_TIMES = times(0, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


def zero_figures() -> Figures:
    return {
        "received": 0,
        "verified": 0,
        "dispositions": 0,
        "followed_up_rate": 0.0,
        "completion_rate": 0.0,
        "verification_time": NO_TIMES,
        "response_time": NO_TIMES,
        "resolution_time": NO_TIMES,
        "on_time_rate": {"verify": 0.0, "respond": 0.0, "resolve": 0.0},
        "breaches": 0,
        "backlog": {"overdue": 0, "oldest_hk": 0.0, "mean_age_hk": 0.0},
        "satisfaction": {"n": 0, "mean": 0.0, "top_two_box": 0.0},
        "reopen_rate": 0.0,
    }


# --- the calendar the month runs on ----------------------------------------------------------------------


def test_november_2026_has_no_national_holiday_and_the_coordinators_day_is_off() -> None:
    assert [day for day in indonesian_national_holidays(2026) if day.month == 11] == []
    assert not CALENDAR.is_working_day(CITY_DAY)
    assert CALENDAR.is_working_day(date(2026, 11, 17))
    assert WorkingCalendar().is_working_day(CITY_DAY)


def test_the_backlog_clocks_are_the_ones_worked_out_by_hand() -> None:
    # X1: verify, 3 HK from Mon 23: Tue 24, Wed 25, Thu 26 → due Fri 27 00:00.
    # L3: respond, 5 HK from Mon 16: Tue 17, (Wed 18 off), Thu 19, Fri 20, Mon 23, Tue 24 → due Wed 25 00:00.
    assert [*BACKLOG] == [
        OverdueClock(agency_id=None, kind=VERIFY, deadline=nov(27), started_at=nov(23, 10)),
        OverdueClock(agency_id=LH, kind=RESPOND, deadline=nov(25), started_at=nov(16, 15)),
    ]


# --- windows ---------------------------------------------------------------------------------------------


def test_a_day_window_runs_from_midnight_to_midnight_wib() -> None:
    assert day_window(date(2026, 11, 9)) == (
        datetime(2026, 11, 8, 17, tzinfo=UTC),
        datetime(2026, 11, 9, 17, tzinfo=UTC),
    )


def test_a_range_window_includes_both_days() -> None:
    start, end = MONTH
    assert (start, end) == (datetime(2026, 10, 31, 17, tzinfo=UTC), datetime(2026, 11, 30, 17, tzinfo=UTC))
    assert range_window(date(2026, 11, 9), date(2026, 11, 9)) == day_window(date(2026, 11, 9))
    with pytest.raises(ValueError, match="ends before"):
        range_window(date(2026, 11, 9), date(2026, 11, 8))


def test_an_empty_or_naive_period_is_refused() -> None:
    start, end = day_window(date(2026, 11, 9))
    with pytest.raises(ValueError, match="ends before"):
        compute([], start=end, end=start, time=end, calendar=CALENDAR, backlog=[], backlog_at=end)
    with pytest.raises(ValueError, match="timezone-aware"):
        compute(
            [],
            start=start,
            end=end,
            time=datetime(2026, 11, 10),
            calendar=CALENDAR,
            backlog=[],
            backlog_at=end,
        )


# --- the month, indicator by indicator -------------------------------------------------------------------


def test_counts_received_verified_dispositions() -> None:
    doc = month()
    city, putr, lh = doc["city"], doc["agencies"][PUTR], doc["agencies"][LH]
    # City received = submits in November: P1, P3, P4, P5, L1, L2, L3, X1, X2 = 9 (P2 and P6 came in October).
    # Verified = first verifications: P1..P6, L1, L2, L3 = 9.
    # Dispositions = 9 verifications + P6's forward = 10.
    assert (city["received"], city["verified"], city["dispositions"]) == (9, 9, 10)
    # putr received the verifications of P1..P5 and the forward of P6: 6; it first-verified 5.
    assert (putr["received"], putr["verified"], putr["dispositions"]) == (6, 5, 6)
    # lh received P6 (before the forward), L1, L2, L3: 4, all first verifications.
    assert (lh["received"], lh["verified"], lh["dispositions"]) == (4, 4, 4)
    assert sorted(doc["agencies"]) == [LH, PUTR]


def test_verification_time() -> None:
    doc = month()
    # submit → first verify, working hours / 24 and calendar hours / 24:
    #   P1 Thu 05 09:00 → Fri 06 15:00: 15 + 15 = 30 h       → 1.25 HK, 30 h = 1.25 d
    #   P2 Fri 30 Oct 12:00 → Mon 02 09:00: 12 + 9 = 21 h     → 0.875 HK, 69 h = 2.875 d
    #   P3 Mon 16 10:00 → Tue 17 10:00: 24 h                  → 1.0 HK, 1.0 d
    #   P4 Mon 16 12:00 → Fri 20 12:00: 12 + 24 + 0 (Wed 18 off) + 24 + 12 = 72 h → 3.0 HK, 96 h = 4.0 d
    #   P5 Wed 11 08:00 → Thu 12 08:00: 24 h                  → 1.0 HK, 1.0 d
    #   P6 Sat 31 Oct 12:00 → Mon 02 12:00: weekend 0 + 12 h  → 0.5 HK, 48 h = 2.0 d
    #   L1 Fri 06 20:00 → Mon 09 08:00: 4 + 8 = 12 h          → 0.5 HK, 60 h = 2.5 d
    #   L2 Fri 13 06:00 → 18:00: 12 h                         → 0.5 HK, 0.5 d
    #   L3 Mon 16 09:00 → 15:00: 6 h                          → 0.25 HK, 0.25 d
    # putr (P1..P5): HK sorted 0.875, 1, 1, 1.25, 3 (sum 7.125): mean 1.425, median (3rd) 1.0, p90 (5th) 3.0;
    #   days sorted 1, 1, 1.25, 2.875, 4 (sum 10.125): mean 2.025, median 1.25, p90 4.0.
    assert doc["agencies"][PUTR]["verification_time"] == times(5, (1.425, 1.0, 3.0), (2.025, 1.25, 4.0))
    # lh (P6, L1, L2, L3): HK sorted 0.25, 0.5, 0.5, 0.5 (sum 1.75): mean 0.4375, median (2nd) 0.5,
    #   p90 (ceil 3.6 = 4th) 0.5; days sorted 0.25, 0.5, 2, 2.5 (sum 5.25): mean 1.3125, median 0.5, p90 2.5.
    assert doc["agencies"][LH]["verification_time"] == times(4, (0.4375, 0.5, 0.5), (1.3125, 0.5, 2.5))
    # city: HK sorted 0.25, 0.5, 0.5, 0.5, 0.875, 1, 1, 1.25, 3 (sum 8.875): mean 0.98611 → 0.9861,
    #   median (5th) 0.875, p90 (ceil 8.1 = 9th) 3.0;
    #   days sorted 0.25, 0.5, 1, 1, 1.25, 2, 2.5, 2.875, 4 (sum 15.375): mean 1.70833 → 1.7083, median 1.25,
    #   p90 4.0.
    assert doc["city"]["verification_time"] == times(9, (0.9861, 0.875, 3.0), (1.7083, 1.25, 4.0))


def test_response_time_the_headline() -> None:
    doc = month()
    # disposition → the follow-up that stopped its respond clock:
    #   P1 Fri 06 15:00 → Mon 09 09:00: 9 + 9 = 18 h (the design's example) → 0.75 HK, 66 h = 2.75 d
    #   P2 Mon 02 09:00 → 15:00                                   → 0.25 HK, 0.25 d
    #   P3 Tue 17 10:00 → Thu 19 10:00: 14 + 0 (Wed 18 off) + 10  → 1.0 HK, 2.0 d
    #   P4 Fri 20 12:00 → Tue 24 12:00: 12 + 24 + 12 = 48 h       → 2.0 HK, 4.0 d
    #   P5 Thu 12 08:00 → Tue 24 08:00: 16 + 6 × 24 + 8 = 168 h   → 7.0 HK, 12.0 d
    #   P6 Wed 04 10:00 (forward) → Thu 05 16:00: 14 + 16 = 30 h  → 1.25 HK, 1.25 d
    #   L1 Mon 09 08:00 → Tue 10 14:00: 16 + 14 = 30 h            → 1.25 HK, 1.25 d
    #   L2 Fri 13 18:00 → Mon 16 06:00: 6 + 6 = 12 h              → 0.5 HK, 60 h = 2.5 d
    #   L3: no follow-up before the job's time; P1's close after its reopen is no follow-up.
    # putr: HK sorted 0.25, 0.75, 1, 1.25, 2, 7 (sum 12.25): mean 2.04167 → 2.0417, median (3rd) 1.0,
    #   p90 (ceil 5.4 = 6th) 7.0; days sorted 0.25, 1.25, 2, 2.75, 4, 12 (sum 22.25): mean 3.70833 → 3.7083,
    #   median 2.0, p90 12.0.
    assert doc["agencies"][PUTR]["response_time"] == times(6, (2.0417, 1.0, 7.0), (3.7083, 2.0, 12.0))
    # lh: HK 0.5, 1.25: mean 0.875, median (1st) 0.5, p90 (2nd) 1.25; days 1.25, 2.5: 1.875, 1.25, 2.5.
    assert doc["agencies"][LH]["response_time"] == times(2, (0.875, 0.5, 1.25), (1.875, 1.25, 2.5))
    # city: HK sorted 0.25, 0.5, 0.75, 1, 1.25, 1.25, 2, 7 (sum 14): mean 1.75, median (4th) 1.0,
    #   p90 (8th) 7.0;
    #   days sorted 0.25, 1.25, 1.25, 2, 2.5, 2.75, 4, 12 (sum 26): mean 3.25, median 2.0, p90 12.0.
    assert doc["city"]["response_time"] == times(8, (1.75, 1.0, 7.0), (3.25, 2.0, 12.0))


def test_the_design_example_friday_afternoon_to_monday_morning() -> None:
    # Disposed Friday 6 November 15:00, answered Monday 9 November 09:00: 0.75 HK, 2.75 calendar days.
    start, end = day_window(date(2026, 11, 9))
    doc = compute(
        EVENTS, start=start, end=end, time=nov(10, 2), calendar=CALENDAR, backlog=[], backlog_at=end
    )
    assert doc["agencies"][PUTR]["response_time"] == times(1, (0.75, 0.75, 0.75), (2.75, 2.75, 2.75))


def test_resolution_time() -> None:
    doc = month()
    # the resolve clock a close or auto-close stopped (started by the latest disposition):
    #   P1 Fri 06 15:00 → Fri 13 15:00: 9 + 4 × 24 + 15 = 120 h              → 5.0 HK, 7.0 d
    #   P2 Mon 02 09:00 → Tue 17 00:00 (auto-close): 15 + 96 + 120 + 24 = 255 h → 10.625 HK, 351 h = 14.625 d
    #   P3 Tue 17 10:00 → Mon 30 10:00: 14 + 0 + 24 + 24 + 120 + 10 = 192 h   → 8.0 HK, 13.0 d
    #   P5 Thu 12 08:00 → Thu 26 08:00: 168 + 16 + 24 + 8 = 216 h             → 9.0 HK, 14.0 d
    #   P6 Wed 04 10:00 (forward) → Fri 06 10:00: 14 + 24 + 10 = 48 h         → 2.0 HK, 2.0 d
    #   L1 Mon 09 08:00 → Thu 19 14:00: 16 + 96 + 24 + 24 + 0 + 14 = 174 h    → 7.25 HK, 10.25 d
    #   P1's second close (after the reopen) stops no resolve clock; L2's close is in December.
    # putr: HK sorted 2, 5, 8, 9, 10.625 (sum 34.625): mean 6.925, median 8.0, p90 (5th) 10.625;
    #   days sorted 2, 7, 13, 14, 14.625 (sum 50.625): mean 10.125, median 13.0, p90 14.625.
    assert doc["agencies"][PUTR]["resolution_time"] == times(5, (6.925, 8.0, 10.625), (10.125, 13.0, 14.625))
    assert doc["agencies"][LH]["resolution_time"] == times(1, (7.25, 7.25, 7.25), (10.25, 10.25, 10.25))
    # city: HK sorted 2, 5, 7.25, 8, 9, 10.625 (sum 41.875): mean 6.97917 → 6.9792, median (3rd) 7.25,
    #   p90 (6th) 10.625; days sorted 2, 7, 10.25, 13, 14, 14.625 (sum 60.875): mean 10.14583 → 10.1458,
    #   median 10.25, p90 14.625.
    assert doc["city"]["resolution_time"] == times(6, (6.9792, 7.25, 10.625), (10.1458, 10.25, 14.625))


def test_followed_up_and_completion_rates_follow_dispositions_up_to_the_jobs_time() -> None:
    doc = month()
    # Dispositions (followed up? closed? — by the job's time, Tue 1 Dec 02:00):
    #   putr: P1 (yes, yes), P2 (yes, auto-close), P3 (yes, yes), P4 (yes; its close at 02:30 is too late),
    #         P5 (yes, yes), P6 forward (yes, yes)            → followed up 6/6 = 1.0, completed 5/6 = 0.8333
    #   lh:   P6 verify (putr's follow-up and close come after it: yes, yes), L1 (yes, yes),
    #         L2 (yes; closed Tue 1 Dec 01:00, before the job's time: yes),
    #         L3 (an internal note only; its follow-up at 03:00 is too late: no, no)
    #                                                      → followed up 3/4 = 0.75, completed 3/4 = 0.75
    #   city: 9/10 = 0.9 and 8/10 = 0.8
    rates = {
        name: (figures["followed_up_rate"], figures["completion_rate"])
        for name, figures in [("city", doc["city"]), *doc["agencies"].items()]
    }
    assert rates == {"city": (0.9, 0.8), PUTR: (1.0, 0.8333), LH: (0.75, 0.75)}


def test_on_time_rates() -> None:
    doc = month()
    # verify: stopped in November: the 9 verifications and X2's suspend, all on time (P4: due Sat 21 00:00
    #   because Wed 18 is off; verified Fri 20 12:00); X1 breached Fri 27 and is still running → city 10/11.
    #   putr: P1..P5, 5/5; lh: P6, L1, L2, L3, 4/4.
    # respond: putr stopped P1, P1 (the reopen's clock, by the close), P2, P3, P4, P5 (late: due Sat 21),
    #   P6 → 6/7 = 0.8571. lh stopped P6 (by the forward: lh's clock, on time), L1, L2; L3 breached Wed 25
    #   and runs → 3/4 = 0.75. city: 9 on time of 10 stopped, + L3 → 9/11 = 0.8182. P5's breach (Sat 21)
    #   is not counted again: its clock stopped within the period.
    # resolve: putr stopped P1, P2, P3, P5, P6, all on time → 1.0. lh stopped P6 (by the forward, on time)
    #   and L1 (an aspiration: due Tue 17 00:00, closed Thu 19, late) → 1/2 = 0.5. city 6/7 = 0.8571.
    assert doc["city"]["on_time_rate"] == {"verify": 0.9091, "respond": 0.8182, "resolve": 0.8571}
    assert doc["agencies"][PUTR]["on_time_rate"] == {"verify": 1.0, "respond": 0.8571, "resolve": 1.0}
    assert doc["agencies"][LH]["on_time_rate"] == {"verify": 1.0, "respond": 0.75, "resolve": 0.5}


def test_breaches_and_backlog() -> None:
    doc = month()
    # breaches (level 1, reminders are not): P5 respond (putr), L1 resolve and L3 respond (lh), X1 verify (no
    # agency yet: city only) → city 4, putr 1, lh 2.
    # backlog at Tue 1 Dec 00:00 WIB: X1 verify due Fri 27 00:00: Fri 27 + Mon 30 = 2.0 HK;
    #   L3 respond due Wed 25 00:00: Wed 25, Thu 26, Fri 27, Mon 30 = 4.0 HK.
    #   city: 2 overdue, oldest 4.0, mean 3.0; lh: 1, 4.0, 4.0; putr: none.
    assert (doc["city"]["breaches"], doc["agencies"][PUTR]["breaches"], doc["agencies"][LH]["breaches"]) == (
        4,
        1,
        2,
    )
    assert doc["city"]["backlog"] == {"overdue": 2, "oldest_hk": 4.0, "mean_age_hk": 3.0}
    assert doc["agencies"][LH]["backlog"] == {"overdue": 1, "oldest_hk": 4.0, "mean_age_hk": 4.0}
    assert doc["agencies"][PUTR]["backlog"] == {"overdue": 0, "oldest_hk": 0.0, "mean_age_hk": 0.0}


def test_satisfaction_and_reopen_rate() -> None:
    doc = month()
    # ratings: P6 4 (Sat 07), P1 4 (Sat 14), P2 5 (Wed 18), P5 2 (Fri 27) for putr; L1 3 (Fri 20) for lh.
    #   putr: n 4, mean 15 / 4 = 3.75, 4–5: 3 of 4 = 0.75; lh: n 1, mean 3.0, 0.0;
    #   city: n 5, mean 18 / 5 = 3.6, 3 of 5 = 0.6.
    assert doc["city"]["satisfaction"] == {"n": 5, "mean": 3.6, "top_two_box": 0.6}
    assert doc["agencies"][PUTR]["satisfaction"] == {"n": 4, "mean": 3.75, "top_two_box": 0.75}
    assert doc["agencies"][LH]["satisfaction"] == {"n": 1, "mean": 3.0, "top_two_box": 0.0}
    # closes in November: P1 twice, P2 (auto), P3, P5, P6 for putr; L1 for lh. One reopen (P1, putr).
    #   putr 1/6 = 0.1667, lh 0/1 = 0.0, city 1/7 = 0.1429.
    assert doc["city"]["reopen_rate"] == 0.1429
    assert doc["agencies"][PUTR]["reopen_rate"] == 0.1667
    assert doc["agencies"][LH]["reopen_rate"] == 0.0


def test_ranking_needs_five_samples() -> None:
    # putr has 6 response samples (mean 2.0417 HK); lh only 2 and is not ranked.
    assert month()["ranking"] == [{"agency_id": PUTR, "response_time_mean_hk": 2.0417, "n": 6}]


def test_ranking_orders_by_mean_then_agency_id() -> None:
    events: list[MetricEvent] = []
    hours = {"dinas-a": 12, "dinas-b": 6, "dinas-c": 12, "dinas-d": 3}
    for agency, spent in hours.items():
        for i in range(4 if agency == "dinas-d" else 5):
            story = Story(events, f"{agency}-{i}")
            story.submit(nov(2, 8))
            story.verify(nov(2, 9), agency)
            story.followup(nov(2, 9 + spent))
    start, end = day_window(date(2026, 11, 2))
    doc = compute(events, start=start, end=end, time=nov(3, 2), calendar=CALENDAR, backlog=[], backlog_at=end)
    # b: 6 h = 0.25 HK; a and c: 12 h = 0.5 HK, tied, by id; d: 4 samples, not ranked.
    assert doc["ranking"] == [
        {"agency_id": "dinas-b", "response_time_mean_hk": 0.25, "n": 5},
        {"agency_id": "dinas-a", "response_time_mean_hk": 0.5, "n": 5},
        {"agency_id": "dinas-c", "response_time_mean_hk": 0.5, "n": 5},
    ]
    assert doc["agencies"]["dinas-d"]["response_time"]["n"] == 4


def test_the_whole_city_document_for_the_month() -> None:
    city: Figures = {
        "received": 9,
        "verified": 9,
        "dispositions": 10,
        "followed_up_rate": 0.9,
        "completion_rate": 0.8,
        "verification_time": times(9, (0.9861, 0.875, 3.0), (1.7083, 1.25, 4.0)),
        "response_time": times(8, (1.75, 1.0, 7.0), (3.25, 2.0, 12.0)),
        "resolution_time": times(6, (6.9792, 7.25, 10.625), (10.1458, 10.25, 14.625)),
        "on_time_rate": {"verify": 0.9091, "respond": 0.8182, "resolve": 0.8571},
        "breaches": 4,
        "backlog": {"overdue": 2, "oldest_hk": 4.0, "mean_age_hk": 3.0},
        "satisfaction": {"n": 5, "mean": 3.6, "top_two_box": 0.6},
        "reopen_rate": 0.1429,
    }
    doc = month()
    assert doc["city"] == city
    assert list(doc) == ["city", "agencies", "ranking"]
    assert list(doc["city"]) == list(city)


# --- days, ranges, recomputes ----------------------------------------------------------------------------


def test_one_day() -> None:
    # Mon 9 Nov: L1 verified to lh 08:00 (from Fri 06 20:00: 0.5 HK, 2.5 d, on time), P1 followed up 09:00
    # (0.75 HK, 2.75 d, on time). Job at Tue 10 02:00: L1's follow-up (Tue 10 14:00) is still to come.
    start, end = day_window(date(2026, 11, 9))
    doc = compute(
        EVENTS, start=start, end=end, time=nov(10, 2), calendar=CALENDAR, backlog=[], backlog_at=end
    )
    lh = zero_figures()
    lh.update(
        {
            "received": 1,
            "verified": 1,
            "dispositions": 1,
            "verification_time": times(1, (0.5, 0.5, 0.5), (2.5, 2.5, 2.5)),
            "on_time_rate": {"verify": 1.0, "respond": 0.0, "resolve": 0.0},
        }
    )
    putr = zero_figures()
    putr.update(
        {
            "response_time": times(1, (0.75, 0.75, 0.75), (2.75, 2.75, 2.75)),
            "on_time_rate": {"verify": 0.0, "respond": 1.0, "resolve": 0.0},
        }
    )
    city = zero_figures()
    city.update(
        {
            "verified": 1,
            "dispositions": 1,
            "verification_time": lh["verification_time"],
            "response_time": putr["response_time"],
            "on_time_rate": {"verify": 1.0, "respond": 1.0, "resolve": 0.0},
        }
    )
    expected: Indicators = {"city": city, "agencies": {LH: lh, PUTR: putr}, "ranking": []}
    assert doc == expected

    # Recomputed at the month's end, L1's disposition has been followed up (Tue 10) and closed (Thu 19):
    # only the two rates change.
    later = compute(
        EVENTS, start=start, end=end, time=JOB_TIME, calendar=CALENDAR, backlog=[], backlog_at=end
    )
    city.update({"followed_up_rate": 1.0, "completion_rate": 1.0})
    lh.update({"followed_up_rate": 1.0, "completion_rate": 1.0})
    expected = {"city": city, "agencies": {LH: lh, PUTR: putr}, "ranking": []}
    assert later == expected


def test_a_day_without_activity_gives_zeros() -> None:
    # Sunday 8 November: nothing happened.
    start, end = day_window(date(2026, 11, 8))
    doc = compute(EVENTS, start=start, end=end, time=nov(9, 2), calendar=CALENDAR, backlog=[], backlog_at=end)
    expected: Indicators = {"city": zero_figures(), "agencies": {}, "ranking": []}
    assert doc == expected
    assert compute([], start=start, end=end, time=end, calendar=CALENDAR, backlog=[], backlog_at=end) == doc


def test_an_agency_with_only_a_backlog_appears() -> None:
    # A dinas-kes respond clock due Mon 2 Nov 00:00 (24:00 of Sun 1), still running at 24:00 of Sun 8:
    # Mon 2 .. Fri 6 = 5.0 HK.
    start, end = day_window(date(2026, 11, 8))
    clock = OverdueClock(agency_id=KES, kind=RESPOND, deadline=nov(2), started_at=wib(10, 26, 9))
    doc = compute(
        [], start=start, end=end, time=nov(9, 2), calendar=CALENDAR, backlog=[clock], backlog_at=end
    )
    kes = zero_figures()
    kes["backlog"] = {"overdue": 1, "oldest_hk": 5.0, "mean_age_hk": 5.0}
    expected: Indicators = {"city": kes, "agencies": {KES: kes}, "ranking": []}
    assert doc == expected


def test_a_range_of_days() -> None:
    # Mon 2 – Fri 6 November, computed Sat 7 02:00:
    #   Mon 02 P2 verify 09:00 (putr), P6 verify 12:00 (lh), P2 follow-up 15:00; Tue 03 X2 submit, suspend;
    #   Wed 04 P6 forward to putr; Thu 05 P1 submit, P6 follow-up 16:00; Fri 06 P6 close 10:00,
    #   P1 verify 15:00 (putr), L1 submit 20:00.
    start, end = range_window(date(2026, 11, 2), date(2026, 11, 6))
    doc = compute(EVENTS, start=start, end=end, time=nov(7, 2), calendar=CALENDAR, backlog=[], backlog_at=end)
    city = zero_figures()
    city.update(
        {
            "received": 3,  # X2, P1, L1
            "verified": 3,  # P2, P6, P1
            "dispositions": 4,  # + P6's forward
            "followed_up_rate": 0.75,  # P2, P6 ×2 yes; P1 (follow-up Mon 09) not yet
            "completion_rate": 0.5,  # P6 ×2 closed Fri 06; P2 auto-closes on the 17th; P1 later
            # P2 0.875 HK / 2.875 d, P6 0.5 / 2.0, P1 1.25 / 1.25: HK mean 2.625 / 3 = 0.875,
            # median (2nd) 0.875, p90 (3rd) 1.25; days sorted 1.25, 2, 2.875: mean 6.125 / 3 = 2.04167
            # → 2.0417, median 2.0, p90 2.875.
            "verification_time": times(3, (0.875, 0.875, 1.25), (2.0417, 2.0, 2.875)),
            # P2 0.25, P6 1.25 (both units): mean 0.75, median (1st) 0.25, p90 (2nd) 1.25.
            "response_time": times(2, (0.75, 0.25, 1.25), (0.75, 0.25, 1.25)),
            "resolution_time": times(1, (2.0, 2.0, 2.0), (2.0, 2.0, 2.0)),  # P6's close
            # verify: 3 verifications + X2's suspend; respond: P2, P6 (lh, by the forward), P6 (putr);
            # resolve: P6 (lh, by the forward), P6 (putr, by the close). All on time.
            "on_time_rate": {"verify": 1.0, "respond": 1.0, "resolve": 1.0},
        }
    )
    assert doc["city"] == city
    putr, lh = doc["agencies"][PUTR], doc["agencies"][LH]
    # putr: P2, P6 (forward), P1 → followed up 2/3, completed 1/3 (P6).
    assert (putr["received"], putr["verified"], putr["dispositions"]) == (3, 2, 3)
    assert (putr["followed_up_rate"], putr["completion_rate"]) == (0.6667, 0.3333)
    assert putr["on_time_rate"] == {"verify": 1.0, "respond": 1.0, "resolve": 1.0}
    # lh: P6's verification; the forward stopped lh's own respond and resolve clocks, on time.
    assert (lh["received"], lh["verified"], lh["dispositions"]) == (1, 1, 1)
    assert lh["verification_time"] == times(1, (0.5, 0.5, 0.5), (2.0, 2.0, 2.0))
    assert lh["response_time"] == NO_TIMES
    assert lh["on_time_rate"] == {"verify": 1.0, "respond": 1.0, "resolve": 1.0}
    assert doc["ranking"] == []


def test_a_range_counts_what_its_days_count() -> None:
    first, last = date(2026, 11, 2), date(2026, 11, 30)
    start, end = range_window(first, last)
    whole = compute(
        EVENTS, start=start, end=end, time=JOB_TIME, calendar=CALENDAR, backlog=[], backlog_at=end
    )
    days = [
        compute(EVENTS, start=s, end=e, time=JOB_TIME, calendar=CALENDAR, backlog=[], backlog_at=e)
        for s, e in (day_window(first + timedelta(days=i)) for i in range((last - first).days + 1))
    ]
    for count in ("received", "verified", "dispositions", "breaches"):
        assert whole["city"][count] == sum(day["city"][count] for day in days)
    assert whole["city"]["response_time"]["n"] == sum(day["city"]["response_time"]["n"] for day in days)


def _day_parts(day: date, time: datetime, backlog: list[OverdueClock] | None = None) -> dict[str, Any]:
    start, end = day_window(day)
    _, parts = compute_with_parts(
        EVENTS, start=start, end=end, time=time, calendar=CALENDAR, backlog=backlog or [], backlog_at=end
    )
    return json.loads(json.dumps(parts))  # as stored: JSON


def test_one_days_parts_combine_into_that_days_document() -> None:
    for n in range(1, 31):
        day = date(2026, 11, n)
        start, end = day_window(day)
        backlog = BACKLOG if n == 30 else []
        doc = compute(
            EVENTS, start=start, end=end, time=JOB_TIME, calendar=CALENDAR, backlog=backlog, backlog_at=end
        )
        assert combine([_day_parts(day, JOB_TIME, backlog)]) == doc, day


def test_a_ranges_combined_days_are_its_recompute_when_every_day_is_computed_at_the_same_time() -> None:
    # Every time, count and rate agrees with the month's recompute, except the on-time rates: a clock that
    # breached one day and stopped a later day counts as overdue on the first and as stopped on the second.
    days = [_day_parts(date(2026, 11, n), JOB_TIME, BACKLOG if n == 30 else None) for n in range(1, 31)]
    combined, whole = combine(days), month()
    for part in ("city", *whole["agencies"]):
        left = combined["city"] if part == "city" else combined["agencies"][part]
        right = whole["city"] if part == "city" else whole["agencies"][part]
        assert {k: v for k, v in left.items() if k != "on_time_rate"} == {
            k: v for k, v in right.items() if k != "on_time_rate"
        }, part
    assert combined["ranking"] == whole["ranking"]
    assert set(combined["agencies"]) == set(whole["agencies"])


def test_a_range_takes_its_backlog_from_its_last_day_alone() -> None:
    early = _day_parts(date(2026, 11, 29), JOB_TIME, BACKLOG)
    last = _day_parts(date(2026, 11, 30), JOB_TIME, [])
    assert combine([early, last])["city"]["backlog"] == {"overdue": 0, "oldest_hk": 0.0, "mean_age_hk": 0.0}
    assert combine([last, early])["city"]["backlog"]["overdue"] == 2
    assert combine([]) == compute(
        [], start=MONTH[0], end=MONTH[1], time=JOB_TIME, calendar=CALENDAR, backlog=[], backlog_at=MONTH[1]
    )


def test_a_recompute_with_the_same_inputs_gives_an_identical_document() -> None:
    first = month()
    shuffled = [*EVENTS, *EVENTS[:5]]  # in any order, and with a few delivered twice
    random.Random(20261130).shuffle(shuffled)
    again = month(shuffled)
    assert json.dumps(again) == json.dumps(first)
    assert json.dumps(month()) == json.dumps(first)


def test_events_after_the_jobs_time_are_ignored() -> None:
    # P4's close (02:30) and L3's follow-up (03:00) on Tue 1 Dec come after the job's 02:00.
    late = [e for e in EVENTS if e.at > JOB_TIME]
    assert [(e.report_id, e.action) for e in late] == [("P4", Action.CLOSE), ("L3", Action.FOLLOWUP)]
    assert month([e for e in EVENTS if e.at <= JOB_TIME]) == month()
    # Within the period too: Mon 9 Nov computed at 08:30 sees L1's verification (08:00), not P1's
    # follow-up (09:00).
    start, end = day_window(date(2026, 11, 9))
    doc = compute(
        EVENTS, start=start, end=end, time=nov(9, 8, 30), calendar=CALENDAR, backlog=[], backlog_at=end
    )
    assert list(doc["agencies"]) == [LH]
    assert doc["city"]["response_time"] == NO_TIMES
    assert doc["city"]["verified"] == 1


def test_internal_notes_count_for_nothing() -> None:
    # L3's internal note (Tue 17) did not follow it up (lh: 3/4 above). A note is nothing even for an
    # agency that did nothing else in the period.
    note = MetricEvent(
        report_id="K1",
        seq=4,
        at=nov(2, 10),
        action=Action.NOTE,
        actor_role=Role.OPERATOR,
        internal=True,
        type="complaint",
        agency_id=KES,
        previous_agency_id=KES,
    )
    without_notes = [e for e in EVENTS if e.action is not Action.NOTE]
    assert len(without_notes) == len(EVENTS) - 1
    assert month([*EVENTS, note]) == month(without_notes) == month()
    assert KES not in month([*EVENTS, note])["agencies"]


def test_a_breach_stopped_after_the_period_counts_as_overdue_in_it() -> None:
    # Tue 17 Nov: P2 auto-closes at 00:00 (its resolve clock stops on time) and L1's resolve clock breaches at
    # 00:00; L1 is closed on Thu 19, after the day (though before the job's time): on the 17th it was overdue.
    # resolve on time: city 1 / (1 stopped + 1 breached and running) = 0.5; lh 0 / 1 = 0.0; putr 1 / 1.
    start, end = day_window(date(2026, 11, 17))
    doc = compute(EVENTS, start=start, end=end, time=JOB_TIME, calendar=CALENDAR, backlog=[], backlog_at=end)
    assert doc["city"]["on_time_rate"]["resolve"] == 0.5
    assert doc["agencies"][LH]["on_time_rate"]["resolve"] == 0.0
    assert doc["agencies"][PUTR]["on_time_rate"]["resolve"] == 1.0
    assert (doc["city"]["breaches"], doc["agencies"][LH]["breaches"]) == (1, 1)


def test_only_what_follows_a_disposition_counts_for_it() -> None:
    # Verified to putr Mon 2 09:00, followed up 15:00, closed Tue 3 09:00, reopened Wed 4 09:00 and
    # forwarded to lh Wed 4 12:00: the earlier follow-up and close came before lh's disposition.
    events: list[MetricEvent] = []
    story = Story(events, "R2")
    story.submit(nov(2, 8))
    story.verify(nov(2, 9), PUTR)
    story.followup(nov(2, 15))
    story.close(nov(3, 9))
    story.reopen(nov(4, 9))
    story.forward(nov(4, 12), LH)
    start, end = range_window(date(2026, 11, 2), date(2026, 11, 4))
    doc = compute(events, start=start, end=end, time=nov(5, 2), calendar=CALENDAR, backlog=[], backlog_at=end)
    rates = {
        name: (figures["followed_up_rate"], figures["completion_rate"])
        for name, figures in [("city", doc["city"]), *doc["agencies"].items()]
    }
    assert rates == {"city": (0.5, 0.5), PUTR: (1.0, 1.0), LH: (0.0, 0.0)}
    # The forward stopped the respond clock the reopen started: putr's, on time (putr stopped 2 of 2).
    assert doc["agencies"][PUTR]["on_time_rate"]["respond"] == 1.0
    assert doc["agencies"][LH]["on_time_rate"]["respond"] == 0.0


def test_a_follow_up_after_a_reopen_counts_as_a_response() -> None:
    # The reopen starts a respond clock; the follow-up that stops it is a response sample like any other.
    events: list[MetricEvent] = []
    story = Story(events, "R1")
    story.submit(nov(2, 8))
    story.verify(nov(2, 9), PUTR)
    story.followup(nov(2, 15))  # 6 h: 0.25 HK
    story.close(nov(3, 9))
    story.reopen(nov(4, 9))
    story.followup(nov(4, 21))  # 12 h: 0.5 HK
    start, end = range_window(date(2026, 11, 2), date(2026, 11, 4))
    doc = compute(events, start=start, end=end, time=nov(5, 2), calendar=CALENDAR, backlog=[], backlog_at=end)
    assert doc["agencies"][PUTR]["response_time"] == times(2, (0.375, 0.25, 0.5), (0.375, 0.25, 0.5))
    assert doc["agencies"][PUTR]["reopen_rate"] == 1.0


# --- reading the stored item -----------------------------------------------------------------------------


def _stored(item: dict[str, Any]) -> dict[str, Any]:
    """As the table gives an item back: None values dropped, numbers as Decimal."""

    def back(value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, list):
            return [back(v) for v in value]
        if isinstance(value, dict):
            return {k: back(v) for k, v in value.items() if v is not None}
        return value

    return {k: back(v) for k, v in item.items() if v is not None}


def test_a_metric_event_reads_what_metric_event_item_writes() -> None:
    when = nov(2, 9)
    policy = policy_in_force(when)
    calendar = WorkingCalendar()
    created = submit(
        new_report(),
        report_id="LPR-0000-0001",
        category=CategoryRef(code="jalan", name="Jalan dan trotoar rusak"),
        at=when,
        calendar=calendar,
        policy=policy,
    )
    submitted = MetricEvent.model_validate(_stored(metric_event_item(created)))
    assert (submitted.action, submitted.from_status, submitted.to_status) == (
        Action.SUBMIT,
        None,
        Status.SUBMITTED,
    )
    assert (submitted.agency_id, submitted.first_verification, submitted.stopped_clocks) == (None, False, ())
    assert [c.kind for c in submitted.started_clocks] == [VERIFY]

    agency = AgencyRef(id=PUTR, name="Dinas Pekerjaan Umum dan Tata Ruang")
    verified = apply_action(
        created.after,
        Command(Action.VERIFY, COORDINATOR, nov(3, 15), updates={"agency": agency}),
        calendar=calendar,
        policy=policy,
    )
    item = _stored(metric_event_item(verified))
    assert isinstance(item["seq"], Decimal)
    event = MetricEvent.model_validate(item)
    assert event.seq == 2
    assert (event.from_status, event.to_status, event.actor_role) == (
        Status.SUBMITTED,
        Status.DISPOSED,
        Role.COORDINATOR,
    )
    assert (event.agency_id, event.previous_agency_id, event.first_verification) == (PUTR, None, True)
    assert (event.type, event.category, event.requires_supervision, event.internal) == (
        "complaint",
        "jalan",
        False,
        False,
    )
    (stopped,) = event.stopped_clocks
    assert (stopped.kind, stopped.started_at, stopped.stopped_at, stopped.on_time, stopped.fired) == (
        VERIFY,
        when,
        nov(3, 15),
        True,
        (),
    )
    assert sorted(c.kind for c in event.started_clocks) == [RESOLVE, RESPOND]

    noted = apply_action(
        verified.after,
        Command(Action.NOTE, OPERATOR, nov(3, 16), note="cek lokasi", internal=True),
        calendar=calendar,
        policy=policy,
    )
    note = MetricEvent.model_validate(_stored(metric_event_item(noted)))
    assert (note.action, note.internal, note.rating, note.level, note.clock) == (
        Action.NOTE,
        True,
        None,
        None,
        None,
    )
    assert note.previous_agency_id == PUTR
    # and the event serializes back under the item's names
    assert note.model_dump(mode="json")["from"] == "DISPOSED"
