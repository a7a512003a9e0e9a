"""End-to-end fixtures: the local stack as `make run` starts it, on a free port and a throw-away data folder.

`stack` (session) is the base URL of one running stack (`stack_process` the process, with its data folder);
`start_stack` makes more, for tests that stop and restart one on the same data folder. The stacks start with
the scheduler off (`LAPOR_SCHEDULER=off`), so that no job runs on the real clock behind a test's back; jobs
run when a test posts to `/_local/jobs/{name}`. A test that wants the scheduler passes `environment`.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e.http_client import Api
from tools.stack_process import START_TIMEOUT_SECONDS, STOP_TIMEOUT_SECONDS, StackProcess, StackProcessError


class LocalStackProcess(StackProcess):
    """`python -m local` in a subprocess (`tools.stack_process`); its stdout and stderr go to files beside
    the data folder. A stack that does not start, or does not stop on Ctrl-C, fails the test."""

    def __init__(self, data_dir: Path, environment: Mapping[str, str] | None = None) -> None:
        super().__init__(
            data_dir,
            data_dir.with_name(data_dir.name + ".stdout"),
            data_dir.with_name(data_dir.name + ".stderr"),
            environment,
        )

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> str:
        try:
            return super().start(timeout)
        except StackProcessError as error:
            pytest.fail(str(error))

    def stop(
        self, timeout: float = STOP_TIMEOUT_SECONDS, signals: tuple[int, ...] = (signal.SIGINT,)
    ) -> int | None:
        exit_code = super().stop(timeout, signals)
        if self.killed:
            pytest.fail(f"the local stack did not stop on Ctrl-C:\n{self.output_tail()}")
        return exit_code


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
