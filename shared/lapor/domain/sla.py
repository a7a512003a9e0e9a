"""The SLA policy: clock lengths as versioned configuration (sla_policies.json), not code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from lapor.domain.calendar import local_date


class ResolveLengths(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    aspiration: int
    information_request: int
    complaint: int
    complaint_supervision: int


class SlaPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    effective_from: date
    verify_hk: int
    respond_hk: int
    resolve_hk: ResolveLengths
    auto_close_hk: int
    pending_hours: int
    reopen_window_hk: int
    remind_before_hours: int
    escalate_multiple: int

    def resolve_length(self, report_type: str, requires_supervision: bool) -> int:
        if report_type == "complaint":
            return (
                self.resolve_hk.complaint_supervision if requires_supervision else self.resolve_hk.complaint
            )
        lengths: Mapping[str, int] = self.resolve_hk.model_dump()
        return lengths[report_type]


@lru_cache(maxsize=1)
def all_policies() -> tuple[SlaPolicy, ...]:
    text = resources.files("lapor.domain").joinpath("sla_policies.json").read_text(encoding="utf-8")
    policies = [SlaPolicy.model_validate(p) for p in json.loads(text)["policies"]]
    return tuple(sorted(policies, key=lambda p: p.effective_from))


def policy_in_force(at: datetime) -> SlaPolicy:
    """The newest policy whose effective date (WIB) is on or before `at`."""
    day = local_date(at)
    chosen = [p for p in all_policies() if p.effective_from <= day]
    return chosen[-1] if chosen else all_policies()[0]


def policy_version(version: str) -> SlaPolicy:
    for policy in all_policies():
        if policy.version == version:
            return policy
    raise KeyError(version)
