"""What happens when a report arrives: the routing rules suggest an agency, or (auto_dispose) assign it.

Runs in the stream consumer, from the report as it was inserted. A suggestion changes neither status nor
version; an auto-disposition is the system's `verify`, one conditional write on version 1, so a report the
coordinator has already acted on is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lapor.domain.actions import SYSTEM, Command, apply_action
from lapor.domain.errors import VersionConflict
from lapor.domain.events import event_from_timeline_item
from lapor.domain.lifecycle import Action, Status
from lapor.domain.models import AgencyRef, Report
from lapor.domain.routing_rules import suggest
from lapor.domain.sla import policy_version
from lapor.domain.wallclock import now_utc
from lapor.ports import EventPublisher, ReportRepository
from lapor.services.city_setup import CitySetupCache


class RoutingService:
    def __init__(
        self,
        repository: ReportRepository,
        setup: CitySetupCache,
        publisher: EventPublisher,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._repository = repository
        self._setup = setup
        self._publisher = publisher
        self._now = now

    def route_new_report(self, report: Report) -> str:
        """Suggest or assign; answers what it did (`none`, `suggested`, `disposed`, `skipped`)."""
        if report.status is not Status.SUBMITTED or report.category is None:
            return "none"
        setup = self._setup.get()
        kecamatan = report.location.kecamatan if report.location else None
        rule = suggest(setup.routing_rules, report.category.code, kecamatan)
        agency = setup.agencies.get(rule.agency_id) if rule else None
        if rule is None or agency is None:
            return "none"
        if not rule.auto_dispose:
            return "suggested" if self._repository.suggest_agency(report.id, agency.id) else "skipped"
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
            self._repository.save(change)
        except VersionConflict:
            return "skipped"
        return "disposed"

    def publish_timeline_entry(self, item: dict[str, object]) -> None:
        event = event_from_timeline_item(dict(item))
        self._publisher.publish(event.detail_type, event.model_dump(mode="json"))
