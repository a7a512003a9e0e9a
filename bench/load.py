"""A bounded load test of the local stack on loopback: concurrent reporters and staff, then the books.

    .venv/bin/python bench/load.py [--seconds 60] [--reporters 8] [--staff 4] [--baseline-seconds 10]

Starts its own stack (`python -m local` on a free port of 127.0.0.1, a fresh temporary LAPOR_DATA_DIR,
LAPOR_SCHEDULER=off), measures the baseline (below), then for `--seconds` runs at once:

- reporters: POST /reports (half with an Idempotency-Key; half of those sent again at once with the same key
  and body, which must answer the same id and token), GET /reports/{id} with the token, a reply; now and
  then the same again on one of their earlier reports (which staff may be working on meanwhile);
- coordinators (half of the staff, rounded up): the SUBMITTED queue (GET /staff/reports?status=SUBMITTED,
  cursors followed), verification of the reports found, assigned to the agency the stack suggests (else
  the category's default), and GET /staff/reports/{id};
- operators (the other half): a follow-up on each verified report, as an operator of its agency, and reads
  (GET /staff/reports/{id}, their agency's list).

A 409 `version_conflict` (two writers on one report at once) is an expected answer, retried up to three
times; every other answer than the route's expected ones is counted as unexpected. Then the coordinator
pages through the whole list (GET /staff/reports?limit=100, every status) and the books are checked.

The baseline, before the load (so that what the load leaves in the stack does not weigh on it):
`--baseline-seconds` of bare PutItem calls (items of about 1 KB, in a table of their own, deleted after) from
as many threads as there are workers, each with its own boto3 client, against the stack's own embedded
DynamoDB (its port is found among the stack process's listening sockets in /proc; where that cannot be
read, a separate embedded moto server started in a child process stands in, and the output says so).
The printout divides filings/s by bare writes/s.

Exits 0 when every requirement holds: no 5xx, every request answered (no timeout or connection error), no
unexpected answer, distinct filed ids = successful first submissions, every retry answered the same id (and
token), the final list = the filed ids (none missing, none extra, none twice), the workers stopped in time,
the baseline ran without error, the stack logged no traceback and stopped within 20 s of Ctrl-C; 1
otherwise. Every request has a timeout; the workers send nothing after the deadline; the stack is stopped
in every case. Only 127.0.0.1 is ever contacted (proxy settings are dropped).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import queue
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, Final

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tools.stack_process import StackProcess, StackProcessError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ROOT: Final = Path(__file__).resolve().parent.parent
HOST: Final = "127.0.0.1"
REGION: Final = "ap-southeast-3"
DUMMY_CREDENTIAL: Final = "testing"
STACK_START_SECONDS: Final = 60.0
STACK_STOP_SECONDS: Final = 20.0
CONNECT_TIMEOUT_SECONDS: Final = 5.0
CONFLICT_ATTEMPTS: Final = 3
COORDINATOR_PAGES: Final = 5
COORDINATOR_BATCH: Final = 5
LIST_PAGE: Final = 100
BASELINE_ITEM_BYTES: Final = 1000
SERVE_FLAG: Final = "--serve-embedded-dynamodb"
PROXY_VARIABLES: Final = frozenset({"http_proxy", "https_proxy", "all_proxy"})
KECAMATAN: Final = ("Baros", "Cibeureum", "Cikole", "Citamiang", "Gunungpuyuh", "Lembursitu", "Warudoyong")
_REQUEST_LINE: Final = re.compile(r"^local: [A-Z]+ \S+ -> \d{3} \(\d+ ms(, the client had gone)?\)$")

# Routes as reported, and the answers each may give under this load.
CATEGORIES: Final = "GET /categories (setup)"
AGENCIES: Final = "GET /agencies (setup)"
MINT: Final = "POST /_local/token (setup)"
FILE: Final = "POST /reports"
FILE_AGAIN: Final = "POST /reports (retry, same key)"
OWN_READ: Final = "GET /reports/{id}"
REPLY: Final = "POST /reports/{id}/replies"
STAFF_LIST: Final = "GET /staff/reports"
STAFF_READ: Final = "GET /staff/reports/{id}"
VERIFY: Final = "POST /staff/reports/{id}/verify"
FOLLOW_UP: Final = "POST /staff/reports/{id}/followups"
FINAL_LIST: Final = "GET /staff/reports (final listing)"
CONFLICT: Final = "409 version_conflict"
EXPECTED: Final[Mapping[str, frozenset[str]]] = {
    CATEGORIES: frozenset({"200"}),
    AGENCIES: frozenset({"200"}),
    MINT: frozenset({"200"}),
    FILE: frozenset({"201"}),
    FILE_AGAIN: frozenset({"201"}),
    OWN_READ: frozenset({"200"}),
    REPLY: frozenset({"201", CONFLICT}),
    STAFF_LIST: frozenset({"200"}),
    STAFF_READ: frozenset({"200"}),
    VERIFY: frozenset({"200", CONFLICT}),
    FOLLOW_UP: frozenset({"200", CONFLICT}),
    FINAL_LIST: frozenset({"200"}),
}
ROUTE_ORDER: Final = list(EXPECTED)


@dataclass(frozen=True)
class LoadSettings:
    seconds: float = 60.0
    reporters: int = 8
    staff: int = 4
    baseline_seconds: float = 10.0
    timeout: float = 30.0
    seed: int = 1

    @property
    def coordinators(self) -> int:
        return (self.staff + 1) // 2

    @property
    def operators(self) -> int:
        return self.staff - self.coordinators

    @property
    def workers(self) -> int:
        return self.reporters + self.staff


# --- the stack -------------------------------------------------------------------------------------------


def _without_proxies(environment: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environment.items() if name.lower() not in PROXY_VARIABLES}


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy, no .netrc: straight to 127.0.0.1
    return session


class StackError(RuntimeError):
    pass


class LocalStack(StackProcess):
    """`python -m local` in a child process on a free port of 127.0.0.1 and its own data folder
    (`tools.stack_process`), without the environment's proxies."""

    def __init__(self, work_dir: Path) -> None:
        super().__init__(
            work_dir / "local-data",
            work_dir / "stack.stdout",
            work_dir / "stack.stderr",
            base_environment=_without_proxies(os.environ),
        )

    def start(self, timeout: float = STACK_START_SECONDS) -> str:
        try:
            return super().start(timeout)
        except StackProcessError as error:
            raise StackError(str(error)) from error

    def stop(
        self, timeout: float = STACK_STOP_SECONDS, signals: tuple[int, ...] = (signal.SIGINT,)
    ) -> int | None:
        return super().stop(timeout, signals)

    def tail(self, characters: int = 2000) -> str:
        """The end of the stack's stderr (its stdout holds the functions' JSON logs)."""
        if not self.stderr_path.exists():
            return ""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-characters:]

    def log_anomalies(self) -> tuple[int, list[str]]:
        """The tracebacks in the stack's stderr, and its other lines that are not a request's line."""
        if not self.stderr_path.exists():
            return 0, []
        tracebacks, others = 0, []
        for line in self.stderr_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Traceback"):
                tracebacks += 1
            elif line.startswith("local: ") and not _REQUEST_LINE.match(line) and line != "local: stopping":
                others.append(line)
        return tracebacks, others


