"""Every port the services depend on, with the data that crosses them.

The adapters implement them (`lapor.adapters`); `tests/fakes` holds an in-memory implementation of each, so
the services' own rules are unit-tested without moto. The table below says who uses which.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from lapor.domain.actions import Change
from lapor.domain.attachments import Attachment, AttachmentSet, UploadForm
from lapor.domain.calendar import YearAdjustments
from lapor.domain.catalog import Agency, Category, CitySetup
from lapor.domain.contact import ContactStatus, IssueResult
from lapor.domain.delivery import Delivery, DeliveryState
from lapor.domain.identifiers import token_matches
from lapor.domain.models import IdentityOnFile, Report, TimelineEntry
from lapor.domain.roster import NewOfficer, Officer
from lapor.domain.routing_rules import RoutingRule
from lapor.domain.views import ReportSummary, StaffReportSummary

if TYPE_CHECKING:  # annotations only: a handler that never notifies or speaks Open311 imports neither
    from lapor.domain.notifications import Contact, Message
    from lapor.domain.open311 import ApiKey

Item = TypeVar("Item")


@dataclass(frozen=True)
class StoredReport:
    report: Report
    timeline: list[TimelineEntry]
    identity: IdentityOnFile | None = None  # only when asked for (the NIK sealed and masked)
    token_hash: str | None = None  # only when asked for: the reporter's own reads and actions
    attachments: AttachmentSet = default(default_factory=AttachmentSet)
    contact: ContactStatus | None = None  # with the identity: the contact's confirmation
    link_token_hash: str | None = None  # with the token: an access link's token, valid until first used
    deliveries: tuple[Delivery, ...] = ()  # the messages to the reporter and what became of them

    def token_is(self, token: str | None) -> bool:
        """The reporter's current token (not a link's; see `link_token_is`)."""
        return self.token_hash is not None and token_matches(token, self.token_hash)

    def link_token_is(self, token: str | None) -> bool:
        """The token of the newest access link, not used yet."""
        return self.link_token_hash is not None and token_matches(token, self.link_token_hash)


@dataclass(frozen=True)
class ReporterContact:
    """The reporter's contact and its confirmation, for the notifier (never logged)."""

    contact: Contact
    status: ContactStatus


@dataclass(frozen=True)
class IssuedCode:
    """A new confirmation code to store (its keyed hash) and count against the contact's WIB day."""

    contact_key: str
    day: date
    nonce: str
    code_hash: str
    expires_at: datetime
    per_day: int


@dataclass(frozen=True)
class PublicFilter:
    status: str | None = None
    category: str | None = None
    agency_id: str | None = None


@dataclass(frozen=True)
class IdentityRead:
    """One read of a reporter's identity, as the access log keeps it."""

    at: datetime
    actor_role: str
    actor_id: str
    agency_id: str | None
    request_id: str
    purpose: str | None = None  # why the officer read it, in their words (`?purpose=`)

    def actor_fields(self) -> dict[str, Any]:
        return {
            "actor_role": self.actor_role,
            "actor_id": self.actor_id,
            "agency_id": self.agency_id,
            "request_id": self.request_id,
            "purpose": self.purpose,
        }

    @classmethod
    def from_fields(cls, item: dict[str, Any]) -> IdentityRead:
        return cls(
            at=datetime.fromisoformat(str(item["at"])),
            actor_role=str(item["actor_role"]),
            actor_id=str(item["actor_id"]),
            agency_id=item.get("agency_id"),
            request_id=str(item.get("request_id", "")),
            purpose=item.get("purpose"),
        )


@dataclass(frozen=True)
class CalendarChange:
    """A year's new adjustments, the revision they replace, and who changed what (the audit entry)."""

    adjustments: YearAdjustments
    based_on: int
    at: datetime
    actor_id: str
    request_id: str
    added: tuple[date, ...]
    removed: tuple[date, ...]


@dataclass(frozen=True)
class StoredSnapshot:
    """One WIB day's indicators as computed at `time` (a recompute at the same `time` is identical)."""

    date: date
    time: datetime
    document: dict[str, Any]
    parts: dict[str, Any] | None = None  # what a range adds up (lapor.domain.indicators.combine)


