"""The DynamoDB client, built on first use (not at import) and reused for the container's life.

Standard retry mode with bounded attempts, and timeouts well inside a function's own timeout, so a slow or
throttled table costs a retry, not the whole invocation.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RETRY_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": RETRY_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        tcp_keepalive=True,
    )
    return boto3.client("dynamodb", config=config)
