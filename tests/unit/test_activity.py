"""Per-officer activity (`lapor.domain.activity`) and the response-time target
(`lapor.domain.response_target`) on hand-made metric events (March 2026, WIB; Mon 9 – Fri 13 are working
days)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from lapor.domain.activity import officer_activity
from lapor.domain.calendar import WIB, WorkingCalendar
from lapor.domain.indicators import MetricEvent, MetricStoppedClock, range_window
from lapor.domain.lifecycle import Action, ClockKind, Role
from lapor.domain.response_target import meets_target, with_target
from lapor.domain.roster import Decree, Officer

CALENDAR = WorkingCalendar()
WEEK = range_window(date(2026, 3, 9), date(2026, 3, 13))
DECREE = Decree(number="800/Kep.12-Diskominfo/2026", date=date(2026, 1, 5))


def wib(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=WIB)


def officer(officer_id: str, name: str, role: Role, agency: str | None, *, active: bool = True) -> Officer:
    return Officer(
        id=officer_id,
        name=name,
        email=f"{officer_id}@sukabumikota.go.id",
        role=role,
        agency_id=agency,
        active=active,
        decree=DECREE,
    )


ROSTER = [
    officer("sub-ani", "Ani Rahmawati", Role.OPERATOR, "dishub"),
    officer("sub-budi", "Budi Santoso", Role.OFFICIAL, "dishub"),
    officer("sub-citra", "Citra Dewi", Role.OPERATOR, "dinas-putr"),
    officer("sub-dodi", "Dodi Pratama", Role.OPERATOR, "dinas-putr", active=False),  # left: listed if active
    officer("sub-koor", "Koordinator Kota", Role.COORDINATOR, None),
]
_seq: dict[str, int] = {}


def event(
    report: str, at: datetime, action: Action, role: Role, actor: str | None, agency: str | None, **more: Any
) -> MetricEvent:
    _seq[report] = _seq.get(report, 1) + 1
    return MetricEvent(
        report_id=report,
        seq=_seq[report],
        at=at,
        action=action,
        actor_role=role,
        actor_id=actor,
        type="complaint",
        agency_id=agency,
        **more,
    )


def answered(started: datetime, stopped: datetime) -> tuple[MetricStoppedClock, ...]:
    return (
        MetricStoppedClock(
            kind=ClockKind.RESPOND, started_at=started, deadline=wib(20), stopped_at=stopped, on_time=True
        ),
    )


EVENTS = [
    # Ani answers two dispositions first (6 h and 30 h after them) and follows one up again.
    event(
        "R1",
        wib(9, 15),
        Action.FOLLOWUP,
        Role.OPERATOR,
        "sub-ani",
        "dishub",
        stopped_clocks=answered(wib(9, 9), wib(9, 15)),
    ),
    event(
        "R2",
        wib(11, 15),
        Action.FOLLOWUP,
        Role.OPERATOR,
        "sub-ani",
        "dishub",
        stopped_clocks=answered(wib(10, 9), wib(11, 15)),
    ),
    event("R1", wib(12, 9), Action.FOLLOWUP, Role.OPERATOR, "sub-ani", "dishub"),
    # Budi (official) closes both; the coordinator closes a third agency's report.
    event("R1", wib(13, 9), Action.CLOSE, Role.OFFICIAL, "sub-budi", "dishub"),
    event("R2", wib(13, 10), Action.CLOSE, Role.OFFICIAL, "sub-budi", "dishub"),
    event("R3", wib(13, 11), Action.CLOSE, Role.COORDINATOR, "sub-koor", "dinas-putr"),
    # An operator the roster does not hold (a token from before the roster) answers a dinas-putr report.
    event(
        "R4",
        wib(10, 12),
        Action.FOLLOWUP,
        Role.OPERATOR,
        "sub-ghost",
        "dinas-putr",
        stopped_clocks=answered(wib(10, 9), wib(10, 12)),
    ),
    # What counts for no one: an internal note, the system's auto-close, an event without an actor, a
    # verification, and a follow-up after the range.
    event("R4", wib(11, 9), Action.NOTE, Role.OPERATOR, "sub-citra", "dinas-putr", internal=True),
    event("R5", wib(12, 0), Action.AUTO_CLOSE, Role.SYSTEM, "system", "dishub"),
    event("R6", wib(12, 10), Action.FOLLOWUP, Role.OPERATOR, None, "dishub"),
    event("R7", wib(9, 10), Action.VERIFY, Role.COORDINATOR, "sub-koor", "dishub"),
    event("R7", wib(16, 10), Action.FOLLOWUP, Role.OPERATOR, "sub-citra", "dinas-putr"),
]


def activity(scope: str | None = None, events: list[MetricEvent] = EVENTS) -> dict[str, dict[str, Any]]:
    start, end = WEEK
    rows = officer_activity(events, start=start, end=end, calendar=CALENDAR, roster=ROSTER, scope=scope)
    return {row["officer_id"]: dict(row) for row in rows}


def test_each_officers_followups_closes_and_first_answers() -> None:
    rows = activity()
    ani = rows["sub-ani"]
    assert (ani["name"], ani["agency_id"], ani["followups"], ani["closes"]) == (
        "Ani Rahmawati",
        "dishub",
        3,
        0,
    )
    # Two first answers: 6 h (0.25 HK) and 30 h (1.25 HK): the third follow-up stopped no clock.
    assert ani["response_time"]["n"] == 2
    assert ani["response_time"]["mean_hk"] == 0.75
    assert ani["response_time"]["p90_hk"] == 1.25
    assert ani["response_time"]["mean_days"] == 0.75
    assert (rows["sub-budi"]["closes"], rows["sub-budi"]["followups"]) == (2, 0)
    assert rows["sub-budi"]["response_time"]["n"] == 0
    assert (rows["sub-koor"]["closes"], rows["sub-koor"]["agency_id"]) == (1, None)


def test_an_actor_not_in_the_roster_appears_without_a_name() -> None:
    ghost = activity()["sub-ghost"]
    assert (ghost["name"], ghost["agency_id"], ghost["followups"]) == (None, "dinas-putr", 1)
    assert ghost["response_time"]["mean_hk"] == 0.125


def test_active_agency_officers_are_listed_with_zeros_and_others_only_when_they_acted() -> None:
    rows = activity()
    assert rows["sub-citra"]["followups"] == 0  # her note is internal, her follow-up after the range
    assert "sub-dodi" not in rows  # inactive, no activity
    assert "system" not in rows
    assert list(rows) == ["sub-ani", "sub-budi", "sub-ghost", "sub-koor", "sub-citra"]  # most active first


def test_an_officials_scope_keeps_its_agency() -> None:
    rows = activity(scope="dinas-putr")
    assert set(rows) == {"sub-ghost", "sub-citra"}  # the coordinator's close of R3 is not an agency officer's
    assert set(activity(scope="dishub")) == {"sub-ani", "sub-budi"}


def test_an_event_seen_twice_counts_once() -> None:
    assert activity(events=EVENTS + EVENTS[:3])["sub-ani"]["followups"] == 3


def test_the_target_is_met_under_it_and_says_nothing_without_samples() -> None:
    times = {"n": 4, "mean_hk": 1.89}
    assert meets_target(times, 2.0) is True
    assert meets_target({"n": 4, "mean_hk": 2.0}, 2.0) is False  # "under 2 days"
    assert meets_target({"n": 0, "mean_hk": 0.0}, 2.0) is None
    document = {
        "date": "2026-03-13",
        "city": {"received": 3, "response_time": times},
        "agencies": {"dishub": {"received": 1, "response_time": {"n": 1, "mean_hk": 2.5}}},
        "ranking": [],
    }
    added = with_target(document, 2.0)
    assert added["response_time_target_hk"] == 2.0
    assert added["city"] == {**document["city"], "response_time_target_met": True}
    assert added["agencies"]["dishub"]["response_time_target_met"] is False
    assert {k: v for k, v in added.items() if k != "response_time_target_hk"}.keys() == document.keys()
    assert "response_time_target_met" not in document["city"]  # the input is not changed
