"""Query and path dates are ISO dates in a sane range: no Unix timestamps, no year 1 or 9999."""

from __future__ import annotations

from tests.integration.conftest import Invoke


def test_a_timestamp_is_not_a_date_and_extreme_years_are_refused(invoke: Invoke, staff: Invoke) -> None:
    assert invoke("get_metrics_summary", query={"to": "0"}).status == 400
    assert invoke("get_metrics_summary", query={"from": "0001-01-01", "to": "0001-01-01"}).status == 422
    assert staff("get_staff_reports", "coordinator", query={"to": "0"}).status == 400
    extreme = staff(
        "get_exports_reports_csv", "coordinator", query={"from": "9999-12-31", "to": "9999-12-31"}
    )
    assert extreme.status == 422
    assert staff("get_staff_metrics_daily", "coordinator", day="0").status in (400, 422)
