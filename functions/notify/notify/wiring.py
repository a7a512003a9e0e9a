"""Built on first use, kept for the container's life: the settings, the topic publisher, the contact book.

Nothing here runs at import, so a cold start pays for a client only when an event needs one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import field_validator

from lapor.adapters.dynamodb.client import dynamodb_client
from lapor.adapters.dynamodb.contacts import DynamoContactBook
from lapor.adapters.secrets import token_secret
from lapor.adapters.sns_publisher import SnsPublisher
from lapor.settings import FunctionSettings

DEFAULT_PUBLIC_BASE_URL = "https://lapor.example.go.id"


class NotifySettings(FunctionSettings):
    notifications_topic_arn: str
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL

    @field_validator("public_base_url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("PUBLIC_BASE_URL must start with https:// (or http:// locally)")
        return url.rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        return cls(
            **FunctionSettings.from_env(env).model_dump(),
            notifications_topic_arn=env["NOTIFICATIONS_TOPIC_ARN"],
            public_base_url=env.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL,
        )


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return NotifySettings.from_env(os.environ)


@lru_cache(maxsize=1)
def sender() -> SnsPublisher:
    return SnsPublisher(notify_settings().notifications_topic_arn)


@lru_cache(maxsize=1)
def contact_book() -> DynamoContactBook:
    return DynamoContactBook(dynamodb_client(), notify_settings().table_name)


def access_secret() -> bytes:
    return token_secret(notify_settings())
