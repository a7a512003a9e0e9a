"""Small builders for domain objects used across the unit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lapor.domain.actions import Actor, Change, Command, apply_action, submit
from lapor.domain.calendar import WIB, WorkingCalendar
from lapor.domain.lifecycle import Action, Role
from lapor.domain.models import AgencyRef, CategoryRef, NewReport, Report
from lapor.domain.sla import policy_in_force

CALENDAR = WorkingCalendar()
COORDINATOR = Actor(Role.COORDINATOR, "coord-1")
OPERATOR = Actor(Role.OPERATOR, "op-1", "dinas-putr")
OFFICIAL = Actor(Role.OFFICIAL, "off-1", "dinas-putr")
REPORTER = Actor(Role.REPORTER)
SYSTEM = Actor(Role.SYSTEM, "system")
SUSPEND_REASON = "Lokasi kurang jelas, mohon lengkapi."
PUTR = AgencyRef(id="dinas-putr", name="Dinas Pekerjaan Umum dan Tata Ruang")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


def new_report(**overrides: Any) -> NewReport:
    body: dict[str, Any] = {
        "type": "complaint",
        "title": "Jalan berlubang di Cikole",
        "description": "Lubang besar di tengah jalan sudah dua minggu, berbahaya bagi pengendara motor.",
        "category": "jalan",
        "reporter": {"name": "Siti Aminah", "email": "siti@example.id", "phone": "081234567890"},
    }
    body.update(overrides)
    return NewReport.model_validate(body)


def submitted(at: datetime | None = None, **overrides: Any) -> Report:
    when = at or wib(2026, 11, 23, 10)
    change = submit(
        new_report(**overrides),
        report_id="LPR-0000-0001",
        category=CategoryRef(code="jalan", name="Jalan dan trotoar rusak"),
        at=when,
        calendar=CALENDAR,
        policy=policy_in_force(when),
    )
    return change.after


def act(report: Report, action: Action, actor: Actor, at: datetime, **kwargs: Any) -> Change:
    return apply_action(
        report, Command(action, actor, at, **kwargs), calendar=CALENDAR, policy=policy_in_force(at)
    )


def verified(at: datetime | None = None, *, confidential: bool = False, **overrides: Any) -> Report:
    report = submitted(**overrides)
    when = at or wib(2026, 11, 24, 9)
    updates = {"agency": PUTR, "confidential": confidential}
    return act(report, Action.VERIFY, COORDINATOR, when, updates=updates).after
