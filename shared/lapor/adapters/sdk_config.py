"""The one SDK configuration every client uses: standard retries with bounded attempts, and timeouts well
inside a function's own timeout, so a slow or throttled service costs a retry, not the whole invocation.
Clients are built on first use by the adapters (not at import), so a cold start pays only for what it uses.
"""

from __future__ import annotations

from typing import Any

RETRY_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3


def new_client(service: str, endpoint_url: str | None = None, **options: Any) -> Any:
    """A client with the shared retries and timeouts; `options` add to botocore's Config (S3's signing)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": RETRY_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        tcp_keepalive=True,
        **options,
    )
    return boto3.client(service, config=config, endpoint_url=endpoint_url)  # type: ignore[call-overload]
