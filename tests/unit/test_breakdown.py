"""Leadership's breakdown (`lapor.domain.breakdown`) on hand-made metric events.

By agency, a range's items are the figures `compute` gives the same range as one period (test_indicators'
November). By category, kecamatan and month, a story of four reports in March and April 2026 (WIB), worked
out by hand; 18–24 March are holidays (Nyepi, Idul Fitri, cuti bersama), weekends are not working days:

    A  jalan   Cikole   submit Mon 09 Mar 09:00 · verify putr Mon 09 12:00 · follow-up Tue 10 12:00 (1 HK)
    B  jalan   cikole   submit Tue 17 Mar 08:00 · verify putr Tue 17 10:00 · follow-up Wed 25 10:00 (1 HK:
                        18–24 are not working days; 8 calendar days)
    C  pju     Baros    submit Mon 30 Mar 09:00 · verify dishub Mon 30 09:00 · follow-up Thu 02 Apr 09:00
                        (3 HK)
    D  —       —        submit Wed 01 Apr 10:00 (no category, no kecamatan; never verified)
    E  pju     (old)    follow-up Mon 06 Apr 09:00 of a disposition Fri 03 Apr 09:00, from an event stored
                        before events carried the kecamatan (Fri 3 Apr is Good Friday: 0 HK that day, 9 h
                        of Monday: 0.375 HK)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from lapor.domain.breakdown import (
    Dimension,
    backlog_by_key,
    breakdown,
    kecamatan_key,
    spelling,
)
from lapor.domain.calendar import WIB, WorkingCalendar
from lapor.domain.indicators import (
    UNKNOWN,
    MetricEvent,
    MetricStartedClock,
    MetricStoppedClock,
    OverdueClock,
    compute,
    compute_with_parts,
    day_window,
    range_window,
)
from lapor.domain.lifecycle import Action, ClockKind, Role
from tests.unit import test_indicators as november

CALENDAR = WorkingCalendar()
SPELL = spelling(["Baros", "Cikole", "Citamiang"])
RESPOND, RESOLVE, VERIFY = ClockKind.RESPOND, ClockKind.RESOLVE, ClockKind.VERIFY


def wib(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WIB)


class Report:
    """A report's metric events with what the breakdowns group by."""

    def __init__(self, into: list[MetricEvent], report_id: str, category: str | None, kecamatan: Any) -> None:
        self.into, self.id, self.seq = into, report_id, 0
        self.tags: dict[str, Any] = {"category": category}
        if kecamatan is not None:  # None: an event stored before events carried the kecamatan
            self.tags["kecamatan"] = kecamatan
        self.agency: str | None = None
        self.clocks: dict[ClockKind, tuple[datetime, datetime]] = {}

    def emit(self, action: Action, at: datetime, role: Role, *, stops=(), starts=(), **fields: Any) -> None:  # type: ignore[no-untyped-def]
        stopped = []
        for kind in stops:
            started_at, deadline = self.clocks.pop(kind)
            stopped.append(
                MetricStoppedClock(
                    kind=kind, started_at=started_at, deadline=deadline, stopped_at=at, on_time=at <= deadline
                )
            )
        started = []
        for kind in starts:
            deadline = CALENDAR.deadline(at, 5 if kind is RESPOND else 3)
            self.clocks[kind] = (at, deadline)
            started.append(MetricStartedClock(kind=kind, started_at=at, deadline=deadline))
        self.seq += 1
        self.into.append(
            MetricEvent(
                report_id=self.id,
                seq=self.seq,
                at=at,
                action=action,
                actor_role=role,
                type="complaint",
                agency_id=self.agency,
                stopped_clocks=tuple(stopped),
                started_clocks=tuple(started),
                **self.tags,
                **fields,
            )
        )

    def submit(self, at: datetime) -> Report:
        self.emit(Action.SUBMIT, at, Role.REPORTER, starts=(VERIFY,))
        return self

    def verify(self, at: datetime, agency: str) -> Report:
        self.agency = agency
        self.emit(
            Action.VERIFY, at, Role.COORDINATOR, stops=(VERIFY,), starts=(RESPOND,), first_verification=True
        )
        return self

    def followup(self, at: datetime) -> Report:
        self.emit(Action.FOLLOWUP, at, Role.OPERATOR, stops=(RESPOND,), actor_id="op-1")
        return self


