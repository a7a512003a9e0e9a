"""The officer roster's use cases (API.md, "Administration and leadership reporting"): the coordinator adds
officers (invited by e-mail through the directory) and changes their role, agency, decree or activity; the
coordinator reads the whole roster, an official their agency's. Every change is audited. The staff
functions refuse an inactive officer's token from its next request (`ensure_active`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.errors import FieldProblem, InvalidInput, NotFound, OfficerExists, OfficerInactive
from lapor.domain.lifecycle import Role
from lapor.domain.roster import AGENCY_ROLES, STAFF_ROLES, NewOfficer, Officer, OfficerChange
from lapor.domain.wallclock import iso
from lapor.ports import RosterStore, StaffDirectory
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache


class RosterAdmin(Service[RosterStore]):
    def __init__(
        self,
        store: RosterStore,
        setup: CitySetupCache,
        *,
        directory: Callable[[], StaffDirectory],
        **kwargs: Any,
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._directory = directory

    def ensure_active(self, caller: StaffCaller) -> None:
        """An officer the roster marks inactive is refused (401); one not on the roster is let through."""
        officer = self._store.officer(caller.id)
        if officer is not None and not officer.active:
            raise OfficerInactive(caller.id)

    def officers(self, caller: StaffCaller) -> list[Officer]:
        ensure_role(caller, Role.COORDINATOR, Role.OFFICIAL)
        everyone = self._store.officers()
        if caller.role is Role.OFFICIAL:
            return [o for o in everyone if o.agency_id is not None and o.agency_id == caller.agency_id]
        return everyone

    def add(self, caller: StaffCaller, body: NewOfficer, request_id: str) -> Officer:
        ensure_role(caller, Role.COORDINATOR)
        self._check(body.role, body.agency_id)
        wanted = body.email.casefold()
        if any(o.email.casefold() == wanted for o in self._store.officers()):
            raise OfficerExists(body.email)
        officer_id = self._directory().invite(body)
        officer = Officer(id=officer_id, **body.model_dump())
        self._store.put_officer(officer, None, self._audit(caller, request_id, None, officer))
        return officer

    def change(self, caller: StaffCaller, officer_id: str, body: OfficerChange, request_id: str) -> Officer:
        ensure_role(caller, Role.COORDINATOR)
        before = self._store.officer(officer_id)
        if before is None:
            raise NotFound(officer_id)
        changes = body.model_dump(exclude_unset=True)
        after = before.model_copy(update={k: getattr(body, k) for k in changes})
        if "role" in changes and after.role not in AGENCY_ROLES and "agency_id" not in changes:
            after = after.model_copy(update={"agency_id": None})  # a city role belongs to no agency
        self._check(after.role, after.agency_id)
        if after == before:
            return after
        self._directory().change(before, after)
        self._store.put_officer(after, before, self._audit(caller, request_id, before, after))
        return after

    def _check(self, role: Role, agency_id: str | None) -> None:
        if role not in STAFF_ROLES:
            raise InvalidInput([FieldProblem("role", "not_a_staff_role")])
        if role in AGENCY_ROLES:
            if agency_id is None:
                raise InvalidInput([FieldProblem("agency_id", "agency_required")])
            agency = self._setup.get().agencies.get(agency_id)
            if agency is None:
                raise InvalidInput([FieldProblem("agency_id", "unknown_agency")])
            if not agency.active:
                raise InvalidInput([FieldProblem("agency_id", "inactive_agency")])
        elif agency_id is not None:
            raise InvalidInput([FieldProblem("agency_id", "agency_not_allowed")])

    def _audit(
        self, caller: StaffCaller, request_id: str, before: Officer | None, after: Officer
    ) -> dict[str, Any]:
        at = iso(self._now())
        return {
            "sk": f"AUDIT#{at}#{request_id}",
            "at": at,
            "actor_id": caller.id,
            "officer_id": after.id,
            "before": _audited(before),
            "after": _audited(after),
        }


def _audited(officer: Officer | None) -> dict[str, Any] | None:
    """What the audit keeps of an officer: everything but the e-mail (it stays on the roster item only)."""
    if officer is None:
        return None
    return officer.model_dump(mode="json", exclude={"email"})
