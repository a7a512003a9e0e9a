"""What the staff routes answer (also the response schemas of the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from lapor.domain.views import StaffReportSummary
from lapor.domain.wallclock import Instant


class StaffReportList(BaseModel):
    items: list[StaffReportSummary]
    next_cursor: str | None


class IdentityReadView(BaseModel):
    at: Instant
    actor_role: str
    actor_id: str
    agency_id: str | None


class AccessLog(BaseModel):
    items: list[IdentityReadView]


class DailyIndicators(BaseModel):
    """A WIB day's snapshot (API.md, "The daily snapshot"); the figures' shape is lapor.domain.indicators."""

    model_config = ConfigDict(extra="allow")

    date: str
    city: dict[str, Any]
    agencies: dict[str, dict[str, Any]]
    ranking: list[dict[str, Any]]
