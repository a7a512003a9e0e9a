"""Per-officer activity (`GET /staff/metrics/officers`, the recap's most active officers), from the metric
events of a range of WIB days.

Definitions:
- An officer is the actor of a staff action (`actor_id`, the token's `sub`, recorded on every metric event
  since events carried it; older events name no actor and count for no one).
- `followups`: the officer's `followup` events in the period (internal notes are `note` events: they count
  for nothing). `closes`: their `close` events (the system's `auto_close` is no officer's).
- `response_time`: the officer's follow-ups that stopped a respond clock (the first answer to a disposition
  or a reopening), `stopped_at - started_at` in working and calendar days, the daily snapshot's shape.
- `name` and `agency_id` come from the roster; an actor the roster does not hold still appears, with name
  null and, for an operator or official, the agency whose report it last acted on (their scope: only their
  own agency's reports), else null.
- Who is listed: every actor with a follow-up or a close in the period, and every active operator and official
  of the roster (with zeros: leadership sees who did nothing too). A scope (an official's agency) keeps the
  officers of that agency, counting only the events on that agency's reports.
- Order: most active first (follow-ups plus closes), then more follow-ups, then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from lapor.domain.calendar import WorkingCalendar
from lapor.domain.indicators import MetricEvent, Sample, TimeFigures, sample, time_figures
from lapor.domain.lifecycle import Action, ClockKind, Role
from lapor.domain.roster import Officer

STAFF_ACTORS = frozenset({Role.COORDINATOR, Role.OPERATOR, Role.OFFICIAL, Role.LEADERSHIP})
AGENCY_ACTORS = frozenset({Role.OPERATOR, Role.OFFICIAL})


class OfficerActivity(TypedDict):
    officer_id: str
    name: str | None
    agency_id: str | None
    followups: int
    closes: int
    response_time: TimeFigures


@dataclass
class _Tally:
    followups: int = 0
    closes: int = 0
    response: list[Sample] = field(default_factory=list)
    agency_id: str | None = None  # the agency of the last report an operator or official acted on


def officer_activity(
    events: Iterable[MetricEvent],
    *,
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar,
    roster: Sequence[Officer],
    scope: str | None = None,
) -> list[OfficerActivity]:
    """Each officer's activity in `[start, end)` (see the module's definitions)."""
    tallies: dict[str, _Tally] = {}
    seen: set[tuple[str, int]] = set()
    for event in sorted(events, key=lambda e: (e.at, e.report_id, e.seq)):
        if not start <= event.at < end or (event.report_id, event.seq) in seen:
            continue
        seen.add((event.report_id, event.seq))
        if event.actor_id is None or event.actor_role not in STAFF_ACTORS or event.internal:
            continue
        if scope is not None and event.agency_id != scope:
            continue
        if event.action not in (Action.FOLLOWUP, Action.CLOSE):
            continue
        tally = tallies.setdefault(event.actor_id, _Tally())
        if event.actor_role in AGENCY_ACTORS and event.agency_id is not None:
            tally.agency_id = event.agency_id
        if event.action is Action.CLOSE:
            tally.closes += 1
            continue
        tally.followups += 1
        if (stopped := event.stopped(ClockKind.RESPOND)) is not None:
            tally.response.append(sample(stopped, calendar))
    officers = {officer.id: officer for officer in roster}
    for officer in roster:
        if officer.active and officer.role in AGENCY_ACTORS:
            tallies.setdefault(officer.id, _Tally())
    rows: list[OfficerActivity] = []
    for officer_id, tally in tallies.items():
        known = officers.get(officer_id)
        agency_id = known.agency_id if known is not None else tally.agency_id
        if scope is not None and agency_id != scope:
            continue
        rows.append(
            {
                "officer_id": officer_id,
                "name": known.name if known is not None else None,
                "agency_id": agency_id,
                "followups": tally.followups,
                "closes": tally.closes,
                "response_time": time_figures(tally.response),
            }
        )
    rows.sort(key=lambda row: (-(row["followups"] + row["closes"]), -row["followups"], row["officer_id"]))
    return rows