def story() -> list[MetricEvent]:
    events: list[MetricEvent] = []
    Report(events, "A", "jalan", "Cikole").submit(wib(3, 9, 9)).verify(wib(3, 9, 12), "dinas-putr").followup(
        wib(3, 10, 12)
    )
    Report(events, "B", "jalan", "cikole").submit(wib(3, 17, 8)).verify(
        wib(3, 17, 10), "dinas-putr"
    ).followup(wib(3, 25, 10))
    Report(events, "C", "pju", "Baros").submit(wib(3, 30, 9)).verify(wib(3, 30, 9), "dishub").followup(
        wib(4, 2, 9)
    )
    Report(events, "D", None, "").submit(wib(4, 1, 10))
    old = Report(events, "E", "pju", None)
    old.agency = "dishub"
    old.clocks[RESPOND] = (wib(4, 3, 9), CALENDAR.deadline(wib(4, 3, 9), 5))
    old.seq = 2
    old.followup(wib(4, 6, 9))
    return events


EVENTS = story()
MARCH_APRIL = range_window(date(2026, 3, 1), date(2026, 4, 30))


def items(dimension: Dimension, backlog: dict[Any, list[float]] | None = None) -> dict[Any, dict[str, Any]]:
    start, end = MARCH_APRIL
    result = breakdown(
        EVENTS,
        dimension=dimension,
        start=start,
        end=end,
        calendar=CALENDAR,
        backlog=backlog or {},
        spell=SPELL,
    )
    return {item["key"]: dict(item) for item in result.items}


def times_of(item: dict[str, Any]) -> tuple[int, float, float, float, float]:
    rt = item["response_time"]
    return rt["n"], rt["mean_hk"], rt["median_hk"], rt["p90_hk"], rt["mean_days"]


def test_by_kecamatan_as_the_city_spells_it_none_and_unknown() -> None:
    found = items(Dimension.KECAMATAN)
    assert list(found) == ["Baros", "Cikole", UNKNOWN, None]  # key order, null last
    assert found["Cikole"]["received"] == 2  # "Cikole" and "cikole" are one kecamatan
    assert times_of(found["Cikole"]) == (2, 1.0, 1.0, 1.0, 4.5)  # 1 day and 8 days
    assert (found["Baros"]["received"], times_of(found["Baros"])) == (1, (1, 3.0, 3.0, 3.0, 3.0))
    assert (found[None]["received"], found[None]["response_time"]["n"]) == (1, 0)
    assert (found[UNKNOWN]["received"], times_of(found[UNKNOWN])) == (0, (1, 0.375, 0.375, 0.375, 3.0))
    assert set(found["Cikole"]) == {"key", "received", "response_time", "on_time_rate", "backlog"}


def test_by_category_the_category_at_the_event() -> None:
    found = items(Dimension.CATEGORY)
    assert list(found) == ["jalan", "pju", None]
    assert (found["jalan"]["received"], found["pju"]["received"]) == (2, 1)
    assert found["pju"]["response_time"]["n"] == 2  # C and E
    assert found["pju"]["response_time"]["p90_hk"] == 3.0
    assert found["pju"]["response_time"]["median_hk"] == 0.375  # nearest rank: the 1st of 2
    assert found["jalan"]["on_time_rate"] == {"verify": 1.0, "respond": 1.0, "resolve": 0.0}


def test_by_month_events_count_in_their_wib_month() -> None:
    found = items(Dimension.MONTH)
    assert list(found) == ["2026-03", "2026-04"]
    assert (found["2026-03"]["received"], found["2026-04"]["received"]) == (3, 1)
    assert found["2026-03"]["response_time"]["n"] == 2  # A and B answered in March
    assert found["2026-04"]["response_time"]["n"] == 2  # C and E in April


