"""Attachments: each upload to the bucket's `incoming/` (S3's "Object Created" event, through EventBridge's
default bus) is scrubbed of location and other metadata into `clean/`, or refused; the report's record says
which (`lapor.services.attachments`).

An event for another bucket or without a key is dropped with a warning. A failure of storage (throttling,
timeouts) raises, so the rule retries the event and, after its retries, sends it to AttachmentsDLQ; a
repeated event is harmless.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, ValidationError

from lapor.observability import instrument, logger, metrics
from lapor.services.attachments import AttachmentService
from lapor.settings import settings
from lapor.wiring import attachment_service

OUTCOME_METRICS = {"ready": "AttachmentsScrubbed", "rejected": "AttachmentsRejected"}


class _Named(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Bucket(_Named):
    name: str


class _Object(_Named):
    key: str
    size: int | None = None


class _Detail(_Named):
    bucket: _Bucket
    object: _Object


class ObjectCreated(_Named):
    """The part of S3's EventBridge event the function reads."""

    detail: _Detail


def run(
    event: dict[str, Any], context: LambdaContext, service: AttachmentService | None = None
) -> dict[str, Any]:
    try:
        created = ObjectCreated.model_validate(event)
    except ValidationError:
        logger.warning("not an S3 Object Created event; dropped")
        return {"outcome": "ignored", "reason": "not_an_upload"}
    chosen = service or attachment_service()
    if chosen is None or created.detail.bucket.name != settings().attachments_bucket:
        logger.warning("an upload to another bucket; dropped", extra={"bucket": created.detail.bucket.name})
        return {"outcome": "ignored", "reason": "other_bucket"}
    # S3 URL-encodes the key in its events (a space as "+"); ours are plain, but decode as S3 means it.
    result = chosen.scrub_upload(unquote_plus(created.detail.object.key))
    summary = {
        "outcome": result.outcome,
        "report_id": result.report_id,
        "attachment_id": result.attachment_id,
        "reason": result.reason,
    }
    logger.info("upload handled", extra=summary)
    if result.outcome in OUTCOME_METRICS:
        metrics.add_metric(name=OUTCOME_METRICS[result.outcome], unit=MetricUnit.Count, value=1)
    return summary


lambda_handler = instrument(run)