@dataclass(frozen=True)
class StaffFilter:
    """A staff list: `agency_id` is the caller's scope (operator, official) or a filter (coordinator)."""

    agency_id: str | None = None
    status: str | None = None
    category: str | None = None
    overdue: bool | None = None
    q: str | None = None
    submitted_from: str | None = None  # UTC instant, inclusive
    submitted_before: str | None = None  # UTC instant, exclusive
    contact_confirmed: bool | None = None


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    next_cursor: str | None


# --- the ports ------------------------------------------------------------------------------------------
#
# Narrow by consumer: each service depends on the few it uses whole. `lapor.adapters.dynamodb` implements the
# storage ones (one class serves them all), `tests/fakes` has an in-memory implementation of each.
#
# | Port | Used by |
# |---|---|
# | `ReportReader`, `ChangeWriter`, `ReportStore` (both) | the services that read a report or store a change |
# | `IntakeStore` | `IntakeService` |
# | `CaseworkStore`, `StaffLists` | `CaseworkService`; `ExportService` (lists only) |
# | `CalendarStore`, `RuleStore`, `SetupSource` | `CalendarAdmin`, `RoutingRulesAdmin`, `CitySetupCache` |
# | `DueIndex`, `EscalationStore`, `MetricsStore` | `EscalationService`, `MetricsService` |
# | `ReportingStore`, `RosterReader` | `LeadershipReports` (breakdowns, officers' activity, the recap) |
# | `RouteSuggestions` | `ReportStreamService` |
# | `Open311Requests`, `Open311Keys` | `Open311Service`, `Open311KeyService` |
# | `AttachmentRecords`, `FileStore` | `AttachmentService` |
# | `TokenStore`, `ReporterAccess` | `IntakeService`, `ContactService` (confirmation, access links) |
# | `NikVault` | `IntakeService` (seals), `CaseworkService` (opens, for the audited identity read) |
# | `EventPublisher` | `ContactService` (codes, access links), `ReportStreamService` |
# | `MessageSender`, `ContactBook`, `DeliveryLog` | `DeliveryService` (the notifier) |
# | `DeliveryStates`, `ContactFlags` | `DeliveryFeedbackService` (the providers' feedback) |


class ReportReader(Protocol):
    def get(
        self, report_id: str, *, with_identity: bool = False, with_token: bool = False
    ) -> StoredReport | None:
        """One read: the report and its timeline (and, when asked, the identity and the token's hash)."""


class ChangeWriter(Protocol):
    def save(self, change: Change) -> None:
        """Store a state change: one conditional transactional write; `VersionConflict` when stale."""


class ReportStore(ReportReader, ChangeWriter, Protocol):
    """Read one report, store one change to it: what every action on a report needs."""


class TokenStore(ReportReader, Protocol):
    def promote_access(self, report_id: str, token_hash: str) -> None:
        """An access link's token was used: it becomes the only token (the old one stops working)."""


class IntakeStore(ReportStore, TokenStore, Protocol):
    def create(self, change: Change, identity: IdentityOnFile, token_hash: str) -> None:
        """Store a new report, its identity, first timeline entry and metric event: one transactional write,
        which also checks that the report's category is still active (a cache may hold it as it was).

        Raises `IdCollision` when the id is taken, `InvalidInput` (category) when the category is no longer
        active, `StoreUnavailable` when throttled.
        """

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page[ReportSummary]:
        """One query: verified, non-confidential reports, newest first. `Unparseable` on a bad cursor."""


class ReporterAccess(TokenStore, Protocol):
    def confirm_contact(self, report_id: str, limit: int) -> bool:
        """The contact is confirmed with the right code, counted as an attempt (identity and the report's
        flag in one write; no version, no timeline); False when it was not waiting for confirmation or
        `limit` attempts were counted already."""

    def count_code_attempt(self, report_id: str, limit: int) -> bool:
        """Count one attempt at the contact's code before it is compared; False when `limit` attempts were
        counted already (the code is void) or the contact is not waiting for confirmation."""

    def renew_access(self, report_id: str, link_token_hash: str, day: date, per_day: int) -> bool:
        """Hold a new access link's token (voiding an older unused one), at most `per_day` on a WIB day."""

    def release_access(self, report_id: str, link_token_hash: str, day: date) -> None:
        """Give back a link that could not be sent (it does not count, its token is void)."""


class StaffLists(Protocol):
    def list_staff(self, where: StaffFilter, limit: int, cursor: str | None) -> Page[StaffReportSummary]:
        """One query: running clocks first by their soonest deadline, then the rest."""


