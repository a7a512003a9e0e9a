"""What the nightly metrics run reads and calls for one day, with ten times as much history in the table.

    .venv/bin/python bench/metrics_cost.py [--reports-per-day 200] [--history-days 30,300] [--stale 50]

For each length of history, (a) and (b), a fresh moto table (created from template.yaml, catalog seeded)
holds the same daily activity on every day of the history and on the measured day D (Thursday 26 November
2026): `reports-per-day` reports filed between 07:00 and 17:00 WIB, spread over the catalog's categories,
each going through

    submit     filed on day f          verify     f, 2 h later (disposed to the category's agency)
    followup   f + 1 day (the agency)  close      f + 3 days     rate    f + 4 days (the reporter)

as far as the job's `time` (D + 1, 00:30 WIB) allows: the table holds the report item, its timeline items and
its metric events (DAY#<WIB date>). So each day's partition holds 5 x reports-per-day events (but the
history's first four days), and D's is the same in (a) and (b). The running reports (the due index, read
for the backlog) are bounded the same way in both: the reports filed on D, D-1 and D-2 (not closed by then)
and `stale` older ones, filed 14 to 20 days before D and left waiting (half SUBMITTED, half DISPOSED, all
overdue); every other report is closed, so out of the due index. What differs between (a) and (b) is
closed history only.

The reports of the last twelve days (D-11 to D) and the stale ones are made by the domain (`submit`,
`apply_action`) one by one, and stored as `report_item`, `timeline_item` and `metric_event_item` make them.
Older days are cloned from the reports of D-11 to D-5 (closed and rated) with new ids and every date moved
back by whole weeks (the same weekday and time of day; their clocks' deadlines are not recomputed for
holidays, which no figure of D depends on).

Then `MetricsService.compute_day(D, time)` runs on the functions' own client (`dynamodb_client()`), whose
calls are counted with botocore's event hooks registered once the table is filled: the calls by operation,
and the items each Query read (`ScannedCount`), by what it read (day partitions, due index, catalog). The
bound: items read and calls of (b) within 5% of (a). The snapshots of (a) and (b) should be identical.

moto is slow where DynamoDB is not. Besides the escalation benchmark's speed-ups, imported from
bench/escalation_cost.py (`moto_at_scale`, `moto_without_item_size_check`, the garbage collector paused while
filling): the table is filled by handing each item to moto's own `Table.put_item` (what its BatchWriteItem
does for each item, without the HTTP round trip), with the table's stream off meanwhile (moto keeps a JSON
copy of every write for it, which nothing here reads); and while the job runs, moto's sort of the whole table
is done once rather than once per Query (`moto_sorted_once`). None of this changes what the job's calls
answer. With them the default run takes about 1.5 minutes of CPU (3 minutes on 2 busy cores) and about
3.3 GB resident at the peak, most of it filling (b).

Prints figures and PASS/FAIL lines; exits 0 whatever the figures (1 when the setup is wrong). A run whose
reads do not match the activity built (events of D, running reports) is flagged.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

ROOT: Final = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project root is not
    sys.path.insert(0, str(ROOT))

AWS_ENV: Final = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "TABLE_NAME": "AppTable",
}
# Inherited settings that would send the calls elsewhere than moto.
_DROPPED_ENV: Final = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
)

os.environ.update(AWS_ENV)
for _name in _DROPPED_ENV:
    os.environ.pop(_name, None)

import boto3  # noqa: E402  (after the environment is pinned)
import moto  # noqa: E402
from botocore.config import Config  # noqa: E402

from bench.escalation_cost import (  # noqa: E402
    SEED_PATH,
    TABLE,
    SetupError,
    collector_paused,
    moto_at_scale,
    moto_without_item_size_check,
    ratio_line,
    report_id,
    verdict,
    write_items,
)
from lapor.adapters.dynamodb.client import dynamodb_client  # noqa: E402
from lapor.adapters.dynamodb.codec import to_item  # noqa: E402
from lapor.adapters.dynamodb.items import DUE_SHARDS, metric_event_item, report_item, timeline_item  # noqa: E402
from lapor.adapters.dynamodb.repository import DUE_INDEX, DynamoReportRepository  # noqa: E402
from lapor.domain.actions import REPORTER, Actor, Change, Command, apply_action, submit  # noqa: E402
from lapor.domain.calendar import WIB, WorkingCalendar, local_date  # noqa: E402
from lapor.domain.catalog import CitySetup  # noqa: E402
from lapor.domain.lifecycle import Action, Role, Status  # noqa: E402
from lapor.domain.models import AgencyRef, CategoryRef, NewReport, Rating  # noqa: E402
from lapor.domain.sla import policy_in_force  # noqa: E402
from lapor.ports import StoredSnapshot  # noqa: E402
from lapor.seed import load_seed, seed_items  # noqa: E402
from lapor.services.city_setup import CitySetupCache  # noqa: E402
from lapor.services.metrics import PAGE_SIZE, MetricsService  # noqa: E402
from tools.tables import create_tables  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DAY: Final = date(2026, 11, 26)  # the measured day, a Thursday with no holiday in the fortnight before it
TIME: Final = datetime(2026, 11, 27, 0, 30, tzinfo=WIB)  # the nightly run's time
FIRST_FILING: Final = timedelta(hours=7)  # reports are filed from 07:00 WIB ...
FILING_SPAN_MINUTES: Final = 600  # ... to 17:00
# The daily activity: when each step comes after the filing.
VERIFY_AFTER: Final = timedelta(hours=2)
FOLLOWUP_AFTER: Final = timedelta(days=1, hours=1)
CLOSE_AFTER: Final = timedelta(days=3, hours=2)
RATE_AFTER: Final = timedelta(days=4)
EVENTS_PER_REPORT: Final = 5  # submit, verify, followup, close, rate
RUNNING_DAYS: Final = 3  # D, D-1 and D-2: filed, not closed by TIME
BUILT_DAYS: Final = 12  # D-11 to D made by the domain
TEMPLATE_DAYS: Final = range(5, 12)  # D-5 to D-11 (closed and rated): the week older days are cloned from
STALE_FIRST: Final = 14  # stale reports are filed 14 to 20 days before D
MIN_HISTORY: Final = STALE_FIRST + 7
MOTO_REGION: Final = AWS_ENV["AWS_REGION"]

COORDINATOR: Final = Actor(Role.COORDINATOR, "coordinator-bench")

_BUILT_BLOCK: Final = 1  # the top id bits keep the built, stale and cloned reports apart
_CLONE_BLOCK: Final = 2
_STALE_BLOCK: Final = 3
_DATE: Final = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")


@dataclass(frozen=True)
class Route:
    """A category and the agency it is disposed to."""

    category: CategoryRef
    agency: AgencyRef
    report_type: str


@dataclass(frozen=True)
class Activity:
    """The daily activity, made by the domain on the seeded catalog."""

    calendar: WorkingCalendar
    routes: tuple[Route, ...]

    @classmethod
    def of(cls, setup: CitySetup) -> Activity:
        routes = []
        for code in sorted(setup.categories):
            category = setup.categories[code]
            agency = setup.agencies[category.default_agency_id]
            routes.append(
                Route(
                    category=CategoryRef(code=category.code, name=category.name),
                    agency=AgencyRef(id=agency.id, name=agency.name),
                    report_type=category.default_type,
                )
            )
        return cls(calendar=setup.calendar(), routes=tuple(routes))

    def _apply(self, change: Change, command: Command) -> Change:
        report = change.after
        return apply_action(
            report, command, calendar=self.calendar, policy=policy_in_force(report.submitted_at)
        )

    def filed(self, rid: str, route: Route, at: datetime) -> Change:
        new = NewReport.model_validate(
            {
                "type": route.report_type,
                "title": "Jalan berlubang di Cikole",
                "description": "Lubang besar di tengah jalan sudah dua minggu, berbahaya bagi pengendara.",
                "category": route.category.code,
                "reporter": {"name": "Siti Aminah", "email": "siti@example.id"},
            }
        )
        return submit(
            new,
            report_id=rid,
            category=route.category,
            at=at,
            calendar=self.calendar,
            policy=policy_in_force(at),
        )

    def daily(self, rid: str, index: int, filed_at: datetime, until: datetime) -> list[Change]:
        """One report of the daily activity: its changes up to `until`."""
        route = self.routes[index % len(self.routes)]
        operator = Actor(Role.OPERATOR, "operator-bench", route.agency.id)
        official = Actor(Role.OFFICIAL, "official-bench", route.agency.id)
        rated = filed_at + RATE_AFTER
        rating = Rating(score=1 + index % 5, resolved=index % 4 != 0, at=rated)
        steps = (
            Command(Action.VERIFY, COORDINATOR, filed_at + VERIFY_AFTER, updates={"agency": route.agency}),
            Command(Action.FOLLOWUP, operator, filed_at + FOLLOWUP_AFTER, note="Sudah ditinjau petugas."),
            Command(Action.CLOSE, official, filed_at + CLOSE_AFTER, note="Sudah diperbaiki."),
            Command(Action.RATE, REPORTER, rated, rating=rating),
        )
        changes = [self.filed(rid, route, filed_at)]
        for command in steps:
            if command.at > until:
                break
            changes.append(self._apply(changes[-1], command))
        return changes

    def stale(self, rid: str, index: int, filed_at: datetime) -> list[Change]:
        """A report left waiting: SUBMITTED (even index) or DISPOSED and never followed up (odd)."""
        route = self.routes[index % len(self.routes)]
        changes = [self.filed(rid, route, filed_at)]
        if index % 2:
            verify = Command(
                Action.VERIFY, COORDINATOR, filed_at + VERIFY_AFTER, updates={"agency": route.agency}
            )
            changes.append(self._apply(changes[-1], verify))
        return changes


def items_of(changes: Sequence[Change]) -> list[dict[str, Any]]:
    """What the functions store for these changes: the report, each timeline entry, each metric event."""
    return [
        report_item(changes[-1].after),
        *(timeline_item(change) for change in changes),
        *(metric_event_item(change) for change in changes),
    ]


def filing_instant(day: date, index: int, per_day: int) -> datetime:
    minutes = index * FILING_SPAN_MINUTES // per_day
    return datetime(day.year, day.month, day.day, tzinfo=WIB) + FIRST_FILING + timedelta(minutes=minutes)


@lru_cache(maxsize=65_536)
def _moved(text: str, days: int) -> str:
    return (date.fromisoformat(text) + timedelta(days=days)).isoformat()


@dataclass(frozen=True)
class Template:
    """A closed report's items as DynamoDB JSON text, to clone: its id and dates are replaced."""

    report_id: str
    filed: date
    text: str

    @classmethod
    def of(cls, changes: Sequence[Change], filed: date) -> Template:
        report = changes[-1].after
        if report.status is not Status.DONE or report.clocks or report.rating is None:
            raise SetupError(f"a template report is {report.status}, clocks {list(report.clocks)}")
        items = items_of(changes)
        if any("due_pk" in item for item in items):
            raise SetupError("a closed template carries due-index keys")
        text = json.dumps([to_item(item) for item in items], separators=(",", ":"))
        # Every date in the text must be one of the lifecycle's (filing to the last clock deadline): a
        # date-like string that is not would be moved too.
        dates = sorted({date.fromisoformat(found) for found in _DATE.findall(text)})
        if not dates or dates[0] < filed - timedelta(days=1) or dates[-1] > filed + timedelta(days=120):
            raise SetupError(f"a template filed {filed} holds the dates {dates}")
        return cls(report.id, filed, text)

    def clone(self, rid: str, weeks_back: int) -> list[dict[str, Any]]:
        days = -7 * weeks_back
        text = self.text.replace(self.report_id, rid)
        text = _DATE.sub(lambda match: _moved(match.group(1), days), text)
        items: list[dict[str, Any]] = json.loads(text)
        return items


