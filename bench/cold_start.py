"""Cold-start figures for the intake function, measured in fresh interpreters.

    .venv/bin/python bench/cold_start.py [--runs 15]

Each variant runs in its own new process (`sys.executable -c ...`), timed inside the child with
`time.perf_counter`; the variants take turns within every round, so they share the machine's noise. One
warm-up round runs first and is discarded (it also leaves the `.pyc` cache warm, as a deployed package is).

    a  import intake.handler                                    (tracing off, as deployed by default)
    b  import boto3, pydantic, aws_lambda_powertools.event_handler    (the baseline any such handler pays)
    c  import intake.handler with POWERTOOLS_TRACE_DISABLED=false      (tracing on)
    d  import intake.handler + the first invocation on events/intake/post_reports.json, against moto
       (moto, its tables and the seed are set up before the timer; moto itself imports boto3 first)
    e  the same first invocation alone (the handler imported before the timer too)

Prints figures only and asserts nothing: it exits 0 whatever the figures (1 only when a child fails).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
EVENT_PATH: Final = ROOT / "events" / "intake" / "post_reports.json"
SEED_PATH: Final = ROOT / "seed" / "sukabumi.json"
RESULT_MARK: Final = "@@bench "
IMPORT_BUDGET_RATIO: Final = 1.5
CHILD_TIMEOUT_SECONDS: Final = 60
# The whole run stays under about two minutes: rounds stop starting after this, the import profile follows.
DEFAULT_BUDGET_SECONDS: Final = 90.0

FUNCTION_ENV: Final[Mapping[str, str]] = {
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "TABLE_NAME": "AppTable",
    "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
    "TOKEN_SECRET": "x",
    "POWERTOOLS_SERVICE_NAME": "intake",
    "POWERTOOLS_METRICS_NAMESPACE": "Lapor",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
# Inherited settings that would change what a child imports, writes or talks to.
_DROPPED_ENV: Final = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONPROFILEIMPORTTIME",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
)

# Every child prints one line: RESULT_MARK + {"ms": float, "xray": bool, "status": int | null}.
# The handler writes its own logs and metrics to stdout too; the mark tells the result apart.
_REPORT = f"""
print({RESULT_MARK!r} + json.dumps({{
    "ms": (time.perf_counter() - started) * 1000,
    "xray": "aws_xray_sdk" in sys.modules,
    "status": status,
}}), flush=True)
"""

_IMPORT_HANDLER = (
    """
import json, sys, time
status = None
started = time.perf_counter()
import intake.handler
"""
    + _REPORT
)

_IMPORT_BASELINE = (
    """
import json, sys, time
status = None
started = time.perf_counter()
import boto3, pydantic, aws_lambda_powertools.event_handler
"""
    + _REPORT
)

# argv: the event file, the seed file. moto, the tables and the seed are ready before the timer starts;
# the clock of the first invocation includes the handler's own client build.
_MOTO_SETUP = """
import json, os, sys, time
from pathlib import Path

import boto3
import moto
from boto3.dynamodb.types import TypeSerializer

from lapor.seed import load_seed, seed_items
from tools.lambda_context import LambdaContext
from tools.tables import create_tables

mock = moto.mock_aws()
mock.start()
# A session of its own, so that the handler's client (on the default session) loads its service model itself.
setup_client = boto3.session.Session().client("dynamodb")
create_tables(setup_client)
serializer = TypeSerializer()
for item in seed_items(load_seed(sys.argv[2])):
    attributes = {key: serializer.serialize(value) for key, value in item.items()}
    setup_client.put_item(TableName=os.environ["TABLE_NAME"], Item=attributes)
event = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
context = LambdaContext("intake", 512, 10)
"""

_IMPORT_AND_INVOKE = (
    _MOTO_SETUP
    + """
started = time.perf_counter()
import intake.handler
status = intake.handler.lambda_handler(event, context)["statusCode"]
"""
    + _REPORT
)

_INVOKE_ONLY = (
    _MOTO_SETUP
    + """
