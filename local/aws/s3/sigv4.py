"""Signature Version 4, as S3 checks it: credential scopes, signing keys, canonical requests, signatures.

Only what the local S3 endpoint verifies: the signature of a browser POST policy (the base64 policy is the
string signed) and of a presigned URL (query-string authentication, payload `UNSIGNED-PAYLOAD`).
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from local.aws.environment import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from local.aws.s3.errors import S3Error

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_UNRESERVED = "-_.~"

# The only credentials the local stack knows: the dummies every local process signs with.
_SECRETS = {DUMMY_ACCESS_KEY_ID: DUMMY_SECRET_ACCESS_KEY}


def secret_for(access_key_id: str) -> str | None:
    return _SECRETS.get(access_key_id)


def signature_mismatch(access_key_id: str, string_signed: str, provided: str, **details: str) -> S3Error:
    """S3's 403 `SignatureDoesNotMatch`, with what it says it signed."""
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key "
        "and signing method.",
        AWSAccessKeyId=access_key_id,
        StringToSign=string_signed,
        SignatureProvided=provided,
        **details,
    )


def known_secret(access_key_id: str) -> str:
    """The secret of a key the stack knows; S3's 403 `InvalidAccessKeyId` for any other."""
    secret = secret_for(access_key_id)
    if secret is None:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            AWSAccessKeyId=access_key_id,
        )
    return secret


@dataclass(frozen=True)
class Credential:
    """`<access key id>/<yyyymmdd>/<region>/<service>/aws4_request`."""

    access_key_id: str
    date: str
    region: str
    service: str

    @classmethod
    def parse(cls, text: str) -> Credential:
        parts = text.split("/")
        if len(parts) != 5 or parts[4] != TERMINATOR or not all(parts[:4]):
            raise ValueError(f"not a credential scope: {text!r}")
        access_key_id, date, region, service, _ = parts
        if len(date) != 8 or not date.isdigit():
            raise ValueError(f"not a date: {date!r}")
        return cls(access_key_id, date, region, service)

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


def parse_amz_date(text: str) -> datetime:
    """An `X-Amz-Date` (`20240101T120000Z`), as an aware UTC datetime; ValueError when malformed."""
    return datetime.strptime(text, AMZ_DATE_FORMAT).replace(tzinfo=UTC)


def signing_key(secret: str, credential: Credential) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (credential.date, credential.region, credential.service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(key: bytes, string_to_sign: str) -> str:
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def signatures_match(expected: str, provided: str) -> bool:
    """Constant-time comparison of two hex signatures (case-insensitively, as hex is)."""
    return hmac.compare_digest(expected.lower().encode("ascii"), provided.lower().encode("ascii", "replace"))


def string_to_sign(amz_date: str, credential: Credential, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return "\n".join((ALGORITHM, amz_date, credential.scope, digest))


def _encode(text: str) -> str:
    return quote(text, safe=_UNRESERVED)


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The decoded name-value pairs of a raw query string, in order (`+` stays a plus, as in SigV4)."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs: list[tuple[str, str]], leave_out: str) -> str:
    """Every pair but `leave_out` (the signature), each part URI-encoded, sorted by name then value."""
    encoded = sorted((_encode(name), _encode(value)) for name, value in pairs if name != leave_out)
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_headers(signed_headers: list[str], headers: list[tuple[str, str]]) -> str | None:
    """`name:value\\n` for each signed header (values trimmed, inner spaces folded), or None when one of
    them was not sent."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(value.split()))
    lines = []
    for name in signed_headers:
        if name not in values:
            return None
        lines.append(f"{name}:{','.join(values[name])}\n")
    return "".join(lines)


def canonical_request(
    method: str, raw_path: str, query: str, headers: str, signed_headers: list[str], payload_hash: str
) -> str:
    """The canonical request of an S3 call; S3 signs the path as sent (already encoded, not normalized)."""
    return "\n".join((method, raw_path, query, headers, ";".join(signed_headers), payload_hash))