class CaseworkStore(ReportStore, StaffLists, Protocol):
    def log_identity_read(self, report_id: str, entry: IdentityRead) -> None:
        """Append one identity read to the report's access log."""

    def identity_reads(self, report_id: str) -> list[IdentityRead]:
        """The report's access log, oldest first."""

    def erase_identity(self, change: Change) -> None:
        """Store an `identity_erased` change (conditional, as `save`) with the identity replaced by a record
        that it was erased and the reporter's tokens deleted: one transaction."""


class SetupSource(Protocol):
    def city_setup(self) -> CitySetup:
        """The catalog, the routing rules and the calendar adjustments (one query)."""


class CalendarStore(Protocol):
    def save_calendar(self, change: CalendarChange) -> None:
        """Store a year's adjustments and their audit entry; `VersionConflict` when the revision moved."""


class RuleStore(Protocol):
    def replace_routing_rules(self, old: Sequence[RoutingRule], new: Sequence[RoutingRule]) -> None:
        """Store the coordinator's new rule set."""


class DueIndex(Protocol):
    def due_reports(
        self, shard: int, until: datetime | None, start: str | None, limit: int
    ) -> tuple[list[Report], str | None]:
        """One page of one due-index shard: reports with a step due at or before `until` (None: every
        report with a running clock)."""


class EscalationStore(DueIndex, ChangeWriter, Protocol):
    def mark_calendar(self, revision: int) -> None:
        """Record that the running clocks now follow the calendar at `revision`."""


class MetricsStore(DueIndex, Protocol):
    def metric_events(self, day: date) -> list[dict[str, Any]]:
        """Every metric event of one WIB day."""

    def put_snapshot(self, snapshot: StoredSnapshot) -> None:
        """Store a day's indicators (replacing an earlier computation)."""

    def snapshot(self, day: date) -> StoredSnapshot | None:
        """A day's stored indicators."""

    def snapshots_between(self, first: date, last: date) -> list[StoredSnapshot]:
        """The stored days from `first` to `last` (both included), in date order; missing days are absent."""


class ReportingStore(Protocol):
    """What leadership's reports read: the metric events of each day of a range, and the stored days."""

    def metric_events(self, day: date) -> list[dict[str, Any]]:
        """Every metric event of one WIB day."""

    def snapshots_between(self, first: date, last: date) -> list[StoredSnapshot]:
        """The stored days from `first` to `last` (both included), in date order; missing days are absent."""


class RouteSuggestions(ChangeWriter, Protocol):
    def suggest_agency(self, report_id: str, agency_id: str) -> bool:
        """Record a route suggestion on a report waiting for verification (no status or version change)."""


class Open311Requests(ReportReader, Protocol):
    def file_request(
        self,
        change: Change,
        identity: IdentityOnFile | None,
        access_hash: str | None,
        request_token_hash: str,
    ) -> None:
        """Store a new report (with its identity and access only when named) and the Open311 token that
        names it: one transactional write; `IdCollision` when the id is taken."""

    def report_for_token(self, request_token_hash: str) -> str | None:
        """The id of the report an Open311 token names."""

    def public_report_ids(
        self,
        since: datetime,
        until: datetime,
        category: str | None,
        statuses: Collection[str] | None,
        limit: int,
    ) -> list[str]:
        """Public reports submitted in the range, newest first, at most `limit` (public-index)."""

    def updated_public_report_ids(self, since: datetime, until: datetime, limit: int) -> list[str]:
        """Public reports submitted by `until` and updated since `since` (public-index)."""


class Open311Keys(Protocol):
    def put_key(self, key: ApiKey) -> None:
        """Store a newly issued key (its hash)."""

    def api_keys(self) -> list[ApiKey]:
        """Every issued key."""

    def api_key(self, key_id: str) -> ApiKey | None:
        """One key, read consistently (a revoked key stops working at once)."""

    def delete_key(self, key_id: str) -> bool:
        """Revoke a key; False when there was no such key."""


class IdCollision(Exception):
    """A new tracking id was already taken (about one in a trillion): draw another."""


