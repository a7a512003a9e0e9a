"""Open311 GeoReport v2's use cases: services, filing, public reads, tokens, updates.

The mapping itself is `lapor.domain.open311`; this module reads and writes through `Open311Requests`. The
API keys that filing needs are `lapor.services.open311_keys`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from lapor.domain.actions import submit
from lapor.domain.calendar import local_date
from lapor.domain.catalog import Category
from lapor.domain.identifiers import (
    derived_access_token,
    derived_report_id,
    is_report_id,
    new_access_token,
    new_report_id,
    token_hash,
)
from lapor.domain.lifecycle import ClockKind, Status
from lapor.domain.models import CategoryRef, IdentityOnFile, Report
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
        """An active category: an inactive one is no service of the endpoint."""
        category = self._setup.category(code)
        return category if category is not None and category.active else None

    # Services -----------------------------------------------------------------------------------------

    def services(self) -> list[dict[str, Any]]:
        return services(self._setup.get().active_categories())

    def service(self, code: str) -> dict[str, Any]:
        category = self.category(code)
        if category is None:
            raise Open311Error(404, f"no service {code!r}")
        return service_definition(category)

    # Filing --------------------------------------------------------------------------------------------

    def file(
        self, filing: Filing, key_id: str, fields: Mapping[str, str], secret: bytes
    ) -> list[dict[str, Any]]:
        """File the report; the answer names it at once (`service_request_id`) and gives a token too.

        The first id and the token are derived from the client's key, the form and the WIB day: a client
        that retries a POST whose answer it did not get (a 503, a timeout) finds the report its first try
        filed, not a second one. Two identical requests of one client on one day are one report.
        """
        new = filing.report
        category = self._setup.category(new.category or "")
        assert category is not None  # the filing was made from this setup's categories
        at = self._now()
        setup = self._setup.get()
        request = _request_digest(key_id, fields, local_date(at))
        first_id = derived_report_id(secret, "open311", request)
        token = derived_access_token(secret, first_id, f"open311:{request}")
        for attempt in range(MAX_ID_ATTEMPTS):
            report_id = first_id if attempt == 0 else new_report_id()
            change = submit(
                new,
                report_id=report_id,
                category=CategoryRef(code=category.code, name=category.name),
                at=at,
                calendar=setup.calendar(),
                policy=policy_in_force(at),
            )
            # A named reporter can ask for an access link later (POST /reports/{id}/access, to the contact
            # on file); the token behind this hash is never shown to anyone. A nameless request has none.
            access = token_hash(new_access_token()) if filing.identity is not None else None
            try:
                on_file = IdentityOnFile.of(filing.identity, None) if filing.identity else None  # no NIK
                self._store.file_request(change, on_file, access, token_hash(token))
            except IdCollision:
                if report_id == first_id and self._store.report_for_token(token_hash(token)) == first_id:
                    earlier = self._store.get(first_id)
                    if earlier is not None:
                        return _posted(earlier.report, token, category.code)
                continue
            return _posted(change.after, token, category.code)
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


def _posted(report: Report, token: str, service_code: str) -> list[dict[str, Any]]:
    verify = report.clocks.get(ClockKind.VERIFY)
    return posted(report.id, token, service_code, report.submitted_at, verify.deadline if verify else None)


def _request_digest(key_id: str, fields: Mapping[str, str], day: date) -> str:
    """One client's request on one WIB day, whatever order its fields came in (the key itself left out)."""
    kept = {k: v for k, v in fields.items() if k != "api_key"}
    text = json.dumps([key_id, day.isoformat(), sorted(kept.items())], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
