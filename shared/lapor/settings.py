"""Environment variables, parsed once into a typed model at the handler boundary (domain code never reads
the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

_TRUE = {"1", "true", "yes", "on"}


class FunctionSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str
    idempotency_table_name: str | None = None
    token_secret: SecretStr | None = None
    token_secret_arn: str | None = None
    tracing_enabled: bool = False
    idempotency_expiry_seconds: int = 24 * 3600
    event_bus_name: str | None = None
    attachments_bucket: str | None = None
    attachments_public_endpoint: str | None = None  # local stack only: where forms and links point
    identity_retention_days: int = 730  # after a report's last state change once DONE, ARCHIVED or REFERRED
    identity_key_id: str | None = None  # the KMS key that seals NIKs (intake seals, staff opens)
    user_pool_id: str | None = None  # staff sign-in (Cognito); absent locally, where the roster alone rules
    response_time_target_hk: float = 2.0  # ResponseTimeTargetHk: a mean response time under it meets it

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> FunctionSettings:
        secret = env.get("TOKEN_SECRET")
        return cls(
            table_name=env["TABLE_NAME"],
            idempotency_table_name=env.get("IDEMPOTENCY_TABLE_NAME"),
            token_secret=SecretStr(secret) if secret else None,
            token_secret_arn=env.get("TOKEN_SECRET_ARN"),
            tracing_enabled=tracing_enabled(env),
            event_bus_name=env.get("EVENT_BUS_NAME"),
            attachments_bucket=env.get("ATTACHMENTS_BUCKET") or None,
            attachments_public_endpoint=env.get("ATTACHMENTS_PUBLIC_ENDPOINT") or None,
            identity_retention_days=int(env.get("IDENTITY_RETENTION_DAYS") or 730),
            identity_key_id=env.get("IDENTITY_KEY_ID") or None,
            user_pool_id=env.get("USER_POOL_ID") or None,
            response_time_target_hk=float(env.get("RESPONSE_TIME_TARGET_HK") or 2.0),
        )


DEFAULT_PUBLIC_BASE_URL = "https://lapor.example.go.id"


class NotifySettings(FunctionSettings):
    """The notifier's: the staff topic, the reporter's channels (SES, End User Messaging SMS), the SMS budget,
    and the portal's address that access links point at."""

    notifications_topic_arn: str
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    email_sender: str = ""  # a verified SES identity (an address or an address at a verified domain)
    email_configuration_set: str = ""
    sms_origination: str = ""  # a phone number, sender id or pool of End User Messaging SMS
    sms_configuration_set: str = ""
    sms_max_price: str = "0.50"  # USD a message part at most (SendTextMessage's MaxPrice)
    sms_monthly_limit_usd: float = 50.0
    sms_price_usd: float = 0.05  # what one SMS is counted as against the month's limit

    @field_validator("public_base_url")
    @classmethod
    def _web_address(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("PUBLIC_BASE_URL must start with https:// (or http:// locally)")
        return url.rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        optional = {
            "email_sender": env.get("EMAIL_SENDER"),
            "email_configuration_set": env.get("EMAIL_CONFIGURATION_SET"),
            "sms_origination": env.get("SMS_ORIGINATION_IDENTITY"),
            "sms_configuration_set": env.get("SMS_CONFIGURATION_SET"),
            "sms_max_price": env.get("SMS_MAX_PRICE_USD"),
            "sms_monthly_limit_usd": env.get("SMS_MONTHLY_SPEND_LIMIT_USD"),
            "sms_price_usd": env.get("SMS_PRICE_USD"),
        }
        return cls(
            **FunctionSettings.from_env(env).model_dump(),
            notifications_topic_arn=env["NOTIFICATIONS_TOPIC_ARN"],
            public_base_url=env.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL,
            **{name: v for name, v in optional.items() if v},
        )


def tracing_enabled(env: Mapping[str, str]) -> bool:
    """Tracing is on only when POWERTOOLS_TRACE_DISABLED is explicitly false."""
    disabled = env.get("POWERTOOLS_TRACE_DISABLED")
    return disabled is not None and disabled.strip().lower() not in _TRUE


@lru_cache(maxsize=1)
def settings() -> FunctionSettings:
    return FunctionSettings.from_env(os.environ)
