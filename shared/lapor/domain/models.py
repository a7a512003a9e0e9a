"""The report and what comes in to make one.

Input models refuse unknown fields and do not coerce types: `"yes"` is not a boolean and `"1.5"` is not a
coordinate. Text is kept verbatim (emoji, right-to-left script, SQL- or HTML-looking text): it is data, and
every output is JSON.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lapor.domain.clocks import Clock
from lapor.domain.lifecycle import Action, ClockKind, Role, Status
from lapor.domain.wallclock import Instant, today_wib

ReportType = Literal["complaint", "aspiration", "information_request"]
REPORT_TYPES: tuple[ReportType, ...] = ("complaint", "aspiration", "information_request")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_NIK = re.compile(r"^[0-9]{16}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def min_visible(minimum: int) -> AfterValidator:
    """At least `minimum` characters once surrounding white space is set aside (the text is kept as is)."""

    def check(value: str) -> str:
        if len(value.strip()) < minimum:
            raise PydanticCustomError(
                "string_too_short", "too short", {"min_length": minimum, "actual_length": len(value.strip())}
            )
        return value

    return AfterValidator(check)


def _pattern(regex: re.Pattern[str], error: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise PydanticCustomError(error, error)
        return value

    return AfterValidator(check)


def _phone(value: str) -> str:
    compact = re.sub(r"[\s\-()]", "", value)
    if not _PHONE.fullmatch(compact):
        raise PydanticCustomError("invalid_phone", "invalid_phone")
    return value


def _iso_date_text(value: Any) -> Any:
    """Dates arrive as `YYYY-MM-DD` text only (no timestamps, no numbers)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("date_format", "date_format")
    return value


def _not_future(value: date) -> date:
    if value > today_wib():
        raise PydanticCustomError("future_date", "future_date")
    return value


# `min_length` as well as `min_visible`: the same error for a short text, and the bound in the OpenAPI
# document (so that clients and the fuzzer know it); `min_visible` then sets white space aside.
Title = Annotated[StrictStr, Field(min_length=5, max_length=150), min_visible(5)]
Description = Annotated[StrictStr, Field(min_length=20, max_length=4000), min_visible(20)]
ShortText = Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
Code = Annotated[
    StrictStr,
    Field(max_length=40, json_schema_extra={"pattern": _CODE.pattern}),
    _pattern(_CODE, "invalid_code"),
]


def _service_years(value: date) -> date:
    """A date the service can turn into UTC instants and back (year 1 or 9999 would overflow)."""
    if not 2000 <= value.year <= 2100:
        raise PydanticCustomError("date_range", "date_range")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_service_years)]
IncidentDate = Annotated[date, BeforeValidator(_iso_date_text), AfterValidator(_not_future)]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90)]
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180)]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: Latitude
    lon: Longitude
    address: Annotated[StrictStr, Field(max_length=300)] | None = None
    kecamatan: Annotated[StrictStr, Field(max_length=60)] | None = None
    kelurahan: Annotated[StrictStr, Field(max_length=60)] | None = None


class ReporterIdentity(BaseModel):
    """Who filed the report. Stored apart from the report; never in a log, an index or a public answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[StrictStr, Field(min_length=1, max_length=100), AfterValidator(_not_blank)]
    email: (
        Annotated[
            StrictStr,
            Field(max_length=254, json_schema_extra={"pattern": _EMAIL.pattern}),
            _pattern(_EMAIL, "invalid_email"),
        ]
        | None
    ) = None
    phone: Annotated[StrictStr, Field(max_length=20), AfterValidator(_phone)] | None = None
    nik: (
        Annotated[
            StrictStr, Field(json_schema_extra={"pattern": _NIK.pattern}), _pattern(_NIK, "invalid_nik")
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _reachable(self) -> ReporterIdentity:
        if self.email is None and self.phone is None:
            raise PydanticCustomError("contact_required", "contact_required")
        return self

    def __repr__(self) -> str:  # keep identity out of tracebacks and debug logs
        return "ReporterIdentity(<redacted>)"

    __str__ = __repr__


def mask_nik(nik: str) -> str:
    """What the reporter's own view shows of a NIK: `3202********9012`."""
    return f"{nik[:4]}{'*' * (len(nik) - 8)}{nik[-4:]}" if len(nik) > 8 else "*" * len(nik)


