"""The reporter's and the public's use cases: submit, read, list, reply, rate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lapor.domain.actions import REPORTER, Change, Command, apply_action, submit
from lapor.domain.attachments import NewAttachment, NewUpload
from lapor.domain.errors import FieldProblem as Problem
from lapor.domain.errors import InvalidInput, InvalidTransition, NotFound, StoreUnavailable
from lapor.domain.identifiers import (
    is_report_id,
    new_report_id,
    token_hash,
    token_matches,
)
from lapor.domain.lifecycle import Action, Status
from lapor.domain.models import CategoryRef, IdentityOnFile, NewReport, Rating, RatingInput, Reply
from lapor.domain.sla import policy_in_force, policy_version
from lapor.domain.views import (
    ReporterReportView,
    ReportSummary,
    ReportView,
    own_view,
    public_view,
    reporter_view,
)
from lapor.ports import IdCollision, IntakeStore, NikVault, Page, PublicFilter, StoredReport
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache
from lapor.services.reporter_access import own_report

MAX_ID_ATTEMPTS = 3


@dataclass(frozen=True)
class Submitted:
    change: Change
    access_token: str
    replayed: bool = False  # the same request filed before (found by its derived id): not a new report


class IntakeService(Service[IntakeStore]):
    def __init__(
        self, store: IntakeStore, setup: CitySetupCache, *, vault: Callable[[], NikVault], **kwargs: Any
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._vault = vault  # built on the first NIK: a filing without one needs no key

    def submit(
        self, new: NewReport, token_for: Callable[[str], str], first_id: str | None = None
    ) -> Submitted:
        """File a report: one transactional write. `token_for(report_id)` gives its access token.

        `first_id` (derived from an idempotency key and the body) is tried first; when it is taken by the
        same request filed earlier (its token matches), that report is the answer, not a second one.
        """
        category = self._category(new.category)
        new = self._in_the_city(new)
        at = self._now()
        setup = self._setup.get()
        for attempt in range(MAX_ID_ATTEMPTS):
            report_id = first_id if attempt == 0 and first_id else new_report_id()
            token = token_for(report_id)
            change = submit(
                new,
                report_id=report_id,
                category=category,
                at=at,
                calendar=setup.calendar(),
                policy=policy_in_force(at),
            )
            nik = new.reporter.nik
            sealed = self._vault().seal(report_id, nik) if nik else None
            try:
                self._store.create(change, IdentityOnFile.of(new.reporter, sealed), token_hash(token))
            except IdCollision:
                earlier = self._filed_before(report_id, token) if report_id == first_id else None
                if earlier is not None:
                    return earlier
                continue
            return Submitted(change, token)
        raise StoreUnavailable("no free tracking id after several draws")

    def _filed_before(self, report_id: str, token: str) -> Submitted | None:
        stored = self._store.get(report_id, with_token=True)
        if stored is None or stored.token_hash is None or not token_matches(token, stored.token_hash):
            return None
        first = min(stored.timeline, key=lambda entry: entry.seq)
        return Submitted(Change(before=None, after=stored.report, entry=first), token, replayed=True)

    def read(self, report_id: str, token: str | None) -> ReportView | ReporterReportView:
        """With a token, the reporter's whole view; without, the public view of a public report."""
        if token is not None:
            stored = self._own(report_id, token, with_identity=True)
            assert stored.identity is not None
            files = self._files(stored, "reporter")
            return reporter_view(stored.report, stored.timeline, stored.identity.shown(), files)
        if not is_report_id(report_id):
            raise NotFound(report_id)
        found = self._store.get(report_id)
        if found is None or not found.report.is_public:
            raise NotFound(report_id)
        return public_view(found.report, found.timeline, self._files(found, "public"))

    def attach(self, report_id: str, token: str | None, new: NewAttachment) -> NewUpload:
        """The reporter adds a file to their report: an upload form (`BadToken` unless it is theirs)."""
        if self._attachments is None:
            raise RuntimeError("this function has no attachments bucket")
        return self._attachments.add(self._own(report_id, token), REPORTER.role.value, new)

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page[ReportSummary]:
        return self._store.list_public(where, limit, cursor)

    def reply(self, report_id: str, token: str | None, reply: Reply) -> ReportView:
        """A reply completes a pending report, adds to an open one, or (reopen) reopens a closed one."""
        stored = self._own(report_id, token)
        status = stored.report.status
        if reply.reopen:
            action = Action.REOPEN
        elif status is Status.PENDING:
            action = Action.COMPLETE
        else:
            action = Action.REPLY
        if reply.reopen and status is not Status.DONE:
            raise InvalidTransition("only a closed report reopens")
        command = Command(action, REPORTER, self._now(), note=reply.message)
        return self._apply(stored, command)

    def rate(self, report_id: str, token: str | None, rating: RatingInput) -> ReportView:
        stored = self._own(report_id, token)
        at = self._now()
        given = Rating(score=rating.score, resolved=rating.resolved, comment=rating.comment, at=at)
        command = Command(Action.RATE, REPORTER, at, note=rating.comment, rating=given)
        return self._apply(stored, command)

    def _apply(self, stored: StoredReport, command: Command) -> ReportView:
        change = apply_action(
            stored.report,
            command,
            calendar=self._setup.get().calendar(),
            policy=policy_version(stored.report.sla_policy),
        )
        self._store.save(change)
        return own_view(change.after, [*stored.timeline, change.entry], self._files(stored, "reporter"))

    def _own(self, report_id: str, token: str | None, *, with_identity: bool = False) -> StoredReport:
        """The caller's own report, or `BadToken` whether or not the report exists."""
        return own_report(self._store, report_id, token, with_identity=with_identity)

    def _category(self, code: str | None) -> CategoryRef | None:
        if code is None:
            return None
        category = self._setup.category(code)  # the store's create() checks again that it is still active
        if category is None:
            raise InvalidInput([Problem("category", "unknown_category")])
        if not category.active:
            raise InvalidInput([Problem("category", "inactive_category")])
        return CategoryRef(code=category.code, name=category.name)

    def _in_the_city(self, new: NewReport) -> NewReport:
        """The report with its kecamatan as the city spells it; 422 when it is not one of the city's."""
        if new.location is None or new.location.kecamatan is None:
            return new
        spelled = self._setup.get().kecamatan_named(new.location.kecamatan)
        if spelled is None:
            raise InvalidInput([Problem("location.kecamatan", "unknown_kecamatan")])
        return new.model_copy(update={"location": new.location.model_copy(update={"kecamatan": spelled})})
