"""What S3 sends to EventBridge (the default bus) for a bucket with `EventBridgeConfiguration` enabled.

Locally only for the uploads of the local S3 endpoint (`local.aws.s3.endpoint`): an "Object Created" event of
reason "POST Object", queued with the events handlers publish, so that the stack's rule delivery
(`local.aws.eventbridge`: patterns, retries, dead letters) takes it to the template's rules.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from urllib.parse import quote_plus

from local.aws.environment import ACCOUNT_ID
from local.aws.eventbridge import PendingEvents, PublishedEvent
from local.lambdas.triggers import DEFAULT_BUS
from local.template import BucketSpec

S3_SOURCE = "aws.s3"
OBJECT_CREATED = "Object Created"
POST_OBJECT = "POST Object"  # the `reason` of a browser upload (PutObject, CopyObject... for the others)


class _Sequencer:
    """S3's `sequencer`: a hexadecimal value that grows with each event of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return f"{self._last:018X}"


_sequencer = _Sequencer()


def object_created_detail(
    bucket: str, key: str, size: int, etag: str, request_id: str, source_ip: str, reason: str
) -> dict[str, object]:
    return {
        "version": "0",
        "bucket": {"name": bucket},
        # URL-encoded as in S3's notifications (Powertools' S3EventBridgeNotificationObject decodes it).
        "object": {
            "key": quote_plus(key, safe="/"),
            "size": size,
            "etag": etag.strip('"'),
            "sequencer": _sequencer.next(),
        },
        "request-id": request_id,
        "requester": ACCOUNT_ID,
        "source-ip-address": source_ip,
        "reason": reason,
    }


class S3EventNotifications:
    """Queues the events of the buckets that send theirs to EventBridge; the others send none."""

    def __init__(self, buckets: list[BucketSpec], pending: PendingEvents) -> None:
        self._buckets = {bucket.name: bucket for bucket in buckets if bucket.eventbridge_enabled}
        self._pending = pending

    def sends_events(self, bucket: str) -> bool:
        return bucket in self._buckets

    def object_created(
        self,
        bucket: str,
        key: str,
        size: int,
        etag: str,
        request_id: str,
        source_ip: str,
        reason: str = POST_OBJECT,
    ) -> None:
        spec = self._buckets.get(bucket)
        if spec is None:
            return
        detail = object_created_detail(bucket, key, size, etag, request_id, source_ip, reason)
        self._pending.add(
            [
                PublishedEvent(
                    event_id=str(uuid.uuid4()),
                    bus_name=DEFAULT_BUS,
                    source=S3_SOURCE,
                    detail_type=OBJECT_CREATED,
                    detail=json.dumps(detail),
                    resources=(spec.arn,),  # no `time`: delivery stamps it, as EventBridge does
                )
            ]
        )
