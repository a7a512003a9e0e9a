"""Verify a report directly through the domain and the repository.

The coordinator's verify route arrives with the casework issue; until then the tests make verified reports
this way, through the same `apply_action` and the same conditional write the route will use.
"""

from __future__ import annotations

from lapor.domain.actions import Actor, Command, apply_action
from lapor.domain.calendar import WorkingCalendar
from lapor.domain.lifecycle import Action, Role
from lapor.domain.models import AgencyRef
from lapor.domain.sla import policy_version
from lapor.domain.wallclock import now_utc

DISHUB = AgencyRef(id="dishub", name="Dinas Perhubungan")


def publish(report_id: str) -> None:
    from lapor.wiring import repository

    stored = repository().get(report_id)
    assert stored is not None
    command = Command(
        Action.VERIFY, Actor(Role.COORDINATOR, "coordinator-1"), now_utc(), updates={"agency": DISHUB}
    )
    change = apply_action(
        stored.report, command, calendar=WorkingCalendar(), policy=policy_version(stored.report.sla_policy)
    )
    repository().save(change)
