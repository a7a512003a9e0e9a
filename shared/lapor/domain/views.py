"""What each audience reads of a report.

The public view never carries identity and is only ever built for a public report; the reporter's view adds
the identity to their own report. Internal notes are staff-only; the public reads the words of a follow-up
and a resolution only, never a reporter's own words (they may name the reporter) nor a reason given for
suspend, archive, refer or return.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lapor.domain.clocks import deadlines
from lapor.domain.delivery import Delivery
from lapor.domain.errors import NotFound
from lapor.domain.lifecycle import PUBLIC_WORDS, STAFF_ONLY, STATUS_LABELS, Action, Status
from lapor.domain.models import (
    AgencyRef,
    CategoryRef,
    Location,
    Report,
    ReportType,
    ShownIdentity,
    TimelineEntry,
)
from lapor.domain.wallclock import Instant

Audience = Literal["public", "reporter", "staff"]


class _View(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Deadlines(_View):
    verify: Instant | None = None
    respond: Instant | None = None
    resolve: Instant | None = None
    auto_close: Instant | None = None
    pending: Instant | None = None


class TimelineView(_View):
    seq: int  # the entry's number (the report version it produced): what a redaction names
    at: Instant
    action: Action
    from_: Status | None = Field(default=None, alias="from")
    to: Status | None = None
    actor_role: str
    note: str | None = None
    redacted: bool = False  # its words were replaced by a coordinator's redaction


class RatingView(_View):
    score: int
    resolved: bool
    comment: str | None = None


class ReportSummary(_View):
    """A report in a list: everything but the timeline."""

    id: str
    type: ReportType
    requires_supervision: bool
    title: str
    description: str
    category: CategoryRef | None
    location: Location | None
    incident_date: date | None
    status: Status
    status_label: str
    agency: AgencyRef | None
    anonymous: bool
    confidential: bool
    submitted_at: Instant
    updated_at: Instant
    deadlines: Deadlines
    overdue: bool
    escalation_level: int
    version: int
    rating: RatingView | None


class AttachmentView(_View):
    """One attached file; `download_url` (short-lived) only once it has been scrubbed."""

    attachment_id: str
    content_type: str
    size: int
    status: Literal["pending", "ready", "rejected"]
    uploaded_at: Instant
    download_url: str | None = None
    # Why a file was refused (a stable code): `not_the_declared_type`, `too_large`, `too_many_attachments`.
    reason: str | None = None


class ReportView(ReportSummary):
    """A report as the public reads it (and the base of every other view)."""

    timeline: list[TimelineView]
    attachments: list[AttachmentView] = Field(default_factory=list)


class StaffReportSummary(ReportSummary):
    """A report in a staff list: the summary, the route the rules suggest, whether the reporter confirmed
    their contact, the lifecycle's instants."""

    suggested_agency_id: str | None = None
    contact_confirmed: bool = False
    verified_at: Instant | None = None
    first_response_at: Instant | None = None
    closed_at: Instant | None = None
    reopen_count: int = 0


class DeliveryView(_View):
    """One message to the reporter and what became of it (no address, no words)."""

    at: Instant
    template: str
    channel: str
    state: str
    updated_at: Instant
    reason: str | None = None


class StaffReportView(ReportView):
    """A report as staff read it: the whole timeline (internal notes too), whether and how the reporter was
    told (`contact_confirmed`, `deliveries`), never identity."""

    suggested_agency_id: str | None = None
    contact_confirmed: bool = False
    deliveries: list[DeliveryView] = Field(default_factory=list)


class ReporterReportView(ReportView):
    """The reporter's own view: the whole report, who filed it, and whether their contact is confirmed."""

    reporter: ShownIdentity  # the NIK masked
    contact_confirmed: bool = False


def _timeline(entries: list[TimelineEntry], audience: Audience) -> list[TimelineView]:
    visible = [
        e
        for e in sorted(entries, key=lambda e: e.seq)
        if audience == "staff" or not (e.internal or e.action in STAFF_ONLY)
    ]
    return [
        TimelineView(
            seq=e.seq,
            at=e.at,
            action=e.action,
            from_=e.from_status,
            to=e.to_status,
            actor_role=e.actor_role.value,
            note=e.note if audience != "public" or e.action in PUBLIC_WORDS else None,
            redacted=e.redacted,
        )
        for e in visible
    ]


def _fields(
    report: Report,
    timeline: list[TimelineEntry],
    audience: Audience,
    attachments: Sequence[AttachmentView] = (),
) -> dict[str, object]:
    rating = report.rating
    return {
        "id": report.id,
        "type": report.type,
        "requires_supervision": report.requires_supervision,
        "title": report.title,
        "description": report.description,
        "category": report.category,
        "location": report.location,
        "incident_date": report.incident_date,
        "status": report.status,
        "status_label": STATUS_LABELS[report.status],
        "agency": report.agency,
        "anonymous": report.anonymous,
        "confidential": report.confidential,
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
        "deadlines": Deadlines.model_validate(deadlines(report.clocks)),
        "overdue": report.overdue,
        "escalation_level": report.escalation_level,
        "version": report.version,
        "timeline": _timeline(timeline, audience),
        "attachments": list(attachments),
        "rating": None
        if rating is None
        else RatingView(
            score=rating.score,
            resolved=rating.resolved,
            comment=None if audience == "public" else rating.comment,
        ),
    }


def public_view(
    report: Report, timeline: list[TimelineEntry], attachments: Sequence[AttachmentView] = ()
) -> ReportView:
    """The public's view; a report that is not public does not exist for them."""
    if not report.is_public:
        raise NotFound(report.id)
    return ReportView.model_validate(_fields(report, timeline, "public", attachments))


def reporter_view(
    report: Report,
    timeline: list[TimelineEntry],
    identity: ShownIdentity,
    attachments: Sequence[AttachmentView] = (),
) -> ReporterReportView:
    fields = _fields(report, timeline, "reporter", attachments)
    return ReporterReportView.model_validate(
        {**fields, "reporter": identity, "contact_confirmed": report.contact_confirmed}
    )


def own_view(
    report: Report, timeline: list[TimelineEntry], attachments: Sequence[AttachmentView] = ()
) -> ReportView:
    """What the reporter sees of their report, without their identity (the answer to their own action)."""
    return ReportView.model_validate(_fields(report, timeline, "reporter", attachments))


def staff_view(
    report: Report,
    timeline: list[TimelineEntry],
    attachments: Sequence[AttachmentView] = (),
    deliveries: Sequence[Delivery] = (),
) -> StaffReportView:
    fields = _fields(report, timeline, "staff", attachments)
    told = [DeliveryView.model_validate(d.model_dump(exclude={"key"})) for d in sorted(deliveries, key=_sent)]
    return StaffReportView.model_validate(
        {
            **fields,
            "suggested_agency_id": report.suggested_agency_id,
            "contact_confirmed": report.contact_confirmed,
            "deliveries": told,
        }
    )


def _sent(delivery: Delivery) -> tuple[datetime, str]:
    return delivery.at, delivery.key
