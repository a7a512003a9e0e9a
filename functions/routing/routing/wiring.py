"""Built on first use, kept for the container's life: the repository, the city setup cache, the service."""

from __future__ import annotations

from functools import lru_cache

from lapor.adapters.dynamodb.shared_wiring import attachment_service, city_setup, repository
from lapor.services.calendar_admin import CalendarAdmin
from lapor.services.casework import CaseworkService
from lapor.services.exports import ExportService
from lapor.services.metrics import MetricsService


@lru_cache(maxsize=1)
def casework() -> CaseworkService:
    return CaseworkService(repository(), city_setup(), attachments=attachment_service())


@lru_cache(maxsize=1)
def calendar_admin() -> CalendarAdmin:
    return CalendarAdmin(repository(), city_setup())


@lru_cache(maxsize=1)
def metrics() -> MetricsService:
    return MetricsService(repository(), city_setup())


@lru_cache(maxsize=1)
def exports() -> ExportService:
    return ExportService(repository())
