"""Who sees what (the design's roles): the scope of each staff role and who may read identity.

A report outside the caller's scope does not exist for them (HTTP 404); a report they may see but an
action their role may not take is refused as forbidden (HTTP 403, decided by the lifecycle table).
"""

from __future__ import annotations

from dataclasses import dataclass

from lapor.domain.errors import Forbidden, NotFound
from lapor.domain.lifecycle import Role
from lapor.domain.models import Report

STAFF_ROLES = (Role.COORDINATOR, Role.OFFICIAL, Role.OPERATOR, Role.LEADERSHIP)
AGENCY_ROLES = frozenset({Role.OPERATOR, Role.OFFICIAL})


@dataclass(frozen=True)
class StaffCaller:
    """A signed-in officer, from the claims API Gateway's authorizer verified."""

    role: Role
    id: str
    agency_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in STAFF_ROLES:
            raise Forbidden(f"{self.role} is not a staff role")
        if self.role in AGENCY_ROLES and not self.agency_id:
            raise Forbidden("an agency role needs an agency")

    @property
    def agency_scoped(self) -> bool:
        return self.role in AGENCY_ROLES


def can_see(caller: StaffCaller, report: Report) -> bool:
    if not caller.agency_scoped:
        return True
    return report.agency is not None and report.agency.id == caller.agency_id


def ensure_visible(caller: StaffCaller, report: Report) -> None:
    if not can_see(caller, report):
        raise NotFound(report.id)


def may_read_identity(caller: StaffCaller, report: Report) -> bool:
    """The coordinator always; the assigned agency's staff only when the report is not anonymous."""
    if caller.role is Role.COORDINATOR:
        return True
    return caller.agency_scoped and can_see(caller, report) and not report.anonymous


def ensure_role(caller: StaffCaller, *allowed: Role) -> None:
    if caller.role not in allowed:
        raise Forbidden(f"{caller.role} may not do this")
