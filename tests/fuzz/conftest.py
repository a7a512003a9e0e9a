"""Fuzzing fixtures: the e2e stack fixtures, the data the fuzzer is pointed at, and the run's figures.

The stack comes from `tests/e2e/conftest.py` (imported, so `stack`, `stack_process` and `api` mean the same
here). Pytest keeps one session instance of a fixture per conftest that defines it, so the fuzz tests get a
stack of their own, started once for all of them: what the fuzzer writes (random routing rules, calendar days,
state changes) never reaches the stack the e2e tests share.

The environment sets the run; unset, it is the bounded run of `make test`:

- `LAPOR_FUZZ_EXAMPLES` (3): examples generated per operation (and role) in the fuzzing phase;
- `LAPOR_FUZZ_COVERAGE` (off): `1` adds Schemathesis's coverage phase (boundary values, each invalid variant
  of each parameter, unexpected methods);
- `LAPOR_FUZZ_ROLES` (all): the roles the `/staff/` operations are fuzzed as, comma-separated, of
  coordinator, operator, official, leadership, anonymous (no token);
- `LAPOR_FUZZ_SEED` (20261129): generation is derandomized, so one seed gives one run;
- `LAPOR_FUZZ_SHRINK` (off): `1` shrinks a failing example to a minimal one (slower);
- `LAPOR_FUZZ_REPORT` (`.pytest_cache/lapor-fuzz.json`): where the run's figures are written.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import *  # noqa: F403  (the stack fixtures)
from tests.e2e.http_client import Api, Filed

REPO_ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
DEFAULT_REPORT = REPO_ROOT / ".pytest_cache" / "lapor-fuzz.json"
_FIGURES = pytest.StashKey["FuzzFigures"]()


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


# What a run does, from the environment: `make test` runs the defaults, `make fuzz` raises them. -------------

BOUNDED_EXAMPLES = 3
DEFAULT_SEED = 20261129
AGENCY = "dishub"
# (name, role, agency_id); "anonymous" sends no token at all (the gateway's 401).
STAFF = {
    "coordinator": ("coordinator", None),
    "operator": ("operator", AGENCY),
    "official": ("official", AGENCY),
    "leadership": ("leadership", None),
    "anonymous": (None, None),
}


@dataclass(frozen=True)
class FuzzSettings:
    max_examples: int
    seed: int
    coverage: bool
    shrink: bool
    roles: tuple[str, ...]

    @classmethod
    def from_environment(cls) -> FuzzSettings:
        roles = tuple(
            role.strip() for role in os.environ.get("LAPOR_FUZZ_ROLES", ",".join(STAFF)).split(",") if role
        )
        unknown = set(roles) - set(STAFF)
        if unknown:
            raise pytest.UsageError(f"LAPOR_FUZZ_ROLES: unknown {sorted(unknown)}; known {list(STAFF)}")
        return cls(
            max_examples=env_int("LAPOR_FUZZ_EXAMPLES", BOUNDED_EXAMPLES),
            seed=env_int("LAPOR_FUZZ_SEED", DEFAULT_SEED),
            coverage=env_flag("LAPOR_FUZZ_COVERAGE"),
            shrink=env_flag("LAPOR_FUZZ_SHRINK"),
            roles=roles,
        )

    @property
    def phases(self) -> list[str]:
        return ["examples", *(["coverage"] if self.coverage else []), "fuzzing"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_examples": self.max_examples,
            "seed": self.seed,
            "phases": self.phases,
            "shrink": self.shrink,
            "roles": list(self.roles),
        }


SETTINGS = FuzzSettings.from_environment()


@pytest.fixture(scope="session")
def fuzz_settings() -> FuzzSettings:
    return SETTINGS


@pytest.fixture(params=SETTINGS.roles)
def staff_headers(request: pytest.FixtureRequest, api: Api) -> tuple[str, dict[str, str]]:
    """(who, headers) of one staff role: `Authorization: Bearer` with a token from `POST /_local/token`."""
    name: str = request.param
    role, agency_id = STAFF[name]
    return name, ({} if role is None else api.staff(role, agency_id))


def failure_titles(error: BaseException) -> str:
    """What Schemathesis found ("Server error; Undocumented status code"), else the error's first line."""
    errors = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    titles = {str(getattr(each, "title", "") or "") for each in errors} - {""}
    if titles:
        return "; ".join(sorted(titles))
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@dataclass
class FuzzFigures:
    """What one fuzz run did: recorded per request by the tests, written and printed at the end."""

    settings: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    duration_s: float = 0.0
    operations: set[str] = field(default_factory=set)
    runs: set[tuple[str, str]] = field(default_factory=set)
    examples: int = 0
    request_seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    def sent(self, operation: str, who: str, status: int, elapsed: float) -> None:
        self.operations.add(operation)
        self.runs.add((operation, who))
        self.examples += 1
        self.request_seconds += elapsed
        self.statuses[status] += 1
        self.by_operation.setdefault(operation, Counter())[status] += 1

    def failed(self, operation: str, who: str, error: BaseException) -> None:
        self.failures.setdefault((operation, who), failure_titles(error))

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.settings,
            "operations_fuzzed": len(self.operations),
            "operation_role_pairs": len(self.runs),
            "examples_sent": self.examples,
            "failures": len(self.failures),
            "failed": [
                {"operation": operation, "as": who, "found": title}
                for (operation, who), title in sorted(self.failures.items())
            ],
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "duration_s": round(self.duration_s, 2),
            "waiting_on_the_stack_s": round(self.request_seconds, 2),
            "statuses_by_operation": {
                operation: {str(status): count for status, count in sorted(counts.items())}
                for operation, counts in sorted(self.by_operation.items())
            },
        }

    def summary_line(self) -> str:
        return (
            f"lapor fuzz: {len(self.operations)} operations ({len(self.runs)} operation x role pairs), "
            f"{self.examples} examples sent, {len(self.failures)} failures, {self.duration_s:.1f} s "
            f"(max_examples={self.settings['max_examples']}, seed={self.settings['seed']}, "
            f"phases={','.join(self.settings['phases'])})"
        )


