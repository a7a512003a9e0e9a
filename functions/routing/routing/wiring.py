"""Built on first use, kept for the container's life: the repository, the city setup cache, the service."""

from __future__ import annotations

from functools import lru_cache

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.services.calendar_admin import CalendarAdmin
from lapor.services.casework import CaseworkService
from lapor.services.city_setup import CitySetupCache
from lapor.settings import settings


@lru_cache(maxsize=1)
def repository() -> DynamoReportRepository:
    return DynamoReportRepository(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def city_setup() -> CitySetupCache:
    return CitySetupCache(repository().city_setup)


@lru_cache(maxsize=1)
def casework() -> CaseworkService:
    return CaseworkService(repository(), city_setup())


@lru_cache(maxsize=1)
def calendar_admin() -> CalendarAdmin:
    return CalendarAdmin(repository(), city_setup())
