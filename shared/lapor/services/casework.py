"""The staff's use cases on reports: the inbox, report reads, every lifecycle action, identity reads.

Each action costs one read (the report and its timeline) and one conditional transactional write; a read
costs one query. Every action checks in one order (`CaseworkService._act`): the caller's scope on the
report read (a report outside it is `NotFound`, as if it did not exist), then the role (`Forbidden`), then
the body's references to the city's lists (`InvalidInput`), then `If-Match`, then the lifecycle's own
rules (status, guards).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from lapor.domain.access import StaffCaller, ensure_role, ensure_visible, may_read_identity
from lapor.domain.actions import Actor, Command, apply_action
from lapor.domain.attachments import NewAttachment, NewUpload, Reader
from lapor.domain.calendar import start_of_day
from lapor.domain.catalog import CitySetup
from lapor.domain.errors import (
    CannotRelaxPrivacy,
    FieldProblem,
    Forbidden,
    IdentityErased,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from lapor.domain.identifiers import is_report_id
from lapor.domain.lifecycle import Action, Role, ensure_allowed
from lapor.domain.models import AgencyRef, CategoryRef, Report, ReporterIdentity
from lapor.domain.redaction import redaction
from lapor.domain.sla import policy_version
from lapor.domain.staff_inputs import (
    CloseInput,
    FollowupInput,
    ForwardInput,
    ReasonInput,
    RedactionInput,
    ReferInput,
    VerifyInput,
)
from lapor.domain.views import StaffReportSummary, StaffReportView, staff_view
from lapor.domain.wallclock import iso
from lapor.ports import CaseworkStore, IdentityRead, NikVault, Page, StaffFilter, StoredReport
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache

ATTACHING_ROLES = (Role.COORDINATOR, Role.OPERATOR, Role.OFFICIAL)
Updates = Callable[[CitySetup], dict[str, Any]]
"""The report fields an action sets, from the body checked against the city's lists (after scope and role)."""


@dataclass(frozen=True)
class StaffQuery:
    """`GET /staff/reports`, as asked; the caller's scope is applied on top."""

    status: str | None = None
    agency_id: str | None = None
    category: str | None = None
    overdue: bool | None = None
    q: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    contact_confirmed: bool | None = None


