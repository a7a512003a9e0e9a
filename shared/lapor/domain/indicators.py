"""Indicators (DESIGN.md §5): the pure core of the nightly snapshot and of `GET /metrics/summary`.

The input is the metric events `lapor.domain.metric_events.metric_record()` makes (one immutable record
per state change, under the WIB day it happened) and the clocks overdue at the end of the period; the
output is the API's snapshot shape without its `date`:
`{"city": figures, "agencies": {agency_id: figures}, "ranking": [...]}`.

Definitions, made exact:

- Window. `compute` is given the events from `start` up to the computing job's `time`. The period is
  `[start, end)`: a WIB day (00:00–24:00, `day_window`) or a run of days (`range_window`). An event counts in
  the period when `start <= at < end`. Events after `time` are ignored wherever they come from (so a
  recompute for the same `time` gives the same figures); events before `start` are ignored too, so a caller
  may pass a superset. Two events with the same `(report_id, seq)` are one event.
- Internal notes count for nothing: events whose action is `note`, or which are `internal`, are dropped
  before anything else (they neither count nor make an agency appear).
- Attribution. City-wide figures count every event. An agency's figures count the events whose `agency_id`
  (the report's agency after the action) is that agency, with one exception: a respond or resolve clock
  belongs to the agency that held the report while it ran, so a stopped respond or resolve clock counts for
  the report's agency before the action (`previous_agency_id`, falling back to `agency_id`). This differs
  only for `forward`, whose stopped clocks are the previous agency's, not the new one's.
- received: city-wide, `submit` events; for an agency, the dispositions it received.
- verified: `verify` events with `first_verification`.
- dispositions: `verify` and `forward` events, for the agency they assign the report to.
- verification_time: for first verifications, the stopped verify clock's `stopped_at - started_at` (the clock
  started at the submission, or at the latest `complete`).
- response_time (the headline "rata-rata durasi respons"): `followup` events that stopped a respond clock,
  `stopped_at - started_at`. The clock was started by the disposition the follow-up answers (or by a
  `reopen`: the follow-up that answers a reopened report counts too).
- resolution_time: `close` and `auto_close` events that stopped a resolve clock, `stopped_at - started_at`
  (from the latest disposition; a close after a reopen stops no resolve clock and gives no sample).
- Durations: in working days (`WorkingCalendar.working_days_between`: the working time between the two
  instants over 24 h) and in calendar days (the timedelta over one day). Each time is `{n, mean, median,
  p90}` in both units: mean is the arithmetic mean, median and p90 are by nearest rank (the ceil(n/2)-th and
  the ceil(0.9·n)-th smallest value, each unit ranked on its own); all zeros when n = 0.
- followed_up_rate: of the dispositions made in the period, the share whose report has a `followup` event
  after the disposition (a higher `seq`) and at or before `time` (also when that is after `end`).
  completion_rate: likewise, a `close` or `auto_close` event. Zero dispositions give 0.0.
- on_time_rate, per clock (verify, respond, resolve): the clocks of that kind stopped in the period on time
  (`stopped_at <= deadline`, as stored) ÷ (the clocks of that kind stopped in the period + the clocks whose
  `breach` event for that kind is in the period and which no event at or after the breach and before `end`
  stopped). Every stop counts, whatever stopped the clock (follow-up, close, forward, return, suspend...).
  No denominator gives 0.0.
- breaches: `breach` events in the period (ladder level 1; reminders and escalations are not breaches).
- backlog: the clocks overdue at `backlog_at` (the caller's list; normally 24:00 WIB of the period's last
  day): `overdue` their number, `oldest_hk` and `mean_age_hk` the largest and the mean working time from each
  clock's deadline to `backlog_at`; zeros when none. City-wide every clock, an agency its own.
- satisfaction: `rate` events in the period: `n`, the mean score, `top_two_box` the share of scores 4 and 5;
  zeros when none.
- reopen_rate: `reopen` events ÷ (`close` + `auto_close` events) in the period; 0.0 without closes.
- ranking: the agencies with at least 5 response-time samples, by rounded mean response time in working days,
  then by agency id: `{"agency_id", "response_time_mean_hk", "n"}`.
- Groupings. The snapshot's groups are the agencies (the attribution above, `BY_AGENCY`); `compute_groups`
  counts the same events for any `Grouping` (leadership's breakdowns by category, kecamatan, month: every
  event and clock counts for its report's group, `received` being the group's submissions). A day's parts
  also keep its backlog by category and by kecamatan (every clock, as the city's), for those breakdowns.
- A range of days (`GET /metrics/summary`) is not recomputed: `combine` adds up the parts each day's
  computation stored (its counts, samples and per-clock tallies, as of that day's `time`), so a range's rate
  is its days' numerators over their denominators and its times are over their pooled samples; its backlog
  is the last day's.
- Every fraction and duration is rounded to 4 decimals; sums are taken over sorted values, agencies appear in
  id order, and an agency appears when it has any event in the period other than an internal note (or owns a
  clock stopped in it), or a backlog clock. The same inputs, in any order, give an identical document.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, TypedDict

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

from lapor.domain.calendar import DAY, WorkingCalendar, end_of_day, start_of_day
from lapor.domain.lifecycle import Action, ClockKind, Role, Status
from lapor.domain.models import ReportType
from lapor.domain.wallclock import iso

MIN_RANKED_SAMPLES = 5
UNKNOWN = "unknown"  # the group of what an event older than the grouping's attribute cannot say
DECIMALS = 4
TIMED_CLOCKS: tuple[ClockKind, ...] = (ClockKind.VERIFY, ClockKind.RESPOND, ClockKind.RESOLVE)
AGENCY_CLOCKS = frozenset({ClockKind.RESPOND, ClockKind.RESOLVE})
DISPOSITIONS = frozenset({Action.VERIFY, Action.FORWARD})
CLOSES = frozenset({Action.CLOSE, Action.AUTO_CLOSE})

Stamp = Annotated[AwareDatetime, PlainSerializer(iso, return_type=str, when_used="json")]


# --- input -----------------------------------------------------------------------------------------------


class _Record(BaseModel):
    """Read from a table item: its keys (`pk`, `sk`) and anything newer are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class MetricStoppedClock(_Record):
    kind: ClockKind
    started_at: Stamp
    deadline: Stamp
    stopped_at: Stamp
    on_time: bool
    fired: tuple[int, ...] = ()


