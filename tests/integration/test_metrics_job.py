"""The nightly metrics job on moto: a day of activity through the API, the snapshot it stores, the EMF it
emits, the staff and public reads, recomputes and empty days."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lapor.domain.calendar import WIB
from tests.integration.conftest import ROOT, Invoke, valid_report
from tools.lambda_context import LambdaContext

SCHEDULED = json.loads((ROOT / "events" / "metrics" / "scheduled.json").read_text(encoding="utf-8"))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


def run_metrics(time: datetime, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    from metrics.handler import run

    event = copy.deepcopy(SCHEDULED)
    event["time"] = time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event["detail"] = detail or {}
    return run(event, LambdaContext("metrics", 512, 300))


def one_day(invoke: Invoke, staff: Invoke, clock: Any) -> list[str]:
    """Friday 27 November 2026: three reports; one followed up, closed and rated; one only disposed."""
    ids = []
    for hour in (8, 9, 10):
        clock.set(at(2026, 11, 27, hour))
        filed = invoke("post_reports", body=valid_report(incident_date=None))
        assert filed.status == 201
        ids.append((filed.body["id"], filed.body["access_token"]))
    clock.set(at(2026, 11, 27, 11))
    for report_id, _ in ids[:2]:
        assert staff("post_verify", "coordinator", report_id=report_id).status == 200
    clock.set(at(2026, 11, 27, 15))  # answered 4 hours after disposition: 4/24 HK
    assert staff("post_followups", "operator", "dishub", report_id=ids[0][0]).status == 200
    clock.set(at(2026, 11, 27, 16))
    assert staff("post_close", "official", "dishub", report_id=ids[0][0]).status == 200
    clock.set(at(2026, 11, 27, 17))
    rated = invoke(
        "post_rating",
        report_id=ids[0][0],
        body={"score": 4, "resolved": True},
        headers={"X-Report-Token": ids[0][1]},
    )
    assert rated.status == 201
    return [report_id for report_id, _ in ids]


def test_the_nightly_run_computes_stores_and_emits_the_day(
    invoke: Invoke, staff: Invoke, clock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    one_day(invoke, staff, clock)
    capsys.readouterr()
    summary = run_metrics(at(2026, 11, 28, 0, 30))
    assert [c["date"] for c in summary["computed"]] == ["2026-11-27"]
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert {line["Agency"] for line in emitted} >= {"city", "dishub"}
    daily = staff("get_staff_metrics_daily", "coordinator", day="2026-11-27")
    assert daily.status == 200, daily.body
    city = daily.body["city"]
    assert city["received"] == 3
    assert city["verified"] == 2
    assert city["dispositions"] == 2
    assert city["response_time"]["n"] == 1
    assert city["response_time"]["mean_hk"] == pytest.approx(4 / 24, abs=1e-4)
    assert city["response_time"]["mean_days"] == pytest.approx(4 / 24, abs=1e-4)
    assert city["followed_up_rate"] == 0.5
    assert city["completion_rate"] == 0.5
    assert city["satisfaction"] == {"n": 1, "mean": 4.0, "top_two_box": 1.0}
    assert daily.body["agencies"]["dishub"]["dispositions"] == 2
    assert daily.body["ranking"] == []  # fewer than 5 samples: not ranked
    assert "Siti" not in json.dumps(daily.body)


def test_a_recompute_at_the_same_time_is_identical(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    one_day(invoke, staff, clock)
    run_metrics(at(2026, 11, 28, 0, 30))
    first = staff("get_staff_metrics_daily", "coordinator", day="2026-11-27").body
    clock.set(at(2026, 11, 30, 9))  # later activity must not change the stored day's figures
    run_metrics(at(2026, 12, 2, 0, 30), detail={"date": "2026-11-27"})
    again = staff("get_staff_metrics_daily", "coordinator", day="2026-11-27").body
    assert again == first


def test_a_day_without_activity_is_zeros(staff: Invoke) -> None:
    run_metrics(at(2026, 11, 29, 0, 30))
    day = staff("get_staff_metrics_daily", "coordinator", day="2026-11-28").body
    assert day["city"]["received"] == 0
    assert day["city"]["response_time"] == {
        "n": 0,
        "mean_hk": 0.0,
        "median_hk": 0.0,
        "p90_hk": 0.0,
        "mean_days": 0.0,
        "median_days": 0.0,
        "p90_days": 0.0,
    }
    assert day["agencies"] == {}


def test_who_reads_the_daily_figures(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    one_day(invoke, staff, clock)
    run_metrics(at(2026, 11, 28, 0, 30))
    assert staff("get_staff_metrics_daily", "leadership", day="2026-11-27").status == 200
    official = staff("get_staff_metrics_daily", "official", "dlh", day="2026-11-27")
    assert official.status == 200
    assert official.body["agencies"] == {}
    assert staff("get_staff_metrics_daily", "operator", "dishub", day="2026-11-27").status == 403
    assert staff("get_staff_metrics_daily", "coordinator", day="2026-11-26").status == 404


def test_the_public_summary_over_a_range(invoke: Invoke, staff: Invoke, clock: Any) -> None:
    one_day(invoke, staff, clock)
    run_metrics(at(2026, 11, 28, 0, 30))
    clock.set(at(2026, 11, 28, 9))
    answer = invoke("get_metrics_summary", query={"from": "2026-11-20", "to": "2026-11-27"})
    assert answer.status == 200, answer.body
    assert answer.body["from"] == "2026-11-20"
    assert answer.body["city"]["received"] == 3
    assert "Siti" not in json.dumps(answer.body)
    assert invoke("get_metrics_summary", query={"from": "2026-11-27", "to": "2026-11-01"}).status == 422
    assert invoke("get_metrics_summary", query={"from": "yesterday"}).status == 400
