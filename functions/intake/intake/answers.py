"""What the intake routes answer (also the response schemas of the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from lapor.domain.catalog import Agency, Category
from lapor.domain.lifecycle import Status
from lapor.domain.views import Deadlines, ReporterReportView, ReportSummary


class Submission(BaseModel):
    """`POST /reports` → 201. `access_token` is shown once: keep it to follow the report."""

    id: str
    access_token: str
    status: Status
    deadlines: Deadlines
    report: ReporterReportView


class ReportList(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None


class CategoryList(BaseModel):
    items: list[Category]


class AgencyList(BaseModel):
    items: list[Agency]


class AccessRequest(BaseModel):
    """`POST /reports/{id}/access` takes an empty object."""

    model_config = ConfigDict(extra="forbid")


class Accepted(BaseModel):
    status: Literal["accepted"]


class CodeRequest(BaseModel):
    """`POST /reports/{id}/contact/code` takes an empty object."""

    model_config = ConfigDict(extra="forbid")


class ContactCode(BaseModel):
    """`POST /reports/{id}/contact/confirm`: the 6-digit code the contact received."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[StrictStr, Field(min_length=1, max_length=12)]


class ContactConfirmed(BaseModel):
    contact_confirmed: Literal[True]


class Health(BaseModel):
    status: Literal["ok"]


class IndicatorSummary(BaseModel):
    """`GET /metrics/summary`: the daily snapshot's shape over a range (lapor.domain.indicators)."""

    model_config = ConfigDict(extra="allow")

    from_: str = Field(alias="from")
    to: str
    days: int = Field(description="How many of the range's days were stored by the nightly run and added up")
    as_of: str | None = Field(description="The latest computation time among them (null: none stored)")
    city: dict[str, Any]
    agencies: dict[str, dict[str, Any]]
    ranking: list[dict[str, Any]]