class NikVault(Protocol):
    """Seals a NIK with the key kept for identity fields alone (KMS in AWS), bound to its report."""

    def seal(self, report_id: str, nik: str) -> str:
        """The NIK, sealed (text to store)."""

    def open(self, report_id: str, sealed: str) -> str:
        """The NIK again (the audited staff route only)."""


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Put one domain event on the bus; raises when it was not accepted."""


class MessageSender(Protocol):
    def send(self, message: Message) -> str:
        """Hand one message to its channel; the provider's message id. `DeliveryRefused` when the channel
        refuses it for good; any other error is passing (the event is retried)."""


class ContactBook(Protocol):
    def reporter_contact(self, report_id: str) -> ReporterContact | None:
        """The reporter's contact and its confirmation, or None when no contact is on file."""

    def issue_code(self, report_id: str, code: IssuedCode) -> IssueResult:
        """Store a new code's hash for an unconfirmed contact, within the contact's daily cap."""


class ContactFlags(Protocol):
    def mark_undeliverable(self, report_id: str, reason: str) -> None:
        """The contact bounced or complained: nothing more is sent to it."""


class DeliveryStates(Protocol):
    def settle(
        self, report_id: str, key: str, state: DeliveryState, at: datetime, reason: str | None
    ) -> bool:
        """Move a message's record forward (never backwards); False when there is none or it moved on."""


class DeliveryLog(DeliveryStates, Protocol):
    def begin(self, report_id: str, delivery: Delivery) -> Delivery | None:
        """Record a message about to be sent; the record already there (a retried event), else None."""

    def charge_sms(self, month: str, cost: int, limit: int) -> bool:
        """Count one SMS's cost against the month's budget (micro-USD); False when it would pass `limit`."""


class AttachmentRecords(Protocol):
    """The reports' attachment records (also read with the report by `ReportReader.get`)."""

    def attachments(self, report_id: str) -> AttachmentSet:
        """One report's records and their revision (a consistent read)."""

    def store(self, report_id: str, based_on: int, files: Sequence[Attachment]) -> None:
        """Replace the report's records, computed from revision `based_on`; `VersionConflict` if it moved."""


class FileStore(Protocol):
    """Where attachments' bytes live. Forms and links are presigned; the rest are the scrubber's calls."""

    def upload_form(self, key: str, content_type: str, max_size: int, expires: timedelta) -> UploadForm:
        """A form that uploads one file of `content_type`, 1..`max_size` bytes, to `key` until `expires`."""

    def download_url(self, key: str, content_type: str, filename: str, expires: timedelta) -> str:
        """A link that fetches `key` as `filename` until `expires`."""

    def read(self, key: str, max_size: int) -> bytes | None:
        """The object's bytes (None when it is gone); `FileTooLarge` when it has more than `max_size`."""

    def write(self, key: str, data: bytes, content_type: str) -> None:
        """Store the bytes."""

    def delete(self, key: str) -> None:
        """Remove the object (gone already is fine)."""


class FileTooLarge(Exception):
    """A stored object is larger than the caller would read."""


class RosterReader(Protocol):
    def officers(self) -> list[Officer]:
        """Every officer, active or not (one read of the roster's partition)."""

    def officer(self, officer_id: str) -> Officer | None:
        """One officer by id (the token's `sub`)."""


class StaffDirectory(Protocol):
    """Where officers sign in (Cognito in AWS): the roster's changes are made there too."""

    def invite(self, officer: NewOfficer) -> str:
        """Create the officer's sign-in, invited by e-mail; their id (the token's `sub`). `OfficerExists`
        when the e-mail has one already."""

    def change(self, before: Officer, after: Officer) -> None:
        """Carry a change over: role (group), agency (attribute), active (enabled; signed out when not)."""


class RosterStore(RosterReader, Protocol):
    def put_officer(self, officer: Officer, before: Officer | None, audit: dict[str, Any]) -> None:
        """Store a new or changed officer with its audit entry; `VersionConflict` when it changed since
        `before` was read."""


@dataclass(frozen=True)
class CatalogAudit:
    """Who changed a catalog entry, when, and what it was before and after (plain JSON values)."""

    at: datetime
    actor_id: str
    request_id: str
    before: dict[str, Any] | None
    after: dict[str, Any]


class CatalogStore(Protocol):
    def put_agency(self, agency: Agency, before: Agency | None, audit: CatalogAudit) -> None:
        """Store an agency (new, or changed from `before`) and its audit entry; `VersionConflict` when it
        changed meanwhile."""

    def put_category(self, category: Category, before: Category | None, audit: CatalogAudit) -> None:
        """As `put_agency`, for a category."""

    def holds_open_reports(self, agency_id: str) -> bool:
        """Whether any report assigned to the agency is still open (one read of at most one item)."""
