"""What the intake routes answer (also the response schemas of the OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

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


class Health(BaseModel):
    status: Literal["ok"]
