"""What staff send with each action (`/staff/reports/{id}/…`). Unknown fields are refused."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from lapor.domain.models import Code, ReportType, Title, min_visible

Words = Annotated[StrictStr, Field(max_length=4000), min_visible(1)]
Reason = Annotated[StrictStr, Field(max_length=2000), min_visible(3)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VerifyInput(_Input):
    type: ReportType
    requires_supervision: StrictBool
    category: Code
    agency_id: Code
    title: Title | None = None
    anonymous: StrictBool | None = None
    confidential: StrictBool | None = None
    note: Words | None = None


class ReasonInput(_Input):
    reason: Reason


class ReferInput(_Input):
    reason: Reason
    target: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None


class ForwardInput(_Input):
    agency_id: Code
    note: Words | None = None


class FollowupInput(_Input):
    message: Words
    internal: StrictBool = False


class CloseInput(_Input):
    resolution: Reason


class RedactionInput(_Input):
    """A coordinator's redaction (lapor.domain.redaction): `seq` names the entry when `field` is `entry`."""

    field: Literal["title", "description", "entry"]
    seq: Annotated[StrictInt, Field(ge=1)] | None = None
    text: Annotated[StrictStr, Field(min_length=1, max_length=4000), min_visible(1)]