@dataclass
class Population:
    """What a configuration's table holds besides the catalog."""

    history_days: int
    reports: int = 0
    closed: int = 0
    running_recent: int = 0
    running_stale: int = 0
    items: int = 0
    events_on_day: int = 0  # metric events under DAY#<D>
    events_after: int = 0  # under DAY#<D+1> (none: the run is at 00:30)

    @property
    def running(self) -> int:
        return self.running_recent + self.running_stale


class Filler:
    """Hands items to moto's table (see the module's docstring), counting what it stores."""

    def __init__(self, table: Any, population: Population) -> None:
        self._table = table
        self.population = population

    def put(self, items: Sequence[dict[str, Any]]) -> None:
        for item in items:
            self._table.put_item(item)
        self.population.items += len(items)

    def put_changes(self, changes: Sequence[Change]) -> None:
        population = self.population
        population.reports += 1
        days = Counter(local_date(change.entry.at) for change in changes)
        population.events_on_day += days[DAY]
        population.events_after += days[DAY + timedelta(days=1)]
        self.put([to_item(item) for item in items_of(changes)])


def moto_table() -> Any:
    """moto's own table object (in its default account)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][MOTO_REGION]
    if TABLE not in backend.tables:
        raise SetupError(f"moto holds no {TABLE} in account {DEFAULT_ACCOUNT_ID}, {MOTO_REGION}")
    return backend.get_table(TABLE)


@contextmanager
def stream_off(table: Any) -> Iterator[None]:
    """No stream records while filling: moto keeps a JSON copy of every write for the stream."""
    shard = table.stream_shard
    table.stream_shard = None
    try:
        yield
    finally:
        table.stream_shard = shard


@contextmanager
def moto_sorted_once() -> Iterator[None]:
    """moto sorts the whole table again for every Query (`Table.all_items`, as `moto_at_scale` sorts it):
    while the job runs, the sorted list is kept until the table's items change (moto changes them only in
    `Table.put_item` and `Table.delete_item`; an update changes an item in place, not the list)."""
    from moto.dynamodb.models.table import Table

    sort = Table.all_items
    cache: dict[int, list[Any]] = {}

    def all_items(table: Any) -> list[Any]:
        key = id(table)
        if key not in cache:
            cache[key] = sort(table)
        return cache[key]

    def changing(method: Any) -> Any:
        def changed(table: Any, *args: Any, **kwargs: Any) -> Any:
            cache.pop(id(table), None)
            try:
                return method(table, *args, **kwargs)
            finally:
                cache.pop(id(table), None)

        return changed

    with (
        patch.object(Table, "all_items", all_items),
        patch.object(Table, "put_item", changing(Table.put_item)),
        patch.object(Table, "delete_item", changing(Table.delete_item)),
    ):
        yield


def fill(table: Any, activity: Activity, per_day: int, history_days: int, stale: int) -> Population:
    population = Population(history_days)
    filler = Filler(table, population)
    templates: dict[tuple[date, int], Template] = {}
    built = 0
    for back in range(BUILT_DAYS - 1, -1, -1):  # D-11 to D, by the domain
        day = DAY - timedelta(days=back)
        for index in range(per_day):
            changes = activity.daily(
                report_id(_BUILT_BLOCK, built), index, filing_instant(day, index, per_day), TIME
            )
            built += 1
            filler.put_changes(changes)
            if changes[-1].after.clocks:
                population.running_recent += 1
            else:
                population.closed += 1
            if back in TEMPLATE_DAYS:
                templates[(day, index)] = Template.of(changes, day)
    for index in range(stale):  # older reports still waiting, by the domain
        day = DAY - timedelta(days=STALE_FIRST + index % 7)
        changes = activity.stale(report_id(_STALE_BLOCK, index), index, filing_instant(day, index, stale))
        if not changes[-1].after.clocks:
            raise SetupError("a stale report has no running clock")
        filler.put_changes(changes)
        population.running_stale += 1
    cloned = 0
    first_template = DAY - timedelta(days=TEMPLATE_DAYS[-1])
    for back in range(history_days, BUILT_DAYS - 1, -1):  # D-history to D-12, cloned
        day = DAY - timedelta(days=back)
        weeks = -((day - first_template).days // 7)  # whole weeks back to a template day
        source = day + timedelta(days=7 * weeks)
        for index in range(per_day):
            items = templates[(source, index)].clone(report_id(_CLONE_BLOCK, cloned), weeks)
            if cloned == 0:
                check_clone(items, day)
            cloned += 1
            filler.put(items)
            population.reports += 1
            population.closed += 1
    return population


def check_clone(items: Sequence[dict[str, Any]], day: date) -> None:
    """The first clone is filed on its day, and its events sit in partitions of its own lifecycle."""
    report = items[0]
    filed = local_date(datetime.fromisoformat(report["submitted_at"]["S"]))
    partitions = sorted(item["pk"]["S"] for item in items if item["pk"]["S"].startswith("DAY#"))
    expected = sorted(
        f"DAY#{day + timedelta(days=offset)}" for offset in (0, 0, 1, 3, 4)
    )  # submit, verify, followup, close, rate
    if filed != day or partitions != expected:
        raise SetupError(f"a clone for {day} is filed {filed}, its events under {partitions}")


@dataclass
class CallCounter:
    """The DynamoDB calls one client makes, and the items its queries read, from botocore's event hooks."""

    by_operation: Counter[str] = field(default_factory=Counter)
    queries: Counter[str] = field(default_factory=Counter)  # by what they read
    items: Counter[str] = field(default_factory=Counter)  # ScannedCount, by what they read
    partitions: Counter[str] = field(default_factory=Counter)  # items read by day partition

    def attach(self, client: DynamoDBClient) -> None:
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        values = params.get("ExpressionAttributeValues", {})
        key = str(values.get(":day", values.get(":pk", {})).get("S", ""))
        if params.get("IndexName") == DUE_INDEX:
            context["bench_read"] = "due index"
        elif key.startswith("DAY#"):
            context["bench_read"] = "day events"
            context["bench_partition"] = key
        elif key == "CONFIG":
            context["bench_read"] = "catalog"
        else:
            context["bench_read"] = "other"

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        operation = str(model.name)
        self.by_operation[operation] += 1
        if operation != "Query":
            return
        scanned = int(parsed.get("ScannedCount", 0))
        read = str(context.get("bench_read", "other"))
        self.queries[read] += 1
        self.items[read] += scanned
        if "bench_partition" in context:
            self.partitions[str(context["bench_partition"])] += scanned

    @property
    def calls(self) -> int:
        return sum(self.by_operation.values())

    @property
    def items_read(self) -> int:
        return sum(self.items.values())


