"""The repository and the city-setup cache every function builds the same way: on first use, once per
container, from the function's settings."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.repository import DynamoReportRepository
from lapor.services.city_setup import CitySetupCache
from lapor.settings import settings

if TYPE_CHECKING:
    from lapor.services.attachments import AttachmentService


@lru_cache(maxsize=1)
def repository() -> DynamoReportRepository:
    return DynamoReportRepository(dynamodb_client(), settings().table_name)


@lru_cache(maxsize=1)
def city_setup() -> CitySetupCache:
    return CitySetupCache(repository().city_setup)


@lru_cache(maxsize=1)
def attachment_service() -> AttachmentService | None:
    """The attachments' service, for a function with the bucket (ATTACHMENTS_BUCKET); None for the others.

    Building it creates no client: the S3 client is made on the first form, link or scrub.
    """
    config = settings()
    if not config.attachments_bucket:
        return None
    from lapor.adapters.dynamodb.attachments import DynamoAttachmentRecords
    from lapor.adapters.s3_files import S3FileStore
    from lapor.services.attachments import AttachmentService

    records = DynamoAttachmentRecords(dynamodb_client(), config.table_name)
    files = S3FileStore(config.attachments_bucket, config.attachments_public_endpoint)
    return AttachmentService(repository(), records, files)
