"""The repository and the city-setup cache every function builds the same way: on first use, once per
container, from the function's settings."""

from __future__ import annotations

from functools import lru_cache

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.services.city_setup import CitySetupCache
from lapor.settings import settings


@lru_cache(maxsize=1)
def repository() -> DynamoReportRepository:
    return DynamoReportRepository(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def city_setup() -> CitySetupCache:
    return CitySetupCache(repository().city_setup)
