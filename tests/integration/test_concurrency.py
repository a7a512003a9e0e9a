"""Concurrent changes to one report against a DynamoDB endpoint that serializes requests.

moto in-process, `moto_server` and `ThreadedMotoServer` are not atomic across threads, so a race there
proves nothing. Here moto's WSGI app runs under werkzeug's single-threaded server, as DynamoDB applies
each conditional write atomically; the services run in real threads against it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.domain.access import StaffCaller
from lapor.domain.errors import DomainError, InvalidTransition, VersionConflict
from lapor.domain.identifiers import new_access_token
from lapor.domain.lifecycle import Role
from lapor.domain.models import NewReport
from lapor.domain.staff_inputs import FollowupInput, ReasonInput, VerifyInput
from lapor.seed import load_seed, seed_items
from lapor.services.casework import CaseworkService
from lapor.services.city_setup import CitySetupCache
from lapor.services.intake import IntakeService
from tests.fakes import InMemoryVault
from tests.integration.conftest import ROOT, valid_report
from tools.tables import create_tables

COORDINATOR = StaffCaller(Role.COORDINATOR, "coordinator-1")
OTHER_COORDINATOR = StaffCaller(Role.COORDINATOR, "coordinator-2")
OPERATOR = StaffCaller(Role.OPERATOR, "operator-1", "dishub")
VERIFY = VerifyInput(type="complaint", requires_supervision=False, category="pju", agency_id="dishub")


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """werkzeug logs a line per request; the race has thousands."""


@dataclass
class Services:
    repository: DynamoReportRepository
    intake: IntakeService
    casework: CaseworkService

    def file(self) -> str:
        new = NewReport.model_validate(valid_report())
        return self.intake.submit(new, lambda _id: new_access_token()).change.after.id


@pytest.fixture(scope="module")
def serialized_dynamodb() -> Iterator[str]:
    server = make_server(
        "127.0.0.1",
        0,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=_Quiet,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(serialized_dynamodb: str) -> Services:
    client = boto3.client("dynamodb", endpoint_url=serialized_dynamodb)
    if "AppTable" not in client.list_tables()["TableNames"]:
        create_tables(client)
        table = boto3.resource("dynamodb", endpoint_url=serialized_dynamodb).Table("AppTable")
        with table.batch_writer() as batch:
            for item in seed_items(load_seed(ROOT / "seed" / "sukabumi.json")):
                batch.put_item(Item=item)
    repository = DynamoReportRepository(client, "AppTable")
    setup = CitySetupCache(repository.city_setup)
    vault = InMemoryVault()
    intake = IntakeService(repository, setup, vault=lambda: vault)
    return Services(repository, intake, CaseworkService(repository, setup, vault=lambda: vault))


def race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Start every action at once; each result is its answer or the domain error it raised."""
    start = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        start.wait()
        try:
            return action()
        except DomainError as error:
            return error

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return list(pool.map(run, actions))


@pytest.mark.parametrize("attempt", range(5))
def test_two_conflicting_actions_one_wins_the_other_is_409(services: Services, attempt: int) -> None:
    report_id = services.file()
    archive = ReasonInput(reason="Laporan ganda dengan laporan lain.")
    results = race(
        [
            lambda: services.casework.verify(COORDINATOR, report_id, VERIFY, None),
            lambda: services.casework.archive(OTHER_COORDINATOR, report_id, archive, None),
        ]
    )
    winners = [r for r in results if not isinstance(r, DomainError)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1, results
    assert len(losers) == 1
    assert isinstance(losers[0], VersionConflict | InvalidTransition)  # both answer 409
    stored = services.repository.get(report_id)
    assert stored is not None
    assert stored.report.version == 2
    assert [entry.action.value for entry in stored.timeline] == [
        "submit",
        winners[0].timeline[-1].action.value,
    ]


def test_twenty_concurrent_follow_ups_lose_nothing(services: Services) -> None:
    report_id = services.file()
    services.casework.verify(COORDINATOR, report_id, VERIFY, None)
    initial = 2
    results = race(
        [
            lambda n=n: services.casework.follow_up(
                OPERATOR, report_id, FollowupInput(message=f"Tindak lanjut ke-{n}"), None
            )
            for n in range(20)
        ]
    )
    successes = [r for r in results if not isinstance(r, DomainError)]
    failures = [r for r in results if isinstance(r, DomainError)]
    assert successes
    assert failures, "no two follow-ups raced: the test proved nothing"
    assert all(isinstance(f, VersionConflict) for f in failures), failures
    stored = services.repository.get(report_id)
    assert stored is not None
    assert stored.report.version == initial + len(successes)
    followups = [e for e in stored.timeline if e.action.value == "followup"]
    assert len(followups) == len(successes)
    assert sorted(e.seq for e in stored.timeline) == list(range(1, stored.report.version + 1))
    assert {e.note for e in followups} == {s.timeline[-1].note for s in successes}
