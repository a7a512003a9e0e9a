"""Leadership's breakdown (`GET /staff/metrics/breakdown`): the indicators of a range of WIB days by agency,
category, kecamatan or month, computed from the range's metric events (`lapor.domain.indicators`).

Each item is `{"key", "received", "response_time", "on_time_rate", "backlog"}`, with the daily snapshot's
shapes. Definitions, beyond `lapor.domain.indicators`' (whose `compute_groups` counts the events):

- The period is the range as one window, `[00:00 WIB of the first day, 24:00 WIB of the last)`, as of its end:
  an on-time rate's unstopped breaches are the clocks not stopped before the range's end (a range is not the
  sum of its days there, unlike `GET /metrics/summary`, which adds up the nightly days).
- `key`: the agency id; the category code (null for a report without one); the kecamatan as the city's list
  spells it (matched without regard to case; as filed when the list does not hold it; null for a report
  without one; `"unknown"` for events stored before the events carried the kecamatan); `YYYY-MM`.
- Attribution: by agency, as the daily snapshot (`received` = the dispositions the agency received; a respond
  or resolve clock is the agency's that held it). By category, kecamatan or month, every event and every
  clock it stopped counts for its report's category (as it was at the event), kecamatan, or the WIB month of
  the event; `received` counts the submissions (so the category and kecamatan at submission).
- `backlog`: a state, not a sum: the overdue clocks at 24:00 WIB of the last day of the range (of each month,
  by month) whose snapshot the nightly job stored, from that snapshot's parts (by agency, its own respond and
  resolve clocks; by category, kecamatan and month, every clock, as the city's). Zeros when no day is stored.
  A snapshot stored before the parts kept the backlog by category and kecamatan gives all its clocks to
  `"unknown"` there (recomputing the day, the metrics job's `detail`, stores them).
- Items come in key order (null last); a group appears when it has an event in the range (internal notes
  aside) or a backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypedDict

from lapor.domain.calendar import WorkingCalendar, local_date
from lapor.domain.indicators import (
    BY_AGENCY,
    UNKNOWN,
    BacklogFigures,
    Figures,
    Grouping,
    Key,
    MetricEvent,
    OnTimeRates,
    TimeFigures,
    backlog_figures,
    compute_groups,
    time_figures,
)
from lapor.domain.lifecycle import Action

Spelling = Callable[[str], str]
"""A kecamatan as the city's list spells it (the identity when no list is known)."""


class Dimension(StrEnum):
    AGENCY = "agency"
    CATEGORY = "category"
    KECAMATAN = "kecamatan"
    MONTH = "month"


class BreakdownItem(TypedDict):
    key: str | None
    received: int
    response_time: TimeFigures
    on_time_rate: OnTimeRates
    backlog: BacklogFigures


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def kecamatan_key(value: str | None, spell: Spelling) -> Key:
    """A kecamatan's group: as the list spells it, None when none was named, UNKNOWN when not recorded."""
    if value is None:
        return UNKNOWN
    value = value.strip()
    return spell(value) if value else None


def spelling(names: Iterable[str]) -> Spelling:
    """Match a kecamatan to the city's list without regard to case; keep it as filed when it is not there."""
    known = {name.casefold(): name for name in names}
    return lambda value: known.get(value.casefold(), value)


def grouping(dimension: Dimension, spell: Spelling) -> Grouping:
    if dimension is Dimension.AGENCY:
        return BY_AGENCY
    key: Callable[[MetricEvent], Key]
    if dimension is Dimension.CATEGORY:
        key = _category
    elif dimension is Dimension.KECAMATAN:
        key = lambda event: kecamatan_key(event.kecamatan, spell)  # noqa: E731
    else:
        key = _month
    return Grouping(
        acting=lambda event: (key(event),),
        owner=lambda event, _kind: (key(event),),
        receiving=lambda event: (key(event),) if event.action is Action.SUBMIT else (),
    )


def _category(event: MetricEvent) -> Key:
    return event.category


def _month(event: MetricEvent) -> Key:
    return month_of(local_date(event.at))


@dataclass(frozen=True)
class Breakdown:
    """The groups' items, and the city's figures of the same period (its `key` null)."""

    city: BreakdownItem
    items: list[BreakdownItem]


def breakdown(
    events: Iterable[MetricEvent],
    *,
    dimension: Dimension,
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar,
    backlog: Mapping[Key, Sequence[float]],
    city_backlog: Sequence[float] = (),
    spell: Spelling = lambda value: value,
) -> Breakdown:
    """The items of the period `[start, end)` (its events; any others are ignored), with `backlog` (the
    overdue clocks' ages by key, `backlog_by_key`) and the city's (`city_backlog`)."""
    city, groups = compute_groups(
        events, start=start, end=end, time=end, calendar=calendar, grouping=grouping(dimension, spell)
    )
    keys = set(groups) | {key for key, ages in backlog.items() if ages}
    items = [_item(key, groups.get(key), backlog.get(key, ())) for key in sorted(keys, key=_order)]
    return Breakdown(city=_item(None, city, city_backlog), items=items)


def _item(key: Key, figures: Figures | None, ages: Sequence[float]) -> BreakdownItem:
    return {
        "key": key,
        "received": figures["received"] if figures else 0,
        "response_time": figures["response_time"] if figures else _NO_TIMES,
        "on_time_rate": figures["on_time_rate"] if figures else _NO_RATES,
        "backlog": backlog_figures(ages),
    }


_NO_TIMES: TimeFigures = time_figures([])
_NO_RATES: OnTimeRates = {"verify": 0.0, "respond": 0.0, "resolve": 0.0}


def _order(key: Key) -> tuple[bool, str]:
    return (key is None, key or "")


def backlog_by_key(
    dimension: Dimension, stored: Sequence[tuple[date, Mapping[str, Any]]], spell: Spelling
) -> dict[Key, list[float]]:
    """The overdue clocks' ages by key, from stored days' parts (`(date, parts)` in date order, days of the
    range only): the last day's; by month, each month's last stored day."""
    if not stored:
        return {}
    if dimension is Dimension.MONTH:
        last_of_month = {month_of(day): parts for day, parts in stored}
        return {month: list(parts["backlog"]["city"]) for month, parts in last_of_month.items()}
    backlog = stored[-1][1]["backlog"]
    if dimension is Dimension.AGENCY:
        return {agency: list(ages) for agency, ages in backlog["agencies"].items()}
    name = "categories" if dimension is Dimension.CATEGORY else "kecamatan"
    if name not in backlog:  # stored before the parts kept it: known as the city's backlog only
        return {UNKNOWN: list(backlog["city"])} if backlog["city"] else {}
    found: dict[Key, list[float]] = {}
    for stored_key, ages in backlog[name].items():
        key: Key
        if dimension is Dimension.CATEGORY:
            key = stored_key or None
        else:
            key = UNKNOWN if stored_key == UNKNOWN else kecamatan_key(stored_key, spell)
        found.setdefault(key, []).extend(ages)
    return found