import intake.handler
started = time.perf_counter()
status = intake.handler.lambda_handler(event, context)["statusCode"]
"""
    + _REPORT
)


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    code: str
    env: Mapping[str, str] = field(default_factory=dict)


VARIANTS: Final = (
    Variant("a", "import intake.handler (tracing off)", _IMPORT_HANDLER),
    Variant("b", "baseline: boto3 + pydantic + powertools.event_handler", _IMPORT_BASELINE),
    Variant(
        "c",
        "import intake.handler (tracing on)",
        _IMPORT_HANDLER,
        {"POWERTOOLS_TRACE_DISABLED": "false"},
    ),
    Variant("d", "import + first invocation (moto ready)", _IMPORT_AND_INVOKE),
    Variant("e", "first invocation alone (moto ready, handler imported)", _INVOKE_ONLY),
)


@dataclass(frozen=True)
class Sample:
    ms: float
    xray: bool
    status: int | None


@dataclass
class Series:
    variant: Variant
    samples: list[Sample] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [sample.ms for sample in self.samples]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def minimum(self) -> float:
        return min(self.times)

    @property
    def maximum(self) -> float:
        return max(self.times)


@dataclass(frozen=True)
class ImportRow:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


class ChildError(RuntimeError):
    """A child process failed or printed no result."""


def child_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _DROPPED_ENV}
    env.update(FUNCTION_ENV)
    env.update(overrides or {})
    return env


def run_child(variant: Variant) -> Sample:
    completed = subprocess.run(
        [sys.executable, "-c", variant.code, str(EVENT_PATH), str(SEED_PATH)],
        cwd=ROOT,
        env=child_env(variant.env),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            data = json.loads(line.removeprefix(RESULT_MARK))
            status = data["status"]
            return Sample(
                ms=float(data["ms"]),
                xray=bool(data["xray"]),
                status=None if status is None else int(status),
            )
    tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
    raise ChildError(f"variant {variant.key} exited {completed.returncode}: " + " | ".join(tail))


def measure(runs: int, budget_seconds: float) -> dict[str, Series]:
    """`runs` rounds, fewer if the time budget runs out first (a busy machine); at least one."""
    deadline = time.monotonic() + budget_seconds
    series = {variant.key: Series(variant) for variant in VARIANTS}
    for variant in VARIANTS:  # warm-up round: fills the .pyc cache and the page cache; discarded
        run_child(variant)
    for round_index in range(runs):
        if round_index > 0 and time.monotonic() > deadline:
            print(f"bench: time budget spent, stopping after {round_index} of {runs} rounds", file=sys.stderr)
            break
        # Rotate the order every round, so that no variant always runs first (or right after another).
        shift = round_index % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            series[variant.key].samples.append(run_child(variant))
    return series


_IMPORTTIME_LINE: Final = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)\s*$")


def parse_importtime(stderr: str) -> list[ImportRow]:
    rows: list[ImportRow] = []
    for line in stderr.splitlines():
        match = _IMPORTTIME_LINE.match(line)
        if match is None:
            continue  # the header line, or anything else the interpreter wrote
        self_us, cumulative_us, indent, name = match.groups()
        rows.append(ImportRow(name, len(indent) // 2, int(self_us), int(cumulative_us)))
    return rows


def importtime_profile(statement: str, repeats: int) -> dict[str, ImportRow]:
    """The median self and cumulative time of each module over `repeats` fresh `-X importtime` runs."""
    seen: dict[str, list[ImportRow]] = {}
    for _ in range(repeats):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
        for row in parse_importtime(completed.stderr):
            seen.setdefault(row.name, []).append(row)
    return {
        name: ImportRow(
            name,
            rows[0].depth,
            int(statistics.median(row.self_us for row in rows)),
            int(statistics.median(row.cumulative_us for row in rows)),
        )
        for name, rows in seen.items()
    }


def print_top(title: str, profile: Mapping[str, ImportRow], count: int = 10) -> None:
    print(f"\n{title}")
    print(f"  {'cumulative':>10}  {'self':>7}  depth  module")
    top = sorted(profile.values(), key=lambda row: row.cumulative_us, reverse=True)[:count]
    for row in top:
        print(f"  {row.cumulative_us / 1000:8.1f}ms  {row.self_us / 1000:5.1f}ms  {row.depth:5d}  {row.name}")


def print_by_package(title: str, profile: Mapping[str, ImportRow]) -> None:
    totals: dict[str, int] = {}
    for row in profile.values():
        package = row.name.split(".")[0]
        totals[package] = totals.get(package, 0) + row.self_us
    print(f"\n{title}")
    for package, self_us in sorted(totals.items(), key=lambda item: item[1], reverse=True):
        print(f"  {self_us / 1000:8.1f}ms  {package}")


def describe_xray(samples: Sequence[Sample]) -> str:
    flags = {sample.xray for sample in samples}
    return str(flags.pop()) if len(flags) == 1 else f"mixed ({sum(s.xray for s in samples)}/{len(samples)})"


def describe_status(samples: Sequence[Sample]) -> str:
    statuses = sorted({sample.status for sample in samples if sample.status is not None})
    return "/".join(str(status) for status in statuses) or "-"


def report(series: Mapping[str, Series], elapsed: float) -> None:
    rounds = len(series["a"].samples)
    print(f"intake cold start: {rounds} rounds of fresh processes (+1 warm-up), {sys.executable}")
    print(f"Python {sys.version.split()[0]}, measured in {elapsed:.0f} s\n")
    print(f"  {'':2} {'median':>8} {'min':>8} {'max':>8}  what")
    for key, one in series.items():
        print(f"  {key}: {one.median:6.1f}ms {one.minimum:6.1f}ms {one.maximum:6.1f}ms  {one.variant.label}")

    a, b, c, d, e = (series[key] for key in "abcde")
    ratio_a = a.median / b.median
    verdict = "PASS" if ratio_a <= IMPORT_BUDGET_RATIO else "FAIL"
    print()
    print(f"  median(a)/median(b) = {ratio_a:.2f}  {verdict} (budget {IMPORT_BUDGET_RATIO})")
    tracing_cost = c.median - a.median
    print(f"  median(c)/median(b) = {c.median / b.median:.2f}  (tracing on adds {tracing_cost:+.0f} ms to a)")
    print(f"  aws_xray_sdk imported after a: {describe_xray(a.samples)} (should be False)")
    print(f"  aws_xray_sdk imported after c: {describe_xray(c.samples)}")
    print(
        f"  d: import + first invocation = {d.median:.0f} ms median (status {describe_status(d.samples)});"
        f" e: invocation alone = {e.median:.0f} ms (status {describe_status(e.samples)});"
        f" d - e = {d.median - e.median:.0f} ms of import with boto3 already loaded by moto"
    )
    print("  (d and e include building the DynamoDB client and two calls served in-process by moto)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-start figures for the intake function.")
    parser.add_argument("--runs", type=int, default=15, help="measured rounds (default 15)")
    parser.add_argument("--importtime-runs", type=int, default=3, help="-X importtime repeats (default 3)")
    parser.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET_SECONDS,
        help=f"seconds after which no new round starts (default {DEFAULT_BUDGET_SECONDS:.0f})",
    )
    arguments = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        series = measure(max(1, arguments.runs), arguments.budget)
    except (ChildError, subprocess.TimeoutExpired) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    report(series, time.perf_counter() - started)

    repeats = max(1, arguments.importtime_runs)
    print_top(
        f"Top 10 cumulative imports of `import intake.handler` (-X importtime, median of {repeats}):",
        importtime_profile("import intake.handler", repeats),
    )
    added = importtime_profile(
        "import boto3, pydantic, aws_lambda_powertools.event_handler; import intake.handler", repeats
    )
    baseline_names = set(importtime_profile("import boto3, pydantic, aws_lambda_powertools.event_handler", 1))
    added_only = {name: row for name, row in added.items() if name not in baseline_names}
    print_top("Top 10 cumulative imports the handler adds on top of the baseline:", added_only)
    # `import pydantic` is lazy, so the baseline does not load what defining a model needs: that shows here.
    print_by_package("Self time the handler adds on top of the baseline, by top-level package:", added_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
