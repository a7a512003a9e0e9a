"""The storage port the services depend on. `lapor.adapters.dynamodb` implements it; tests may fake it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from lapor.domain.actions import Change
from lapor.domain.catalog import CitySetup
from lapor.domain.models import Report, ReporterIdentity, TimelineEntry
from lapor.domain.views import ReportSummary


@dataclass(frozen=True)
class StoredReport:
    report: Report
    timeline: list[TimelineEntry]
    identity: ReporterIdentity | None = None  # only when asked for, for the reporter's own view


@dataclass(frozen=True)
class PublicFilter:
    status: str | None = None
    category: str | None = None
    agency_id: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[ReportSummary]
    next_cursor: str | None


class ReportRepository(Protocol):
    def create(self, change: Change, identity: ReporterIdentity) -> None:
        """Store a new report, its identity, first timeline entry and metric event: one transactional write.

        Raises `IdCollision` when the id is taken, `StoreUnavailable` when throttled.
        """

    def get(self, report_id: str, *, with_identity: bool = False) -> StoredReport | None:
        """One read: the report and its timeline (and, when asked, the identity)."""

    def save(self, change: Change) -> None:
        """Store a state change: one conditional transactional write; `VersionConflict` when stale."""

    def list_public(self, where: PublicFilter, limit: int, cursor: str | None) -> Page:
        """One query: verified, non-confidential reports, newest first. `Unparseable` on a bad cursor."""

    def city_setup(self) -> CitySetup:
        """The catalog and the calendar adjustments (one query)."""


class IdCollision(Exception):
    """A new tracking id was already taken (about one in a trillion): draw another."""
