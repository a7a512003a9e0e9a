"""The response-time target (the stack parameter `ResponseTimeTargetHk`, default 2 working days: the city's
"under 2 days" for its headline "rata-rata durasi respons").

A period meets the target when its mean response time in working days, as the figures show it (rounded to 4
decimals), is under the target: `mean_hk < target`. A period without a response-time sample neither meets nor
misses it (None). The CloudWatch alarm on the city's 7-day mean uses the same comparison (it fires at or above
the target).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT_TARGET_HK = 2.0
TARGET_FIELD = "response_time_target_hk"
MET_FIELD = "response_time_target_met"


def meets_target(response_time: Mapping[str, Any], target_hk: float) -> bool | None:
    """Whether a period's mean response time (a `TimeFigures`) is under the target; None without samples."""
    if not response_time["n"]:
        return None
    return bool(response_time["mean_hk"] < target_hk)


def with_target(document: Mapping[str, Any], target_hk: float) -> dict[str, Any]:
    """A snapshot document (`{"city": figures, "agencies": {id: figures}, ...}`) with the target added, every
    other field kept: `response_time_target_hk` at the top, `response_time_target_met` in the city's and
    each agency's figures."""
    city = dict(document["city"])
    city[MET_FIELD] = meets_target(city["response_time"], target_hk)
    agencies = {
        agency: {**figures, MET_FIELD: meets_target(figures["response_time"], target_hk)}
        for agency, figures in document["agencies"].items()
    }
    return {**document, TARGET_FIELD: target_hk, "city": city, "agencies": agencies}
