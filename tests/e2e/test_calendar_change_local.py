"""DESIGN.md §3 on the local stack: a calendar change moves running deadlines before `PUT
/staff/calendar/{year}` answers (the change's `lapor.calendar.changed` event runs the escalation function's
recompute, and the local stack finishes every consequence of a request before answering), so the very next
read shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from lapor.domain.calendar import WIB, WorkingCalendar
from tests.e2e.conftest import LocalStackProcess
from tests.e2e.http_client import Api, actions, scheduled_event


def test_a_read_right_after_a_calendar_change_shows_the_moved_deadline(
    start_stack: Callable[..., LocalStackProcess], tmp_path: Path
) -> None:
    api = Api(start_stack(tmp_path / "local-data").start())  # its own stack: the change is for good
    filed = api.file(reporter={"name": "Warga Cikole", "email": "warga.cikole@example.id"})
    before = api.staff_read(filed.id)
    verify_by = datetime.fromisoformat(before["deadlines"]["verify"])
    # The first working day after today (WIB), which the 3-working-day verify clock runs through.
    calendar, day = WorkingCalendar(), datetime.now(WIB).date() + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    assert day < verify_by.astimezone(WIB).date()

    answer = api.put(f"/staff/calendar/{day.year}", {"add": [day.isoformat()]}, api.coordinator)
    assert answer.status_code == 200, answer.text

    after = api.staff_read(filed.id)
    assert actions(after)[-1] == "deadline_recomputed"
    moved = datetime.fromisoformat(after["deadlines"]["verify"])
    assert moved > verify_by  # one working day later: the day off no longer counts
    now = datetime.now(WIB).isoformat(timespec="seconds")
    assert api.run_job("escalation", scheduled_event(now))["recomputed"] == 0  # done already
