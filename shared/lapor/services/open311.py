"""Open311 GeoReport v2's use cases: services, filing, public reads, tokens, updates.

The mapping itself is `lapor.domain.open311`; this module reads and writes through `Open311Requests`. The
API keys that filing needs are `lapor.services.open311_keys`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from lapor.domain.actions import submit
from lapor.domain.catalog import Category
from lapor.domain.identifiers import is_report_id, new_access_token, new_report_id, token_hash
from lapor.domain.lifecycle import ClockKind, Status
from lapor.domain.models import CategoryRef
from lapor.domain.open311 import (
    Filing,
    Open311Error,
    posted,
    request,
    service_definition,
    services,
    updates,
)
from lapor.domain.sla import policy_in_force
from lapor.domain.views import ReportView, public_view
from lapor.ports import IdCollision, Open311Requests
from lapor.services.base import Service

MAX_ID_ATTEMPTS = 3


class Open311Service(Service[Open311Requests]):
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
