"""The wall clock, in one place, so that tests can pin it and jobs can pass their own "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer

_WIB = ZoneInfo("Asia/Jakarta")


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_wib() -> date:
    return now_utc().astimezone(_WIB).date()


def iso(instant: datetime) -> str:
    """UTC, ISO 8601 with offset, to the millisecond: the one timestamp format stored and answered."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")


Instant = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json")]
"""A timestamp field that serializes as `iso()` does."""