# --- recording ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (timeout, connection error)
    outcome: str  # "201", "409 version_conflict", "error ReadTimeout"
    document: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Recorder:
    """Every request's route, outcome and latency (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.unexpected_samples: list[str] = []

    def add(self, route: str, answer: Answer, seconds: float, detail: str) -> None:
        with self._lock:
            self.outcomes[route][answer.outcome] += 1
            self.latencies[route].append(seconds)
            if answer.outcome not in EXPECTED[route] and len(self.unexpected_samples) < 10:
                self.unexpected_samples.append(f"{route} -> {answer.outcome}: {detail[:300]}")

    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.outcomes.values())

    def count(self, predicate: Callable[[str, str], bool]) -> int:
        return sum(
            number
            for route, counts in self.outcomes.items()
            for outcome, number in counts.items()
            if predicate(route, outcome)
        )


def _is_5xx(route: str, outcome: str) -> bool:
    return outcome[:1] == "5"


def _is_transport_error(route: str, outcome: str) -> bool:
    return outcome.startswith("error")


def _is_unexpected(route: str, outcome: str) -> bool:
    expected = EXPECTED[route]
    return outcome not in expected and not _is_5xx(route, outcome) and not _is_transport_error(route, outcome)


class DeadlineReached(Exception):
    pass


class Client:
    """A worker's HTTP client: a keep-alive session, a timeout on each request, nothing after the deadline."""

    def __init__(self, base_url: str, recorder: Recorder, timeout: float, deadline: float = math.inf) -> None:
        self.base_url = base_url
        self.recorder = recorder
        self.timeout = (CONNECT_TIMEOUT_SECONDS, timeout)
        self.deadline = deadline
        self.session = _session()

    def call(
        self,
        method: str,
        path: str,
        route: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Answer:
        if time.monotonic() >= self.deadline:
            raise DeadlineReached
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                json=body,
                headers=dict(headers or {}),
                params=dict(params or {}),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            answer = Answer(0, f"error {type(error).__name__}", None)
            self.recorder.add(route, answer, time.perf_counter() - started, str(error))
            return answer
        elapsed = time.perf_counter() - started
        try:
            document: Any = response.json()
        except ValueError:
            document = None
        outcome = str(response.status_code)
        if response.status_code == 409 and isinstance(document, dict):
            code = (document.get("error") or {}).get("code")
            outcome = f"409 {code}"
        answer = Answer(response.status_code, outcome, document)
        self.recorder.add(route, answer, elapsed, response.text)
        return answer

    def close(self) -> None:
        self.session.close()


# --- the shared books --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    agency_id: str
    type: str


@dataclass(frozen=True)
class Filed:
    id: str
    token: str
    category: str


class Books:
    """What the workers filed, retried, claimed and verified (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first_submissions = 0  # 201s to a first POST /reports
        self.filed: dict[str, Filed] = {}
        self.ids_answered: list[str] = []  # every id a 201 carried, retries included
        self.retries = 0
        self.retries_agreeing = 0
        self.disagreements: list[str] = []
        self._claimed: set[str] = set()
        self.verified: list[tuple[str, str]] = []  # (report id, agency id)
        self.followups: queue.Queue[tuple[str, str]] = queue.Queue()
        self.crashes: list[str] = []

    def record_filing(self, filed: Filed) -> None:
        with self._lock:
            self.first_submissions += 1
            self.ids_answered.append(filed.id)
            self.filed.setdefault(filed.id, filed)

    def record_retry(self, first: Filed, again: Answer) -> None:
        document = again.document if isinstance(again.document, dict) else {}
        same = again.status == 201 and document.get("id") == first.id
        same = same and document.get("access_token") == first.token
        with self._lock:
            self.retries += 1
            if again.status == 201 and isinstance(document.get("id"), str):
                self.ids_answered.append(document["id"])
            if same:
                self.retries_agreeing += 1
            elif len(self.disagreements) < 10:
                self.disagreements.append(
                    f"{first.id}: the retry answered {again.outcome} {document.get('id')}"
                )

    def known(self, report_id: str) -> Filed | None:
        with self._lock:
            return self.filed.get(report_id)

    def claim(self, report_id: str) -> bool:
        with self._lock:
            if report_id in self._claimed or report_id not in self.filed:
                return False
            self._claimed.add(report_id)
            return True

    def record_verified(self, report_id: str, agency_id: str) -> None:
        with self._lock:
            self.verified.append((report_id, agency_id))
        self.followups.put((report_id, agency_id))

    def any_filed(self, rng: random.Random) -> str | None:
        with self._lock:
            return rng.choice(self.ids_answered) if self.ids_answered else None

    def any_verified(self, rng: random.Random) -> tuple[str, str] | None:
        with self._lock:
            return rng.choice(self.verified) if self.verified else None

    def crashed(self, worker: str) -> None:
        with self._lock:
            self.crashes.append(f"{worker}: {traceback.format_exc(limit=5)}")


@dataclass(frozen=True)
class Setup:
    categories: list[Category]
    coordinator: dict[str, str]  # Authorization headers
    operators: dict[str, dict[str, str]]  # per agency id


def _prepare(client: Client) -> Setup:
    """Categories and staff tokens, before the clock starts."""
    answer = client.call("GET", "/categories", CATEGORIES)
    if answer.status != 200:
        raise StackError(f"GET /categories answered {answer.outcome}")
    categories = [
        Category(item["code"], item["name"], item["default_agency_id"], item["default_type"])
        for item in answer.document["items"]
    ]

    def token(role: str, agency_id: str | None = None) -> dict[str, str]:
        body = {"role": role, **({"agency_id": agency_id} if agency_id else {})}
        minted = client.call("POST", "/_local/token", MINT, body=body)
        if minted.status != 200:
            raise StackError(f"POST /_local/token ({role}) answered {minted.outcome}")
        return {"Authorization": f"Bearer {minted.document['token']}"}

    agencies = sorted({category.agency_id for category in categories})
    agencies_answer = client.call("GET", "/agencies", AGENCIES)
    if agencies_answer.status == 200:
        agencies = sorted({*agencies, *(item["id"] for item in agencies_answer.document["items"])})
    return Setup(categories, token("coordinator"), {agency: token("operator", agency) for agency in agencies})


# --- the workers -------------------------------------------------------------------------------------------


def _new_report(rng: random.Random, category: Category, number: int) -> dict[str, Any]:
    unique = uuid.uuid4().hex[:10]
    return {
        "type": category.type,
        "title": f"Laporan uji beban {number}: {category.name}"[:150],
        "description": (
            f"Laporan uji beban nomor {number} ({unique}) tentang {category.name.lower()}, "
            "dikirim oleh pelapor simulasi untuk menguji tumpukan lokal."
        ),
        "category": category.code,
        "location": {
            "lat": round(-6.92 + rng.uniform(-0.02, 0.02), 5),
            "lon": round(106.93 + rng.uniform(-0.02, 0.02), 5),
            "kecamatan": rng.choice(KECAMATAN),
        },
        "reporter": {"name": f"Pelapor Uji {unique[:4]}", "email": f"pelapor.{unique}@example.id"},
    }


def _with_conflict_retries(send: Callable[[], Answer]) -> Answer:
    answer = send()
    for _ in range(CONFLICT_ATTEMPTS - 1):
        if answer.outcome != CONFLICT:
            break
        answer = send()
    return answer


def _revisit(client: Client, rng: random.Random, filed: Filed) -> None:
    """The reporter reads their report with the token, and replies."""
    reporter = {"X-Report-Token": filed.token}
    client.call("GET", f"/reports/{filed.id}", OWN_READ, headers=reporter)
    message = {"message": f"Tambahan informasi dari pelapor ({rng.randrange(1000)})."}
    _with_conflict_retries(
        functools.partial(
            client.call, "POST", f"/reports/{filed.id}/replies", REPLY, body=message, headers=reporter
        )
    )


def reporter_loop(client: Client, books: Books, setup: Setup, rng: random.Random, name: str) -> None:
    mine: list[Filed] = []
    number = 0
    while True:
        number += 1
        category = rng.choice(setup.categories)
        body = _new_report(rng, category, number)
        keyed = rng.random() < 0.5
        headers = {"Idempotency-Key": str(uuid.uuid4())} if keyed else {}
        answer = client.call("POST", "/reports", FILE, body=body, headers=headers)
        if answer.status != 201:
            continue
        filed = Filed(answer.document["id"], answer.document["access_token"], category.code)
        books.record_filing(filed)
        mine.append(filed)
        if keyed and rng.random() < 0.5:
            books.record_retry(filed, client.call("POST", "/reports", FILE_AGAIN, body=body, headers=headers))
        _revisit(client, rng, filed)
        if len(mine) > 1 and rng.random() < 0.5:
            _revisit(client, rng, rng.choice(mine[:-1]))


def _submitted(client: Client, books: Books, setup: Setup) -> list[dict[str, Any]]:
    """Up to a batch of SUBMITTED reports of this run, claimed for this coordinator."""
    claimed: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(COORDINATOR_PAGES):
        params: dict[str, str | int] = {"status": "SUBMITTED", "limit": 20}
        if cursor:
            params["cursor"] = cursor
        page = client.call("GET", "/staff/reports", STAFF_LIST, headers=setup.coordinator, params=params)
        if page.status != 200:
            return claimed
        for item in page.document["items"]:
            if len(claimed) < COORDINATOR_BATCH and books.claim(item["id"]):
                claimed.append(item)
        cursor = page.document.get("next_cursor")
        if claimed or not cursor:
            return claimed
    return claimed


def coordinator_loop(client: Client, books: Books, setup: Setup, rng: random.Random, name: str) -> None:
    default_agency = {category.code: category.agency_id for category in setup.categories}
    while True:
        batch = _submitted(client, books, setup)
        if not batch:
            report_id = books.any_filed(rng)
            if report_id is None:
                time.sleep(0.05)
            else:
                client.call("GET", f"/staff/reports/{report_id}", STAFF_READ, headers=setup.coordinator)
            continue
        for item in batch:
            filed = books.known(item["id"])
            category = (item.get("category") or {}).get("code") or (filed.category if filed else "")
            agency = item.get("suggested_agency_id") or default_agency[category]
            decision = {"type": item["type"], "requires_supervision": False, "category": category}
            decision["agency_id"] = agency
            path = f"/staff/reports/{item['id']}"
            verified = _with_conflict_retries(
                functools.partial(
                    client.call, "POST", f"{path}/verify", VERIFY, body=decision, headers=setup.coordinator
                )
            )
            if verified.status == 200:
                books.record_verified(item["id"], agency)
            client.call("GET", path, STAFF_READ, headers=setup.coordinator)


def operator_loop(client: Client, books: Books, setup: Setup, rng: random.Random, name: str) -> None:
    while True:
        wait = min(0.2, client.deadline - time.monotonic())
        if wait <= 0:
            raise DeadlineReached
        try:
            report_id, agency = books.followups.get(timeout=wait)
        except queue.Empty:
            picked = books.any_verified(rng)
            if picked is not None:
                report_id, agency = picked
                operator = setup.operators[agency]
                client.call("GET", f"/staff/reports/{report_id}", STAFF_READ, headers=operator)
            continue
        operator = setup.operators[agency]
        message = {"message": f"Petugas menindaklanjuti laporan ini ({rng.randrange(1000)})."}
        path = f"/staff/reports/{report_id}"
        _with_conflict_retries(
            functools.partial(
                client.call, "POST", f"{path}/followups", FOLLOW_UP, body=message, headers=operator
            )
        )
        client.call("GET", path, STAFF_READ, headers=operator)
        if rng.random() < 0.2:
            client.call("GET", "/staff/reports", STAFF_LIST, headers=operator, params={"limit": 20})


Worker = Callable[[Client, Books, Setup, random.Random, str], None]


def _run_worker(
    worker: Worker, client: Client, books: Books, setup: Setup, seed: int, name: str, go: threading.Event
) -> None:
    go.wait()
    try:
        worker(client, books, setup, random.Random(seed), name)
    except DeadlineReached:
        pass
    except Exception:
        books.crashed(name)
    finally:
        client.close()


# --- the final listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    ids: list[str]
    complete: bool


def list_everything(client: Client, coordinator: Mapping[str, str], expected: int) -> Listing:
    """Every report in the coordinator's list, every status, paged with cursors (bounded)."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(expected // LIST_PAGE + 100):
        params: dict[str, str | int] = {"limit": LIST_PAGE}
        if cursor:
            params["cursor"] = cursor
        page = client.call("GET", "/staff/reports", FINAL_LIST, headers=coordinator, params=params)
        if page.status != 200:
            return Listing(ids, complete=False)
        ids.extend(item["id"] for item in page.document["items"])
        cursor = page.document.get("next_cursor")
        if not cursor:
            return Listing(ids, complete=True)
    return Listing(ids, complete=False)


# --- the baseline: bare PutItem against the embedded DynamoDB -------------------------------------------


def _dynamodb(endpoint_url: str, timeout: float) -> DynamoDBClient:
    session = boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIAL, aws_secret_access_key=DUMMY_CREDENTIAL, region_name=REGION
    )
    config = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=timeout,
        proxies={},
    )
    return session.client("dynamodb", endpoint_url=endpoint_url, config=config)


