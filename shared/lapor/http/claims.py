"""The signed-in officer, from the claims API Gateway's Cognito authorizer put in the request context.

Claims are read from the request context only: a header or a body that claims a role is never looked at.
An officer in several groups acts in the strongest one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lapor.domain.access import StaffCaller
from lapor.domain.errors import Forbidden, Unauthenticated
from lapor.domain.lifecycle import Role

_PRECEDENCE = (Role.COORDINATOR, Role.OFFICIAL, Role.OPERATOR, Role.LEADERSHIP)


def groups_of(claim: Any) -> set[str]:
    """`cognito:groups` as API Gateway passes it: a list, or text like `a`, `a,b` or `[a b]`."""
    if isinstance(claim, list | tuple):
        return {str(g) for g in claim}
    if not isinstance(claim, str):
        return set()
    return {part for part in re.split(r"[\s,\[\]]+", claim) if part}


def staff_caller(event: Mapping[str, Any]) -> StaffCaller:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthenticated("no verified claims")
    groups = groups_of(claims.get("cognito:groups"))
    role = next((r for r in _PRECEDENCE if r.value in groups), None)
    if role is None:
        raise Forbidden("not in a staff group")
    agency = claims.get("custom:agency_id") or None
    return StaffCaller(role=role, id=str(subject), agency_id=str(agency) if agency else None)