class MetricStartedClock(_Record):
    kind: ClockKind
    started_at: Stamp
    deadline: Stamp


class MetricEvent(_Record):
    """One metric event as `metric_record()` makes it. The store drops None values, so every optional
    attribute may be missing: it reads as None, False or an empty list. `from` and `to` are read into
    `from_status` and `to_status` (either name is accepted)."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    report_id: str
    seq: int
    at: Stamp
    action: Action
    from_status: Status | None = Field(default=None, alias="from")
    to_status: Status | None = Field(default=None, alias="to")
    actor_role: Role
    internal: bool = False
    type: ReportType
    requires_supervision: bool = False
    category: str | None = None
    agency_id: str | None = None
    kecamatan: str | None = None  # "" when the report names none; None on events older than the field
    actor_id: str | None = None
    previous_agency_id: str | None = None
    rating: int | None = None
    resolved: bool | None = None
    first_verification: bool = False
    level: int | None = None
    clock: ClockKind | None = None
    stopped_clocks: tuple[MetricStoppedClock, ...] = ()
    started_clocks: tuple[MetricStartedClock, ...] = ()

    def stopped(self, kind: ClockKind) -> MetricStoppedClock | None:
        return next((c for c in self.stopped_clocks if c.kind is kind), None)


class OverdueClock(_Record):
    """A clock overdue at the backlog instant (its report's agency, or None before a disposition), with the
    report's category and kecamatan (`""` when it names none; a kecamatan of None: not known, the clock came
    from an event older than that field)."""

    agency_id: str | None = None
    kind: ClockKind
    deadline: Stamp
    started_at: Stamp
    category: str | None = None
    kecamatan: str | None = ""


# --- output (the API's snapshot shape, without `date`) ---------------------------------------------------


class TimeFigures(TypedDict):
    n: int
    mean_hk: float
    median_hk: float
    p90_hk: float
    mean_days: float
    median_days: float
    p90_days: float


class OnTimeRates(TypedDict):
    verify: float
    respond: float
    resolve: float


class BacklogFigures(TypedDict):
    overdue: int
    oldest_hk: float
    mean_age_hk: float


class SatisfactionFigures(TypedDict):
    n: int
    mean: float
    top_two_box: float


class Figures(TypedDict):
    received: int
    verified: int
    dispositions: int
    followed_up_rate: float
    completion_rate: float
    verification_time: TimeFigures
    response_time: TimeFigures
    resolution_time: TimeFigures
    on_time_rate: OnTimeRates
    breaches: int
    backlog: BacklogFigures
    satisfaction: SatisfactionFigures
    reopen_rate: float


class RankingEntry(TypedDict):
    agency_id: str
    response_time_mean_hk: float
    n: int


class Indicators(TypedDict):
    city: Figures
    agencies: dict[str, Figures]
    ranking: list[RankingEntry]


# --- windows ---------------------------------------------------------------------------------------------


def day_window(day: date) -> tuple[datetime, datetime]:
    """One WIB day: 00:00 WIB to the next 00:00 WIB, as UTC datetimes."""
    return start_of_day(day), end_of_day(day)


def range_window(first: date, last: date) -> tuple[datetime, datetime]:
    """The WIB days from `first` to `last`, both included."""
    if last < first:
        raise ValueError("the range ends before it starts")
    return start_of_day(first), end_of_day(last)


# --- computing -------------------------------------------------------------------------------------------


Sample = tuple[float, float]  # (working days, calendar days)


@dataclass
class _Tally:
    received: int = 0
    verified: int = 0
    dispositions: int = 0
    followed_up: int = 0
    completed: int = 0
    verification: list[Sample] = field(default_factory=list)
    response: list[Sample] = field(default_factory=list)
    resolution: list[Sample] = field(default_factory=list)
    stopped: dict[ClockKind, int] = field(default_factory=lambda: dict.fromkeys(TIMED_CLOCKS, 0))
    on_time: dict[ClockKind, int] = field(default_factory=lambda: dict.fromkeys(TIMED_CLOCKS, 0))
    unstopped_breaches: dict[ClockKind, int] = field(default_factory=lambda: dict.fromkeys(TIMED_CLOCKS, 0))
    breaches: int = 0
    backlog_ages: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)
    reopens: int = 0
    closes: int = 0


Key = str | None  # a group's key; None is a group too where a grouping says so (no category, no kecamatan)


@dataclass(frozen=True)
class Grouping:
    """Which groups besides the city an event counts for: `acting` (the event itself), `owner` (a clock it
    stopped) and `receiving` (its `received`). The snapshot's is `BY_AGENCY`; leadership's breakdowns have
    others (`lapor.domain.breakdown`)."""

    acting: Callable[[MetricEvent], tuple[Key, ...]]
    owner: Callable[[MetricEvent, ClockKind], tuple[Key, ...]]
    receiving: Callable[[MetricEvent], tuple[Key, ...]]


def _agency(agency_id: str | None) -> tuple[Key, ...]:
    return () if agency_id is None else (agency_id,)


def _clock_agency(event: MetricEvent, kind: ClockKind) -> tuple[Key, ...]:
    """A respond or resolve clock is the agency's that held the report while it ran (see the module's
    attribution); the verify clock counts for the agency the verification assigned."""
    if kind in AGENCY_CLOCKS and event.previous_agency_id is not None:
        return (event.previous_agency_id,)
    return _agency(event.agency_id)


BY_AGENCY = Grouping(
    acting=lambda event: _agency(event.agency_id),
    owner=_clock_agency,
    receiving=lambda event: _agency(event.agency_id) if event.action in DISPOSITIONS else (),
)


class _Tallies:
    """The city-wide tally and one per group, created on first use."""

    def __init__(self, grouping: Grouping = BY_AGENCY) -> None:
        self.grouping = grouping
        self.city = _Tally()
        self.agencies: defaultdict[Key, _Tally] = defaultdict(_Tally)  # the groups: agencies in a snapshot

    def of(self, keys: tuple[Key, ...]) -> list[_Tally]:
        return [self.city, *(self.agencies[key] for key in keys)]

    def ordered(self) -> list[str]:
        """The groups' keys in order (a snapshot's agencies: never None)."""
        return sorted(key for key in self.agencies if key is not None)


def compute(
    events: Iterable[MetricEvent],
    *,
    start: datetime,
    end: datetime,
    time: datetime,
    calendar: WorkingCalendar,
    backlog: Iterable[OverdueClock],
    backlog_at: datetime,
) -> Indicators:
    """The indicators of the period `[start, end)` as of `time` (see the module's definitions)."""
    indicators, _ = compute_with_parts(
        events, start=start, end=end, time=time, calendar=calendar, backlog=backlog, backlog_at=backlog_at
    )
    return indicators


def compute_with_parts(
    events: Iterable[MetricEvent],
    *,
    start: datetime,
    end: datetime,
    time: datetime,
    calendar: WorkingCalendar,
    backlog: Iterable[OverdueClock],
    backlog_at: datetime,
) -> tuple[Indicators, Parts]:
    """`compute`, and the period's parts: what `combine` adds up into a range's figures."""
    for name, instant in (("start", start), ("end", end), ("time", time), ("backlog_at", backlog_at)):
        if instant.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    if end <= start:
        raise ValueError("the period ends before it starts")

    known = _known(events, start, time)
    context = _Context(_History(known), end, calendar)
    tallies = _Tallies()
    for event in known:
        if start <= event.at < end:
            _count(event, tallies, context)
    # The parts hold each tally's sums before the backlog: a backlog is a state, added by `combine` from
    # the range's last day only, and an agency with a backlog alone has no tally to add.
    parts: Parts = {
        "city": _tally_part(tallies.city),
        "agencies": {agency: _tally_part(tallies.agencies[agency]) for agency in tallies.ordered()},
    }
    ages: defaultdict[str, list[float]] = defaultdict(list)
    by_category: defaultdict[str, list[float]] = defaultdict(list)
    by_kecamatan: defaultdict[str, list[float]] = defaultdict(list)
    for clock in backlog:
        age = calendar.working_days_between(clock.deadline, backlog_at)
        for tally in tallies.of(_agency(clock.agency_id)):
            tally.backlog_ages.append(age)
        if clock.agency_id is not None:
            ages[clock.agency_id].append(age)
        by_category[clock.category or ""].append(age)
        by_kecamatan[UNKNOWN if clock.kecamatan is None else clock.kecamatan].append(age)
    parts["backlog"] = {
        "city": sorted(tallies.city.backlog_ages),
        "agencies": {agency: sorted(values) for agency, values in sorted(ages.items())},
        # For leadership's breakdowns (lapor.domain.breakdown), every clock as the city's: "" for a report
        # without a category or kecamatan, UNKNOWN for a kecamatan an old event did not carry.
        "categories": {key: sorted(values) for key, values in sorted(by_category.items())},
        "kecamatan": {key: sorted(values) for key, values in sorted(by_kecamatan.items())},
    }
    return _indicators(tallies), parts


def combine(parts: Sequence[Parts]) -> Indicators:
    """A range's figures from its days' parts (in date order): every count and sample of every day summed,
    each rate over the summed numerators and denominators, each time over the pooled samples; the backlog is
    the last day's (a state at 24:00 of the range's last day, not a sum). An agency appears when it had
    activity on any day or holds a clock of the last day's backlog."""
    tallies = _Tallies()
    for day in parts:
        _add(tallies.city, day["city"])
        for agency, part in day["agencies"].items():
            _add(tallies.agencies[agency], part)
    if parts:
        backlog = parts[-1]["backlog"]
        tallies.city.backlog_ages.extend(backlog["city"])
        for agency, ages in backlog["agencies"].items():
            tallies.agencies[agency].backlog_ages.extend(ages)
    return _indicators(tallies)


def compute_groups(
    events: Iterable[MetricEvent],
    *,
    start: datetime,
    end: datetime,
    time: datetime,
    calendar: WorkingCalendar,
    grouping: Grouping,
) -> tuple[Figures, dict[Key, Figures]]:
    """The figures of the period `[start, end)` as of `time`, city-wide and per group of `grouping`
    (leadership's breakdowns): `compute`'s definitions with the groups in the agencies' place; no backlog
    (zeros: a backlog is a state the nightly job stores, `lapor.domain.breakdown` adds it)."""
    known = _known(events, start, time)
    context = _Context(_History(known), end, calendar)
    tallies = _Tallies(grouping)
    for event in known:
        if start <= event.at < end:
            _count(event, tallies, context)
    return _figures(tallies.city), {key: _figures(tally) for key, tally in tallies.agencies.items()}


def backlog_figures(ages: Iterable[float]) -> BacklogFigures:
    """The backlog block of the figures from the overdue clocks' ages in working days."""
    ordered = sorted(ages)
    return {
        "overdue": len(ordered),
        "oldest_hk": _round(ordered[-1]) if ordered else 0.0,
        "mean_age_hk": _mean(ordered),
    }


def time_figures(samples: Iterable[Sample]) -> TimeFigures:
    """`{n, mean, median, p90}` in working and calendar days of (working days, calendar days) samples."""
    return _times(list(samples))


def sample(clock: MetricStoppedClock, calendar: WorkingCalendar) -> Sample:
    """A stopped clock's duration: (working days, calendar days)."""
    return _sample(clock, calendar)


def _indicators(tallies: _Tallies) -> Indicators:
    agencies = {agency: _figures(tallies.agencies[agency]) for agency in tallies.ordered()}
    return {"city": _figures(tallies.city), "agencies": agencies, "ranking": _ranking(agencies)}


# --- parts: a period's tallies as JSON, to be added up over a range ---------------------------------------

Parts = dict[str, Any]  # {"city": tally, "agencies": {id: tally}, "backlog": {"city": ages, "agencies": ...}}
_COUNTS = (
    "received",
    "verified",
    "dispositions",
    "followed_up",
    "completed",
    "breaches",
    "reopens",
    "closes",
)
_SAMPLES = ("verification", "response", "resolution")
_PER_CLOCK = ("stopped", "on_time", "unstopped_breaches")


def _tally_part(tally: _Tally) -> dict[str, Any]:
    return {
        **{name: getattr(tally, name) for name in _COUNTS},
        **{name: [list(sample) for sample in getattr(tally, name)] for name in _SAMPLES},
        **{name: {kind.value: n for kind, n in getattr(tally, name).items()} for name in _PER_CLOCK},
        "scores": list(tally.scores),
    }


def _add(tally: _Tally, part: dict[str, Any]) -> None:
    for name in _COUNTS:
        setattr(tally, name, getattr(tally, name) + int(part[name]))
    for name in _SAMPLES:
        getattr(tally, name).extend((float(hk), float(days)) for hk, days in part[name])
    for name in _PER_CLOCK:
        counts = getattr(tally, name)
        for kind, n in part[name].items():
            counts[ClockKind(kind)] += int(n)
    tally.scores.extend(int(score) for score in part["scores"])


def _ranking(agencies: dict[str, Figures]) -> list[RankingEntry]:
    """The agencies with enough response-time samples, fastest first, ties by id."""
    ranked = sorted(
        (figures["response_time"]["mean_hk"], agency, figures["response_time"]["n"])
        for agency, figures in agencies.items()
        if figures["response_time"]["n"] >= MIN_RANKED_SAMPLES
    )
    return [{"agency_id": agency, "response_time_mean_hk": mean, "n": n} for mean, agency, n in ranked]


def _known(events: Iterable[MetricEvent], start: datetime, time: datetime) -> list[MetricEvent]:
    """The events that exist for this computation: from `start` to `time`, no internal notes, each once,
    in (at, report, seq) order."""
    kept: dict[tuple[str, int], MetricEvent] = {}
    for event in sorted(events, key=lambda e: (e.at, e.report_id, e.seq)):
        if event.at < start or event.at > time or event.action is Action.NOTE or event.internal:
            continue
        kept.setdefault((event.report_id, event.seq), event)
    return sorted(kept.values(), key=lambda e: (e.at, e.report_id, e.seq))


class _History:
    """What happened to each report up to `time`: the seqs of its follow-ups and closes, and the events that
    stopped each kind of clock."""

    def __init__(self, known: list[MetricEvent]) -> None:
        self.followups: defaultdict[str, list[int]] = defaultdict(list)
        self.closes: defaultdict[str, list[int]] = defaultdict(list)
        self.stops: defaultdict[tuple[str, ClockKind], list[MetricEvent]] = defaultdict(list)
        for event in known:
            if event.action is Action.FOLLOWUP:
                self.followups[event.report_id].append(event.seq)
            if event.action in CLOSES:
                self.closes[event.report_id].append(event.seq)
            for clock in event.stopped_clocks:
                self.stops[(event.report_id, clock.kind)].append(event)

    def followed_up(self, disposition: MetricEvent) -> bool:
        return any(seq > disposition.seq for seq in self.followups.get(disposition.report_id, ()))

    def completed(self, disposition: MetricEvent) -> bool:
        return any(seq > disposition.seq for seq in self.closes.get(disposition.report_id, ()))

    def stopped_before(self, breach: MetricEvent, kind: ClockKind, end: datetime) -> bool:
        """Whether the clock a breach fired on was stopped by an event after the breach and before `end`."""
        return any(e.seq > breach.seq and e.at < end for e in self.stops.get((breach.report_id, kind), ()))


@dataclass(frozen=True)
class _Context:
    history: _History
    end: datetime
    calendar: WorkingCalendar


def _count(event: MetricEvent, tallies: _Tallies, context: _Context) -> None:
    grouping = tallies.grouping
    acting = tallies.of(grouping.acting(event))  # creating the group's tally is what makes it appear
    handler = _BY_ACTION.get(event.action)
    if handler is not None:
        for tally in acting:
            handler(tally, event, context)
    if event.action is Action.SUBMIT:
        tallies.city.received += 1
    for key in grouping.receiving(event):
        tallies.agencies[key].received += 1
    for clock in event.stopped_clocks:
        if clock.kind not in TIMED_CLOCKS:
            continue
        for tally in tallies.of(grouping.owner(event, clock.kind)):
            tally.stopped[clock.kind] += 1
            tally.on_time[clock.kind] += int(clock.on_time)


def _disposition(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    tally.dispositions += 1
    tally.followed_up += int(context.history.followed_up(event))
    tally.completed += int(context.history.completed(event))


def _verify(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    _disposition(tally, event, context)
    if event.first_verification:
        tally.verified += 1
        if (stopped := event.stopped(ClockKind.VERIFY)) is not None:
            tally.verification.append(_sample(stopped, context.calendar))


def _followup(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    if (stopped := event.stopped(ClockKind.RESPOND)) is not None:
        tally.response.append(_sample(stopped, context.calendar))


def _close(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    tally.closes += 1
    if (stopped := event.stopped(ClockKind.RESOLVE)) is not None:
        tally.resolution.append(_sample(stopped, context.calendar))


def _reopen(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    tally.reopens += 1


def _rate(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    if event.rating is not None:
        tally.scores.append(event.rating)


def _breach(tally: _Tally, event: MetricEvent, context: _Context) -> None:
    tally.breaches += 1
    kind = event.clock
    if (
        kind is not None
        and kind in TIMED_CLOCKS
        and not context.history.stopped_before(event, kind, context.end)
    ):
        tally.unstopped_breaches[kind] += 1


_BY_ACTION: dict[Action, Callable[[_Tally, MetricEvent, _Context], None]] = {
    Action.VERIFY: _verify,
    Action.FORWARD: _disposition,
    Action.FOLLOWUP: _followup,
    Action.CLOSE: _close,
    Action.AUTO_CLOSE: _close,
    Action.REOPEN: _reopen,
    Action.RATE: _rate,
    Action.BREACH: _breach,
}


def _sample(clock: MetricStoppedClock, calendar: WorkingCalendar) -> Sample:
    return (
        calendar.working_days_between(clock.started_at, clock.stopped_at),
        (clock.stopped_at - clock.started_at) / DAY,
    )


# --- figures ---------------------------------------------------------------------------------------------


def _figures(tally: _Tally) -> Figures:
    scores = sorted(tally.scores)
    return {
        "received": tally.received,
        "verified": tally.verified,
        "dispositions": tally.dispositions,
        "followed_up_rate": _ratio(tally.followed_up, tally.dispositions),
        "completion_rate": _ratio(tally.completed, tally.dispositions),
        "verification_time": _times(tally.verification),
        "response_time": _times(tally.response),
        "resolution_time": _times(tally.resolution),
        "on_time_rate": {
            "verify": _on_time(tally, ClockKind.VERIFY),
            "respond": _on_time(tally, ClockKind.RESPOND),
            "resolve": _on_time(tally, ClockKind.RESOLVE),
        },
        "breaches": tally.breaches,
        "backlog": backlog_figures(tally.backlog_ages),
        "satisfaction": {
            "n": len(scores),
            "mean": _mean([float(s) for s in scores]),
            "top_two_box": _ratio(sum(1 for s in scores if s >= 4), len(scores)),
        },
        "reopen_rate": _ratio(tally.reopens, tally.closes),
    }


def _on_time(tally: _Tally, kind: ClockKind) -> float:
    return _ratio(tally.on_time[kind], tally.stopped[kind] + tally.unstopped_breaches[kind])


def _times(samples: list[Sample]) -> TimeFigures:
    hk = sorted(s[0] for s in samples)
    days = sorted(s[1] for s in samples)
    return {
        "n": len(samples),
        "mean_hk": _mean(hk),
        "median_hk": _rank(hk, 1, 2),
        "p90_hk": _rank(hk, 9, 10),
        "mean_days": _mean(days),
        "median_days": _rank(days, 1, 2),
        "p90_days": _rank(days, 9, 10),
    }


def _rank(ordered: list[float], numerator: int, denominator: int) -> float:
    """Nearest rank: the ceil(n·q)-th smallest value (q = numerator/denominator, in integers)."""
    if not ordered:
        return 0.0
    rank = -(-len(ordered) * numerator // denominator)
    return _round(ordered[max(rank, 1) - 1])


def _mean(ordered: list[float]) -> float:
    return _round(math.fsum(ordered) / len(ordered)) if ordered else 0.0


def _ratio(numerator: int, denominator: int) -> float:
    return _round(numerator / denominator) if denominator else 0.0


def _round(value: float) -> float:
    return round(value, DECIMALS) + 0.0  # + 0.0: never -0.0
