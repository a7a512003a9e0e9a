"""The services on the in-memory fakes (`tests/fakes`): a table seeded with the city, a wall clock the test
moves, and each service built as `lapor.wiring` builds it, minus AWS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from lapor.domain.access import StaffCaller
from lapor.domain.calendar import WIB
from lapor.domain.lifecycle import Role
from lapor.domain.models import NewReport
from lapor.services.casework import CaseworkService
from lapor.services.city_setup import CitySetupCache
from lapor.services.contact import ContactService
from lapor.services.delivery import DeliveryService, SmsBudget
from lapor.services.escalation import EscalationService
from lapor.services.intake import IntakeService
from lapor.services.metrics import MetricsService
from tests.fakes import InMemoryTable, InMemoryVault, RecordingSender

COORDINATOR = StaffCaller(Role.COORDINATOR, "coord-1")
LEADERSHIP = StaffCaller(Role.LEADERSHIP, "lead-1")
DISHUB_OPERATOR = StaffCaller(Role.OPERATOR, "op-dishub", "dishub")
DISHUB_OFFICIAL = StaffCaller(Role.OFFICIAL, "off-dishub", "dishub")
PUTR_OPERATOR = StaffCaller(Role.OPERATOR, "op-putr", "dinas-putr")
PUTR_OFFICIAL = StaffCaller(Role.OFFICIAL, "off-putr", "dinas-putr")
SECRET = b"unit-secret"
VAULT = InMemoryVault()


class Clock:
    """The services' wall clock, moved by the test (a Tuesday morning in WIB to start)."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 17, 10, tzinfo=WIB)

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


def new_report(**overrides: Any) -> NewReport:
    body: dict[str, Any] = {
        "type": "complaint",
        "title": "Lampu PJU padam di Jalan Siliwangi",
        "description": "Sudah tiga malam lampu penerangan jalan umum di depan Balai Kota padam.",
        "category": "pju",
        "location": {"lat": -6.92, "lon": 106.93, "kecamatan": "Cikole"},
        "reporter": {"name": "Dewi Lestari", "email": "dewi@example.id"},
    }
    body.update(overrides)
    return NewReport.model_validate(body)


@pytest.fixture
def table() -> InMemoryTable:
    return InMemoryTable(due_shards=3)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def setup(table: InMemoryTable) -> CitySetupCache:
    return CitySetupCache(table.city_setup, ttl=0)


@pytest.fixture
def intake(table: InMemoryTable, setup: CitySetupCache, clock: Clock) -> IntakeService:
    return IntakeService(table, setup, vault=lambda: VAULT, now=clock.now)


@pytest.fixture
def casework(table: InMemoryTable, setup: CitySetupCache, clock: Clock) -> CaseworkService:
    return CaseworkService(table, setup, vault=lambda: VAULT, now=clock.now)


@pytest.fixture
def escalation(table: InMemoryTable, setup: CitySetupCache) -> EscalationService:
    return EscalationService(table, setup, due_shards=table.due_shards)


@pytest.fixture
def contact(table: InMemoryTable, setup: CitySetupCache, clock: Clock) -> ContactService:
    return ContactService(table, setup, now=clock.now)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def delivery(table: InMemoryTable, sender: RecordingSender, clock: Clock) -> DeliveryService:
    budget = SmsBudget(monthly_limit=150_000, per_message=50_000)  # three SMS a month
    return DeliveryService(
        table,
        table,
        sender,
        secret=lambda: SECRET,
        base_url="https://lapor.example.go.id",
        sms_budget=budget,
        now=clock.now,
    )


@pytest.fixture
def metrics(table: InMemoryTable, setup: CitySetupCache, clock: Clock) -> MetricsService:
    return MetricsService(table, setup, due_shards=table.due_shards, now=clock.now)


@pytest.fixture
def file(intake: IntakeService) -> Callable[..., str]:
    """File a report (as the reporter) and answer its id."""

    def filed(**overrides: Any) -> str:
        submitted = intake.submit(new_report(**overrides), lambda _id: "token-" + _id)
        return submitted.change.after.id

    return filed