@dataclass(frozen=True)
class Result:
    population: Population
    table_items: int
    catalog_items: int
    snapshot: StoredSnapshot
    counter: CallCounter
    fill_seconds: float
    job_seconds: float


def run_configuration(per_day: int, history_days: int, stale: int) -> Result:
    result = measure(per_day, history_days, stale)
    gc.unfreeze()
    gc.collect()  # this configuration's table (its stream holds it in a cycle), before the next one is built
    return result


def measure(per_day: int, history_days: int, stale: int) -> Result:
    with moto.mock_aws(), moto_at_scale():
        # A client of its own for the setup (no hooks, no parameter validation).
        setup_client: DynamoDBClient = boto3.session.Session().client(
            "dynamodb", config=Config(parameter_validation=False)
        )
        create_tables(setup_client)
        catalog = seed_items(load_seed(SEED_PATH))
        write_items(setup_client, catalog)
        activity = Activity.of(DynamoReportRepository(setup_client, TABLE).city_setup())
        table = moto_table()

        with collector_paused():
            started = time.perf_counter()
            with moto_without_item_size_check(), stream_off(table):
                population = fill(table, activity, per_day, history_days, stale)
            fill_seconds = time.perf_counter() - started
        table_items = int(setup_client.describe_table(TableName=TABLE)["Table"].get("ItemCount", 0))
        if table_items != len(catalog) + population.items:
            raise SetupError(
                f"the table holds {table_items:,} items, {len(catalog) + population.items:,} put"
            )

        dynamodb_client.cache_clear()  # the functions' client, built inside the mock
        client = dynamodb_client()
        repository = DynamoReportRepository(client, TABLE)
        setup = CitySetupCache(repository.city_setup)
        service = MetricsService(repository, setup, due_shards=DUE_SHARDS, now=lambda: TIME)
        counter = CallCounter()
        counter.attach(client)
        with moto_sorted_once():
            job_started = time.perf_counter()
            snapshot = service.compute_day(DAY, TIME)
            job_seconds = time.perf_counter() - job_started
        dynamodb_client.cache_clear()
    return Result(population, table_items, len(catalog), snapshot, counter, fill_seconds, job_seconds)


