"""Does the local stack keep its pace as it fills? Request latency and restart time at 0, 2,000 and 10,000
reports.

    .venv/bin/python bench/scale.py [--sizes 2000,10000] [--samples 40] [--loaders 4] [--work-dir DIR]

Starts its own stack (`python -m local` on a free port of 127.0.0.1, a fresh temporary LAPOR_DATA_DIR,
LAPOR_SCHEDULER=off). At each size (the empty stack first, then after filing `--sizes` reports in all):

1. the median latency, one request at a time, of `--samples` each of: filing (`POST /reports`), reading
   (`GET /reports/{id}` with the reporter's token), verifying (`POST /staff/reports/{id}/verify`, by the
   coordinator) and listing (`GET /staff/reports`, the coordinator's whole queue, first page); a few of each
   go first, unmeasured, so that every function is warm;
2. the restart time after a crash (the stack killed, so it replays every write since its last snapshot),
   then after a clean stop (Ctrl-C: it only reads its snapshot): from `python -m local` to `GET /health`
   answering 200; and how long the clean stop took.

Between sizes, `--loaders` clients file the reports through the HTTP API, as any client would (the stack
stores them as it stores every filing). Prints the figures and each median's ratio to the empty stack's,
and exits 1 unless every median stays within 1.5x of the empty stack's and the restart at the largest size
takes at most 10 s. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import requests

ROOT: Final = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project root is not
    sys.path.insert(0, str(ROOT))

from bench.load import Category, LocalStack, _new_report, _session  # noqa: E402

OPERATIONS: Final = ("filing", "reading", "verifying", "listing")
MAX_RATIO: Final = 1.5
MAX_RESTART_SECONDS: Final = 10.0
WARM_UP: Final = 3
TIMEOUT: Final = 60.0


@dataclass
class Size:
    reports: int  # filed before this size's measurements, the bulk load's
    medians: dict[str, float] = field(default_factory=dict)  # milliseconds
    crash_restart: float = 0.0  # seconds
    clean_restart: float = 0.0
    clean_stop: float = 0.0
    memory_mb: float = 0.0  # the stack's resident memory before the restarts
    after_crash: str = ""  # what the banner said it restored
    after_stop: str = ""


class Bench:
    def __init__(self, work_dir: Path, samples: int, loaders: int, seed: int = 1) -> None:
        self.stack = LocalStack(work_dir)
        self.samples = samples
        self.loaders = loaders
        self.rng = random.Random(seed)
        self.session = _session()
        self.base = ""
        self.categories: list[Category] = []
        self.coordinator: dict[str, str] = {}
        self.numbers = itertools.count(1)

    # --- requests ------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base + path

    def _setup(self) -> None:
        items = self.session.get(self.url("/categories"), timeout=TIMEOUT).json()["items"]
        self.categories = [
            Category(item["code"], item["name"], item["default_agency_id"], item["default_type"])
            for item in items
        ]
        minted = self.session.post(self.url("/_local/token"), json={"role": "coordinator"}, timeout=TIMEOUT)
        self.coordinator = {"Authorization": f"Bearer {minted.json()['token']}"}

    def _file(self, session: requests.Session, rng: random.Random) -> tuple[dict[str, Any], Category]:
        category = rng.choice(self.categories)
        answer = session.post(
            self.url("/reports"), json=_new_report(rng, category, next(self.numbers)), timeout=TIMEOUT
        )
        if answer.status_code != 201:
            raise RuntimeError(f"POST /reports answered {answer.status_code}: {answer.text[:300]}")
        filed: dict[str, Any] = answer.json()
        return filed, category

    def _read(self, one: tuple[dict[str, Any], Category]) -> None:
        filed, _ = one
        answer = self.session.get(
            self.url(f"/reports/{filed['id']}"),
            headers={"X-Report-Token": filed["access_token"]},
            timeout=TIMEOUT,
        )
        _expect(answer, 200)

    def _verify(self, one: tuple[dict[str, Any], Category]) -> None:
        filed, category = one
        body = {"type": category.type, "requires_supervision": False, "category": category.code}
        body["agency_id"] = category.agency_id
        answer = self.session.post(
            self.url(f"/staff/reports/{filed['id']}/verify"),
            json=body,
            headers=self.coordinator,
            timeout=TIMEOUT,
        )
        _expect(answer, 200)

    def _list(self) -> None:
        answer = self.session.get(self.url("/staff/reports"), headers=self.coordinator, timeout=TIMEOUT)
        _expect(answer, 200)
        if len(answer.json()["items"]) < 20:
            raise RuntimeError(
                "the coordinator's first page is not full: the listing would not be comparable"
            )

    # --- the phases ----------------------------------------------------------------------------------

    def start(self) -> float:
        started = time.monotonic()
        self.base = self.stack.start()
        return time.monotonic() - started

    def measure(self) -> dict[str, float]:
        """Median milliseconds of each operation, one request at a time, after a warm-up."""
        rng = self.rng
        for _ in range(WARM_UP):
            warm = self._file(self.session, rng)
            self._read(warm)
            self._verify(warm)
        times: dict[str, list[float]] = {operation: [] for operation in OPERATIONS}
        filed = [_timed(times["filing"], lambda: self._file(self.session, rng)) for _ in range(self.samples)]
        for one in filed:
            _timed(times["reading"], functools.partial(self._read, one))
        for one in filed:
            _timed(times["verifying"], functools.partial(self._verify, one))
        for _ in range(WARM_UP):
            self._list()  # a full first page already on the empty stack: the samples filed just now
        for _ in range(self.samples):
            _timed(times["listing"], self._list)
        return {operation: statistics.median(values) * 1000 for operation, values in times.items()}

    def load(self, count: int) -> float:
        """File `count` reports through the API from `loaders` clients at once; seconds it took."""
        started = time.monotonic()
        remaining = [count]
        lock = threading.Lock()
        failures: list[str] = []

        def loader(number: int) -> None:
            session, rng = _session(), random.Random(number)
            while True:
                with lock:
                    if remaining[0] <= 0 or failures:
                        return
                    remaining[0] -= 1
                try:
                    self._file(session, rng)
                except (RuntimeError, requests.RequestException) as error:
                    failures.append(str(error))

        threads = [threading.Thread(target=loader, args=(n,), daemon=True) for n in range(self.loaders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise RuntimeError(f"the bulk load failed: {failures[0]}")
        return time.monotonic() - started

    def restarts(self, size: Size) -> None:
        """A crash (kill: the log since the last snapshot is replayed), then a clean stop and start."""
        size.memory_mb = _resident_mb(self.stack.pid)
        self.stack.stop(signals=(signal.SIGKILL,))
        size.crash_restart = self.start()
        size.after_crash = _restored(self.stack)
        self.stack.stop()
        size.clean_stop = self.stack.stop_seconds
        size.clean_restart = self.start()
        size.after_stop = _restored(self.stack)
        self._setup()

    def run(self, sizes: Sequence[int]) -> list[Size]:
        self.start()
        self._setup()
        measured = [Size(0)]
        measured[0].medians = self.measure()
        self.restarts(measured[0])
        loaded = 0
        for target in sizes:
            seconds = self.load(target - loaded)
            print(
                f"filed {target - loaded} reports in {seconds:.0f} s ({(target - loaded) / seconds:.1f}/s)",
                flush=True,
            )
            loaded = target
            size = Size(target)
            size.medians = self.measure()
            self.restarts(size)
            measured.append(size)
        return measured


def _expect(answer: requests.Response, status: int) -> None:
    if answer.status_code != status:
        raise RuntimeError(
            f"{answer.request.method} {answer.url} answered {answer.status_code}: {answer.text[:300]}"
        )


def _timed(into: list[float], call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    into.append(time.perf_counter() - started)
    return result


def _restored(stack: LocalStack) -> str:
    """What the banner's Data line said the last start restored."""
    lines = stack.stdout_path.read_text(encoding="utf-8", errors="replace").splitlines()
    found = [line for line in lines if line.strip().startswith("Data ") and "(" in line]
    return found[-1].split("(", 1)[1].split(")", 1)[0] if found else ""