def listening_ports(pid: int) -> set[int]:
    """The TCP ports on 127.0.0.1 a process listens on, from /proc (Linux); empty where /proc is not."""
    inodes: set[str] = set()
    try:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return set()
    ports: set[int] = set()
    for line in lines:
        fields = line.split()
        address, _, port = fields[1].partition(":")
        if fields[3] == "0A" and address == "0100007F" and fields[9] in inodes:  # LISTEN on 127.0.0.1
            ports.add(int(port, 16))
    return ports


def stack_dynamodb_endpoint(stack: LocalStack, timeout: float) -> str | None:
    """The stack's embedded DynamoDB: its listening port that is not the gateway's and answers ListTables."""
    if stack.pid is None:
        return None
    for port in sorted(listening_ports(stack.pid) - {stack.port}):
        endpoint = f"http://{HOST}:{port}"
        probe = _dynamodb(endpoint, min(timeout, 5.0))
        try:
            if "AppTable" in probe.list_tables().get("TableNames", []):
                return endpoint
        except (BotoCoreError, ClientError):
            continue  # not DynamoDB: the next port
        finally:
            probe.close()
    return None


class SeparateDynamoDB:
    """The stack's embedded moto server in a child process: this script with SERVE_FLAG."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), SERVE_FLAG],
            cwd=ROOT,
            env=_without_proxies(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.endpoint_url = ""
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], STACK_START_SECONDS)
        line = self._process.stdout.readline().decode() if ready else ""
        if not line.startswith("port "):
            self.stop()
            raise StackError("the separate embedded DynamoDB did not start")
        self.endpoint_url = f"http://{HOST}:{int(line.split()[1])}"

    def stop(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()  # the child stops at end of input
        try:
            self._process.wait(timeout=STACK_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def serve_embedded_dynamodb(stdin: IO[str]) -> int:
    """SERVE_FLAG: serve an embedded moto server on 127.0.0.1 until standard input ends."""
    from local.aws.moto_server import MotoServer

    db = MotoServer()
    db.start()
    print(f"port {db.port}", flush=True)
    try:
        stdin.read()
    finally:
        db.stop()
    return 0


@dataclass
class Baseline:
    endpoint: str
    where: str
    writers: int
    seconds: float = 0.0
    writes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    stopped_in_time: bool = True

    @property
    def per_second(self) -> float:
        return self.writes / self.seconds if self.seconds else 0.0


def bare_writes(endpoint: str, where: str, writers: int, seconds: float, timeout: float) -> Baseline:
    """`writers` threads, each with its own client, PutItem in a loop for `seconds` (a table of its own)."""
    result = Baseline(endpoint, where, writers)
    table = f"LoadBaseline-{uuid.uuid4().hex[:8]}"
    admin = _dynamodb(endpoint, timeout)
    admin.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    clients = [_dynamodb(endpoint, timeout) for _ in range(writers)]
    lock = threading.Lock()
    go = threading.Event()
    deadline = [math.inf]
    payload = "x" * BASELINE_ITEM_BYTES

    def write(number: int, client: DynamoDBClient) -> None:
        go.wait()
        written, errors, latencies = 0, Counter[str](), []
        while time.monotonic() < deadline[0]:
            started = time.perf_counter()
            try:
                client.put_item(
                    TableName=table,
                    Item={"pk": {"S": f"{number}-{written}-{uuid.uuid4().hex}"}, "body": {"S": payload}},
                )
                written += 1
            except Exception as error:
                errors[type(error).__name__] += 1
            latencies.append(time.perf_counter() - started)
        with lock:
            result.writes += written
            result.errors.update(errors)
            result.latencies.extend(latencies)

    threads = [
        threading.Thread(target=write, args=(n, c), name=f"baseline-{n}", daemon=True)
        for n, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline[0] = started + seconds
    go.set()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline[0] + timeout + 5 - time.monotonic()))
    result.seconds = time.monotonic() - started
    result.stopped_in_time = not any(thread.is_alive() for thread in threads)
    try:
        admin.delete_table(TableName=table)
    except Exception as error:
        result.errors[f"DeleteTable {type(error).__name__}"] += 1
    for client in [admin, *clients]:
        client.close()
    return result


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    settings: LoadSettings
    base_url: str = ""
    load_seconds: float = 0.0
    listing_seconds: float = 0.0
    setup: Recorder = field(default_factory=Recorder)
    load: Recorder = field(default_factory=Recorder)
    final: Recorder = field(default_factory=Recorder)
    books: Books = field(default_factory=Books)
    listing: Listing | None = None
    workers_stopped: bool = True
    baseline: Baseline | None = None
    stack_exit_code: int | None = None
    stack_killed: bool = False
    stack_stop_seconds: float = 0.0
    load_average_before: float | None = None
    load_average_after: float | None = None
    stack_tracebacks: int = 0
    stack_warnings: list[str] = field(default_factory=list)
    stack_tail: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def recorders(self) -> tuple[Recorder, Recorder, Recorder]:
        """Before the clock, under load, the final listing."""
        return (self.setup, self.load, self.final)

    def failures(self) -> list[str]:
        """The requirements that do not hold (empty: all hold)."""
        return [*self.problems, *self._answer_failures(), *self._book_failures(), *self._run_failures()]

    def _answer_failures(self) -> Iterator[str]:
        recorders = self.recorders
        server_errors = sum(r.count(_is_5xx) for r in recorders)
        if server_errors:
            yield f"{server_errors} answers were 5xx"
        transport = sum(r.count(_is_transport_error) for r in recorders)
        if transport:
            yield f"{transport} requests got no answer (timeout or connection error)"
        unexpected = sum(r.count(_is_unexpected) for r in recorders)
        if unexpected:
            yield f"{unexpected} answers were not among their route's expected ones"

    def _book_failures(self) -> Iterator[str]:
        books = self.books
        if books.first_submissions == 0:
            yield "no report was filed"
        distinct = set(books.ids_answered)
        if len(distinct) != books.first_submissions:
            yield f"{len(distinct)} distinct ids for {books.first_submissions} first submissions"
        if books.retries_agreeing != books.retries:
            yield f"{books.retries - books.retries_agreeing} retries answered another id or token"
        if self.listing is None or not self.listing.complete:
            yield "the final listing could not be read to its end"
            return
        listed = set(self.listing.ids)
        if listed != distinct or len(self.listing.ids) != len(listed):
            yield (
                f"the final listing holds {len(listed)} ids ({len(distinct - listed)} missing, "
                f"{len(listed - distinct)} extra, {len(self.listing.ids) - len(listed)} listed twice)"
            )

    def _run_failures(self) -> Iterator[str]:
        if self.books.crashes:
            yield f"{len(self.books.crashes)} workers crashed"
        if not self.workers_stopped:
            yield "workers were still running long after the deadline"
        baseline = self.baseline
        if baseline is not None and (baseline.errors or not baseline.stopped_in_time or not baseline.writes):
            yield "the baseline did not run cleanly"
        if self.stack_tracebacks:
            yield f"the stack logged {self.stack_tracebacks} tracebacks"
        if self.stack_killed:
            yield f"the stack did not stop within {STACK_STOP_SECONDS:.0f} s of Ctrl-C and was killed"
        elif self.stack_exit_code not in (0, None):
            yield f"the stack exited with {self.stack_exit_code}"

    def render(self) -> str:
        return "\n".join(_render(self))


def run(settings: LoadSettings, work_dir: Path | None = None) -> Outcome:
    """Start a stack, load it, check the books, measure the baseline, stop the stack."""
    outcome = Outcome(settings)
    with tempfile.TemporaryDirectory(prefix="lapor-load-") as temporary:
        stack = LocalStack(work_dir or Path(temporary))
        try:
            stack.start()
            outcome.base_url = stack.base_url
            if settings.baseline_seconds > 0:
                outcome.baseline = _baseline(stack, settings)
            outcome.load_average_before = _load_average()
            _load_and_check(stack, settings, outcome)
            outcome.load_average_after = _load_average()
        except StackError as error:
            outcome.problems.append(str(error))
        except (BotoCoreError, ClientError) as error:
            outcome.problems.append(f"the baseline failed: {error}")
        finally:
            stack.stop()
            outcome.stack_exit_code, outcome.stack_killed = stack.exit_code, stack.killed
            outcome.stack_stop_seconds = stack.stop_seconds
            outcome.stack_tracebacks, outcome.stack_warnings = stack.log_anomalies()
            if outcome.failures():
                outcome.stack_tail = stack.tail()
    return outcome


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _load_and_check(stack: LocalStack, settings: LoadSettings, outcome: Outcome) -> None:
    setup_client = Client(stack.base_url, outcome.setup, settings.timeout)
    try:
        setup = _prepare(setup_client)
    finally:
        setup_client.close()
    plan: list[tuple[str, Worker]] = [
        *((f"reporter-{n}", reporter_loop) for n in range(settings.reporters)),
        *((f"coordinator-{n}", coordinator_loop) for n in range(settings.coordinators)),
        *((f"operator-{n}", operator_loop) for n in range(settings.operators)),
    ]
    go = threading.Event()
    clients = [Client(stack.base_url, outcome.load, settings.timeout) for _ in plan]
    threads = [
        threading.Thread(
            target=_run_worker,
            args=(worker, client, outcome.books, setup, settings.seed * 1000 + n, name, go),
            name=name,
            daemon=True,
        )
        for n, ((name, worker), client) in enumerate(zip(plan, clients, strict=True))
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    deadline = started + settings.seconds
    for client in clients:
        client.deadline = deadline
    go.set()
    join_by = deadline + settings.timeout + CONNECT_TIMEOUT_SECONDS + 5
    for thread in threads:
        thread.join(timeout=max(0.0, join_by - time.monotonic()))
    outcome.load_seconds = time.monotonic() - started
    outcome.workers_stopped = not any(thread.is_alive() for thread in threads)

    started = time.monotonic()
    final = Client(stack.base_url, outcome.final, settings.timeout)
    try:
        outcome.listing = list_everything(final, setup.coordinator, len(set(outcome.books.ids_answered)))
    finally:
        final.close()
    outcome.listing_seconds = time.monotonic() - started


def _baseline(stack: LocalStack, settings: LoadSettings) -> Baseline:
    endpoint = stack_dynamodb_endpoint(stack, settings.timeout)
    if endpoint is not None:
        where = "the stack's own embedded DynamoDB (found among the stack process's listening sockets)"
        return bare_writes(endpoint, where, settings.workers, settings.baseline_seconds, settings.timeout)
    separate = SeparateDynamoDB()
    try:
        where = (
            "a separate embedded moto server in a child process (the stack's port could not be read from "
            "/proc; this one keeps no write log)"
        )
        return bare_writes(
            separate.endpoint_url, where, settings.workers, settings.baseline_seconds, settings.timeout
        )
    finally:
        separate.stop()


# --- the printout ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def _route_lines(recorders: Sequence[Recorder]) -> Iterator[str]:
    yield f"  {'route':<38} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  answers"
    for route in ROUTE_ORDER:
        for recorder in recorders:
            counts = recorder.outcomes.get(route)
            if not counts:
                continue
            latencies = [1000 * seconds for seconds in recorder.latencies[route]]
            answers = ", ".join(f"{outcome}: {number}" for outcome, number in sorted(counts.items()))
            yield (
                f"  {route:<38} {sum(counts.values()):>8} {percentile(latencies, 50):>8.1f} "
                f"{percentile(latencies, 95):>8.1f} {percentile(latencies, 99):>8.1f}  {answers}"
            )


def _render(outcome: Outcome) -> Iterator[str]:
    settings = outcome.settings
    yield (
        f"Load test: {settings.reporters} reporters, {settings.staff} staff ({settings.coordinators} "
        f"coordinators, {settings.operators} operators) for {settings.seconds:g} s against "
        f"{outcome.base_url or 'no stack'} (fresh data folder, LAPOR_SCHEDULER=off)"
    )
    yield (
        f"Duration: {outcome.load_seconds:.1f} s of load, then {outcome.listing_seconds:.1f} s "
        "of final listing"
    )
    if outcome.load_average_before is not None and outcome.load_average_after is not None:
        yield (
            f"Machine: {os.cpu_count()} CPUs, 1-minute load average {outcome.load_average_before:.2f} "
            f"before the load, {outcome.load_average_after:.2f} after (other work on the machine skews "
            "every figure)"
        )
    yield "Requests by route and answer, latency per route:"
    yield from _route_lines(outcome.recorders)
    recorders = outcome.recorders
    yield (
        f"5xx answers: {sum(r.count(_is_5xx) for r in recorders)}; no answer: "
        f"{sum(r.count(_is_transport_error) for r in recorders)}; unexpected answers: "
        f"{sum(r.count(_is_unexpected) for r in recorders)}"
    )
    for recorder in recorders:
        for sample in recorder.unexpected_samples:
            yield f"  {sample}"
    yield from _render_books(outcome)
    yield from _render_throughput(outcome)
    yield from _render_verdict(outcome)


def _render_books(outcome: Outcome) -> Iterator[str]:
    books = outcome.books
    distinct = set(books.ids_answered)
    if outcome.listing is not None:
        listed = set(outcome.listing.ids)
        listing = (
            f"listed {len(outcome.listing.ids)} ({len(distinct - listed)} missing, {len(listed - distinct)} "
            f"extra, {len(outcome.listing.ids) - len(listed)} twice"
            f"{'' if outcome.listing.complete else ', listing incomplete'})"
        )
    else:
        listing = "not listed"
    yield (
        f"Reports: filed (201 to a first submission) {books.first_submissions}, "
        f"distinct ids {len(distinct)}, {listing}"
    )
    if outcome.listing is not None:
        listed = set(outcome.listing.ids)
        for label, ids in (("missing", distinct - listed), ("extra", listed - distinct)):
            if ids:
                yield f"  {label}: {', '.join(sorted(ids)[:10])}"
    yield (
        f"Retries with the same key and body: {books.retries}, answered the same id and token: "
        f"{books.retries_agreeing}, otherwise: {books.retries - books.retries_agreeing}"
    )
    for disagreement in books.disagreements:
        yield f"  {disagreement}"
    yield f"Verified by the coordinators: {len(books.verified)}"


def _render_throughput(outcome: Outcome) -> Iterator[str]:
    seconds = outcome.load_seconds or 1.0
    requests_per_second = outcome.load.total() / seconds
    filings_per_second = outcome.books.first_submissions / seconds
    yield (
        f"Throughput: {requests_per_second:.1f} requests/s ({outcome.load.total()} requests), "
        f"{filings_per_second:.2f} filings/s"
    )
    baseline = outcome.baseline
    if baseline is None:
        yield "Baseline: not measured"
        return
    latencies = [1000 * seconds for seconds in baseline.latencies]
    yield (
        f"Baseline: {baseline.per_second:.1f} bare PutItem/s ({baseline.writes} in "
        f"{baseline.seconds:.1f} s, {baseline.writers} writers, p50 {percentile(latencies, 50):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, errors {sum(baseline.errors.values())})"
    )
    yield f"  against {baseline.where} at {baseline.endpoint}"
    if baseline.per_second:
        yield (
            f"Ratio: filings/s / bare writes/s = {filings_per_second / baseline.per_second:.4f}; "
            f"requests/s / bare writes/s = {requests_per_second / baseline.per_second:.3f}"
        )


def _render_verdict(outcome: Outcome) -> Iterator[str]:
    yield (
        f"Stack: exit code {outcome.stack_exit_code}{' (killed)' if outcome.stack_killed else ''} "
        f"after {outcome.stack_stop_seconds:.1f} s of stopping; "
        f"tracebacks logged: {outcome.stack_tracebacks}; other warnings: {len(outcome.stack_warnings)}"
    )
    for warning in outcome.stack_warnings[:5]:
        yield f"  {warning}"
    for crash in outcome.books.crashes[:3]:
        yield f"  crash: {crash}"
    failures = outcome.failures()
    if not failures:
        yield "PASS: every requirement holds"
        return
    if outcome.stack_tail:
        yield "The end of the stack's stderr:"
        yield outcome.stack_tail
    yield "FAIL:"
    for failure in failures:
        yield f"  - {failure}"


def _positive(text: str) -> float:
    number = float(text)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = int(text)
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == [SERVE_FLAG]:
        return serve_embedded_dynamodb(sys.stdin)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=_positive, default=60.0, help="how long the load runs (60)")
    parser.add_argument("--reporters", type=_count(1), default=8, help="reporter workers (8)")
    parser.add_argument("--staff", type=_count(0), default=4, help="staff workers, half coordinators (4)")
    parser.add_argument(
        "--baseline-seconds", type=float, default=10.0, help="bare PutItem loop after the load; 0: none (10)"
    )
    parser.add_argument("--timeout", type=_positive, default=30.0, help="every request's read timeout (30)")
    parser.add_argument("--seed", type=int, default=1, help="the workers' random choices (1)")
    options = parser.parse_args(arguments)
    settings = LoadSettings(
        seconds=options.seconds,
        reporters=options.reporters,
        staff=options.staff,
        baseline_seconds=max(0.0, options.baseline_seconds),
        timeout=options.timeout,
        seed=options.seed,
    )
    # Ctrl-C and SIGTERM stop the stack, also when a shell started this in the background (SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    for name in list(os.environ):
        if name.lower() in PROXY_VARIABLES:
            del os.environ[name]  # boto3 too goes straight to 127.0.0.1
    try:
        outcome = run(settings)
    except KeyboardInterrupt:
        print("load: interrupted; the stack was stopped", file=sys.stderr)
        return 130
    print(outcome.render(), flush=True)
    return 1 if outcome.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
