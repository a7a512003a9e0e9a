"""What the staff routes answer (also the response schemas of the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from lapor.domain.breakdown import Dimension
from lapor.domain.models import min_visible
from lapor.domain.recap import Backlog, OnTime, RecapOfficer, Times
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
    purpose: str | None = None


class AccessLog(BaseModel):
    items: list[IdentityReadView]


class DailyIndicators(BaseModel):
    """A WIB day's snapshot (API.md, "The daily snapshot"); the figures' shape is lapor.domain.indicators."""

    model_config = ConfigDict(extra="allow")

    date: str
    city: dict[str, Any]
    agencies: dict[str, dict[str, Any]]
    ranking: list[dict[str, Any]]


class NewKey(BaseModel):
    """`POST /staff/open311/keys`: who the key is for (a client application, e.g. "FixMyStreet")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[StrictStr, Field(max_length=100), min_visible(1)]


class KeyInfo(BaseModel):
    key_id: str
    name: str
    created_at: str | None


class IssuedKeyAnswer(KeyInfo):
    """201: `key` is shown this once; only its hash is kept."""

    key: str


class KeyList(BaseModel):
    items: list[KeyInfo]


class BreakdownItemView(BaseModel):
    """One group of `GET /staff/metrics/breakdown` (lapor.domain.breakdown)."""

    key: str | None = Field(
        description="The agency id, category code, kecamatan (as the city's list spells it) or YYYY-MM; "
        'null: a report without a category or kecamatan; "unknown": events stored before they carried the '
        "kecamatan"
    )
    received: int = Field(
        description="Reports submitted in the range (by category, kecamatan, month); by agency, the "
        "dispositions it received"
    )
    response_time: Times
    on_time_rate: OnTime
    backlog: Backlog


class BreakdownAnswer(BaseModel):
    by: Dimension
    items: list[BreakdownItemView]


class OfficerActivityList(BaseModel):
    """`GET /staff/metrics/officers` (lapor.domain.activity)."""

    items: list[RecapOfficer]