@pytest.fixture(scope="module")
def fuzz_figures(
    request: pytest.FixtureRequest, fuzz_settings: FuzzSettings, stack: str
) -> Iterator[FuzzFigures]:
    """The module's figures, timed from after the stack's start (seeding included); written as JSON to
    LAPOR_FUZZ_REPORT, else .pytest_cache/lapor-fuzz.json, and summed up in one line at the end."""
    figures = FuzzFigures(settings=fuzz_settings.as_dict())
    request.config.stash[_FIGURES] = figures
    yield figures
    figures.duration_s = time.monotonic() - figures.started
    target = Path(os.environ.get("LAPOR_FUZZ_REPORT") or DEFAULT_REPORT)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures.as_dict(), indent=2) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = terminalreporter.config.stash.get(_FIGURES, None)
    if figures is not None:
        terminalreporter.write_line(figures.summary_line())


# The data the fuzzer is pointed at -------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """Reports in several states (and their reporters' tokens), a computed metrics day, the catalog."""

    reports: dict[str, Filed]
    metric_dates: list[str]
    agency_ids: list[str]
    category_codes: list[str]

    @property
    def report_ids(self) -> list[str]:
        return [filed.id for filed in self.reports.values()]

    @property
    def tokens(self) -> list[str]:
        return [filed.token for filed in self.reports.values()]


@pytest.fixture(scope="module")
def seeded(api: Api) -> Seeded:
    """Reports in every state an agency meets (SUBMITTED, DISPOSED, IN_PROGRESS, DONE), assigned to Dishub
    so that its operator and official reach them too, and today's indicators computed."""
    coordinator = api.coordinator
    operator = api.staff("operator", AGENCY)
    official = api.staff("official", AGENCY)
    verify = {"type": "complaint", "requires_supervision": False, "category": "angkutan", "agency_id": AGENCY}

    reports = {"submitted": api.file(category="angkutan")}
    for state in ("disposed", "in_progress", "done"):
        filed = api.file(category="angkutan")
        api.act(filed.id, "verify", verify, coordinator)
        if state in ("in_progress", "done"):
            api.act(filed.id, "followups", {"message": "Petugas memeriksa lokasi."}, operator)
        if state == "done":
            api.act(filed.id, "close", {"resolution": "Lampu sudah diganti."}, official)
        reports[state] = filed

    today = datetime.now(WIB).date().isoformat()
    computed = api.post("/_local/jobs/metrics", {"detail": {"date": today}})
    assert computed.status_code == 200, computed.text
    agencies = api.get("/agencies")
    categories = api.get("/categories")
    assert agencies.status_code == 200, agencies.text
    assert categories.status_code == 200, categories.text
    return Seeded(
        reports=reports,
        metric_dates=[today],
        agency_ids=[item["id"] for item in agencies.json()["items"]],
        category_codes=[item["code"] for item in categories.json()["items"]],
    )


@pytest.fixture(autouse=True)
def _schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's `from_fixture` reads and renames `Node._nodeid`, which pytest 9.2 no longer has
    (it keeps `_id`): give the test item the attribute it reads (the renaming then only touches this copy)."""
    node: Any = request.node
    if not hasattr(node, "_nodeid"):
        node._nodeid = node.nodeid
