"""The local scheduler: while `make run` serves, the template's `ScheduleV2` jobs run on the real clock.

In-process for what a tick does (the event it sends, failures, disabled schedules, settings), and one stack of
its own with a one-second period for the real thing (the session's stack runs with the scheduler off).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from local.scheduler.clock import (
    Scheduler,
    SchedulerSettings,
    SchedulerSettingsError,
    next_tick,
    tick_instant,
)
from local.scheduler.jobs import JobRunner
from local.template import ScheduleSpec, load_template

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
INPUT = {
    "version": "0",
    "id": "<aws.scheduler.execution-id>",
    "detail-type": "Scheduled Event",
    "source": "aws.scheduler",
    "time": "<aws.scheduler.scheduled-time>",
    "resources": ["<aws.scheduler.schedule-arn>"],
    "detail": {},
}


def _schedule(function_id: str, event_name: str, state: str | None = None) -> ScheduleSpec:
    return ScheduleSpec(function_id, event_name, None, "cron(0/15 * * * ? *)", "Asia/Jakarta", INPUT, state)


class _RecordingJobs(JobRunner):
    """Records each run; `failing` functions raise, `unwritten` ones have no handler file yet."""

    def __init__(
        self, failing: frozenset[str] = frozenset(), unwritten: frozenset[str] = frozenset()
    ) -> None:
        self.runs: list[tuple[str, Any]] = []
        self._failing = failing
        self._unwritten = unwritten

    def written(self, schedule: ScheduleSpec) -> bool:
        return schedule.function_id not in self._unwritten

    def run(self, schedule: ScheduleSpec, event: Any) -> Any:
        self.runs.append((schedule.function_id, event))
        if schedule.function_id in self._failing:
            raise RuntimeError("the reporter Siti Aminah at siti@example.id")  # must not be logged
        return {"ok": True}


def test_the_real_template_has_the_escalation_and_metrics_jobs() -> None:
    schedules = {s.job_name: s for s in load_template().schedules()}
    assert set(schedules) == {"escalation", "metrics"}
    assert schedules["metrics"].function_id == "MetricsFunction"
    schedule = schedules["escalation"]
    assert schedule.function_id == "EscalationFunction"
    assert schedule.job_name == "escalation"
    assert {"escalation", "escalationfunction", "escalationschedule"} <= schedule.job_names
    assert schedule.input["time"] == "<aws.scheduler.scheduled-time>"


def test_a_tick_sends_each_enabled_job_its_scheduled_event(capsys: pytest.CaptureFixture[str]) -> None:
    jobs = _RecordingJobs()
    scheduler = Scheduler(
        [_schedule("EscalationFunction", "EscalationSchedule"), _schedule("Off", "Paused", "DISABLED")], jobs
    )
    assert [schedule.job_name for schedule in scheduler.schedules] == ["escalation"]
    instant = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    scheduler.tick(instant)
    [(function_id, event)] = jobs.runs
    assert function_id == "EscalationFunction"
    assert event["time"] == "2026-12-02T17:00:00Z"
    assert event["source"] == "aws.scheduler"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"][0].startswith("arn:aws:scheduler:")
    assert "<aws.scheduler" not in str(event)
    assert "scheduled escalation at 2026-12-02T17:00:00Z -> ok" in capsys.readouterr().err


def test_a_failing_job_is_logged_by_type_and_the_next_carries_on(capsys: pytest.CaptureFixture[str]) -> None:
    jobs = _RecordingJobs(failing=frozenset({"Broken"}), unwritten=frozenset({"Later"}))
    scheduler = Scheduler(
        [_schedule("Broken", "BrokenSchedule"), _schedule("Later", "LaterJob"), _schedule("Fine", "Fine")],
        jobs,
    )
    scheduler.tick(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    scheduler.tick(datetime(2026, 12, 2, 17, 1, tzinfo=UTC))
    assert [function_id for function_id, _ in jobs.runs] == ["Broken", "Fine", "Broken", "Fine"]
    err = capsys.readouterr().err
    assert err.count("scheduled broken at") == 2
    assert "-> failed: RuntimeError" in err
    assert "Siti" not in err
    assert "example.id" not in err
    assert err.count("Later is not written yet") == 1


def test_ticks_fall_on_whole_periods() -> None:
    assert next_tick(120.0, 60.0) == 180.0
    assert next_tick(121.5, 60.0) == 180.0
    assert next_tick(179.999, 60.0) == 180.0
    assert next_tick(10.2, 5.0) == 15.0
    assert tick_instant(1796000000.7) == datetime.fromtimestamp(1796000000, tz=UTC)


def test_the_scheduler_thread_ticks_and_stops() -> None:
    jobs = _RecordingJobs()
    scheduler = Scheduler([_schedule("EscalationFunction", "EscalationSchedule")], jobs, period_seconds=1.0)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while len(jobs.runs) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop(timeout=5)
    times = [event["time"] for _, event in jobs.runs]
    assert len(times) >= 2
    assert times == sorted(set(times)), "one run per tick, each at its own instant"
    count = len(jobs.runs)
    time.sleep(1.5)
    assert len(jobs.runs) == count, "stopped"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, SchedulerSettings(enabled=True, period_seconds=60.0)),
        ({"LAPOR_SCHEDULER": "off"}, SchedulerSettings(enabled=False, period_seconds=60.0)),
        ({"LAPOR_SCHEDULER": "on", "LAPOR_SCHEDULER_SECONDS": "5"}, SchedulerSettings(True, 5.0)),
        ({"LAPOR_SCHEDULER_SECONDS": "0.5e1"}, SchedulerSettings(True, 5.0)),
    ],
)
def test_scheduler_settings(environment: dict[str, str], expected: SchedulerSettings) -> None:
    assert SchedulerSettings.from_environment(environment) == expected


@pytest.mark.parametrize(
    "environment",
    [
        {"LAPOR_SCHEDULER": "sometimes"},
        {"LAPOR_SCHEDULER_SECONDS": "0"},
        {"LAPOR_SCHEDULER_SECONDS": "soon"},
        {"LAPOR_SCHEDULER_SECONDS": "nan"},
    ],
)
def test_bad_scheduler_settings_are_refused(environment: dict[str, str]) -> None:
    with pytest.raises(SchedulerSettingsError):
        SchedulerSettings.from_environment(environment)


def test_bad_settings_stop_the_stack_before_it_starts(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "PORT": "0",
        "LAPOR_DATA_DIR": str(tmp_path / "data"),
        "LAPOR_SCHEDULER": "maybe",
    }
    done = subprocess.run(
        [sys.executable, "-m", "local"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "LAPOR_SCHEDULER must be on or off" in done.stderr


def test_make_run_runs_the_escalation_job_on_the_clock(
    start_stack: Callable[..., LocalStackProcess], tmp_path: Path
) -> None:
    process = start_stack(tmp_path / "local-data", {"LAPOR_SCHEDULER": "on", "LAPOR_SCHEDULER_SECONDS": "1"})
    base_url = process.start()
    banner = process.stdout_path.read_text(encoding="utf-8")
    assert re.search(r"Scheduler\s+escalation, metrics every 1 s", banner), banner

    ran = re.compile(r"local: scheduled escalation at (\S+Z) -> ok")
    deadline = time.monotonic() + 20
    while len(ran.findall(process.stderr_path.read_text(encoding="utf-8"))) < 2:
        assert time.monotonic() < deadline, process.output_tail()
        time.sleep(0.2)
    instants = ran.findall(process.stderr_path.read_text(encoding="utf-8"))
    assert instants == sorted(set(instants))
    # While it runs, a job by hand and the API still answer.
    assert requests.post(f"{base_url}/_local/jobs/escalation", json={}, timeout=30).status_code == 200
    assert requests.get(f"{base_url}/health", timeout=30).status_code == 200
    assert process.stop() == 0
    assert "failed" not in process.stderr_path.read_text(encoding="utf-8")


def test_the_session_stack_runs_no_job_by_itself(stack_process: LocalStackProcess) -> None:
    banner = stack_process.stdout_path.read_text(encoding="utf-8")
    assert re.search(r"Scheduler\s+off \(LAPOR_SCHEDULER=off\)", banner), banner
    assert "local: scheduled " not in stack_process.stderr_path.read_text(encoding="utf-8")
