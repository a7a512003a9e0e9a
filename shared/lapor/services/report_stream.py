"""What follows a write to the table (its stream, `functions/report_stream`): a new report is routed by the
coordinator's routing rules (an agency suggested, or assigned by an `auto_dispose` rule), and every new
timeline entry is published as a domain event.

The stream's records are decoded by the adapter (`lapor.adapters.dynamodb.stream`), so this service sees
reports and events, never items. A suggestion changes neither status nor version; an auto-disposition is
the system's `verify`, one conditional write on version 1, so a report the coordinator has already acted on
is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from lapor.domain.actions import SYSTEM, Command, apply_action
from lapor.domain.errors import VersionConflict
from lapor.domain.events import ReportEvent
from lapor.domain.lifecycle import Action, Status
from lapor.domain.models import AgencyRef, Report
from lapor.domain.routing_rules import suggest
from lapor.domain.sla import policy_version
from lapor.domain.wallclock import now_utc
from lapor.ports import EventPublisher, RouteSuggestions
from lapor.services.city_setup import CitySetupCache

Routed = Literal["none", "suggested", "disposed", "skipped"]


class ReportStreamService:
    def __init__(
        self,
        store: RouteSuggestions,
        setup: CitySetupCache,
        publisher: EventPublisher,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._store = store
        self._setup = setup
        self._publisher = publisher
        self._now = now

    def route_new_report(self, report: Report) -> Routed:
        """Suggest or assign; answers what it did (`none`, `suggested`, `disposed`, `skipped`)."""
        if report.status is not Status.SUBMITTED or report.category is None:
            return "none"
        setup = self._setup.get()
        kecamatan = report.location.kecamatan if report.location else None
        rule = suggest(setup.routing_rules, report.category.code, kecamatan)
        agency = setup.agencies.get(rule.agency_id) if rule else None
        if rule is None or agency is None or not agency.active:  # a deactivated agency gets nothing new
            return "none"
        if not rule.auto_dispose:
            return "suggested" if self._store.suggest_agency(report.id, agency.id) else "skipped"
        command = Command(
            Action.VERIFY,
            SYSTEM,
            self._now(),
            note="Didisposisikan otomatis menurut aturan rute.",
            updates={"agency": AgencyRef(id=agency.id, name=agency.name)},
        )
        change = apply_action(
            report, command, calendar=setup.calendar(), policy=policy_version(report.sla_policy)
        )
        try:
            self._store.save(change)
        except VersionConflict:
            return "skipped"
        return "disposed"

    def publish(self, event: ReportEvent) -> None:
        """Put one timeline entry's domain event on the bus (raises when it was not accepted)."""
        self._publisher.publish(event.detail_type, event.model_dump(mode="json"))