def _resident_mb(pid: int | None) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    kilobytes = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0")
    return int(kilobytes) / 1024


def render(sizes: list[Size]) -> str:
    empty = sizes[0].medians
    header = "| Reports | " + " | ".join(f"{name} ms (x empty)" for name in OPERATIONS)
    header += " | restart after a crash s | restart after Ctrl-C s | Ctrl-C stop s |"
    lines = [header, "|" + "---|" * (len(OPERATIONS) + 4)]
    for size in sizes:
        cells = [f"{size.medians[name]:.0f} ({size.medians[name] / empty[name]:.2f})" for name in OPERATIONS]
        restarts = f"{size.crash_restart:.1f} | {size.clean_restart:.1f} | {size.clean_stop:.1f}"
        lines.append(f"| {size.reports:,} | " + " | ".join(cells) + f" | {restarts} |")
    lines.append("")
    for size in sizes:
        lines.append(
            f"  {size.reports:,} reports ({size.memory_mb:.0f} MB resident): "
            f"after the crash {size.after_crash}; after Ctrl-C {size.after_stop}"
        )
    return "\n".join(lines)


def failures(sizes: list[Size]) -> list[str]:
    empty = sizes[0].medians
    found = [
        f"{name} at {size.reports:,} reports: {size.medians[name] / empty[name]:.2f}x the empty stack's"
        for size in sizes[1:]
        for name in OPERATIONS
        if size.medians[name] > MAX_RATIO * empty[name]
    ]
    largest = sizes[-1]
    if largest.clean_restart > MAX_RESTART_SECONDS:
        found.append(f"restart at {largest.reports:,} reports took {largest.clean_restart:.1f} s")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,10000", help="report counts to measure at, ascending")
    parser.add_argument(
        "--samples", type=int, default=40, help="requests of each kind measured at each size (at least 20)"
    )
    parser.add_argument("--loaders", type=int, default=4, help="clients filing at once between sizes")
    parser.add_argument("--work-dir", type=Path, help="keep the stack's data and logs here")
    arguments = parser.parse_args(argv)
    sizes = [int(size) for size in arguments.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="lapor-scale-") as scratch:
        work_dir = arguments.work_dir or Path(scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        bench = Bench(work_dir, arguments.samples, arguments.loaders)
        try:
            measured = bench.run(sizes)
        finally:
            bench.stack.stop()
        tracebacks, _ = bench.stack.log_anomalies()
    print(render(measured))
    print(json.dumps({"sizes": [size.__dict__ for size in measured]}))
    problems = failures(measured) + ([f"the stack logged {tracebacks} tracebacks"] if tracebacks else [])
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        limits = (
            f"every median within {MAX_RATIO}x of the empty stack's, restart within {MAX_RESTART_SECONDS:g} s"
        )
        print(f"PASS: {limits}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
