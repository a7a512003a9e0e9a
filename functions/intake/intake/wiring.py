"""Built on first use, kept for the container's life: the service, its repository, the idempotency layer.

Nothing here runs at import, so a cold start pays for a client only when a route needs one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.shared_wiring import attachment_service, city_setup, repository
from lapor.services.intake import IntakeService
from lapor.settings import settings

if TYPE_CHECKING:
    from lapor.services.metrics import MetricsService

SubmitOnce = Callable[..., dict[str, Any]]


@lru_cache(maxsize=1)
def intake_service() -> IntakeService:
    return IntakeService(repository(), city_setup(), attachments=attachment_service())


@lru_cache(maxsize=1)
def idempotency() -> tuple[Any, Any]:
    """The persistence layer and config of the submission's idempotency (one pair for this one use)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

    config = settings()
    table = config.idempotency_table_name
    if not table:
        raise RuntimeError("IDEMPOTENCY_TABLE_NAME is not set")
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client())
    idempotency_config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=config.idempotency_expiry_seconds,
        hash_function="sha256",
    )
    return persistence, idempotency_config


@lru_cache(maxsize=1)
def metrics_service() -> MetricsService:
    from lapor.services.metrics import MetricsService

    return MetricsService(repository(), city_setup())
