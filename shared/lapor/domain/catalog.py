"""The city's catalog (agencies, categories, kecamatan) and its calendar adjustments, as read from storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from lapor.domain.calendar import WorkingCalendar, YearAdjustments
from lapor.domain.models import ReportType
from lapor.domain.routing_rules import RoutingRule, default_rules


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    short_name: str
    active: bool = True  # an inactive agency keeps its reports' history but is given no new report


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    default_agency_id: str
    default_type: ReportType
    active: bool = True  # an inactive category is offered to no one and refused on a new report


@dataclass(frozen=True)
class CitySetup:
    """Everything the coordinator edits that a request needs: one read, cached by the functions."""

    agencies: Mapping[str, Agency] = field(default_factory=dict)
    categories: Mapping[str, Category] = field(default_factory=dict)
    kecamatan: tuple[str, ...] = ()
    calendar_adjustments: Mapping[int, YearAdjustments] = field(default_factory=dict)
    stored_rules: tuple[RoutingRule, ...] | None = None  # None: none stored yet, the defaults apply
    clocks_calendar_revision: int = 0  # the calendar revision running clocks were last recomputed against

    @property
    def calendar_revision(self) -> int:
        """Grows with every calendar change, of any year."""
        return sum(adjust.revision for adjust in self.calendar_adjustments.values())

    @property
    def routing_rules(self) -> tuple[RoutingRule, ...]:
        if self.stored_rules is not None:
            return self.stored_rules
        pairs = sorted((c.code, c.default_agency_id) for c in self.categories.values())
        return tuple(default_rules(pairs))

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.calendar_adjustments)

    def active_agencies(self) -> list[Agency]:
        return sorted((a for a in self.agencies.values() if a.active), key=lambda a: a.id)

    def active_categories(self) -> list[Category]:
        return sorted((c for c in self.categories.values() if c.active), key=lambda c: c.code)

    def kecamatan_named(self, name: str) -> str | None:
        """The city's spelling of a kecamatan, matched without regard to case (None: not the city's)."""
        wanted = name.strip().casefold()
        return next((k for k in self.kecamatan if k.casefold() == wanted), None)
