"""Domain events: what is published (EventBridge) for each timeline entry, and what notifications read.

An event never carries identity or a reporter's own words: the words of staff actions (a follow-up, a
resolution, a reason) are the message a reporter is told, so they travel; a reporter's reply does not,
and neither does an internal note. Detail-types are `lapor.report.<action>`; `version` is the detail's
schema version.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from lapor.domain.lifecycle import REPORTER_WORDS, Action, Role, Status
from lapor.domain.wallclock import Instant

EVENT_SOURCE = "lapor"
DETAIL_VERSION = 1
ACCESS_LINK_DETAIL_TYPE = "lapor.report.access_link"
CONTACT_CODE_DETAIL_TYPE = "lapor.report.contact_code"
CALENDAR_CHANGED_DETAIL_TYPE = "lapor.calendar.changed"


class ReportEvent(BaseModel):
    """The detail of a `lapor.report.<action>` event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = DETAIL_VERSION
    report_id: str
    seq: int
    action: Action
    from_status: Status | None = None
    to_status: Status | None = None
    at: Instant
    actor_role: Role
    agency_id: str | None = None
    previous_agency_id: str | None = None
    report_type: str | None = None
    category: str | None = None
    internal: bool = False
    note: str | None = None
    level: int | None = None  # escalation steps: the ladder level reached
    clock: str | None = None  # escalation steps: the clock that reached it

    @property
    def detail_type(self) -> str:
        return f"lapor.report.{self.action.value}"


class _SenderNonceRequest(BaseModel):
    """A request the sender answers with a secret it derives again from `nonce` and the token secret, so
    that the secret itself never travels in an event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = DETAIL_VERSION
    report_id: str
    nonce: str
    at: Instant


class AccessLinkRequested(_SenderNonceRequest):
    """`POST /reports/{id}/access`: send a new access link (its token derived from the nonce)."""


class ContactCodeRequested(_SenderNonceRequest):
    """`POST /reports/{id}/contact/code`: send a new confirmation code (derived from the nonce)."""


def public_note(action: Action, internal: bool, note: str | None) -> str | None:
    """The words an event may carry: none for internal notes or for what the reporter wrote."""
    if internal or action in REPORTER_WORDS:
        return None
    return note


def event_from_timeline_item(item: dict[str, Any]) -> ReportEvent:
    """The event of a timeline item as stored (see lapor.adapters.dynamodb.items.timeline_item)."""
    action = Action(item["action"])
    internal = bool(item.get("internal", False))
    return ReportEvent(
        report_id=str(item["report_id"]),
        seq=int(item["seq"]),
        action=action,
        from_status=item.get("from_status"),
        to_status=item.get("to_status"),
        at=item["at"],
        actor_role=Role(item["actor_role"]),
        agency_id=item.get("agency_id"),
        previous_agency_id=item.get("previous_agency_id"),
        report_type=item.get("report_type"),
        category=item.get("category"),
        internal=internal,
        note=public_note(action, internal, item.get("note")),
        level=item.get("level"),
        clock=item.get("clock"),
    )


class CalendarChanged(BaseModel):
    """`PUT /staff/calendar/{year}` changed the working days: running deadlines are recomputed at once (the
    escalation function's rule), not at the next scheduled run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = DETAIL_VERSION
    year: int
    revision: int
    at: Instant