class ShownIdentity(BaseModel):
    """The identity in the reporter's own view: the NIK masked (only the audited staff route reads it)."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: str | None = None
    phone: str | None = None
    nik: str | None = None  # masked

    def __repr__(self) -> str:
        return "ShownIdentity(<redacted>)"

    __str__ = __repr__


class IdentityOnFile(BaseModel):
    """The identity as stored: the NIK sealed with the identity key (KMS in AWS) and masked, never plain."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: str | None = None
    phone: str | None = None
    nik_masked: str | None = None
    nik_sealed: str | None = None

    @classmethod
    def of(cls, identity: ReporterIdentity, nik_sealed: str | None) -> IdentityOnFile:
        masked = mask_nik(identity.nik) if identity.nik else None
        return cls(
            name=identity.name,
            email=identity.email,
            phone=identity.phone,
            nik_masked=masked,
            nik_sealed=nik_sealed,
        )

    def shown(self) -> ShownIdentity:
        return ShownIdentity(name=self.name, email=self.email, phone=self.phone, nik=self.nik_masked)

    def opened(self, nik: str | None) -> ReporterIdentity:
        """The whole identity, with the NIK opened (the audited staff route only)."""
        return ReporterIdentity(name=self.name, email=self.email, phone=self.phone, nik=nik)

    def __repr__(self) -> str:
        return "IdentityOnFile(<redacted>)"

    __str__ = __repr__


class NewReport(BaseModel):
    """What a reporter submits (`POST /reports`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ReportType
    title: Title
    description: Description
    category: Code | None = None
    location: Location | None = None
    incident_date: IncidentDate | None = None
    anonymous: StrictBool = False
    confidential: StrictBool = False
    reporter: ReporterIdentity

    def __repr__(self) -> str:
        return f"NewReport(type={self.type!r}, category={self.category!r}, <content redacted>)"

    __str__ = __repr__


class Reply(BaseModel):
    """A reporter's reply (`POST /reports/{id}/replies`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message: Annotated[StrictStr, Field(max_length=4000), min_visible(1)]
    reopen: StrictBool = False


class RatingInput(BaseModel):
    """A reporter's rating of a closed report (`POST /reports/{id}/rating`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: Annotated[StrictInt, Field(ge=1, le=5)]
    resolved: StrictBool
    comment: Annotated[StrictStr, Field(max_length=1000)] | None = None


class CategoryRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str


class AgencyRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str


class Rating(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: int
    resolved: bool
    comment: str | None = None
    at: Instant


class TimelineEntry(BaseModel):
    """One immutable step of a report's history. `seq` is the report version it produced."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: Instant
    action: Action
    from_status: Status | None = None
    to_status: Status | None = None
    actor_role: Role
    actor_id: str | None = None
    note: str | None = None
    internal: bool = False  # an agency's internal note: staff only
    clock: ClockKind | None = None  # escalation steps: the clock whose level fired
    level: int | None = None  # escalation steps: 0 remind, 1 breach, 2 escalate
    redacted: bool = False  # its note was replaced by a coordinator's redaction (lapor.domain.redaction)


class Report(BaseModel):
    """The report as stored (identity and the token's hash are kept apart from every view)."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: ReportType
    requires_supervision: bool = False
    title: str
    description: str
    category: CategoryRef | None = None
    location: Location | None = None
    incident_date: date | None = None
    status: Status
    agency: AgencyRef | None = None
    anonymous: bool = False
    confidential: bool = False
    submitted_at: Instant
    updated_at: Instant
    version: int
    clocks: dict[ClockKind, Clock] = Field(default_factory=dict)
    overdue: bool = False
    escalation_level: int = 0
    rating: Rating | None = None
    reopen_count: int = 0
    closed_at: Instant | None = None
    verified_at: Instant | None = None
    first_response_at: Instant | None = None  # the agency's first follow-up
    suggested_agency_id: str | None = None
    sla_policy: str
    # The reporter confirmed their contact (API.md, "Reaching the reporter"): a flag for the staff queue's
    # filter, set without a new version; the confirmation itself lives with the identity.
    contact_confirmed: bool = False

    @property
    def is_public(self) -> bool:
        """Readable and listed without a token: verified by the coordinator and not confidential."""
        return self.verified_at is not None and not self.confidential
