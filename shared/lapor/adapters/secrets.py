"""The key from which replayed access tokens are re-derived: given directly (local stack, tests) or read
once from Secrets Manager on first use (AWS)."""

from __future__ import annotations

from functools import lru_cache

from lapor.settings import FunctionSettings


@lru_cache(maxsize=4)
def _from_secrets_manager(arn: str) -> bytes:
    import boto3

    answer = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
    return answer["SecretString"].encode()


def token_secret(settings: FunctionSettings) -> bytes:
    if settings.token_secret is not None:
        return settings.token_secret.get_secret_value().encode()
    if settings.token_secret_arn:
        return _from_secrets_manager(settings.token_secret_arn)
    raise RuntimeError("set TOKEN_SECRET_ARN (or TOKEN_SECRET locally)")
