"""The officer roster (API.md, "Administration and leadership reporting"): who works Lapor for the city, in
which role and agency, appointed by which decree (SK), and whether they may still sign in. An officer's `id`
is their token's `sub`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from lapor.domain.lifecycle import Role
from lapor.domain.models import Code, min_visible

STAFF_ROLES = (Role.COORDINATOR, Role.OPERATOR, Role.OFFICIAL, Role.LEADERSHIP)
AGENCY_ROLES = (Role.OPERATOR, Role.OFFICIAL)  # these two belong to an agency; the others to the city

Name = Annotated[StrictStr, Field(min_length=1, max_length=100), min_visible(1)]
Email = Annotated[StrictStr, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Decree(BaseModel):
    """The appointment: the decree's (Surat Keputusan) number and date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Annotated[StrictStr, Field(min_length=1, max_length=100), min_visible(1)]
    date: date


class Officer(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    email: str
    role: Role
    agency_id: str | None = None
    active: bool = True
    decree: Decree


class NewOfficer(BaseModel):
    """`POST /staff/officers`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    email: Email
    role: Role
    agency_id: Code | None = None
    decree: Decree


class OfficerChange(BaseModel):
    """`PATCH /staff/officers/{id}`: any of these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role | None = None
    agency_id: Code | None = None
    active: StrictBool | None = None
    decree: Decree | None = None
