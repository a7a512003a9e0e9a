"""The monthly recap for the coordination meeting (rakor): `GET /staff/recap/{month}`.

One WIB month, its figures computed as `GET /staff/metrics/breakdown?by=agency` and
`GET /staff/metrics/officers` compute them over that month (`lapor.domain.breakdown`,
`lapor.domain.activity`): the city's and each agency's received, response time in working and calendar days
against the response-time target, on-time rates and overdue backlog; and the most active officers. The same
recap is JSON (the staff console), CSV and a printable HTML page (`lapor.domain.recap_render`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lapor.domain.activity import OfficerActivity
from lapor.domain.breakdown import Breakdown, BreakdownItem
from lapor.domain.response_target import meets_target
from lapor.domain.wallclock import Instant

TOP_OFFICERS = 10
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


FIRST_YEAR, LAST_YEAR = 2000, 2100  # as the API's dates (`lapor.domain.models.IsoDate`)


def month_days(month: str) -> tuple[date, date]:
    """The first and last WIB date of a `YYYY-MM` month of the years the service knows; `ValueError` for
    anything else."""
    if re.fullmatch(MONTH_PATTERN, month) is None or not FIRST_YEAR <= int(month[:4]) <= LAST_YEAR:
        raise ValueError(f"not a month the service knows: {month!r}")
    first = date.fromisoformat(f"{month}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


class Times(BaseModel):
    """A time's figures (the daily snapshot's shape): sample count, mean, median and p90 (nearest rank), in
    working days (HK) and calendar days."""

    model_config = ConfigDict(frozen=True)

    n: int
    mean_hk: float
    median_hk: float
    p90_hk: float
    mean_days: float
    median_days: float
    p90_days: float


class OnTime(BaseModel):
    """Per clock: the clocks stopped by their deadline over those stopped or overdue."""

    model_config = ConfigDict(frozen=True)

    verify: float
    respond: float
    resolve: float


class Backlog(BaseModel):
    """The overdue clocks at 24:00 WIB of a stored day: their number, the oldest and the mean age in HK."""

    model_config = ConfigDict(frozen=True)

    overdue: int
    oldest_hk: float
    mean_age_hk: float


class RecapFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    received: int = Field(description="The city: reports submitted; an agency: the dispositions it received")
    response_time: Times
    response_time_target_met: bool | None = Field(
        description="Whether the mean response time in working days is under the target (null: no sample)"
    )
    on_time_rate: OnTime
    backlog: Backlog


class RecapAgency(RecapFigures):
    agency_id: str
    name: str


class RecapOfficer(BaseModel):
    model_config = ConfigDict(frozen=True)

    officer_id: str
    name: str | None
    agency_id: str | None
    followups: int
    closes: int
    response_time: Times


class Recap(BaseModel):
    """One month's recap (`?format=json`)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    month: Annotated[str, Field(description="YYYY-MM")]
    first: date = Field(alias="from", description="The month's first WIB date")
    last: date = Field(alias="to", description="The month's last WIB date")
    target_hk: float = Field(description="The response-time target: a mean under it meets it")
    backlog_as_of: date | None = Field(
        description="The backlog is as of 24:00 WIB of this date: the month's last day the nightly job stored"
    )
    generated_at: Instant
    city: RecapFigures
    agencies: list[RecapAgency] = Field(description="Every agency with activity or a backlog, by id")
    officers: list[RecapOfficer] = Field(
        description=f"The most active officers (follow-ups plus closes), at most {TOP_OFFICERS}"
    )


def build_recap(
    month: str,
    *,
    target_hk: float,
    by_agency: Breakdown,
    officers: Sequence[OfficerActivity],
    agency_names: Mapping[str, str],
    backlog_as_of: date | None,
    generated_at: datetime,
) -> Recap:
    first, last = month_days(month)
    active = [officer for officer in officers if officer["followups"] + officer["closes"] > 0]
    return Recap(
        month=month,
        first=first,
        last=last,
        target_hk=target_hk,
        backlog_as_of=backlog_as_of,
        generated_at=generated_at,
        city=RecapFigures.model_validate(_figures(by_agency.city, target_hk)),
        agencies=[
            RecapAgency.model_validate(
                {
                    "agency_id": str(item["key"]),
                    "name": agency_names.get(str(item["key"]), str(item["key"])),
                    **_figures(item, target_hk),
                }
            )
            for item in by_agency.items
        ],
        officers=[RecapOfficer.model_validate(officer) for officer in active[:TOP_OFFICERS]],
    )


def _figures(item: BreakdownItem, target_hk: float) -> dict[str, object]:
    return {
        "received": item["received"],
        "response_time": item["response_time"],
        "response_time_target_met": meets_target(item["response_time"], target_hk),
        "on_time_rate": item["on_time_rate"],
        "backlog": item["backlog"],
    }