def test_by_agency_received_is_the_dispositions() -> None:
    found = items(Dimension.AGENCY)
    assert list(found) == ["dinas-putr", "dishub"]
    assert found["dinas-putr"]["received"] == 2
    assert found["dishub"]["received"] == 1  # E's disposition is before the events shown
    assert found["dishub"]["response_time"]["n"] == 2


def test_a_group_with_a_backlog_only_appears_and_the_backlog_is_its_own() -> None:
    found = items(Dimension.KECAMATAN, backlog={"Citamiang": [0.5, 2.25], "Baros": [1.0]})
    assert found["Citamiang"]["received"] == 0
    assert found["Citamiang"]["backlog"] == {"overdue": 2, "oldest_hk": 2.25, "mean_age_hk": 1.375}
    assert found["Baros"]["backlog"] == {"overdue": 1, "oldest_hk": 1.0, "mean_age_hk": 1.0}
    assert found["Cikole"]["backlog"] == {"overdue": 0, "oldest_hk": 0.0, "mean_age_hk": 0.0}


def test_the_city_is_every_event() -> None:
    start, end = MARCH_APRIL
    result = breakdown(
        EVENTS, dimension=Dimension.CATEGORY, start=start, end=end, calendar=CALENDAR, backlog={}
    )
    assert result.city["key"] is None
    assert result.city["received"] == 4
    assert result.city["response_time"]["n"] == 4


def test_events_outside_the_range_are_ignored() -> None:
    start, end = range_window(date(2026, 4, 1), date(2026, 4, 30))
    result = breakdown(EVENTS, dimension=Dimension.MONTH, start=start, end=end, calendar=CALENDAR, backlog={})
    assert [item["key"] for item in result.items] == ["2026-04"]
    assert result.items[0]["received"] == 1


def test_by_agency_over_a_range_is_compute_over_that_range_as_one_period() -> None:
    start, end = november.MONTH
    ages = {"dinas-lh": [2.5]}
    result = breakdown(
        november.EVENTS,
        dimension=Dimension.AGENCY,
        start=start,
        end=end,
        calendar=november.CALENDAR,
        backlog=ages,
    )
    whole = compute(
        [e for e in november.EVENTS if e.at < end],  # the breakdown reads the range's own days only
        start=start,
        end=end,
        time=end,
        calendar=november.CALENDAR,
        backlog=[],
        backlog_at=end,
    )
    assert [item["key"] for item in result.items] == sorted(whole["agencies"])
    for item in result.items:
        figures = whole["agencies"][str(item["key"])]
        for name in ("received", "response_time", "on_time_rate"):
            assert item[name] == figures[name], (item["key"], name)  # type: ignore[literal-required]
    assert result.items[0]["backlog"]["overdue"] == 1  # dinas-lh, from the stored ages


def test_a_breach_stopped_later_in_the_range_counts_once() -> None:
    """P5's respond clock breached 21 Nov and stopped 24 Nov: one late stop over the range, where the days
    added up would count the breach on the 21st as well."""
    start, end = range_window(date(2026, 11, 20), date(2026, 11, 24))
    result = breakdown(
        november.EVENTS,
        dimension=Dimension.AGENCY,
        start=start,
        end=end,
        calendar=november.CALENDAR,
        backlog={},
    )
    putr = next(item for item in result.items if item["key"] == november.PUTR)
    # P4's follow-up Tue 24 on time, P5's late; the breach is not an unstopped one any more.
    assert putr["on_time_rate"]["respond"] == 0.5


def test_kecamatan_keys() -> None:
    assert kecamatan_key(None, SPELL) == UNKNOWN
    assert kecamatan_key("", SPELL) is None
    assert kecamatan_key("  ", SPELL) is None
    assert kecamatan_key(" CIKOLE ", SPELL) == "Cikole"
    assert kecamatan_key("Kampung Baru", SPELL) == "Kampung Baru"  # not in the list: as filed


def _parts(day: date, backlog: list[OverdueClock]) -> dict[str, Any]:
    start, end = day_window(day)
    _, parts = compute_with_parts(
        [], start=start, end=end, time=end, calendar=CALENDAR, backlog=backlog, backlog_at=end
    )
    return parts


