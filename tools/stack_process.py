"""`python -m local` in a subprocess, as a developer runs it: for the end-to-end tests and the benchmarks.

It listens on a free port (`PORT=0`; the banner names the address), keeps its data in `data_dir`, runs no
scheduled job on the real clock (`LAPOR_SCHEDULER=off`, unless `environment` says otherwise), and writes its
stdout and stderr to files, appended to across restarts. `start()` returns once `GET /health` answers 200;
`stop()` is Ctrl-C, then a kill when it has not stopped in time.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
_BASE_URL = re.compile(r"API\s+(http://127\.0\.0\.1:(\d+))")
_WEB_URL = re.compile(r"Web app\s+(http://127\.0\.0\.1:(\d+)/)")


class StackProcessError(RuntimeError):
    """The stack exited, or did not answer /health, while starting."""


class StackProcess:
    def __init__(
        self,
        data_dir: Path,
        stdout_path: Path,
        stderr_path: Path,
        environment: Mapping[str, str] | None = None,
        base_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.environment = dict(environment or {})
        self._base_environment = dict(os.environ if base_environment is None else base_environment)
        self.base_url = ""
        self.port = 0
        self.web_url = ""  # the web app's, when the banner names it
        self.web_port = 0
        self.exit_code: int | None = None
        self.stop_seconds = 0.0  # how long the last stop took
        self.killed = False  # the last stop had to kill it
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> str:
        """Start it and wait for /health; the base URL. `StackProcessError` when it does not come up."""
        offset = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        environment = {
            **self._base_environment,
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
        while time.monotonic() - started < timeout:
            if self._process.poll() is not None:
                raise StackProcessError(
                    f"the local stack exited with {self._process.returncode}:\n{self.output_tail()}"
                )
            with self.stdout_path.open("rb") as handle:
                handle.seek(offset)
                printed = handle.read().decode("utf-8", errors="replace")
            found = _BASE_URL.findall(printed)
            if found and _healthy(found[-1][0]):
                self.base_url, self.port = found[-1][0], int(found[-1][1])
                web = _WEB_URL.findall(printed)
                self.web_url, self.web_port = (web[-1][0], int(web[-1][1])) if web else ("", 0)
                return self.base_url
            time.sleep(0.2)
        self.stop()
        raise StackProcessError(
            f"GET /health did not answer 200 within {timeout:.0f} s:\n{self.output_tail()}"
        )

    def stop(
        self, timeout: float = STOP_TIMEOUT_SECONDS, signals: tuple[int, ...] = (signal.SIGINT,)
    ) -> int | None:
        """Ctrl-C, as a developer stops it (or the `signals` given, in a row; a kill after `timeout`); the
        exit code, None if not running."""
        process, self._process = self._process, None
        if process is None:
            return None
        started = time.monotonic()
        self.killed = False
        if process.poll() is None:
            for number in signals:
                process.send_signal(number)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                process.kill()
                process.wait()
        self.exit_code = process.returncode
        self.stop_seconds = time.monotonic() - started
        return self.exit_code

    def output_tail(self, characters: int = 4000) -> str:
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            if path.exists():
                parts.append(
                    f"--- {path.name}\n" + path.read_text(encoding="utf-8", errors="replace")[-characters:]
                )
        return "\n".join(parts)


def _healthy(base_url: str) -> bool:
    session = requests.Session()
    session.trust_env = False  # loopback: no proxy, whatever the environment says
    try:
        return session.get(f"{base_url}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False
    finally:
        session.close()
