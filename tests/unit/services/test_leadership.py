"""LeadershipReports' own rules on the fakes: who reads what, the ranges, what each read costs, the backlog
from the stored days, the recap; and the metric events carrying what the breakdowns group by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from lapor.domain.breakdown import Dimension
from lapor.domain.calendar import local_date
from lapor.domain.errors import Forbidden, InvalidInput
from lapor.domain.lifecycle import Role
from lapor.domain.roster import Decree, Officer
from lapor.domain.staff_inputs import CloseInput, FollowupInput, VerifyInput
from lapor.services.casework import CaseworkService
from lapor.services.city_setup import CitySetupCache
from lapor.services.leadership import LeadershipReports
from lapor.services.metrics import MetricsService
from tests.fakes import InMemoryRoster, InMemoryTable
from tests.unit.services.conftest import (
    COORDINATOR,
    DISHUB_OFFICIAL,
    DISHUB_OPERATOR,
    LEADERSHIP,
    PUTR_OFFICIAL,
    Clock,
)

VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")
ANSWER = FollowupInput(message="Petugas sudah ke lokasi.")


class CountingTable:
    """The fake table, counting the days whose metric events were read."""

    def __init__(self, table: InMemoryTable) -> None:
        self.table = table
        self.days: list[date] = []

    def metric_events(self, day: date) -> list[dict[str, Any]]:
        self.days.append(day)
        return self.table.metric_events(day)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


@pytest.fixture
def roster() -> InMemoryRoster:
    roster = InMemoryRoster()
    decree = Decree(number="800/12/2026", date=date(2026, 1, 5))
    for officer in (
        Officer(
            id="op-dishub",
            name="Ani Rahmawati",
            email="ani@sukabumikota.go.id",
            role=Role.OPERATOR,
            agency_id="dishub",
            decree=decree,
        ),
        Officer(
            id="op-putr",
            name="Citra Dewi",
            email="citra@sukabumikota.go.id",
            role=Role.OPERATOR,
            agency_id="dinas-putr",
            decree=decree,
        ),
    ):
        roster.put_officer(officer, None, {})
    return roster


@pytest.fixture
def counting(table: InMemoryTable) -> CountingTable:
    return CountingTable(table)


@pytest.fixture
def reports(
    counting: CountingTable, setup: CitySetupCache, roster: InMemoryRoster, clock: Clock
) -> LeadershipReports:
    return LeadershipReports(counting, setup, roster, target_hk=2.0, now=clock.now)  # type: ignore[arg-type]


def answered_report(casework: CaseworkService, file: Callable[..., str], clock: Clock, **report: Any) -> str:
    report_id = file(**report)
    clock.at += timedelta(hours=1)
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    clock.at += timedelta(hours=3)
    casework.follow_up(DISHUB_OPERATOR, report_id, ANSWER, None)
    return report_id


def test_the_metric_events_carry_the_kecamatan_and_the_actor(
    casework: CaseworkService, file: Callable[..., str], clock: Clock, table: InMemoryTable
) -> None:
    answered_report(casework, file, clock)
    file(location=None)
    records = table.metric_records[local_date(clock.now())]
    assert [(r["action"], r["kecamatan"], r.get("actor_id")) for r in records] == [
        ("submit", "Cikole", None),
        ("verify", "Cikole", "coord-1"),
        ("followup", "Cikole", "op-dishub"),
        ("submit", "", None),  # none named: "", never missing (missing means an older event)
    ]


def test_a_breakdown_by_each_dimension(
    reports: LeadershipReports, casework: CaseworkService, file: Callable[..., str], clock: Clock
) -> None:
    day = local_date(clock.now())
    answered_report(casework, file, clock)
    file(location=None, category="jalan")
    by_kecamatan = reports.breakdown(LEADERSHIP, day, day, Dimension.KECAMATAN)
    assert by_kecamatan["by"] == "kecamatan"
    assert [(i["key"], i["received"], i["response_time"]["n"]) for i in by_kecamatan["items"]] == [
        ("Cikole", 1, 1),
        (None, 1, 0),
    ]
    assert by_kecamatan["items"][0]["response_time"]["mean_hk"] == pytest.approx(3 / 24, abs=1e-4)
    by_category = reports.breakdown(COORDINATOR, day, day, Dimension.CATEGORY)["items"]
    assert [(i["key"], i["received"]) for i in by_category] == [("jalan", 1), ("pju", 1)]
    by_agency = reports.breakdown(COORDINATOR, day, day, Dimension.AGENCY)["items"]
    assert [(i["key"], i["received"]) for i in by_agency] == [("dishub", 1)]
    by_month = reports.breakdown(COORDINATOR, day, day, Dimension.MONTH)["items"]
    assert [(i["key"], i["received"]) for i in by_month] == [(f"{day:%Y-%m}", 2)]


def test_who_reads_what(reports: LeadershipReports, clock: Clock) -> None:
    day = local_date(clock.now())
    for caller in (DISHUB_OPERATOR, DISHUB_OFFICIAL):
        with pytest.raises(Forbidden):
            reports.breakdown(caller, day, day, Dimension.AGENCY)
        with pytest.raises(Forbidden):
            reports.recap(caller, f"{day:%Y-%m}")
    with pytest.raises(Forbidden):
        reports.officers(DISHUB_OPERATOR, day, day)
    assert reports.officers(DISHUB_OFFICIAL, day, day) == {
        "items": [
            {
                "officer_id": "op-dishub",
                "name": "Ani Rahmawati",
                "agency_id": "dishub",
                "followups": 0,
                "closes": 0,
                "response_time": reports.officers(LEADERSHIP, day, day)["items"][0]["response_time"],
            }
        ]
    }


def test_officers_are_named_from_the_roster_and_an_official_sees_its_agency(
    reports: LeadershipReports, casework: CaseworkService, file: Callable[..., str], clock: Clock
) -> None:
    day = local_date(clock.now())
    report_id = answered_report(casework, file, clock)
    clock.at += timedelta(hours=1)
    casework.close(DISHUB_OFFICIAL, report_id, CloseInput(resolution="Lampu sudah diganti."), None)
    items = {row["officer_id"]: row for row in reports.officers(COORDINATOR, day, day)["items"]}
    assert list(items) == ["op-dishub", "off-dishub", "op-putr"]  # most active first, then the idle
    assert (items["op-dishub"]["name"], items["op-dishub"]["followups"]) == ("Ani Rahmawati", 1)
    assert items["op-dishub"]["response_time"]["n"] == 1
    assert (items["off-dishub"]["name"], items["off-dishub"]["agency_id"], items["off-dishub"]["closes"]) == (
        None,  # not in the roster: still counted
        "dishub",
        1,
    )
    assert [row["officer_id"] for row in reports.officers(PUTR_OFFICIAL, day, day)["items"]] == ["op-putr"]


def test_a_range_is_at_most_92_days_and_ordered(reports: LeadershipReports, clock: Clock) -> None:
    day = local_date(clock.now())
    with pytest.raises(InvalidInput) as late:
        reports.breakdown(COORDINATOR, day - timedelta(days=92), day, Dimension.AGENCY)
    assert [p.field for p in late.value.problems] == ["to"]
    with pytest.raises(InvalidInput) as reversed_range:
        reports.officers(COORDINATOR, day, day - timedelta(days=1))
    assert [p.field for p in reversed_range.value.problems] == ["from"]
    reports.breakdown(COORDINATOR, day - timedelta(days=91), day, Dimension.AGENCY)  # 92 days: fine


def test_a_range_reads_each_of_its_days_once_and_no_day_after_today(
    reports: LeadershipReports, counting: CountingTable, clock: Clock
) -> None:
    today = local_date(clock.now())
    reports.breakdown(COORDINATOR, today - timedelta(days=9), today + timedelta(days=20), Dimension.MONTH)
    assert counting.days == [today - timedelta(days=n) for n in range(9, -1, -1)]


def test_the_backlog_comes_from_the_last_stored_day(
    reports: LeadershipReports,
    metrics: MetricsService,
    casework: CaseworkService,
    file: Callable[..., str],
    clock: Clock,
) -> None:
    first = local_date(clock.now())
    # Tue 17 March; its verify clock (3 HK) skips 18-24 March (Nyepi, Idul Fitri and their cuti bersama).
    file(location={"lat": -6.9, "lon": 106.9, "kecamatan": "Baros"})
    clock.at += timedelta(days=14)  # Tue 31 March: overdue since 24:00 on Fri 27
    last = local_date(clock.now())
    assert (
        reports.breakdown(COORDINATOR, first, last, Dimension.KECAMATAN)["items"][0]["backlog"]["overdue"]
        == 0
    )
    metrics.compute_day(last - timedelta(days=1), clock.now())
    [baros] = reports.breakdown(COORDINATOR, first, last, Dimension.KECAMATAN)["items"]
    assert baros["key"] == "Baros"
    assert baros["backlog"] == {"overdue": 1, "oldest_hk": 1.0, "mean_age_hk": 1.0}  # Monday's, at 24:00
    [month] = reports.breakdown(COORDINATOR, first, last, Dimension.MONTH)["items"]
    assert month["backlog"]["overdue"] == 1
    assert (
        reports.breakdown(COORDINATOR, first, last, Dimension.AGENCY)["items"] == []
    )  # the coordinator's clock


def test_the_snapshot_says_whether_each_mean_meets_the_target(
    metrics: MetricsService,
    casework: CaseworkService,
    file: Callable[..., str],
    clock: Clock,
    table: InMemoryTable,
    setup: CitySetupCache,
) -> None:
    day = local_date(clock.now())
    answered_report(casework, file, clock)
    document = metrics.compute_day(day, clock.now() + timedelta(days=1)).document
    assert document["response_time_target_hk"] == 2.0
    assert document["city"]["response_time_target_met"] is True  # 3 hours
    assert document["agencies"]["dishub"]["response_time_target_met"] is True
    strict = MetricsService(table, setup, due_shards=3, response_time_target_hk=0.1, now=clock.now)
    assert (
        strict.compute_day(day, clock.now() + timedelta(days=1)).document["city"]["response_time_target_met"]
        is False
    )


def test_the_recap_of_a_month(
    reports: LeadershipReports, casework: CaseworkService, file: Callable[..., str], clock: Clock
) -> None:
    month = f"{local_date(clock.now()):%Y-%m}"
    answered_report(casework, file, clock)
    recap = reports.recap(LEADERSHIP, month)
    assert recap.city.received == 1
    assert [(a.agency_id, a.name, a.received) for a in recap.agencies] == [("dishub", "Dinas Perhubungan", 1)]
    assert recap.agencies[0].response_time_target_met is True
    assert [o.officer_id for o in recap.officers] == ["op-dishub"]  # the idle are not "most active"
    assert recap.backlog_as_of is None  # no day stored yet


@pytest.mark.parametrize("month", ["2026-04", "1999-12", "2026-13", "9999-12"])
def test_a_month_not_begun_or_out_of_range_is_refused(reports: LeadershipReports, month: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        reports.recap(COORDINATOR, month)  # the clock is in March 2026
    assert [p.field for p in refused.value.problems] == ["month"]
