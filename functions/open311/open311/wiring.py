"""Built on first use, kept for the container's life: the Open311 store and service."""

from __future__ import annotations

from functools import lru_cache

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.shared_wiring import attachment_service, city_setup
from lapor.services.open311 import Open311Service
from lapor.settings import settings
from open311.store import DynamoOpen311Store


@lru_cache(maxsize=1)
def store() -> DynamoOpen311Store:
    return DynamoOpen311Store(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def open311_service() -> Open311Service:
    return Open311Service(store(), city_setup(), attachments=attachment_service())
