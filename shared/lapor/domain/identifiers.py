"""Tracking ids and reporter access tokens.

A tracking id is short enough to read over the phone (`LPR-7K3M-9Q2X`: 40 random bits in Crockford's
base 32, which has no I, L, O or U). An access token carries 192 bits; only its SHA-256 hash is stored.
A token handed out under an idempotency key is derived (HMAC) from a server secret, the report id and the
key, so that a replayed answer can carry the same token without any copy of it being kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TOKEN_BYTES = 24


def new_report_id() -> str:
    return _tracking_id(secrets.randbits(40))


def derived_report_id(secret: bytes, *parts: str) -> str:
    """A tracking id drawn from a keyed hash: the same request (idempotency key and body) draws the same."""
    digest = hmac.new(secret, "\x1f".join(("report-id", *parts)).encode(), hashlib.sha256).digest()
    return _tracking_id(int.from_bytes(digest[:5], "big"))


def _tracking_id(value: int) -> str:
    chars = "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"LPR-{chars[:4]}-{chars[4:]}"


def is_report_id(text: str) -> bool:
    if len(text) != 13 or not text.startswith("LPR-") or text[8] != "-":
        return False
    return all(c in _CROCKFORD for c in text[4:8] + text[9:])


def new_access_token() -> str:
    return _b64(secrets.token_bytes(TOKEN_BYTES))


def derived_access_token(secret: bytes, report_id: str, idempotency_key: str) -> str:
    digest = hmac.new(secret, f"access-token\x1f{report_id}\x1f{idempotency_key}".encode(), hashlib.sha256)
    return _b64(digest.digest()[:TOKEN_BYTES])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
