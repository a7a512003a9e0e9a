"""MetricsService's own rules on the fakes: a day's snapshot is stored and a recompute at the same `time` is
identical; who reads which day; the public summary's range checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from lapor.domain.calendar import local_date
from lapor.domain.errors import Forbidden, InvalidInput, NotFound
from lapor.domain.staff_inputs import FollowupInput, VerifyInput
from lapor.services.casework import CaseworkService
from lapor.services.metrics import MetricsService
from tests.fakes import InMemoryTable
from tests.unit.services.conftest import (
    COORDINATOR,
    DISHUB_OFFICIAL,
    DISHUB_OPERATOR,
    LEADERSHIP,
    PUTR_OFFICIAL,
    Clock,
)

VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")


def a_days_work(casework: CaseworkService, file: Callable[..., str], clock: Clock) -> date:
    day = local_date(clock.now())
    report_id = file()
    clock.at += timedelta(hours=1)
    casework.verify(COORDINATOR, report_id, VERIFY, None)
    clock.at += timedelta(hours=2)
    casework.follow_up(DISHUB_OPERATOR, report_id, FollowupInput(message="Petugas ke lokasi."), None)
    file(category="jalan")
    return day


def test_a_day_is_stored_and_a_recompute_at_the_same_time_is_identical(
    metrics: MetricsService,
    casework: CaseworkService,
    file: Callable[..., str],
    clock: Clock,
    table: InMemoryTable,
) -> None:
    day = a_days_work(casework, file, clock)
    time = clock.now() + timedelta(days=1)
    snapshot = metrics.compute_day(day, time)
    city = snapshot.document["city"]
    assert (city["received"], city["verified"], city["dispositions"]) == (2, 1, 1)
    assert city["response_time"]["n"] == 1
    assert city["response_time"]["mean_hk"] == pytest.approx(2 / 24, abs=1e-3)
    assert snapshot.document["agencies"]["dishub"]["followed_up_rate"] == 1.0
    assert table.snapshots[day] == snapshot
    clock.at += timedelta(days=3)
    file()  # later activity does not change a recompute as of the same time
    assert metrics.compute_day(day, time).document == snapshot.document


def test_who_reads_a_stored_day(
    metrics: MetricsService, casework: CaseworkService, file: Callable[..., str], clock: Clock
) -> None:
    day = a_days_work(casework, file, clock)
    with pytest.raises(NotFound):
        metrics.daily(COORDINATOR, day)
    metrics.compute_day(day, clock.now() + timedelta(days=1))
    assert "dishub" in metrics.daily(LEADERSHIP, day)["agencies"]
    assert set(metrics.daily(DISHUB_OFFICIAL, day)["agencies"]) == {"dishub"}
    assert set(metrics.daily(PUTR_OFFICIAL, day)["agencies"]) == set()  # the city's figures, not dishub's
    with pytest.raises(Forbidden):
        metrics.daily(DISHUB_OPERATOR, day)


def test_the_public_summary_adds_up_stored_days_and_recomputes_nothing(
    metrics: MetricsService,
    casework: CaseworkService,
    file: Callable[..., str],
    clock: Clock,
    table: InMemoryTable,
) -> None:
    day = a_days_work(casework, file, clock)
    clock.at += timedelta(days=1)
    assert (metrics.summary(day, day)["days"], metrics.summary(day, day)["city"]["received"]) == (0, 0)
    metrics.compute_day(day, clock.now())
    next_day = a_days_work(casework, file, clock)
    metrics.compute_day(next_day, clock.now() + timedelta(days=1))
    reads = table.writes
    summary = metrics.summary(day, next_day)
    assert table.writes == reads  # nothing stored: a read of the stored days only
    assert (summary["days"], summary["city"]["received"], summary["city"]["dispositions"]) == (2, 4, 2)
    assert summary["city"]["response_time"]["n"] == 2
    assert summary["agencies"]["dishub"]["followed_up_rate"] == 1.0
    file()  # activity after the night's run counts from the next night's run on
    assert metrics.summary(day, next_day)["city"]["received"] == 4
    with pytest.raises(InvalidInput):
        metrics.summary(day, day - timedelta(days=1))
    with pytest.raises(InvalidInput):
        metrics.summary(day - timedelta(days=92), day)
