"""Open311 GeoReport v2's use cases: services, filing, public reads, tokens, updates, and the API keys.

The mapping itself is `lapor.domain.open311`; this module reads and writes through `Open311Store`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.actions import Change, submit
from lapor.domain.catalog import Category
from lapor.domain.errors import NotFound
from lapor.domain.identifiers import is_report_id, new_access_token, new_report_id, token_hash, token_matches
from lapor.domain.lifecycle import ClockKind, Role, Status
from lapor.domain.models import CategoryRef, ReporterIdentity
from lapor.domain.open311 import (
    ApiKey,
    Filing,
    Open311Error,
    key_id_of,
    new_api_key,
    posted,
    request,
    service_definition,
    services,
    updates,
)
from lapor.domain.sla import policy_in_force
from lapor.domain.views import ReportView, public_view
from lapor.ports import IdCollision, ReportRepository
from lapor.services.base import Service

MAX_ID_ATTEMPTS = 3


class Open311Store(ReportRepository, Protocol):
    def file_request(
        self,
        change: Change,
        identity: ReporterIdentity | None,
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

    def put_key(self, key: ApiKey) -> None: ...

    def api_keys(self) -> list[ApiKey]: ...

    def api_key(self, key_id: str) -> ApiKey | None: ...

    def delete_key(self, key_id: str) -> bool:
        """False when there was no such key."""


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once
    key_id: str
    name: str
    created_at: str | None


class Open311Service(Service):
    def __init__(self, store: Open311Store, *args: Any, **kwargs: Any) -> None:
        super().__init__(store, *args, **kwargs)
        self._store = store

    def now(self) -> datetime:
        return self._now()

    def category(self, code: str) -> Category | None:
        return self._setup.category(code)

    # Services -----------------------------------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        return services(self._setup.get().categories.values())

    def service(self, code: str) -> dict[str, Any]:
        category = self._setup.category(code)
        if category is None:
            raise Open311Error(404, f"no service {code!r}")
        return service_definition(category)

    # Filing --------------------------------------------------------------------------------------------

    def file(self, filing: Filing) -> list[dict[str, Any]]:
        """File the report; the answer names it at once (`service_request_id`) and gives a token too."""
        new = filing.report
        category = self._setup.category(new.category or "")
        assert category is not None  # the filing was made from this setup's categories
        at = self._now()
        setup = self._setup.get()
        token = new_access_token()
        for _ in range(MAX_ID_ATTEMPTS):
            change = submit(
                new,
                report_id=new_report_id(),
                category=CategoryRef(code=category.code, name=category.name),
                at=at,
                calendar=setup.calendar(),
                policy=policy_in_force(at),
            )
            # A named reporter can ask for an access link later (POST /reports/{id}/access, to the contact
            # on file); the token behind this hash is never shown to anyone. A nameless request has none.
            access = token_hash(new_access_token()) if filing.identity is not None else None
            try:
                self._store.file_request(change, filing.identity, access, token_hash(token))
            except IdCollision:
                continue
            verify = change.after.clocks.get(ClockKind.VERIFY)
            return posted(change.after.id, token, category.code, at, verify.deadline if verify else None)
        raise IdCollision("no free tracking id after several draws")

    # Reads ---------------------------------------------------------------------------------------------

    def _public(self, report_id: str) -> ReportView | None:
        if not is_report_id(report_id):
            return None
        found = self._store.get(report_id)
        if found is None or not found.report.is_public:
            return None
        return public_view(found.report, found.timeline, self._files(found, "public"))

    def request(self, report_id: str) -> list[dict[str, Any]]:
        view = self._public(report_id)
        if view is None:
            raise Open311Error(404, f"no service request {report_id!r}")
        return [request(view)]

    def requests_by_id(self, ids: list[str]) -> list[dict[str, Any]]:
        views = [self._public(report_id) for report_id in ids]
        return [request(view) for view in views if view is not None]

    def requests(
        self,
        since: datetime,
        until: datetime,
        code: str | None,
        statuses: Collection[Status] | None,
        page: int,
        size: int,
    ) -> list[dict[str, Any]]:
        wanted = sorted(s.value for s in statuses) if statuses is not None else None
        ids = self._store.public_report_ids(since, until, code, wanted, page * size)
        views = [self._public(report_id) for report_id in ids[(page - 1) * size : page * size]]
        return [request(view) for view in views if view is not None]

    def token(self, token: str) -> list[dict[str, Any]]:
        report_id = self._store.report_for_token(token_hash(token)) if 0 < len(token) <= 200 else None
        if report_id is None:
            raise Open311Error(404, "no such token")
        return [{"service_request_id": report_id, "token": token}]

    def updates(self, since: datetime, until: datetime, page: int, size: int) -> list[dict[str, Any]]:
        ids = self._store.updated_public_report_ids(since, until, page * size)
        found: list[dict[str, Any]] = []
        for report_id in ids[(page - 1) * size : page * size]:
            view = self._public(report_id)
            if view is not None:
                found += updates(view, since, until)
        return sorted(found, key=lambda u: (u["updated_datetime"], u["update_id"]))

    # API keys ------------------------------------------------------------------------------------------

    def check_key(self, key: str | None) -> str:
        """The id of `key` when it is an issued, unrevoked key; else `Open311Error(403)`."""
        key_id = key_id_of(key) if key else None
        stored = self._store.api_key(key_id) if key_id else None
        if stored is None or not token_matches(key, stored.key_hash):
            raise Open311Error(403, "a valid api_key is required")
        return stored.key_id

    def issue_key(self, caller: StaffCaller, name: str) -> IssuedKey:
        ensure_role(caller, Role.COORDINATOR)
        key_id, key = new_api_key()
        stored = ApiKey(
            key_id=key_id, name=name, key_hash=token_hash(key), created_at=self._now(), created_by=caller.id
        )
        self._store.put_key(stored)
        listed = stored.listed()
        return IssuedKey(key=key, key_id=key_id, name=name, created_at=listed["created_at"])

    def keys(self, caller: StaffCaller) -> list[dict[str, Any]]:
        ensure_role(caller, Role.COORDINATOR)
        return [key.listed() for key in sorted(self._store.api_keys(), key=lambda k: k.created_at)]

    def revoke_key(self, caller: StaffCaller, key_id: str) -> None:
        ensure_role(caller, Role.COORDINATOR)
        if not self._store.delete_key(key_id):
            raise NotFound(key_id)
