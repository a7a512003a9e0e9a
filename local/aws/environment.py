"""The AWS settings every local process uses: dummy credentials, Jakarta, and the embedded endpoint.

The local stack never reaches a real AWS account: credentials are dummies, the developer's AWS profile files
are ignored, and every service endpoint is the embedded moto server.
"""

from __future__ import annotations

import os

REGION = "ap-southeast-3"
ACCOUNT_ID = "123456789012"
DUMMY_ACCESS_KEY_ID = "testing"
DUMMY_SECRET_ACCESS_KEY = "testing"  # noqa: S105 - a placeholder, not a secret

_REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def unverified_authorization(service: str, signed_headers: str = "host") -> str:
    """A SigV4 `Authorization` header for the stack's own calls to the embedded moto server: moto reads only
    the credential scope (service and region) from it, so the signature is a placeholder."""
    return (
        f"AWS4-HMAC-SHA256 Credential={DUMMY_ACCESS_KEY_ID}/20240101/{REGION}/{service}/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature=0"
    )


def aws_environment(endpoint_url: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint_url,
    }


def apply_aws_environment(endpoint_url: str) -> None:
    """Point this process's AWS SDK at the embedded endpoint (before any client is built)."""
    for name in _REMOVED:
        os.environ.pop(name, None)
    os.environ.update(aws_environment(endpoint_url))
