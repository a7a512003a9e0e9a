"""An in-memory application table: one object serving every storage port of `lapor.ports`.

It keeps domain objects, not items, and answers each port as the DynamoDB adapter does (the same orders,
filters, page limits and conditions); `tests/integration/test_store_contract.py` runs the same scenarios
against both so the two cannot drift. Services built on it are unit-tested in milliseconds, with no moto.

`writes` counts the writes that went through (a refused one is not counted); `fail_next` makes the next
write raise the given error instead, for the services' failure paths.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from lapor.domain.actions import Change
from lapor.domain.attachments import Attachment, AttachmentSet
from lapor.domain.calendar import YearAdjustments, local_date
from lapor.domain.catalog import Agency, Category, CitySetup
from lapor.domain.clocks import next_due
from lapor.domain.contact import ContactState, ContactStatus, IssueResult
from lapor.domain.delivery import Delivery, DeliveryState, may_become
from lapor.domain.errors import FieldProblem, InvalidInput, Unparseable, VersionConflict
from lapor.domain.lifecycle import Status
from lapor.domain.metric_events import metric_record
from lapor.domain.models import IdentityOnFile, Report, TimelineEntry
from lapor.domain.notifications import contact_of
from lapor.domain.open311 import ApiKey
from lapor.domain.routing_rules import RoutingRule
from lapor.domain.views import ReportSummary, StaffReportSummary, staff_view
from lapor.domain.wallclock import iso
from lapor.ports import (
    CalendarChange,
    IdCollision,
    IdentityRead,
    IssuedCode,
    Page,
    PublicFilter,
    ReporterContact,
    StaffFilter,
    StoredReport,
    StoredSnapshot,
)

SEED = Path(__file__).resolve().parents[2] / "seed" / "sukabumi.json"
NOTHING_DUE = "~"
Summary = TypeVar("Summary", bound=ReportSummary)


def seeded_setup() -> CitySetup:
    """The city as the seed file starts it: its agencies, categories and kecamatan, the default rules."""
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    agencies = {a["id"]: Agency.model_validate(a) for a in seed["agencies"]}
    categories = {c["code"]: Category.model_validate(c) for c in seed["categories"]}
    return CitySetup(agencies=agencies, categories=categories, kecamatan=tuple(sorted(seed["kecamatan"])))


class InMemoryTable:
    def __init__(self, setup: CitySetup | None = None, *, due_shards: int = 8) -> None:
        self.setup = setup if setup is not None else seeded_setup()
        self.due_shards = due_shards
        self.reports: dict[str, Report] = {}
        self.timelines: dict[str, list[TimelineEntry]] = {}
        self.identities: dict[str, IdentityOnFile] = {}
        self.tokens: dict[str, str] = {}  # report id -> the access token's hash
        self.link_tokens: dict[str, str] = {}  # report id -> the newest access link's token hash, unused
        self.links: dict[str, tuple[date, int]] = {}  # report id -> (WIB day, links that day)
        self.contacts: dict[str, ContactStatus] = {}
        self.code_days: dict[tuple[str, date], int] = {}  # (contact key, WIB day) -> codes issued
        self.deliveries: dict[str, dict[str, Delivery]] = {}
        self.sms_spent: dict[str, int] = {}
        self.access_log: dict[str, dict[str, IdentityRead]] = {}
        self.metric_records: dict[date, list[dict[str, Any]]] = {}
        self.snapshots: dict[date, StoredSnapshot] = {}
        self.calendar_audit: list[CalendarChange] = []
        self.open311_tokens: dict[str, str] = {}
        self.keys: dict[str, ApiKey] = {}
        self.uploads: dict[str, AttachmentSet] = {}
        self.writes = 0
        self.fail_next: Exception | None = None

    # --- the write path every writer takes --------------------------------------------------------------

    def _write(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.writes += 1

    def _record(self, change: Change) -> None:
        report = change.after
        self.reports[report.id] = report
        rewritten = {entry.seq: entry for entry in change.rewritten}  # a redaction's replaced words
        timeline = [rewritten.get(entry.seq, entry) for entry in self.timelines.get(report.id, [])]
        self.timelines[report.id] = [*timeline, change.entry]
        day = local_date(change.entry.at)
        self.metric_records.setdefault(day, []).append(metric_record(change))

    # --- ReportReader, ChangeWriter ---------------------------------------------------------------------

    def get(
        self, report_id: str, *, with_identity: bool = False, with_token: bool = False
    ) -> StoredReport | None:
        report = self.reports.get(report_id)
        if report is None:
            return None
        return StoredReport(
            report,
            sorted(self.timelines.get(report_id, []), key=lambda entry: entry.seq),
            self.identities.get(report_id) if with_identity else None,
            self.tokens.get(report_id) if with_token else None,
            self.uploads.get(report_id, AttachmentSet()),
            self.contacts.get(report_id) if with_identity else None,
            self.link_tokens.get(report_id) if with_token else None,
            tuple(self.deliveries.get(report_id, {}).values()),
        )

    def save(self, change: Change) -> None:
        if change.before is None:
            raise ValueError("save() stores a change to an existing report; use create()")
        stored = self.reports.get(change.after.id)
        if stored is None or stored.version != change.before.version:
            raise VersionConflict(change.after.id)
        if stored.contact_confirmed != change.before.contact_confirmed:  # confirmed since it was read
            raise VersionConflict(change.after.id)
        self._write()
        self._record(change)

    # --- IntakeStore ------------------------------------------------------------------------------------

    def create(self, change: Change, identity: IdentityOnFile, token_hash: str) -> None:
        if change.after.id in self.reports:
            raise IdCollision(change.after.id)
        category = change.after.category
        if category is not None:
            stored = self.setup.categories.get(category.code)
            if stored is None or not stored.active:
                raise InvalidInput([FieldProblem("category", "inactive_category")])
        self._write()
        self._record(change)
        self.identities[change.after.id] = identity
        self.contacts[change.after.id] = ContactStatus(state=ContactState.UNCONFIRMED)
        self.tokens[change.after.id] = token_hash

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page[ReportSummary]:
        public = [r for r in self.reports.values() if r.is_public]
        ordered = sorted(public, key=lambda r: f"{iso(r.submitted_at)}#{r.id}", reverse=True)

        def wanted(report: Report) -> bool:
            return (
                (where.status is None or report.status.value == where.status)
                and (
                    where.category is None
                    or (report.category is not None and report.category.code == where.category)
                )
                and (
                    where.agency_id is None
                    or (report.agency is not None and report.agency.id == where.agency_id)
                )
            )

        return _page(ordered, wanted, limit, cursor, ReportSummary)

    # --- TokenStore, ReporterAccess -------------------------------------------------------------------

    def promote_access(self, report_id: str, token_hash: str) -> None:
        if self.link_tokens.get(report_id) == token_hash:
            self._write()
            self.tokens[report_id] = self.link_tokens.pop(report_id)

    def renew_access(self, report_id: str, link_token_hash: str, day: date, per_day: int) -> bool:
        if report_id not in self.tokens:
            return False
        on, count = self.links.get(report_id, (day, 0))
        if on == day and count >= per_day and self.link_tokens.get(report_id) != link_token_hash:
            return False
        self._write()
        self.link_tokens[report_id] = link_token_hash
        self.links[report_id] = (day, count + 1 if on == day else 1)
        return True

    def release_access(self, report_id: str, link_token_hash: str, day: date) -> None:
        on, count = self.links.get(report_id, (day, 0))
        if self.link_tokens.get(report_id) == link_token_hash and on == day and count > 0:
            self._write()
            del self.link_tokens[report_id]
            self.links[report_id] = (day, count - 1)

    def confirm_contact(self, report_id: str, limit: int) -> bool:
        status = self.contacts.get(report_id)
        if status is None or status.state is not ContactState.UNCONFIRMED or report_id not in self.reports:
            return False
        if status.code_attempts >= limit:
            return False
        self._write()
        self.contacts[report_id] = ContactStatus(state=ContactState.CONFIRMED)
        self.reports[report_id] = self.reports[report_id].model_copy(update={"contact_confirmed": True})
        return True

    def count_code_attempt(self, report_id: str, limit: int) -> bool:
        status = self.contacts.get(report_id)
        if status is None or status.state is not ContactState.UNCONFIRMED or status.code_attempts >= limit:
            return False
        self._write()
        self.contacts[report_id] = status.model_copy(update={"code_attempts": status.code_attempts + 1})
        return True

    # --- ContactBook, ContactFlags (the notifier, the providers' feedback) -----------------------------

    def reporter_contact(self, report_id: str) -> ReporterContact | None:
        identity = self.identities.get(report_id)
        if identity is None or (identity.email is None and identity.phone is None):
            return None
        return ReporterContact(contact_of(identity), self.contacts[report_id])

    def issue_code(self, report_id: str, code: IssuedCode) -> IssueResult:
        status = self.contacts.get(report_id)
        if status is None or status.state is not ContactState.UNCONFIRMED:
            return IssueResult.REFUSED
        if status.code_nonce == code.nonce:
            return IssueResult.REISSUED
        issued = self.code_days.get((code.contact_key, code.day), 0)
        if issued >= code.per_day:
            return IssueResult.CAPPED
        self._write()
        self.code_days[(code.contact_key, code.day)] = issued + 1
        self.contacts[report_id] = status.model_copy(
            update={
                "code_hash": code.code_hash,
                "code_expires_at": code.expires_at,
                "code_nonce": code.nonce,
                "code_attempts": 0,
            }
        )
        return IssueResult.ISSUED

    def mark_undeliverable(self, report_id: str, reason: str) -> None:
        status = self.contacts.get(report_id)
        if status is None or status.state is ContactState.ERASED:
            return
        self._write()
        self.contacts[report_id] = ContactStatus(state=ContactState.UNDELIVERABLE)
        if report_id in self.reports:
            self.reports[report_id] = self.reports[report_id].model_copy(update={"contact_confirmed": False})

    # --- DeliveryLog ------------------------------------------------------------------------------------

    def begin(self, report_id: str, delivery: Delivery) -> Delivery | None:
        records = self.deliveries.setdefault(report_id, {})
        if delivery.key in records:
            return records[delivery.key]
        self._write()
        records[delivery.key] = delivery
        return None

    def settle(
        self, report_id: str, key: str, state: DeliveryState, at: datetime, reason: str | None
    ) -> bool:
        record = self.deliveries.get(report_id, {}).get(key)
        if record is None or record.state not in may_become(state):
            return False
        self._write()
        update: dict[str, Any] = {"state": state, "updated_at": at}
        if reason:
            update["reason"] = reason
        self.deliveries[report_id][key] = record.model_copy(update=update)
        return True

    def charge_sms(self, month: str, cost: int, limit: int) -> bool:
        spent = self.sms_spent.get(month, 0)
        if spent + cost > limit:
            return False
        self._write()
        self.sms_spent[month] = spent + cost
        return True

    # --- StaffLists, CaseworkStore ----------------------------------------------------------------------

    def list_staff(self, where: StaffFilter, limit: int, cursor: str | None) -> Page[StaffReportSummary]:
        scoped = [
            r
            for r in self.reports.values()
            if where.agency_id is None or (r.agency is not None and r.agency.id == where.agency_id)
        ]
        ordered = sorted(scoped, key=_queue_key)

        def wanted(report: Report) -> bool:
            submitted = iso(report.submitted_at)
            return (
                (where.status is None or report.status.value == where.status)
                and (
                    where.category is None
                    or (report.category is not None and report.category.code == where.category)
                )
                and (where.overdue is None or report.overdue == where.overdue)
                and (not where.q or _matches(report, where.q))
                and (where.submitted_from is None or submitted >= where.submitted_from)
                and (where.submitted_before is None or submitted < where.submitted_before)
                and (where.contact_confirmed is None or report.contact_confirmed == where.contact_confirmed)
            )

        return _page(ordered, wanted, limit, cursor, StaffReportSummary)

    def log_identity_read(self, report_id: str, entry: IdentityRead) -> None:
        self._write()
        self.access_log.setdefault(report_id, {})[f"{iso(entry.at)}#{entry.request_id}"] = entry

    def erase_identity(self, change: Change) -> None:
        self.save(change)
        report_id = change.after.id
        self.identities.pop(report_id, None)
        self.contacts[report_id] = ContactStatus(state=ContactState.ERASED)
        self.tokens.pop(report_id, None)
        self.link_tokens.pop(report_id, None)

    def identity_reads(self, report_id: str) -> list[IdentityRead]:
        log = self.access_log.get(report_id, {})
        return [log[key] for key in sorted(log)]

    # --- SetupSource, CalendarStore, RuleStore ----------------------------------------------------------

    def city_setup(self) -> CitySetup:
        return self.setup

    def save_calendar(self, change: CalendarChange) -> None:
        year = change.adjustments.year
        current = self.setup.calendar_adjustments.get(year)
        if (current.revision if current else 0) != change.based_on:
            raise VersionConflict(f"calendar {year}")
        self._write()
        adjustments: dict[int, YearAdjustments] = {
            **self.setup.calendar_adjustments,
            year: change.adjustments,
        }
        self.setup = replace(self.setup, calendar_adjustments=adjustments)
        self.calendar_audit.append(change)

    def replace_routing_rules(self, old: Sequence[RoutingRule], new: Sequence[RoutingRule]) -> None:
        self._write()
        rules = sorted(new, key=lambda rule: f"{rule.category}#{rule.kecamatan or '*'}")
        self.setup = replace(self.setup, stored_rules=tuple(rules))

    # --- DueIndex, EscalationStore, MetricsStore --------------------------------------------------------

    def due_reports(
        self, shard: int, until: datetime | None, start: str | None, limit: int
    ) -> tuple[list[Report], str | None]:
        keyed = sorted(
            (_due_key(report), report)
            for report in self.reports.values()
            if report.clocks and zlib.crc32(report.id.encode()) % self.due_shards == shard
        )
        bound = f"{iso(until)}#~" if until is not None else None
        due = [(key, report) for key, report in keyed if bound is None or key <= bound]
        after = [(key, report) for key, report in due if start is None or key > start]
        page = after[:limit]
        more = len(after) > limit
        return [report for _, report in page], (page[-1][0] if more else None)

    def mark_calendar(self, revision: int) -> None:
        self._write()
        self.setup = replace(self.setup, clocks_calendar_revision=revision)

    def metric_events(self, day: date) -> list[dict[str, Any]]:
        return sorted(self.metric_records.get(day, []), key=lambda r: (r["at"], r["report_id"], r["seq"]))

    def put_snapshot(self, snapshot: StoredSnapshot) -> None:
        self._write()
        self.snapshots[snapshot.date] = snapshot

    def snapshot(self, day: date) -> StoredSnapshot | None:
        return self.snapshots.get(day)

    def snapshots_between(self, first: date, last: date) -> list[StoredSnapshot]:
        return [self.snapshots[day] for day in sorted(self.snapshots) if first <= day <= last]

    # --- RouteSuggestions -------------------------------------------------------------------------------

    def suggest_agency(self, report_id: str, agency_id: str) -> bool:
        report = self.reports.get(report_id)
        if report is None or report.status is not Status.SUBMITTED:
            return False
        self._write()
        self.reports[report_id] = report.model_copy(update={"suggested_agency_id": agency_id})
        return True

    # --- Open311Requests, Open311Keys -------------------------------------------------------------------

    def file_request(
        self,
        change: Change,
        identity: IdentityOnFile | None,
        access_hash: str | None,
        request_token_hash: str,
    ) -> None:
        if change.after.id in self.reports:
            raise IdCollision(change.after.id)
        category = change.after.category
        if category is not None:
            stored = self.setup.categories.get(category.code)
            if stored is None or not stored.active:
                raise InvalidInput([FieldProblem("category", "inactive_category")])
        self._write()
        self._record(change)
        if identity is not None:
            self.identities[change.after.id] = identity
            self.contacts[change.after.id] = ContactStatus(state=ContactState.CLIENT)
        if access_hash is not None:
            self.tokens[change.after.id] = access_hash
        self.open311_tokens[request_token_hash] = change.after.id

    def report_for_token(self, request_token_hash: str) -> str | None:
        return self.open311_tokens.get(request_token_hash)

    def public_report_ids(
        self,
        since: datetime,
        until: datetime,
        category: str | None,
        statuses: Collection[str] | None,
        limit: int,
    ) -> list[str]:
        low, high = iso(since), f"{iso(until)}#~"
        found = [
            report
            for report in self._public_newest_first()
            if low <= f"{iso(report.submitted_at)}#{report.id}" <= high
            and (category is None or (report.category is not None and report.category.code == category))
            and (statuses is None or report.status.value in statuses)
        ]
        return [report.id for report in found[:limit]]

    def updated_public_report_ids(self, since: datetime, until: datetime, limit: int) -> list[str]:
        updated = [r for r in self.reports.values() if r.is_public and iso(r.updated_at) >= iso(since)]
        newest = sorted(updated, key=lambda r: f"{iso(r.updated_at)}#{r.id}", reverse=True)
        return [report.id for report in newest[:limit]]

    def _public_newest_first(self) -> list[Report]:
        public = [r for r in self.reports.values() if r.is_public]
        return sorted(public, key=lambda r: f"{iso(r.submitted_at)}#{r.id}", reverse=True)

    def put_key(self, key: ApiKey) -> None:
        if key.key_id in self.keys:
            raise VersionConflict(key.key_id)
        self._write()
        self.keys[key.key_id] = key

    def api_keys(self) -> list[ApiKey]:
        return [self.keys[key_id] for key_id in sorted(self.keys)]

    def api_key(self, key_id: str) -> ApiKey | None:
        return self.keys.get(key_id)

    def delete_key(self, key_id: str) -> bool:
        if key_id not in self.keys:
            return False
        self._write()
        del self.keys[key_id]
        return True

    # --- AttachmentRecords ------------------------------------------------------------------------------

    def attachments(self, report_id: str) -> AttachmentSet:
        return self.uploads.get(report_id, AttachmentSet())

    def store(self, report_id: str, based_on: int, files: Sequence[Attachment]) -> None:
        if self.attachments(report_id).revision != based_on:
            raise VersionConflict(report_id)
        self._write()
        self.uploads[report_id] = AttachmentSet(revision=based_on + 1, files=tuple(files))


def _queue_key(report: Report) -> str:
    """As the queue and inbox indexes sort: running clocks first by their soonest deadline, then the rest."""
    soonest = min((clock.deadline for clock in report.clocks.values()), default=None)
    order = f"0#{iso(soonest)}" if soonest is not None else f"1#{iso(report.updated_at)}"
    return f"{order}#{report.id}"


def _due_key(report: Report) -> str:
    due = next_due(report.clocks.values())
    return f"{iso(due) if due else NOTHING_DUE}#{report.id}"


def _matches(report: Report, q: str) -> bool:
    if report.id == q.strip().upper():
        return True
    words = [w for w in q.casefold().split() if w][:5]
    return bool(words) and all(word in report.title.casefold() for word in words)


def _summary(report: Report, model: type[Summary]) -> Summary:
    fields = staff_view(report, []).model_dump(exclude={"timeline", "attachments"})
    extras = {
        "contact_confirmed": report.contact_confirmed,
        "verified_at": report.verified_at,
        "first_response_at": report.first_response_at,
        "closed_at": report.closed_at,
        "reopen_count": report.reopen_count,
    }
    return model.model_validate({**fields, **(extras if model is StaffReportSummary else {})})


def _page(
    ordered: list[Report], wanted: Any, limit: int, cursor: str | None, model: type[Summary]
) -> Page[Summary]:
    """As a DynamoDB query with a filter: `limit` items are read, then filtered; the cursor is a position."""
    start = 0
    if cursor is not None:
        if not cursor.startswith("at:") or not cursor[3:].isdigit():
            raise Unparseable([FieldProblem("cursor", "invalid_cursor")])
        start = int(cursor[3:])
    read = ordered[start : start + limit]
    more = start + limit < len(ordered)
    return Page([_summary(r, model) for r in read if wanted(r)], f"at:{start + limit}" if more else None)


def _serves_every_storage_port(table: InMemoryTable) -> None:
    """Never run: `make types` checks that the fake implements each port whole (mypy on tests/fakes)."""
    from lapor import ports

    intake: ports.IntakeStore = table
    casework: ports.CaseworkStore = table
    setup: ports.SetupSource = table
    calendar: ports.CalendarStore = table
    rules: ports.RuleStore = table
    escalation: ports.EscalationStore = table
    metrics: ports.MetricsStore = table
    routes: ports.RouteSuggestions = table
    open311: ports.Open311Requests = table
    keys: ports.Open311Keys = table
    records: ports.AttachmentRecords = table
    access: ports.ReporterAccess = table
    contacts: ports.ContactBook = table
    flags: ports.ContactFlags = table
    deliveries: ports.DeliveryLog = table
    del intake, casework, setup, calendar, rules, escalation, metrics, routes, open311, keys, records
    del access, contacts, flags, deliveries