def test_a_days_parts_keep_the_backlog_by_category_and_kecamatan() -> None:
    day = date(2026, 4, 8)
    deadline = datetime(2026, 4, 8, tzinfo=WIB)  # 24:00 on Tue 7: one HK overdue at 24:00 on Wed 8
    overdue = [
        OverdueClock(
            agency_id="dishub",
            kind=RESPOND,
            deadline=deadline,
            started_at=wib(3, 30),
            category="pju",
            kecamatan="Baros",
        ),
        OverdueClock(
            agency_id=None, kind=VERIFY, deadline=deadline, started_at=wib(4, 1), category=None, kecamatan=""
        ),
        OverdueClock(
            agency_id="dishub",
            kind=RESOLVE,
            deadline=deadline,
            started_at=wib(3, 1),
            category="pju",
            kecamatan=None,
        ),
    ]
    parts = _parts(day, overdue)
    assert parts["backlog"]["categories"] == {"": [1.0], "pju": [1.0, 1.0]}
    assert parts["backlog"]["kecamatan"] == {"": [1.0], "Baros": [1.0], UNKNOWN: [1.0]}
    stored = [(day, parts)]
    assert backlog_by_key(Dimension.CATEGORY, stored, SPELL) == {None: [1.0], "pju": [1.0, 1.0]}
    assert backlog_by_key(Dimension.KECAMATAN, stored, SPELL) == {None: [1.0], "Baros": [1.0], UNKNOWN: [1.0]}
    assert backlog_by_key(Dimension.AGENCY, stored, SPELL) == {"dishub": [1.0, 1.0]}
    assert backlog_by_key(Dimension.MONTH, stored, SPELL) == {"2026-04": [1.0, 1.0, 1.0]}


def test_the_backlog_is_the_last_stored_days_and_by_month_each_months_last() -> None:
    def one(day: date, category: str) -> tuple[date, dict[str, Any]]:
        deadline = datetime.combine(day, datetime.min.time(), WIB) - timedelta(days=1)
        clock = OverdueClock(
            kind=VERIFY,
            deadline=deadline,
            started_at=deadline - timedelta(days=5),
            category=category,
            kecamatan="Baros",
        )
        return day, _parts(day, [clock])

    stored = [one(date(2026, 3, 30), "jalan"), one(date(2026, 3, 31), "pju"), one(date(2026, 4, 2), "sampah")]
    assert list(backlog_by_key(Dimension.CATEGORY, stored, SPELL)) == ["sampah"]
    by_month = backlog_by_key(Dimension.MONTH, stored, SPELL)
    assert set(by_month) == {"2026-03", "2026-04"}
    assert by_month["2026-03"] == stored[1][1]["backlog"]["city"]
    assert backlog_by_key(Dimension.CATEGORY, [], SPELL) == {}


def test_a_day_stored_before_the_parts_kept_groups_gives_its_backlog_to_unknown() -> None:
    parts = _parts(date(2026, 4, 8), [])
    parts["backlog"] = {"city": [0.5, 1.5], "agencies": {}}  # as stored before this field
    stored = [(date(2026, 4, 8), parts)]
    assert backlog_by_key(Dimension.KECAMATAN, stored, SPELL) == {UNKNOWN: [0.5, 1.5]}
    assert backlog_by_key(Dimension.CATEGORY, stored, SPELL) == {UNKNOWN: [0.5, 1.5]}


@pytest.mark.parametrize("dimension", list(Dimension))
def test_the_same_events_in_any_order_give_the_same_items(dimension: Dimension) -> None:
    start, end = MARCH_APRIL
    forward = breakdown(EVENTS, dimension=dimension, start=start, end=end, calendar=CALENDAR, backlog={})
    backward = breakdown(
        list(reversed(EVENTS)) + EVENTS[:2],
        dimension=dimension,
        start=start,
        end=end,
        calendar=CALENDAR,
        backlog={},
    )
    assert forward == backward
