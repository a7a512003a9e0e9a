"""The metric event: the immutable record each state change leaves for the indicators (DESIGN.md §5, §6).

Kept apart from `lapor.domain.indicators` (which reads them back as `MetricEvent`) so that writing one, which
every action does, loads none of the indicators' code.

What leadership's breakdowns group by travels on every event (`lapor.domain.breakdown`): the report's
`kecamatan` (its location's, given at submission and never changed; `""` when the reporter named none, so that
an event without the attribute is known to be older than this field), and `actor_id`, the acting officer's id
(the token's `sub`; "system" for the jobs, absent for the reporter).
"""

from __future__ import annotations

from typing import Any

from lapor.domain.actions import Change
from lapor.domain.models import Report
from lapor.domain.wallclock import iso


def kecamatan_of(report: Report) -> str:
    """The report's kecamatan as filed, or `""` when it names none."""
    location = report.location
    return (location.kecamatan or "").strip() if location is not None else ""


def metric_record(change: Change) -> dict[str, Any]:
    """The immutable record an indicator is computed from, one a state change: no text, no identity.

    The store keeps it under the WIB day it happened (`lapor.adapters.dynamodb.items.metric_event_item`);
    `MetricEvent` reads it back."""
    entry = change.entry
    report = change.after
    return {
        "report_id": report.id,
        "seq": entry.seq,
        "at": iso(entry.at),
        "action": entry.action.value,
        "from": entry.from_status.value if entry.from_status else None,
        "to": entry.to_status.value if entry.to_status else None,
        "actor_role": entry.actor_role.value,
        "actor_id": entry.actor_id,
        "internal": entry.internal,
        "type": report.type,
        "requires_supervision": report.requires_supervision,
        "category": report.category.code if report.category else None,
        "agency_id": report.agency.id if report.agency else None,
        "kecamatan": kecamatan_of(report),
        "rating": report.rating.score if entry.action.value == "rate" and report.rating else None,
        "resolved": report.rating.resolved if entry.action.value == "rate" and report.rating else None,
        "first_verification": entry.action.value == "verify"
        and change.before is not None
        and change.before.verified_at is None,
        "previous_agency_id": change.before.agency.id
        if change.before is not None and change.before.agency is not None
        else None,
        "level": entry.level,
        "clock": entry.clock.value if entry.clock else None,
        "stopped_clocks": [
            {
                "kind": s.clock.kind.value,
                "started_at": iso(s.clock.started_at),
                "deadline": iso(s.clock.deadline),
                "stopped_at": iso(s.stopped_at),
                "on_time": s.on_time,
                "fired": list(s.clock.fired),
            }
            for s in change.stopped
        ],
        "started_clocks": [
            {"kind": c.kind.value, "started_at": iso(c.started_at), "deadline": iso(c.deadline)}
            for c in change.started
        ],
    }
