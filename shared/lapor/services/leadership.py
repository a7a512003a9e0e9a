"""Leadership's reports (API.md, "Administration and leadership reporting"): the breakdown of a range of WIB
days by agency, category, kecamatan or month; each officer's activity; the monthly recap for the rakor.

Cost: every figure comes from the range's metric events, one `Query` of each day's partition (`DAY#<date>`,
paged by DynamoDB), and the stored snapshots of the range (one `Query`, for the backlog), plus one `Query` of
the roster for the officers: reads that follow the number of days asked for (at most `MAX_RANGE_DAYS`) and
their activity, never the table. Days after today are not read (they hold nothing yet).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.activity import OfficerActivity, officer_activity
from lapor.domain.breakdown import Breakdown, Dimension, backlog_by_key, breakdown, spelling
from lapor.domain.calendar import local_date
from lapor.domain.errors import FieldProblem, InvalidInput
from lapor.domain.indicators import MetricEvent, range_window
from lapor.domain.lifecycle import Role
from lapor.domain.recap import Recap, build_recap, month_days
from lapor.ports import ReportingStore, RosterReader, StoredSnapshot
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache

MAX_RANGE_DAYS = 92
"""A range holds at most this many days (as `GET /metrics/summary`): its cost follows them."""


class LeadershipReports(Service[ReportingStore]):
    def __init__(
        self,
        store: ReportingStore,
        setup: CitySetupCache,
        roster: RosterReader,
        *,
        target_hk: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._roster = roster
        self._target_hk = target_hk

    def breakdown(self, caller: StaffCaller, first: date, last: date, by: Dimension) -> dict[str, Any]:
        """`{"by", "items"}` of the range (`lapor.domain.breakdown`); coordinator and leadership only."""
        ensure_role(caller, Role.COORDINATOR, Role.LEADERSHIP)
        _check_range(first, last)
        result = self._breakdown(first, last, by, list(self._events(first, last)))
        return {"by": by.value, "items": result.items}

    def officers(self, caller: StaffCaller, first: date, last: date) -> dict[str, Any]:
        """`{"items"}`: each officer's activity (`lapor.domain.activity`); an official sees its agency's."""
        ensure_role(caller, Role.COORDINATOR, Role.LEADERSHIP, Role.OFFICIAL)
        _check_range(first, last)
        scope = caller.agency_id if caller.role is Role.OFFICIAL else None
        return {"items": self._officers(first, last, list(self._events(first, last)), scope)}

    def recap(self, caller: StaffCaller, month: str) -> Recap:
        """One WIB month's recap (`lapor.domain.recap`); coordinator and leadership only. A month that has not
        begun is refused (422 naming `month`)."""
        ensure_role(caller, Role.COORDINATOR, Role.LEADERSHIP)
        try:
            first, last = month_days(month)
        except ValueError:
            raise InvalidInput([FieldProblem("month", "invalid")]) from None
        if first > local_date(self._now()):
            raise InvalidInput([FieldProblem("month", "invalid")])
        events = list(self._events(first, last))
        stored = self._stored(first, last)
        by_agency = self._breakdown(first, last, Dimension.AGENCY, events, stored)
        setup = self._setup.get()
        return build_recap(
            month,
            target_hk=self._target_hk,
            by_agency=by_agency,
            officers=self._officers(first, last, events, None),
            agency_names={agency.id: agency.name for agency in setup.agencies.values()},
            backlog_as_of=stored[-1].date if stored else None,
            generated_at=self._now(),
        )

    # --- reading ---------------------------------------------------------------------------------------

    def _breakdown(
        self,
        first: date,
        last: date,
        by: Dimension,
        events: list[MetricEvent],
        stored: Sequence[StoredSnapshot] | None = None,
    ) -> Breakdown:
        setup = self._setup.get()
        spell = spelling(setup.kecamatan)
        days = self._stored(first, last) if stored is None else stored
        parts = [(day.date, day.parts) for day in days if day.parts is not None]
        start, end = range_window(first, last)
        return breakdown(
            events,
            dimension=by,
            start=start,
            end=end,
            calendar=setup.calendar(),
            backlog=backlog_by_key(by, parts, spell),
            city_backlog=parts[-1][1]["backlog"]["city"] if parts else (),
            spell=spell,
        )

    def _officers(
        self, first: date, last: date, events: list[MetricEvent], scope: str | None
    ) -> list[OfficerActivity]:
        start, end = range_window(first, last)
        return officer_activity(
            events,
            start=start,
            end=end,
            calendar=self._setup.get().calendar(),
            roster=self._roster.officers(),
            scope=scope,
        )

    def _stored(self, first: date, last: date) -> list[StoredSnapshot]:
        """The range's stored days that hold their parts (a day stored before parts were kept has none)."""
        return [day for day in self._store.snapshots_between(first, last) if day.parts is not None]

    def _events(self, first: date, last: date) -> Iterator[MetricEvent]:
        day, until = first, min(last, local_date(self._now()))
        while day <= until:
            for item in self._store.metric_events(day):
                yield MetricEvent.model_validate(item)
            day += timedelta(days=1)


def _check_range(first: date, last: date) -> None:
    """`from` at most `to`, and at most `MAX_RANGE_DAYS` days from `from` to `to`, both included."""
    if first > last:
        raise InvalidInput([FieldProblem("from", "less_than_equal", {"le": last.isoformat()})])
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        latest = first + timedelta(days=MAX_RANGE_DAYS - 1)
        raise InvalidInput([FieldProblem("to", "less_than_equal", {"le": latest.isoformat()})])