class CaseworkService(Service[CaseworkStore]):
    def __init__(
        self, store: CaseworkStore, setup: CitySetupCache, *, vault: Callable[[], NikVault], **kwargs: Any
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._vault = vault  # opens a NIK for the audited identity read only

    # --- reads ---------------------------------------------------------------------------------------

    def inbox(
        self, caller: StaffCaller, query: StaffQuery, limit: int, cursor: str | None
    ) -> Page[StaffReportSummary]:
        agency = caller.agency_id if caller.agency_scoped else query.agency_id
        where = StaffFilter(
            agency_id=agency,
            status=query.status,
            category=query.category,
            overdue=query.overdue,
            q=query.q,
            submitted_from=iso(start_of_day(query.submitted_from)) if query.submitted_from else None,
            submitted_before=iso(start_of_day(query.submitted_to + timedelta(days=1)))
            if query.submitted_to
            else None,
            contact_confirmed=query.contact_confirmed,
        )
        return self._store.list_staff(where, limit, cursor)

    def read(self, caller: StaffCaller, report_id: str) -> StaffReportView:
        stored = self._visible(caller, report_id)
        files = self._files(stored, _reader(caller))
        return staff_view(stored.report, stored.timeline, files, stored.deliveries)

    def attach(self, caller: StaffCaller, report_id: str, new: NewAttachment) -> NewUpload:
        """An officer adds a file (a follow-up's evidence) to a report in scope; leadership only reads."""
        if self._attachments is None:
            raise RuntimeError("this function has no attachments bucket")
        stored = self._visible(caller, report_id)
        ensure_role(caller, *ATTACHING_ROLES)
        return self._attachments.add(stored, caller.role.value, new)

    def reporter(
        self, caller: StaffCaller, report_id: str, request_id: str, purpose: str | None = None
    ) -> ReporterIdentity:
        """The identity, for who may read it; every read is logged (with its purpose) before it is
        answered. An erased or expired identity is `IdentityErased` (410)."""
        stored = self._visible(caller, report_id, with_identity=True)
        if not may_read_identity(caller, stored.report):
            raise Forbidden("identity is not yours to read")
        if stored.identity is None:
            raise IdentityErased(report_id)
        entry = IdentityRead(self._now(), caller.role.value, caller.id, caller.agency_id, request_id, purpose)
        self._store.log_identity_read(report_id, entry)
        on_file = stored.identity
        return on_file.opened(
            self._vault().open(report_id, on_file.nik_sealed) if on_file.nik_sealed else None
        )

    def erase_identity(
        self, caller: StaffCaller, report_id: str, body: ReasonInput, if_match: str | None
    ) -> StaffReportView:
        """Erase the reporter's identity, tokens and private documents (API.md, "Personal data"): one
        `identity_erased` entry (staff only); a second call changes nothing."""
        stored = self._visible(caller, report_id, with_identity=True)
        ensure_allowed(Action.IDENTITY_ERASED, caller.role)
        report = stored.report
        if if_match is not None and _version(if_match) != report.version:
            raise VersionConflict(report_id)
        timeline = list(stored.timeline)
        if stored.identity is not None:
            actor = Actor(caller.role, caller.id, caller.agency_id)
            command = Command(Action.IDENTITY_ERASED, actor, self._now(), note=body.reason)
            change = apply_action(
                report,
                command,
                calendar=self._setup.get().calendar(),
                policy=policy_version(report.sla_policy),
            )
            self._store.erase_identity(change)
            report, timeline = change.after, [*timeline, change.entry]
        if self._attachments is not None:  # also after an erasure whose files were not all deleted
            stored = self._attachments.erase_reporters_private(stored)
        files = self._files(stored, _reader(caller))
        return staff_view(report, timeline, files, stored.deliveries)

    def redact(
        self, caller: StaffCaller, report_id: str, body: RedactionInput, if_match: str | None
    ) -> StaffReportView:
        """Replace the words of the title, the description or one entry (names a reporter typed): one
        `redact` entry (staff only) that names the field, never the removed words."""
        stored = self._visible(caller, report_id)
        ensure_allowed(Action.REDACT, caller.role)
        report = stored.report
        found = redaction(stored.timeline, body.field, body.seq, body.text)
        if if_match is not None and _version(if_match) != report.version:
            raise VersionConflict(report_id)
        actor = Actor(caller.role, caller.id, caller.agency_id)
        command = Command(Action.REDACT, actor, self._now(), note=found.note, updates=found.updates)
        setup = self._setup.get()
        change = apply_action(
            report, command, calendar=setup.calendar(), policy=policy_version(report.sla_policy)
        )
        rewritten = (found.rewritten,) if found.rewritten is not None else ()
        change = replace(change, rewritten=rewritten)
        self._store.save(change)
        timeline = [next((r for r in rewritten if r.seq == e.seq), e) for e in stored.timeline]
        files = self._files(stored, _reader(caller))
        return staff_view(change.after, [*timeline, change.entry], files, stored.deliveries)

    def access_log(self, caller: StaffCaller, report_id: str) -> list[IdentityRead]:
        self._visible(caller, report_id)  # outside the caller's scope it does not exist: 404, not 403
        ensure_role(caller, Role.COORDINATOR)
        return self._store.identity_reads(report_id)

    # --- actions -------------------------------------------------------------------------------------

    def verify(
        self, caller: StaffCaller, report_id: str, body: VerifyInput, if_match: str | None
    ) -> StaffReportView:
        def updates(setup: CitySetup) -> dict[str, Any]:
            fields: dict[str, Any] = {
                "type": body.type,
                "requires_supervision": body.requires_supervision,
                "category": _category(setup, body.category),
                "agency": _agency(setup, body.agency_id, "agency_id"),
                "suggested_agency_id": None,
            }
            for optional in ("title", "anonymous", "confidential"):
                if getattr(body, optional) is not None:
                    fields[optional] = getattr(body, optional)
            return fields

        return self._act(caller, report_id, Action.VERIFY, if_match, note=body.note, updates=updates)

    def suspend(
        self, caller: StaffCaller, report_id: str, body: ReasonInput, if_match: str | None
    ) -> StaffReportView:
        return self._act(caller, report_id, Action.SUSPEND, if_match, note=body.reason)

    def archive(
        self, caller: StaffCaller, report_id: str, body: ReasonInput, if_match: str | None
    ) -> StaffReportView:
        return self._act(caller, report_id, Action.ARCHIVE, if_match, note=body.reason)

    def refer(
        self, caller: StaffCaller, report_id: str, body: ReferInput, if_match: str | None
    ) -> StaffReportView:
        note = f"{body.reason} (→ {body.target})" if body.target else body.reason
        return self._act(caller, report_id, Action.REFER, if_match, note=note)

    def forward(
        self, caller: StaffCaller, report_id: str, body: ForwardInput, if_match: str | None
    ) -> StaffReportView:
        def updates(setup: CitySetup) -> dict[str, Any]:
            return {"agency": _agency(setup, body.agency_id, "agency_id")}

        return self._act(caller, report_id, Action.FORWARD, if_match, note=body.note, updates=updates)

    def return_to_coordinator(
        self, caller: StaffCaller, report_id: str, body: ReasonInput, if_match: str | None
    ) -> StaffReportView:
        return self._act(caller, report_id, Action.RETURN, if_match, note=body.reason)

    def follow_up(
        self, caller: StaffCaller, report_id: str, body: FollowupInput, if_match: str | None
    ) -> StaffReportView:
        action = Action.NOTE if body.internal else Action.FOLLOWUP
        return self._act(caller, report_id, action, if_match, note=body.message, internal=body.internal)

    def close(
        self, caller: StaffCaller, report_id: str, body: CloseInput, if_match: str | None
    ) -> StaffReportView:
        return self._act(caller, report_id, Action.CLOSE, if_match, note=body.resolution)

    # --- the one path every action takes -------------------------------------------------------------

    def _act(
        self,
        caller: StaffCaller,
        report_id: str,
        action: Action,
        if_match: str | None,
        *,
        note: str | None = None,
        internal: bool = False,
        updates: Updates | None = None,
    ) -> StaffReportView:
        stored = self._visible(caller, report_id)  # scope: 404
        ensure_allowed(action, caller.role)  # role: 403
        setup = self._setup.get()
        fields = updates(setup) if updates is not None else {}  # the body's references: 422
        report = stored.report
        tightened = _privacy(report, fields)  # relaxing a reporter's choice: 422
        if if_match is not None and _version(if_match) != report.version:
            raise VersionConflict(report_id)
        actor = Actor(caller.role, caller.id, caller.agency_id)
        calendar, policy = setup.calendar(), policy_version(report.sla_policy)
        timeline = list(stored.timeline)
        if tightened:  # its own timeline entry (staff only) and a word to the reporter, before the action
            tighten = Command(
                Action.PRIVACY_TIGHTENED,
                actor,
                self._now(),
                note=", ".join(PRIVACY_WORDS[flag] for flag in tightened),
                updates=tightened,
            )
            first = apply_action(report, tighten, calendar=calendar, policy=policy)
            self._store.save(first)
            report, timeline = first.after, [*timeline, first.entry]
        command = Command(action, actor, self._now(), note=note, internal=internal, updates=fields)
        change = apply_action(report, command, calendar=calendar, policy=policy)
        self._store.save(change)
        files = self._files(stored, _reader(caller))
        return staff_view(change.after, [*timeline, change.entry], files, stored.deliveries)

    def _visible(self, caller: StaffCaller, report_id: str, *, with_identity: bool = False) -> StoredReport:
        if not is_report_id(report_id):
            raise NotFound(report_id)
        stored = self._store.get(report_id, with_identity=with_identity)
        if stored is None:
            raise NotFound(report_id)
        ensure_visible(caller, stored.report)
        return stored


PRIVACY_FLAGS = ("anonymous", "confidential")
PRIVACY_WORDS = {"anonymous": "anonim", "confidential": "rahasia"}


def _privacy(report: Report, fields: dict[str, Any]) -> dict[str, Any]:
    """The privacy flags the action turns on (`CannotRelaxPrivacy` for any it would turn off); they are taken
    out of `fields`, to be set by their own `privacy_tightened` entry."""
    relaxed = [f for f in PRIVACY_FLAGS if fields.get(f) is False and getattr(report, f)]
    if relaxed:
        raise CannotRelaxPrivacy(relaxed)
    return {f: True for f in PRIVACY_FLAGS if fields.pop(f, None) is True and not getattr(report, f)}


def _reader(caller: StaffCaller) -> Reader:
    """Which of a report's files the caller's role is shown (`lapor.domain.attachments.visible_to`)."""
    if caller.role is Role.COORDINATOR:
        return "coordinator"
    return "agency" if caller.agency_scoped else "leadership"


def _version(if_match: str) -> int:
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInput([FieldProblem("if-match", "stale_version")])
    return int(text)


def _category(setup: CitySetup, code: str) -> CategoryRef:
    category = setup.categories.get(code)
    if category is None:
        raise InvalidInput([FieldProblem("category", "unknown_category")])
    if not category.active:
        raise InvalidInput([FieldProblem("category", "inactive_category")])
    return CategoryRef(code=category.code, name=category.name)


def _agency(setup: CitySetup, agency_id: str, field: str) -> AgencyRef:
    agency = setup.agencies.get(agency_id)
    if agency is None:
        raise InvalidInput([FieldProblem(field, "unknown_agency")])
    if not agency.active:  # it is given no new report
        raise InvalidInput([FieldProblem(field, "inactive_agency")])
    return AgencyRef(id=agency.id, name=agency.name)
