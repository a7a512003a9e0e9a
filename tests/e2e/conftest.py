"""End-to-end fixtures: the local stack as `make run` starts it, on a free port and a throw-away data folder.

`stack` (session) is the base URL of one running stack (`stack_process` the process, with its data folder);
`start_stack` makes more, for tests that stop and restart one on the same data folder. The stacks start with
the scheduler off (`LAPOR_SCHEDULER=off`), so that no job runs on the real clock behind a test's back; jobs
run when a test posts to `/_local/jobs/{name}`. A test that wants the scheduler passes `environment`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import requests

from tests.e2e.http_client import Api

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
_BASE_URL = re.compile(r"API\s+(http://127\.0\.0\.1:\d+)")


class LocalStackProcess:
    """`python -m local` in a subprocess; its stdout and stderr go to files beside the data folder."""

    def __init__(self, data_dir: Path, environment: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.environment = dict(environment or {})
        self.stdout_path = data_dir.with_name(data_dir.name + ".stdout")
        self.stderr_path = data_dir.with_name(data_dir.name + ".stderr")
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        offset = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        environment = {
            **os.environ,
            "PORT": "0",
            "LAPOR_DATA_DIR": str(self.data_dir),
            "PYTHONUNBUFFERED": "1",
            "LAPOR_SCHEDULER": "off",
            **self.environment,
        }
        with self.stdout_path.open("ab") as stdout, self.stderr_path.open("ab") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "local"],
                cwd=REPO_ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT_SECONDS:
            if self._process.poll() is not None:
                pytest.fail(f"the local stack exited with {self._process.returncode}:\n{self.output_tail()}")
            with self.stdout_path.open("rb") as handle:
                handle.seek(offset)
                found = _BASE_URL.findall(handle.read().decode("utf-8", errors="replace"))
            if found and self._healthy(found[-1]):
                self.base_url = found[-1]
                return self.base_url
            time.sleep(0.2)
        self.stop()
        pytest.fail(
            f"GET /health did not answer 200 within {START_TIMEOUT_SECONDS:.0f} s:\n{self.output_tail()}"
        )

    @staticmethod
    def _healthy(base_url: str) -> bool:
        try:
            return requests.get(f"{base_url}/health", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> int | None:
        """Ctrl-C, as a developer stops it; returns the exit code."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"the local stack did not stop on Ctrl-C:\n{self.output_tail()}")

    def output_tail(self, characters: int = 4000) -> str:
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            if path.exists():
                parts.append(
                    f"--- {path.name}\n" + path.read_text(encoding="utf-8", errors="replace")[-characters:]
                )
        return "\n".join(parts)


@pytest.fixture(scope="session")
def stack_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path_factory.mktemp("e2e") / "local-data")
    try:
        process.start()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def stack(stack_process: LocalStackProcess) -> str:
    """The base URL of a running local stack, shared by the session."""
    return stack_process.base_url


@pytest.fixture(scope="session")
def api(stack: str) -> Api:
    """A client of the session's stack, with staff tokens kept per role and agency."""
    return Api(stack)


@pytest.fixture
def start_stack() -> Iterator[Callable[..., LocalStackProcess]]:
    """Makes stopped `LocalStackProcess`es on a data folder (and with extra environment variables); every one
    still running is stopped afterwards."""
    made: list[LocalStackProcess] = []

    def make(data_dir: Path, environment: Mapping[str, str] | None = None) -> LocalStackProcess:
        process = LocalStackProcess(data_dir, environment)
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()