def city_line(snapshot: StoredSnapshot) -> str:
    city = snapshot.document["city"]
    response, resolution = city["response_time"], city["resolution_time"]
    return (
        f"received {city['received']:,}, dispositions {city['dispositions']:,}, response_time n"
        f" {response['n']:,} mean_hk {response['mean_hk']}, resolution_time n {resolution['n']:,} mean_hk"
        f" {resolution['mean_hk']}, satisfaction n {city['satisfaction']['n']:,}, backlog overdue"
        f" {city['backlog']['overdue']:,}"
    )


def describe(label: str, result: Result, per_day: int) -> list[str]:
    """The figures of one configuration (and a warning if the reads do not match the activity built)."""
    people, counter = result.population, result.counter
    by_operation = ", ".join(f"{name} {count:,}" for name, count in sorted(counter.by_operation.items()))
    queries = ", ".join(f"{name} {count:,}" for name, count in sorted(counter.queries.items()))
    items = ", ".join(f"{name} {count:,}" for name, count in sorted(counter.items.items()))
    partitions = ", ".join(f"{key} {count:,}" for key, count in sorted(counter.partitions.items()))
    lines = [
        f"({label}) history {people.history_days:,} days before {DAY} ({per_day:,} reports filed a day)",
        f"  reports in the table {people.reports:>9,}  ({people.closed:,} closed; {people.running:,} running:"
        f" {people.running_recent:,} filed on the last {RUNNING_DAYS} days, {people.running_stale:,} stale)",
        f"  items in the table   {result.table_items:>9,}  (catalog {result.catalog_items:,}; reports,"
        f" timeline entries and metric events {people.items:,})",
        f"  setup: filled {result.fill_seconds:.1f} s; job ran {result.job_seconds:.1f} s",
        f"  Query calls          {counter.by_operation['Query']:>9,}  ({queries}; {DUE_SHARDS} due shards,"
        f" page size {PAGE_SIZE})",
        f"  items read           {counter.items_read:>9,}  (ScannedCount: {items})",
        f"    day partitions read: {partitions}",
        f"  PutItem calls        {counter.by_operation['PutItem']:>9,}",
        f"  total calls          {counter.calls:>9,}  ({by_operation})",
        f"  snapshot, city: {city_line(result.snapshot)}",
    ]
    city = result.snapshot.document["city"]
    sound = (
        counter.items["day events"] == people.events_on_day + people.events_after
        and people.events_on_day == EVENTS_PER_REPORT * per_day
        and counter.items["due index"] == people.running
        and city["received"] == per_day
        and city["dispositions"] == per_day
        and city["response_time"]["n"] == per_day
    )
    if not sound:
        lines.append(
            "  WARNING: the reads or figures do not match the activity built; the figures are unreliable"
        )
    return lines


