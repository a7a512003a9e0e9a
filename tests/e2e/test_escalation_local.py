"""The escalation job through the local stack (DESIGN.md §4): `POST /_local/jobs/escalation` with a scheduled
event whose `time` is "now" runs the job, and its consequences (domain events, notifications), before it
answers.

The job runs over every report of the session's stack; each test looks at its own reports only, and at the
job's summary only where no other report can count (a second run at the same instant finds nothing to do).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.http_client import Api, Filed, actions, scheduled_event, sent

pytestmark = pytest.mark.e2e

LADDER = ["remind", "breach", "escalate"]
LATE = timedelta(days=30)  # past the 2N-th working day of every verify clock (N = 3 HK), holidays or not


def _at(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _run(api: Api, instant: datetime) -> dict[str, Any]:
    return api.run_job("escalation", scheduled_event(_at(instant)))


def _steps(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in report["timeline"] if entry["action"] in LADDER]


def _in_overdue_inbox(api: Api, report_id: str) -> bool:
    """Whether the coordinator's inbox filtered on overdue=true lists the report (every page)."""
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"overdue": "true", "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = api.get("/staff/reports", api.coordinator, **params)
        assert page.status_code == 200, page.text
        assert all(item["overdue"] is True for item in page.json()["items"])
        if report_id in [item["id"] for item in page.json()["items"]]:
            return True
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return False


def test_a_late_run_fires_every_level_once_in_order_and_a_replay_fires_nothing(api: Api) -> None:
    filed = api.file_confirmed()
    submitted = _instant(api.own_read(filed)["submitted_at"])
    late = submitted + LATE

    summary = _run(api, late)
    assert _instant(summary["now"]) == late.replace(microsecond=0)
    assert summary["failures"] == 0
    for action in LADDER:
        assert summary["by_action"].get(action, 0) >= 1, summary

    report = api.own_read(filed)
    assert report["status"] == "SUBMITTED"
    assert actions(report) == ["submit", *LADDER]
    assert all(entry["actor_role"] == "system" for entry in _steps(report))
    assert report["overdue"] is True
    assert report["escalation_level"] == 2
    staff = api.staff_read(filed.id)
    assert (staff["overdue"], staff["escalation_level"]) == (True, 2)
    assert _in_overdue_inbox(api, filed.id)
    email = filed.body["reporter"]["email"]
    assert sent(api.outbox(filed.id)) == [
        ("confirm_contact", email),
        ("pengingat_tenggat", "coordinator"),  # the verify clock is the coordinator's
        ("tenggat_terlampaui", "coordinator"),
        ("eskalasi", "leadership"),
        ("eskalasi", "coordinator"),
        ("hak_ombudsman", email),
    ]
    [ombudsman] = [item for item in api.outbox(filed.id) if item["template"] == "hak_ombudsman"]
    assert "Ombudsman" in ombudsman["message"]

    # The same run again (a retried or concurrent delivery): nothing is due any more, anywhere.
    outbox_before = api.outbox()
    replay = _run(api, late)
    assert replay["steps"] == 0, replay
    assert replay["by_action"] == {}
    assert api.outbox() == outbox_before
    again = api.own_read(filed)
    assert actions(again) == actions(report)
    assert again["version"] == report["version"]


def test_each_level_fires_at_its_instant(api: Api) -> None:
    filed: Filed = api.file_confirmed()
    report = api.own_read(filed)
    deadline = _instant(report["deadlines"]["verify"])
    submitted = _instant(report["submitted_at"])

    _run(api, deadline - timedelta(hours=24, minutes=15))
    assert actions(api.own_read(filed)) == ["submit"], "nothing is due before the reminder"

    _run(api, deadline - timedelta(hours=24))
    reminded = api.own_read(filed)
    assert actions(reminded) == ["submit", "remind"]
    assert (reminded["overdue"], reminded["escalation_level"]) == (False, 0)

    _run(api, deadline - timedelta(minutes=15))
    assert actions(api.own_read(filed)) == ["submit", "remind"]
    _run(api, deadline)
    breached = api.own_read(filed)
    assert actions(breached) == ["submit", "remind", "breach"]
    assert (breached["overdue"], breached["escalation_level"]) == (True, 1)
    assert _in_overdue_inbox(api, filed.id)

    _run(api, submitted + LATE)
    escalated = api.own_read(filed)
    assert actions(escalated) == ["submit", *LADDER]
    assert (escalated["overdue"], escalated["escalation_level"]) == (True, 2)

    # A run for an earlier instant lowers nothing.
    _run(api, deadline)
    assert api.own_read(filed)["escalation_level"] == 2
    ombudsman = [item for item in api.outbox(filed.id) if item["template"] == "hak_ombudsman"]
    assert len(ombudsman) == 1

    # The coordinator verifies: the verify clock stops, and with it the indicators.
    verified = api.act(
        filed.id,
        "verify",
        {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": "dishub"},
        api.coordinator,
    )
    assert (verified["overdue"], verified["escalation_level"]) == (False, 0)


def test_a_pending_report_expires_when_its_clock_runs_out(api: Api) -> None:
    filed = api.file_confirmed()
    suspended = api.act(filed.id, "suspend", {"reason": "Mohon lampirkan alamat lengkap."}, api.coordinator)
    # 720 hours after the suspension, to the millisecond; the scheduled time has whole seconds.
    expiry = _instant(suspended["deadlines"]["pending"]).replace(microsecond=0) + timedelta(seconds=1)

    _run(api, expiry - timedelta(seconds=2))
    assert api.own_read(filed)["status"] == "PENDING"
    _run(api, expiry)
    archived = api.own_read(filed)
    assert archived["status"] == "ARCHIVED"
    assert actions(archived) == ["submit", "suspend", "expire"]
    assert archived["timeline"][-1]["actor_role"] == "system"
    assert sent(api.outbox(filed.id))[-1] == ("laporan_kedaluwarsa", filed.body["reporter"]["email"])


def test_an_empty_body_runs_the_job_now_and_unknown_jobs_are_404(api: Api) -> None:
    before = datetime.now().astimezone()
    summary = api.run_job("escalation", {})
    # "now", rounded up to the scheduler's whole seconds so that what has just happened counts
    assert (
        before - timedelta(seconds=1)
        <= _instant(summary["now"])
        <= datetime.now().astimezone() + timedelta(seconds=1)
    )
    assert api.post("/_local/jobs/escalation").status_code == 200  # no body at all: also "now"
    assert api.post("/_local/jobs/EscalationFunction", {}).status_code == 200
    nightly = api.post("/_local/jobs/metrics", {})
    assert nightly.status_code == 200, nightly.text
    assert [day["date"] for day in nightly.json()["computed"]] == [
        (datetime.now(ZoneInfo("Asia/Jakarta")).date() - timedelta(days=1)).isoformat()
    ]
    assert api.post("/_local/jobs/nightly-backup", {}).status_code == 404
    refused = api.post("/_local/jobs/escalation", [1, 2])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_error"
