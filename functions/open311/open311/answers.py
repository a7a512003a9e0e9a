"""What the coordinator's key routes take and answer (also the schemas of the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from lapor.domain.models import min_visible


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
