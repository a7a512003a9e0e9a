"""What the staff routes answer (also the response schemas of the OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel

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