def parse_days(text: str) -> list[int]:
    counts = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if len(counts) != 2 or min(counts) < MIN_HISTORY:
        raise argparse.ArgumentTypeError(f"two lengths of history, each at least {MIN_HISTORY}, as in 30,300")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="What the nightly metrics run reads and calls, by history.")
    parser.add_argument(
        "--reports-per-day", type=int, default=200, help="reports filed each day (default 200)"
    )
    parser.add_argument(
        "--history-days",
        type=parse_days,
        default=[30, 300],
        help="days of history before the measured day in (a) and (b), comma-separated (default 30,300)",
    )
    parser.add_argument(
        "--stale", type=int, default=50, help="older reports still running, in both (default 50)"
    )
    arguments = parser.parse_args(argv)
    per_day: int = max(1, arguments.reports_per_day)
    history: list[int] = arguments.history_days
    stale: int = max(0, arguments.stale)

    print(
        f"metrics job cost on moto {moto.__version__}, Python {sys.version.split()[0]}:"
        f" compute_day({DAY}) at {TIME}"
    )
    print(
        f"running reports (the due index), the same in (a) and (b): the {per_day * RUNNING_DAYS:,} filed"
        f" on the last {RUNNING_DAYS} days and {stale:,} stale ones; every older report is closed"
    )
    started = time.perf_counter()
    results: list[Result] = []
    for label, days in zip("ab", history, strict=True):
        try:
            result = run_configuration(per_day, days, stale)
        except SetupError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
        results.append(result)
        print()
        print("\n".join(describe(label, result, per_day)), flush=True)

    a, b = results
    print()
    print("(b) against (a):")
    print(ratio_line("items read", a.counter.items_read, b.counter.items_read))
    print(ratio_line("calls", a.counter.calls, b.counter.calls))
    same_city = a.snapshot.document["city"] == b.snapshot.document["city"]
    same_document = a.snapshot.document == b.snapshot.document
    print(f"  snapshot city figures equal: {verdict(same_city)}; whole snapshots identical: {same_document}")
    print(f"\nmeasured in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
