"""Domain events onto the EventBridge bus; the client is built on first use."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lapor.adapters.sdk_config import new_client
from lapor.domain.errors import StoreUnavailable
from lapor.domain.events import EVENT_SOURCE

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@lru_cache(maxsize=1)
def events_client() -> EventBridgeClient:
    client: EventBridgeClient = new_client("events")
    return client


class EventBridgePublisher:
    def __init__(self, bus_name: str, client: EventBridgeClient | None = None) -> None:
        self._bus = bus_name
        self._client = client

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        client = self._client or events_client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = client.put_events(
                Entries=[
                    {
                        "Source": EVENT_SOURCE,
                        "DetailType": detail_type,
                        "Detail": json.dumps(detail, ensure_ascii=False),
                        "EventBusName": self._bus,
                    }
                ]
            )
        except (ClientError, BotoCoreError) as error:  # throttled or timed out after the SDK's retries
            raise StoreUnavailable(type(error).__name__) from error
        if answer.get("FailedEntryCount", 0):
            raise StoreUnavailable("the event bus did not accept the event")
