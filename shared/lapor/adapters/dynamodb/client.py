"""The DynamoDB client, built on first use (not at import) and reused for the container's life."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lapor.adapters.sdk_config import RETRY_ATTEMPTS, new_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["RETRY_ATTEMPTS", "dynamodb_client"]


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = new_client("dynamodb")
    return client
