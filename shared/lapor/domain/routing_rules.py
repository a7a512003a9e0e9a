"""Routing rules: which agency a category (and, optionally, a kecamatan) goes to.

The most specific rule wins: category and kecamatan, then the category alone. A rule marked
`auto_dispose` lets the system verify and assign a new report without the coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator
from pydantic_core import PydanticCustomError

from lapor.domain.models import Code

MAX_RULES = 200


class RoutingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Code
    kecamatan: Annotated[StrictStr, Field(min_length=1, max_length=60)] | None = None
    agency_id: Code
    auto_dispose: StrictBool = False

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.category, self.kecamatan.casefold() if self.kecamatan else None)


class RoutingRuleSet(BaseModel):
    """`GET`/`PUT /staff/routing-rules`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: Annotated[list[RoutingRule], Field(max_length=MAX_RULES)]

    @model_validator(mode="after")
    def _one_rule_per_place(self) -> RoutingRuleSet:
        keys = [rule.key for rule in self.rules]
        if len(keys) != len(set(keys)):
            raise PydanticCustomError("duplicate_rule", "duplicate_rule")
        return self


def suggest(rules: Iterable[RoutingRule], category: str | None, kecamatan: str | None) -> RoutingRule | None:
    if category is None:
        return None
    place = kecamatan.casefold() if kecamatan else None
    general = None
    for rule in rules:
        if rule.category != category:
            continue
        if rule.kecamatan is None:
            general = general or rule
        elif place is not None and rule.key[1] == place:
            return rule
    return general


def default_rules(categories: Sequence[tuple[str, str]]) -> list[RoutingRule]:
    """One rule a category, to its default agency, never auto-disposed (the seed's rules)."""
    return [RoutingRule(category=code, agency_id=agency) for code, agency in categories]
