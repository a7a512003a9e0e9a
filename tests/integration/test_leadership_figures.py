"""The breakdown's and the recap's figures equal an independent computation from the CSV export of the same
period (issue 16, "Must hold").

Generated data, through the real handlers on moto: 48 reports filed over four weeks of March and April 2026
(WIB) at any hour of any day, weekends and the Nyepi / Idul Fitri holidays (18–24 March) and Good Friday
(3 April) included, in eight categories, the seven kecamatan of the seed and none, verified to their
category's agency or another one, answered by several officers after minutes to days, some closed, some never
verified or never answered. Nothing is forwarded, returned or reopened, and the coordinator keeps the
category the reporter chose, so that the CSV's one row a report says everything the figures need.

The independent computation reads only the CSV rows (`submitted_at`, `verified_at`, `first_response_at`,
`category_code`, `agency_id`, `kecamatan`) and the working calendar, rebuilt here from the `holidays` package
(Monday to Friday, not a national holiday or cuti bersama): received by category, kecamatan and month are the
rows submitted in the period, by agency the rows verified in it; a response time is `first_response_at -
verified_at` in working days (the time on working days over 24 h) and in calendar days, counted in the period
and group of its follow-up; mean, and median and p90 by nearest rank. The API's figures are rounded to 4
decimals: each must be within half of that step of the exact value computed here.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

import holidays
import pytest

from lapor.domain.calendar import WIB
from tests.integration.conftest import Invoke
from tests.integration.test_leadership_reports import call, close, file_report, follow_up, verify

SEED = 1603
REPORTS = 48
FIRST, LAST = date(2026, 3, 9), date(2026, 4, 10)
FILING_FROM, FILING_UNTIL = datetime(2026, 3, 9, tzinfo=WIB), datetime(2026, 4, 4, tzinfo=WIB)
LAST_INSTANT = datetime(2026, 4, 10, 22, tzinfo=WIB)  # every action before the end of the period
CATEGORIES = {  # the seed's: category -> its default agency
    "jalan": "dinas-putr",
    "drainase": "dinas-putr",
    "pju": "dishub",
    "lalu-lintas": "dishub",
    "sampah": "dlh",
    "pencemaran": "dlh",
    "ketertiban": "satpol-pp",
    "rumah": "disperkim",
}
AGENCIES = sorted(set(CATEGORIES.values()))
KECAMATAN = ["Baros", "Cibeureum", "Cikole", "Citamiang", "Gunungpuyuh", "Lembursitu", "Warudoyong"]
HALF_STEP = 0.00005 + 1e-9  # the API rounds to 4 decimals
DAY = timedelta(days=1)
HOLIDAYS = holidays.Indonesia(years=2026, categories=("public", "government"))


# --- the working calendar and the statistics, independently --------------------------------------------


def working_days(start: datetime, stop: datetime) -> float:
    """The time between two instants that falls on WIB working days, over 24 hours."""
    a, b = start.astimezone(WIB), stop.astimezone(WIB)
    seconds = 0.0
    day = a.date()
    while day <= b.date():
        if day.weekday() < 5 and day not in HOLIDAYS:
            opens = datetime.combine(day, time(0), WIB)
            lo, hi = max(a, opens), min(b, opens + DAY)
            if hi > lo:
                seconds += (hi - lo).total_seconds()
        day += DAY
    return seconds / 86400


def nearest_rank(values: list[float], q: Fraction) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(len(ordered) * q), 1) - 1]


def statistics(samples: list[tuple[float, float]]) -> dict[str, float]:
    hk = [s[0] for s in samples]
    days = [s[1] for s in samples]
    return {
        "n": len(samples),
        "mean_hk": math.fsum(hk) / len(hk),
        "median_hk": nearest_rank(hk, Fraction(1, 2)),
        "p90_hk": nearest_rank(hk, Fraction(9, 10)),
        "mean_days": math.fsum(days) / len(days),
        "median_days": nearest_rank(days, Fraction(1, 2)),
        "p90_days": nearest_rank(days, Fraction(9, 10)),
    }


def instant(cell: str) -> datetime | None:
    return datetime.fromisoformat(cell) if cell else None


def wib_date(moment: datetime) -> date:
    return moment.astimezone(WIB).date()


def month_of(moment: datetime) -> str:
    return f"{wib_date(moment):%Y-%m}"


@dataclass
class Expected:
    received: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[Any, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))


def from_csv(rows: list[dict[str, str]], first: date, last: date, by: str) -> Expected:
    """The figures of a period by one grouping, from the CSV rows alone."""
    group: dict[str, Callable[[dict[str, str], datetime], Any]] = {
        "category": lambda row, _at: row["category_code"] or None,
        "kecamatan": lambda row, _at: row["kecamatan"] or None,
        "agency": lambda row, _at: row["agency_id"],
        "month": lambda _row, at: month_of(at),
        "city": lambda _row, _at: "city",
    }
    key = group[by]
    expected = Expected()
    for row in rows:
        submitted, verified, answered = (
            instant(row[c]) for c in ("submitted_at", "verified_at", "first_response_at")
        )
        assert submitted is not None
        if by == "agency":
            if verified is not None and first <= wib_date(verified) <= last:
                expected.received[key(row, verified)] += 1
        elif first <= wib_date(submitted) <= last:
            expected.received[key(row, submitted)] += 1
        if answered is not None and first <= wib_date(answered) <= last:
            assert verified is not None
            sample = (working_days(verified, answered), (answered - verified).total_seconds() / 86400)
            expected.samples[key(row, answered)].append(sample)
    return expected


def assert_times(found: dict[str, Any], samples: list[tuple[float, float]], where: Any) -> None:
    if not samples:
        assert found["n"] == 0, where
        return
    exact = statistics(samples)
    assert found["n"] == exact["n"], where
    for name, value in exact.items():
        assert abs(found[name] - value) <= HALF_STEP, (where, name, found[name], value)


# --- generated activity ---------------------------------------------------------------------------------


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    kind: str = field(compare=False)
    report: int = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


@dataclass
class Truth:
    """What each officer did, as the generator did it (the CSV does not name officers)."""

    followups: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_answers: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))


def minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randint(low, high))


def generate(rng: random.Random) -> list[Step]:
    steps: list[Step] = []
    span = int((FILING_UNTIL - FILING_FROM).total_seconds() // 60)
    for n in range(REPORTS):
        submitted = FILING_FROM + timedelta(minutes=rng.randrange(span))
        category = None if n % 16 == 5 else rng.choice(sorted(CATEGORIES))
        kecamatan = None if n % 9 == 4 else rng.choice(KECAMATAN)
        steps.append(Step(submitted, len(steps), "submit", n, {"category": category, "kecamatan": kecamatan}))
        if category is None or rng.random() < 0.12:
            continue  # never verified (a report without a category cannot be)
        verified = submitted + minutes(rng, 10, 3 * 24 * 60)
        agency = CATEGORIES[category] if rng.random() < 0.75 else rng.choice(AGENCIES)
        steps.append(Step(verified, len(steps), "verify", n, {"category": category, "agency": agency}))
        if rng.random() < 0.18:
            continue  # never answered
        answered = verified + minutes(rng, 5, 6 * 24 * 60)
        if answered > LAST_INSTANT:
            continue
        by = rng.choice([f"op-{agency}-1", f"op-{agency}-2", f"off-{agency}"])
        steps.append(Step(answered, len(steps), "followup", n, {"agency": agency, "sub": by}))
        if rng.random() < 0.3:
            again = answered + minutes(rng, 60, 2 * 24 * 60)
            if again <= LAST_INSTANT:
                steps.append(
                    Step(again, len(steps), "followup", n, {"agency": agency, "sub": f"op-{agency}-1"})
                )
                answered = again
        if rng.random() < 0.5:
            closed = answered + minutes(rng, 30, 3 * 24 * 60)
            if closed <= LAST_INSTANT:
                steps.append(Step(closed, len(steps), "close", n, {"agency": agency, "sub": f"off-{agency}"}))
    return sorted(steps)


def run(invoke: Invoke, clock: Any, steps: list[Step]) -> Truth:
    ids: dict[int, str] = {}
    verified_at: dict[int, datetime] = {}
    answered: set[int] = set()
    truth = Truth()
    for step in steps:
        args = step.args
        if step.kind == "submit":
            fields: dict[str, Any] = (
                {"category": args["category"]} if args["category"] else {"category": None}
            )
            if args["kecamatan"] is None:
                fields["location"] = None
            else:
                fields["location"] = {"lat": -6.92, "lon": 106.93, "kecamatan": args["kecamatan"]}
            ids[step.report] = file_report(invoke, clock, step.at, **fields)
        elif step.kind == "verify":
            verify(clock, step.at, ids[step.report], args["category"], args["agency"])
            verified_at[step.report] = step.at
        elif step.kind == "followup":
            role = "official" if args["sub"].startswith("off-") else "operator"
            follow_up(clock, step.at, ids[step.report], args["agency"], args["sub"], role)
            truth.followups[args["sub"]] += 1
            if step.report not in answered:
                answered.add(step.report)
                started = verified_at[step.report]
                duration = (step.at - started).total_seconds() / 86400
                truth.first_answers[args["sub"]].append((working_days(started, step.at), duration))
        else:
            close(clock, step.at, ids[step.report], args["agency"], args["sub"])
            truth.closes[args["sub"]] += 1
    clock.set(datetime(2026, 4, 13, 9, tzinfo=WIB))  # the Monday after: every day of the period is past
    return truth


def export(first: date, last: date) -> list[dict[str, str]]:
    """Every row of `GET /staff/exports/reports.csv` for the period, page after page."""
    from staff.handler import lambda_handler
    from tests.integration.conftest import build_event, claims_of
    from tools.lambda_context import LambdaContext

    rows: list[dict[str, str]] = []
    cursor: str | None = None
    while True:
        query = {"from": first.isoformat(), "to": last.isoformat(), "limit": "20"}
        if cursor:
            query["cursor"] = cursor
        event = build_event(
            "get_exports_reports_csv", function="staff", claims=claims_of("leadership"), query=query
        )
        result = lambda_handler(event, LambdaContext("staff", 512, 10))
        assert result["statusCode"] == 200, result["body"]
        rows += list(csv.DictReader(io.StringIO(result["body"], newline="")))
        headers = {k.lower(): v for k, v in (result.get("multiValueHeaders") or {}).items()}
        cursor = (headers.get("x-next-cursor") or [None])[0]
        if not cursor:
            return rows


@pytest.fixture
def aws(aws: None) -> Iterator[None]:
    """Conftest's world, its DynamoDB on the local stack's engine (moto's own answers; a transaction copies
    no table, where moto alone deep-copies the table each time: a minute and a half for this data), put back
    as it was afterwards."""
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from lapor.seed import load_seed, seed_items
    from local.aws.dynamodb import install
    from tests.integration.conftest import ROOT, _clear_caches
    from tools.tables import create_tables

    region = os.environ["AWS_DEFAULT_REGION"]
    original = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    install(DEFAULT_ACCOUNT_ID, region)
    try:
        create_tables(boto3.client("dynamodb"))
        table = boto3.resource("dynamodb").Table("AppTable")
        with table.batch_writer() as batch:
            for item in seed_items(load_seed(ROOT / "seed" / "sukabumi.json")):
                batch.put_item(Item=item)
        _clear_caches()
        yield
    finally:
        dynamodb_backends[DEFAULT_ACCOUNT_ID][region] = original


@pytest.fixture
def generated(invoke: Invoke, clock: Any) -> Truth:
    from lapor import wiring

    wiring.leadership_reports()._now = clock.utc  # type: ignore[method-assign]
    steps = generate(random.Random(SEED))
    kinds = [step.kind for step in steps]
    # The data is as varied as the docstring says (a change of seed or generator that makes it thin fails).
    assert kinds.count("submit") == REPORTS
    assert kinds.count("verify") >= 30
    assert kinds.count("followup") >= 25
    assert kinds.count("close") >= 8
    assert len({step.at.astimezone(WIB).date() for step in steps}) >= 20
    assert any(step.at.astimezone(WIB).date() in HOLIDAYS for step in steps)
    assert any(step.at.astimezone(WIB).weekday() >= 5 for step in steps)
    return run(invoke, clock, steps)


def test_the_breakdown_equals_the_csv_of_the_period(generated: Truth) -> None:
    rows = export(FIRST, LAST)
    assert len(rows) == REPORTS
    for by in ("agency", "category", "kecamatan", "month"):
        expected = from_csv(rows, FIRST, LAST, by)
        query = {"from": f"{FIRST}", "to": f"{LAST}", "by": by}
        answer = call("get_metrics_breakdown", "leadership", query=query)
        assert answer.status == 200, answer.body
        items = {item["key"]: item for item in answer.body["items"]}
        assert set(expected.received) | set(expected.samples) <= set(items), by
        for key, item in items.items():
            assert item["received"] == expected.received.get(key, 0), (by, key)
            assert_times(item["response_time"], expected.samples.get(key, []), (by, key))
        if by in ("category", "kecamatan"):
            assert None in items, by  # the data has reports without a category and without a kecamatan
        if by == "month":
            assert set(items) == {"2026-03", "2026-04"}
        assert sum(item["response_time"]["n"] for item in items.values()) == sum(
            len(samples) for samples in expected.samples.values()
        )


def test_the_recap_equals_the_csv_of_its_month(generated: Truth) -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    rows = export(first, last)
    by_agency = from_csv(rows, first, last, "agency")
    city = from_csv(rows, first, last, "city")
    answer = call("get_monthly_recap", "leadership", month="2026-03", query={"format": "json"})
    assert answer.status == 200, answer.body
    recap = answer.body
    assert recap["city"]["received"] == city.received["city"] == len(rows)
    assert_times(recap["city"]["response_time"], city.samples["city"], "city")
    agencies = {agency["agency_id"]: agency for agency in recap["agencies"]}
    assert set(by_agency.received) <= set(agencies)
    for agency_id, agency in agencies.items():
        assert agency["received"] == by_agency.received.get(agency_id, 0), agency_id
        assert_times(agency["response_time"], by_agency.samples.get(agency_id, []), agency_id)
        mean = agency["response_time"]["mean_hk"]
        met = None if agency["response_time"]["n"] == 0 else mean < recap["target_hk"]
        assert agency["response_time_target_met"] is met, agency_id

    # The CSV form of the recap says the same.
    from tests.integration.test_leadership_reports import raw

    table = list(csv.DictReader(io.StringIO(raw("2026-03", {"format": "csv"})["body"], newline="")))
    for row in table:
        if row["jenis"] == "perangkat_daerah":
            agency = agencies[row["id"]]
            assert int(row["diterima"]) == agency["received"]
            assert float(row["respons_rata_hk"]) == agency["response_time"]["mean_hk"]
            assert float(row["respons_p90_hari"]) == agency["response_time"]["p90_days"]
    assert int(table[0]["diterima"]) == len(rows)


def test_each_officers_figures_are_what_the_officer_did(generated: Truth) -> None:
    answer = call("get_metrics_officers", "leadership", query={"from": f"{FIRST}", "to": f"{LAST}"})
    assert answer.status == 200, answer.body
    rows = {row["officer_id"]: row for row in answer.body["items"]}
    acting = set(generated.followups) | set(generated.closes)
    assert acting <= set(rows)
    for sub in acting:
        assert rows[sub]["followups"] == generated.followups.get(sub, 0), sub
        assert rows[sub]["closes"] == generated.closes.get(sub, 0), sub
        assert_times(rows[sub]["response_time"], generated.first_answers.get(sub, []), sub)
    activity = [row["followups"] + row["closes"] for row in answer.body["items"]]
    assert activity == sorted(activity, reverse=True)
    # The recap's most active officers are the month's first ten who followed up or closed anything.
    march = call("get_metrics_officers", "leadership", query={"from": "2026-03-01", "to": "2026-03-31"}).body
    active = [row for row in march["items"] if row["followups"] + row["closes"] > 0]
    recap = call("get_monthly_recap", "coordinator", month="2026-03", query={"format": "json"}).body
    assert len(active) > 10
    assert recap["officers"] == active[:10]
