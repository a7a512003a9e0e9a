"""What one escalation run reads and calls, with the same work due among ten times as many other reports.

    .venv/bin/python bench/escalation_cost.py [--due 1000] [--others 10000,100000]

For each count of other reports, (a) and (b), a fresh moto table (created from template.yaml, catalog
seeded) holds:

    due      reports whose verify clock has a step due at NOW: half have their reminder due (filed on the
             Monday), half their reminder and their breach (filed on the Friday before)
    others   half closed (DONE: no running clock, so not in the due index), a quarter SUBMITTED and a quarter
             DISPOSED, filed or verified so recently that their next step falls after NOW

The reports are made by the domain (`submit`, `apply_action`), not over HTTP: each due report on its own,
and the others cloned from a few dozen domain-built templates with new ids (`report_item` recomputes every
key from the id, the due shard included). Only the report items are written (BatchWriteItem, 25 a call):
the job reads nothing else, since the due index projects the whole report. Ids and instants are fixed, so
every run builds the same table.

Then `EscalationService.run(NOW, ...)` runs on the functions' own client (`dynamodb_client()`), whose calls
are counted with botocore's event hooks, registered once the table is filled: the calls by operation, and
the items each Query read (`ScannedCount`), on the due index and elsewhere (the job's one catalog read,
counted in "items read" too). The bounds:

    items read <= 1.1 x due + pages     pages: the job's due-index queries (one page per shard allowed)
    items read <= 1.1 x due + 8         the same with exactly one per shard
    items read and calls of (b) within 5% of (a)

moto is slow where DynamoDB is not: `moto_at_scale` and `moto_without_item_size_check` take out three of
its costs (a copy of the whole table per transaction item, a sort of the whole table per query, a quadratic
item-size check while filling), none of which changes an answer; the garbage collector is paused while the
table fills. With them the default run takes about 2 minutes on 2 cores (about 2.6 GB resident), most of
it filling (b).

Prints figures and one PASS/FAIL line per bound; exits 0 whatever the figures (1 when the setup is wrong).
A run that did not fire exactly the steps due (a conflict, a failure, time running out) is flagged.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

ROOT: Final = Path(__file__).resolve().parent.parent
SEED_PATH: Final = ROOT / "seed" / "sukabumi.json"
TABLE: Final = "AppTable"
BATCH_SIZE: Final = 25
TOLERANCE: Final = 0.05  # (b) within 5% of (a)
DUE_SLACK: Final = 1.1  # items read at most 1.1 x the items due, plus one page per shard
MAX_ITEM_TEXT: Final = 100_000  # far below DynamoDB's 400 KB, which moto's check is off for while filling
TEMPLATES_PER_STATE: Final = 24  # distinct filing instants among the cloned reports of each state

AWS_ENV: Final = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "TABLE_NAME": TABLE,
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

from lapor.adapters.dynamodb.client import dynamodb_client  # noqa: E402
from lapor.adapters.dynamodb.codec import to_item  # noqa: E402
from lapor.adapters.dynamodb.items import DUE_SHARDS, report_item  # noqa: E402
from lapor.adapters.dynamodb.repository import DUE_INDEX, DynamoReportRepository  # noqa: E402
from lapor.domain.actions import Actor, Change, Command, apply_action, submit  # noqa: E402
from lapor.domain.calendar import WIB, WorkingCalendar  # noqa: E402
from lapor.domain.catalog import CitySetup  # noqa: E402
from lapor.domain.clocks import next_due  # noqa: E402
from lapor.domain.escalation import due_steps  # noqa: E402
from lapor.domain.lifecycle import Action, Role, Status  # noqa: E402
from lapor.domain.models import AgencyRef, CategoryRef, NewReport, Report  # noqa: E402
from lapor.domain.sla import policy_in_force  # noqa: E402
from lapor.seed import load_seed, seed_items  # noqa: E402
from lapor.services.city_setup import CitySetupCache  # noqa: E402
from lapor.services.escalation import PAGE_SIZE, EscalationService, RunSummary  # noqa: E402
from tools.tables import create_tables  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

# The run's "now", a Thursday noon with no holiday in the fortnight before it.
NOW: Final = datetime(2026, 11, 26, 12, 0, tzinfo=WIB)
DUE_REMIND_FILED: Final = datetime(2026, 11, 23, 8, 0, tzinfo=WIB)  # Monday: verify reminder due at NOW
DUE_BREACH_FILED: Final = datetime(2026, 11, 20, 8, 0, tzinfo=WIB)  # Friday: reminder and breach due
RECENT_FILED: Final = datetime(2026, 11, 26, 7, 0, tzinfo=WIB)  # SUBMITTED: reminder on 1 December
VERIFIED_FILED: Final = datetime(2026, 11, 25, 8, 0, tzinfo=WIB)  # DISPOSED the same day
CLOSED_FILED: Final = datetime(2026, 10, 5, 8, 0, tzinfo=WIB)  # verified, followed up, closed 9 days on

COORDINATOR: Final = Actor(Role.COORDINATOR, "coordinator-bench")

_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DUE_BLOCK: Final = 1  # the top id bits keep the due reports and the others apart
_OTHER_BLOCK: Final = 2


class SetupError(RuntimeError):
    """The table does not hold what the benchmark means it to (a domain or template change)."""


def report_id(block: int, index: int) -> str:
    """A well-formed, reproducible tracking id (`LPR-XXXX-XXXX`), scattered: ids do not sort by index."""
    scrambled = (index * 2654435761) % (1 << 32)  # odd multiplier: a bijection on 32 bits
    value = (block << 32) | scrambled
    chars = "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"LPR-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Domain:
    """What building a report needs from the seeded catalog."""

    calendar: WorkingCalendar
    category: CategoryRef
    agency: AgencyRef
    report_type: str

    @classmethod
    def of(cls, setup: CitySetup) -> Domain:
        category = setup.categories[sorted(setup.categories)[0]]
        agency = setup.agencies[category.default_agency_id]
        return cls(
            calendar=setup.calendar(),
            category=CategoryRef(code=category.code, name=category.name),
            agency=AgencyRef(id=agency.id, name=agency.name),
            report_type=category.default_type,
        )

    def new_report(self) -> NewReport:
        return NewReport.model_validate(
            {
                "type": self.report_type,
                "title": "Jalan berlubang di Cikole",
                "description": "Lubang besar di tengah jalan sudah dua minggu, berbahaya bagi pengendara.",
                "category": self.category.code,
                "reporter": {"name": "Siti Aminah", "email": "siti@example.id"},
            }
        )

    def submitted(self, rid: str, at: datetime) -> Report:
        change = submit(
            self.new_report(),
            report_id=rid,
            category=self.category,
            at=at,
            calendar=self.calendar,
            policy=policy_in_force(at),
        )
        return change.after

    def act(self, report: Report, action: Action, actor: Actor, at: datetime, **updates: Any) -> Report:
        change: Change = apply_action(
            report,
            Command(action, actor, at, updates=updates),
            calendar=self.calendar,
            policy=policy_in_force(report.submitted_at),
        )
        return change.after

    def disposed(self, rid: str, at: datetime) -> Report:
        report = self.submitted(rid, at)
        return self.act(report, Action.VERIFY, COORDINATOR, at + timedelta(hours=3), agency=self.agency)

    def closed(self, rid: str, at: datetime) -> Report:
        operator = Actor(Role.OPERATOR, "operator-bench", self.agency.id)
        official = Actor(Role.OFFICIAL, "official-bench", self.agency.id)
        report = self.disposed(rid, at)
        report = self.act(report, Action.FOLLOWUP, operator, at + timedelta(days=2))
        return self.act(report, Action.CLOSE, official, at + timedelta(days=9))


@dataclass(frozen=True)
class Population:
    """The report items of one configuration, and what the job should find among them."""

    items: list[dict[str, Any]]
    due: int
    closed: int
    running: int
    expected_steps: Counter[str]


def due_reports(domain: Domain, count: int) -> tuple[list[Report], Counter[str]]:
    """`count` SUBMITTED reports with a verify step due at NOW, each made by the domain."""
    reports: list[Report] = []
    steps: Counter[str] = Counter()
    for index in range(count):
        filed = DUE_REMIND_FILED if index % 2 == 0 else DUE_BREACH_FILED
        report = domain.submitted(report_id(_DUE_BLOCK, index), filed + timedelta(minutes=index % 480))
        due = due_steps(report, NOW)
        if not due:
            raise SetupError(f"report {report.id} filed {report.submitted_at} has nothing due at {NOW}")
        steps.update(step.action.value for step in due)
        reports.append(report)
    return reports, steps


def other_templates(domain: Domain) -> dict[str, list[Report]]:
    """A few reports of each other state, made by the domain, to clone: none has anything due at NOW."""
    templates: dict[str, list[Report]] = {"closed": [], "submitted": [], "disposed": []}
    for index in range(TEMPLATES_PER_STATE):
        later = timedelta(minutes=7 * index)
        templates["closed"].append(domain.closed("LPR-0000-0000", CLOSED_FILED + later))
        templates["submitted"].append(domain.submitted("LPR-0000-0000", RECENT_FILED + later))
        templates["disposed"].append(domain.disposed("LPR-0000-0000", VERIFIED_FILED + later))
    for state, reports in templates.items():
        for report in reports:
            due = next_due(report.clocks.values())
            if state == "closed" and (report.status is not Status.DONE or due is not None):
                raise SetupError(f"a closed template is {report.status} with a step due {due}")
            if state != "closed" and (due is None or due <= NOW):
                raise SetupError(f"a running {state} template has its next step at {due}, not after {NOW}")
    return templates


def population(domain: Domain, due: int, others: int) -> Population:
    due_list, expected = due_reports(domain, due)
    templates = other_templates(domain)
    closed = others // 2
    items = [report_item(report) for report in due_list]
    for index in range(others):
        if index < closed:
            pool = templates["closed"]
        else:
            pool = templates["submitted" if index % 2 == 0 else "disposed"]
        template = pool[index % len(pool)]
        clone = template.model_copy(update={"id": report_id(_OTHER_BLOCK, index)})
        items.append(report_item(clone))
    distinct = items[:due] + [report_item(report) for pool in templates.values() for report in pool]
    largest = max(len(json.dumps(item)) for item in distinct)
    if largest > MAX_ITEM_TEXT:
        raise SetupError(f"a report item takes {largest:,} characters as JSON, over {MAX_ITEM_TEXT:,}")
    in_index = sum(1 for item in items if "due_pk" in item)
    if in_index != due + (others - closed):
        raise SetupError(f"{in_index} report items carry due keys, expected {due + others - closed}")
    return Population(items, due, closed, others - closed, expected)


def write_items(client: DynamoDBClient, items: Sequence[dict[str, Any]]) -> int:
    """BatchWriteItem, 25 items a call; returns the number of calls."""
    calls = 0
    for start in range(0, len(items), BATCH_SIZE):
        requests: list[WriteRequestTypeDef] = [
            {"PutRequest": {"Item": to_item(item)}} for item in items[start : start + BATCH_SIZE]
        ]
        answer = client.batch_write_item(RequestItems={TABLE: requests})
        calls += 1
        if answer.get("UnprocessedItems"):  # moto processes everything; a real table would need a retry
            raise SetupError("BatchWriteItem left items unprocessed")
    return calls


@dataclass
class CallCounter:
    """The DynamoDB calls one client makes, and the items its queries read, from botocore's event hooks."""

    by_operation: Counter[str] = field(default_factory=Counter)
    due_queries: int = 0
    due_items: int = 0
    due_returned: int = 0
    other_query_items: int = 0

    def attach(self, client: DynamoDBClient) -> None:
        client.meta.events.register("before-parameter-build.dynamodb", self._before)
        client.meta.events.register("after-call.dynamodb", self._after)

    def _before(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_index"] = params.get("IndexName")

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        operation = str(model.name)
        self.by_operation[operation] += 1
        if operation != "Query":
            return
        scanned = int(parsed.get("ScannedCount", 0))
        if context.get("bench_index") == DUE_INDEX:
            self.due_queries += 1
            self.due_items += scanned
            self.due_returned += int(parsed.get("Count", 0))
        else:
            self.other_query_items += scanned

    @property
    def calls(self) -> int:
        return sum(self.by_operation.values())

    @property
    def items_read(self) -> int:
        return self.due_items + self.other_query_items


@dataclass(frozen=True)
class Result:
    others: int
    closed: int
    running: int
    due: int
    expected_steps: Counter[str]
    summary: RunSummary
    counter: CallCounter
    build_seconds: float
    write_seconds: float
    write_calls: int
    job_seconds: float

    @property
    def bound_pages(self) -> float:
        """1.1 x due + one per page the job asked the due index for."""
        return DUE_SLACK * self.due + self.counter.due_queries

    @property
    def bound_shards(self) -> float:
        """1.1 x due + one per shard."""
        return DUE_SLACK * self.due + DUE_SHARDS


@contextmanager
def moto_without_item_size_check() -> Iterator[None]:
    """moto's 400 KB check re-measures the whole item for every attribute it adds (quadratic: about 3 ms a
    report item). Off while the table is filled; `population` checks the items' size itself."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    with patch.object(LimitedSizeDict, "__setitem__", dict.__setitem__):
        yield


@contextmanager
def moto_at_scale() -> Iterator[None]:
    """Two of moto's costs that grow with the whole table, taken out; neither changes an answer.

    - TransactWriteItems deep-copies the whole table once per item, to roll back with. No copy is kept:
      a cancelled transaction would stay half applied, so a run with any conflict or failure is flagged.
    - Every Query first sorts the whole table by its keys comparing moto's attribute objects (a GSI query
      sorts its matches again by the index keys afterwards). Sorted here by the keys' plain values: the
      same order for this table's string keys, in a fraction of the time.
    """
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    class _NoTableCopy:
        @staticmethod
        def deepcopy(thing: object, memo: dict[int, Any] | None = None) -> Any:
            return thing if isinstance(thing, Table) else copy.deepcopy(thing, memo)

    def all_items(table: Table) -> list[Any]:
        items: list[Any] = []
        for hash_set in table.items.values():
            if table.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        if table.range_key_attr:
            return sorted(items, key=lambda x: (x.hash_key.cast_value, x.range_key.cast_value))
        return sorted(items, key=lambda x: x.hash_key.cast_value)

    with patch.object(models, "copy", _NoTableCopy), patch.object(Table, "all_items", all_items):
        yield


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the table fills (full collections over a growing heap make the filling
    quadratic), and what is built then frozen out of the job's collections; unfrozen and freed after."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def run_configuration(due: int, others: int) -> Result:
    with moto.mock_aws(), moto_at_scale():
        # A client of its own for the setup (no hooks, no parameter validation: only the filling is faster).
        setup_client: DynamoDBClient = boto3.session.Session().client(
            "dynamodb", config=Config(parameter_validation=False)
        )
        create_tables(setup_client)
        write_items(setup_client, seed_items(load_seed(SEED_PATH)))
        domain = Domain.of(DynamoReportRepository(setup_client, TABLE).city_setup())

        with collector_paused():
            started = time.perf_counter()
            people = population(domain, due, others)
            built = time.perf_counter()
            with moto_without_item_size_check():
                write_calls = write_items(setup_client, people.items)
            written = time.perf_counter()
            del people.items[:]  # moto holds its own copy

        dynamodb_client.cache_clear()  # the functions' client, built inside the mock
        client = dynamodb_client()
        repository = DynamoReportRepository(client, TABLE)
        service = EscalationService(repository, CitySetupCache(repository.city_setup), due_shards=DUE_SHARDS)
        counter = CallCounter()
        counter.attach(client)
        job_started = time.perf_counter()
        summary = service.run(NOW, lambda: 1e9)
        job_seconds = time.perf_counter() - job_started
        dynamodb_client.cache_clear()
    gc.unfreeze()
    gc.collect()  # this configuration's table, before the next one is built
    return Result(
        others=others,
        closed=people.closed,
        running=people.running,
        due=due,
        expected_steps=people.expected_steps,
        summary=summary,
        counter=counter,
        build_seconds=built - started,
        write_seconds=written - built,
        write_calls=write_calls,
        job_seconds=job_seconds,
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def describe(label: str, result: Result) -> list[str]:
    """The figures of one configuration, with its two item bounds (and a warning if the run went amiss)."""
    counter, summary = result.counter, result.summary
    expected = sum(result.expected_steps.values())
    by_action = ", ".join(f"{name} {count:,}" for name, count in sorted(summary.by_action.items()))
    by_operation = ", ".join(f"{name} {count:,}" for name, count in sorted(counter.by_operation.items()))
    other_queries = counter.by_operation["Query"] - counter.due_queries
    lines = [
        f"({label}) others {result.others:,} ({result.closed:,} closed, {result.running:,} running, not due),"
        f" due {result.due:,}",
        f"  setup: built {result.build_seconds:.1f} s, written {result.write_seconds:.1f} s"
        f" ({result.write_calls:,} BatchWriteItem); job ran {result.job_seconds:.1f} s",
        f"  steps fired          {summary.steps:>8,}  ({by_action or 'none'}; expected {expected:,})",
        f"  reports visited      {summary.reports:>8,}  (conflicts {summary.conflicts}, failures"
        f" {summary.failures}, stopped early {summary.stopped_early})",
        f"  Query calls          {counter.by_operation['Query']:>8,}  (due-index {counter.due_queries:,},"
        f" other {other_queries:,}; {DUE_SHARDS} shards, page size {PAGE_SIZE})",
        f"  items read           {counter.items_read:>8,}  (ScannedCount: due-index {counter.due_items:,},"
        f" other {counter.other_query_items:,}; due-index items returned {counter.due_returned:,})",
        f"  TransactWriteItems   {counter.by_operation['TransactWriteItems']:>8,}",
        f"  total calls          {counter.calls:>8,}  ({by_operation})",
        f"  bound 1.1 x due + pages ({counter.due_queries}) = {result.bound_pages:,.1f}:"
        f" items read {counter.items_read:,} {verdict(counter.items_read <= result.bound_pages)}",
        f"  bound 1.1 x due + {DUE_SHARDS} = {result.bound_shards:,.1f}:"
        f" items read {counter.items_read:,} {verdict(counter.items_read <= result.bound_shards)}",
    ]
    sound = (
        summary.conflicts == 0
        and summary.failures == 0
        and not summary.stopped_early
        and summary.steps == expected
        and summary.reports == result.due
    )
    if not sound:
        lines.append("  WARNING: the run did not fire exactly the steps due; the figures are unreliable")
    return lines


def ratio_line(name: str, first: int, second: int) -> str:
    ratio = second / first if first else float("inf")
    ok = abs(ratio - 1) <= TOLERANCE
    within = f"{verdict(ok)} (within {TOLERANCE:.0%})"
    return f"  {name:<11} (b)/(a) = {second:,} / {first:,} = {ratio:.4f}  {within}"


def parse_counts(text: str) -> list[int]:
    counts = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if len(counts) != 2 or min(counts) < 0:
        raise argparse.ArgumentTypeError("two counts, as in 10000,100000")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="What the escalation job reads and calls, by table size.")
    parser.add_argument("--due", type=int, default=1000, help="reports with a step due (default 1000)")
    parser.add_argument(
        "--others",
        type=parse_counts,
        default=[10_000, 100_000],
        help="other reports in (a) and (b), comma-separated (default 10000,100000)",
    )
    arguments = parser.parse_args(argv)
    due: int = max(1, arguments.due)
    others: list[int] = arguments.others

    print(f"escalation job cost on moto {moto.__version__}, Python {sys.version.split()[0]}, now {NOW}")
    started = time.perf_counter()
    results: list[Result] = []
    for label, count in zip("ab", others, strict=True):
        try:
            result = run_configuration(due, count)
        except SetupError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
        results.append(result)
        print()
        print("\n".join(describe(label, result)), flush=True)

    a, b = results
    print()
    print("(b) against (a):")
    print(ratio_line("items read", a.counter.items_read, b.counter.items_read))
    print(ratio_line("calls", a.counter.calls, b.counter.calls))
    print(f"\nmeasured in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
