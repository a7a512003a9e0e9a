"""The nightly indicators: read one day's metric events (and the later ones its dispositions need), the due
index for the overdue backlog, compute with `lapor.domain.indicators`, store the snapshot.

Reads grow with the day's activity and with the reports still running, never with history: metric events
live under their WIB day, and only reports with a running clock are in the due index. The backlog is as of
24:00 WIB of the day: the clocks running now that had started and passed their deadline by then, and the
clocks that have stopped since (their metric events say so), so a later recompute with the same `time`
finds the same backlog. Each clock carries its report's category and kecamatan, so that the day's parts keep
the backlog by them too (leadership's breakdowns, `lapor.services.leadership`).

The document also says whether each mean response time meets the response-time target
(`lapor.domain.response_target`: additive fields; the target is the stack parameter `ResponseTimeTargetHk`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.calendar import local_date
from lapor.domain.errors import FieldProblem, InvalidInput, NotFound
from lapor.domain.indicators import (
    Indicators,
    MetricEvent,
    OverdueClock,
    combine,
    compute_with_parts,
    day_window,
)
from lapor.domain.lifecycle import LADDER_CLOCKS, ClockKind, Role
from lapor.domain.metric_events import kecamatan_of
from lapor.domain.models import Report
from lapor.domain.response_target import DEFAULT_TARGET_HK, with_target
from lapor.domain.wallclock import iso
from lapor.ports import MetricsStore, StoredSnapshot
from lapor.services.base import Service
from lapor.services.city_setup import CitySetupCache

PAGE_SIZE = 200
MAX_SUMMARY_DAYS = 92


class MetricsService(Service[MetricsStore]):
    def __init__(
        self,
        store: MetricsStore,
        setup: CitySetupCache,
        *,
        due_shards: int,
        response_time_target_hk: float = DEFAULT_TARGET_HK,
        **kwargs: Any,
    ) -> None:
        super().__init__(store, setup, **kwargs)
        self._due_shards = due_shards  # the due index's partitions (the adapter's layout, given by wiring)
        self._target_hk = response_time_target_hk  # the snapshot says whether each mean meets it

    def compute_day(self, day: date, time: datetime) -> StoredSnapshot:
        """One WIB day's indicators as of `time`, stored (a recompute at the same `time` is identical)."""
        start, end = day_window(day)
        now = max(self._now(), time)
        events = list(self._events(day, local_date(now)))
        backlog = list(self._backlog(end, events))
        indicators, parts = compute_with_parts(
            events,
            start=start,
            end=end,
            time=time,
            calendar=self._setup.get().calendar(),
            backlog=backlog,
            backlog_at=end,
        )
        document = with_target(_document(day, indicators), self._target_hk)
        snapshot = StoredSnapshot(date=day, time=time, document=document, parts=parts)
        self._store.put_snapshot(snapshot)
        return snapshot

    def stored(self, day: date) -> StoredSnapshot | None:
        return self._store.snapshot(day)

    def daily(self, caller: StaffCaller, day: date) -> dict[str, Any]:
        """A stored day for staff: the coordinator and leadership see every agency, an official the city's
        figures and its own agency's."""
        ensure_role(caller, Role.COORDINATOR, Role.LEADERSHIP, Role.OFFICIAL)
        stored = self._store.snapshot(day)
        if stored is None:
            raise NotFound(day.isoformat())
        document = dict(stored.document)
        if caller.role is Role.OFFICIAL:
            agencies = document.get("agencies", {})
            document["agencies"] = {k: v for k, v in agencies.items() if k == caller.agency_id}
        return document

    def summary(self, first: date, last: date) -> dict[str, Any]:
        """Public aggregates over a range of WIB days, added up from the stored days (one read of at most
        92 small items; nothing is recomputed): `days` says how many of the range's days were stored (today
        is not, until the night's run). The backlog is the last stored day's."""
        if last < first:
            raise InvalidInput([FieldProblem("to", "invalid")])
        if (last - first).days + 1 > MAX_SUMMARY_DAYS:
            raise InvalidInput([FieldProblem("from", "invalid")])
        stored = [s for s in self._store.snapshots_between(first, last) if s.parts is not None]
        indicators = combine([s.parts for s in stored if s.parts is not None])
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "days": len(stored),
            "as_of": iso(max(s.time for s in stored)) if stored else None,
            **indicators,
        }

    def _events(self, first: date, last: date) -> Iterator[MetricEvent]:
        day = first
        while day <= last:
            for item in self._store.metric_events(day):
                yield MetricEvent.model_validate(item)
            day += timedelta(days=1)

    def _backlog(self, at: datetime, events: list[MetricEvent]) -> Iterator[OverdueClock]:
        """The ladder clocks overdue at `at`: running now, or stopped since `at`."""
        for report in self._running():
            for kind, clock in report.clocks.items():
                if kind in LADDER_CLOCKS and clock.started_at < at and clock.deadline < at:
                    yield OverdueClock(
                        agency_id=_owner(kind, report.agency.id if report.agency else None),
                        kind=kind,
                        deadline=clock.deadline,
                        started_at=clock.started_at,
                        category=report.category.code if report.category else None,
                        kecamatan=kecamatan_of(report),
                    )
        for event in events:
            for stopped in event.stopped_clocks:
                kind = ClockKind(stopped.kind)
                if (
                    kind in LADDER_CLOCKS
                    and stopped.stopped_at > at
                    and stopped.started_at < at
                    and stopped.deadline < at
                ):
                    yield OverdueClock(
                        agency_id=_owner(kind, event.previous_agency_id or event.agency_id),
                        kind=kind,
                        deadline=stopped.deadline,
                        started_at=stopped.started_at,
                        category=event.category,
                        kecamatan=event.kecamatan,
                    )

    def _running(self) -> Iterator[Report]:
        for shard in range(self._due_shards):
            start: str | None = None
            while True:
                reports, start = self._store.due_reports(shard, None, start, PAGE_SIZE)
                yield from reports
                if start is None:
                    break


def _owner(kind: ClockKind, agency_id: str | None) -> str | None:
    """The verify clock is the coordinator's (city-wide only); respond and resolve, the agency's."""
    return None if kind is ClockKind.VERIFY else agency_id


def _document(day: date, indicators: Indicators) -> dict[str, Any]:
    return {"date": day.isoformat(), **indicators}
