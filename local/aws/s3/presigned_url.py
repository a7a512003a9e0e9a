"""Check a presigned S3 URL (SigV4 query-string authentication), as S3 does before it serves the object.

The canonical request is rebuilt from the request as received: its method, its path as sent, every query
parameter but `X-Amz-Signature`, the headers named by `X-Amz-SignedHeaders` (the `Host` the client sent)
and `UNSIGNED-PAYLOAD`. The URL is good from `X-Amz-Date` for `X-Amz-Expires` seconds.
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
"""

from __future__ import annotations

from datetime import datetime, timedelta

from local.aws.environment import REGION
from local.aws.s3.errors import S3Error, access_denied
from local.aws.s3.sigv4 import (
    ALGORITHM,
    UNSIGNED_PAYLOAD,
    Credential,
    canonical_headers,
    canonical_query,
    canonical_request,
    known_secret,
    parse_amz_date,
    query_pairs,
    signature,
    signature_mismatch,
    signatures_match,
    signing_key,
    string_to_sign,
)

SIGNATURE_PARAMETER = "X-Amz-Signature"
REQUIRED_PARAMETERS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-Date",
    "X-Amz-SignedHeaders",
    "X-Amz-Expires",
)
MAX_EXPIRES_SECONDS = 7 * 24 * 3600
CLOCK_SKEW = timedelta(minutes=15)
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# The query parameters that set a header of the answer (allowed on signed requests only, as these are).
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def _parameters_error(message: str, **details: str | int) -> S3Error:
    return S3Error(400, "AuthorizationQueryParametersError", message, **details)


def verify_presigned_url(
    method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]], now: datetime
) -> list[tuple[str, str]]:
    """The header overrides the URL asks for (`response-content-type`...), or the S3Error S3 answers."""
    pairs = query_pairs(raw_query)
    parameters = dict(pairs)
    present = [name for name in REQUIRED_PARAMETERS if name in parameters]
    if not present:
        raise access_denied()  # an anonymous request; the bucket is private
    if len(present) < len(REQUIRED_PARAMETERS):
        raise _parameters_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
        )
    if parameters["X-Amz-Algorithm"] != ALGORITHM:
        raise _parameters_error(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    credential = _credential(parameters["X-Amz-Credential"])
    amz_date = parameters["X-Amz-Date"]
    try:
        signed_at = parse_amz_date(amz_date)
    except ValueError:
        raise _parameters_error("X-Amz-Date must be in the ISO8601 Long Format") from None
    if signed_at.strftime("%Y%m%d") != credential.date:
        raise _parameters_error("Invalid credential date. Date is not the same as X-Amz-Date.")
    expires = _expires(parameters["X-Amz-Expires"])
    secret = known_secret(credential.access_key_id)
    signed_headers = parameters["X-Amz-SignedHeaders"].lower().split(";")
    header_lines = canonical_headers(signed_headers, headers)
    request = canonical_request(
        method.upper(),
        raw_path,
        canonical_query(pairs, leave_out=SIGNATURE_PARAMETER),
        header_lines or "",
        signed_headers,
        UNSIGNED_PAYLOAD,
    )
    to_sign = string_to_sign(amz_date, credential, request)
    provided = parameters[SIGNATURE_PARAMETER]
    expected = signature(signing_key(secret, credential), to_sign)
    if header_lines is None or not signatures_match(expected, provided):
        raise signature_mismatch(credential.access_key_id, to_sign, provided, CanonicalRequest=request)
    if now < signed_at - CLOCK_SKEW:
        raise access_denied("Request is not valid yet")
    expires_at = signed_at + timedelta(seconds=expires)
    if now > expires_at:
        details: dict[str, str | int] = {
            "X-Amz-Expires": expires,
            "Expires": expires_at.strftime(ISO_FORMAT),
            "ServerTime": now.strftime(ISO_FORMAT),
        }
        raise access_denied("Request has expired", **details)
    return [(RESPONSE_OVERRIDES[name], value) for name, value in pairs if name in RESPONSE_OVERRIDES]


def _credential(text: str) -> Credential:
    try:
        credential = Credential.parse(text)
    except ValueError:
        raise _parameters_error(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        ) from None
    if credential.region != REGION:
        raise _parameters_error(
            f"Error parsing the X-Amz-Credential parameter; the region '{credential.region}' is wrong; "
            f"expecting '{REGION}'",
            Region=REGION,
        )
    if credential.service != "s3":
        raise _parameters_error(
            f"Error parsing the X-Amz-Credential parameter; incorrect service '{credential.service}'. This "
            "endpoint belongs to 's3'."
        )
    return credential


def _expires(text: str) -> int:
    if not text.isdigit():
        raise _parameters_error("X-Amz-Expires should be a number")
    seconds = int(text)
    if seconds > MAX_EXPIRES_SECONDS:
        raise _parameters_error(
            f"X-Amz-Expires must be less than a week (in seconds) that is; {MAX_EXPIRES_SECONDS}"
        )
    return seconds
