"""What every use-case service holds: the storage port, the city-setup cache and a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lapor.domain.wallclock import now_utc
from lapor.ports import ReportRepository
from lapor.services.city_setup import CitySetupCache


class Service:
    def __init__(
        self,
        repository: ReportRepository,
        setup: CitySetupCache,
        now: Callable[[], datetime] = now_utc,
    ) -> None:
        self._repository = repository
        self._setup = setup
        self._now = now
