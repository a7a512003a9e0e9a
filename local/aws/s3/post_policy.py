"""Check a browser upload (S3 POST Object) against its POST policy, as S3 does; moto checks none of it.

The policy is base64 JSON (`expiration`, `conditions`) signed with SigV4: the string signed is the base64
policy itself, with the signing key of the `x-amz-credential` scope. S3 then requires that the policy has not
expired, that every condition holds (`{"field": "value"}` and `["eq", "$field", value]` match exactly,
`["starts-with", "$field", prefix]`, `["content-length-range", min, max]` on the file's size; `bucket` is
the bucket posted to) and that every form field but `policy`, `x-amz-signature`, `file` and `x-ignore-*`
is named by a condition. Field names are case-insensitive, values are not.
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from local.aws.environment import REGION
from local.aws.s3.errors import S3Error, access_denied, invalid_argument
from local.aws.s3.multipart_form import FILE_FIELD, PostForm
from local.aws.s3.sigv4 import (
    ALGORITHM,
    Credential,
    known_secret,
    parse_amz_date,
    signature,
    signature_mismatch,
    signatures_match,
    signing_key,
)

S3_SERVICE = "s3"
POLICY_FIELD = "policy"
SIGNATURE_FIELD = "x-amz-signature"
UNCHECKED_FIELDS = frozenset({POLICY_FIELD, SIGNATURE_FIELD, FILE_FIELD})
UNCHECKED_PREFIX = "x-ignore-"
BUCKET_CONDITION = "bucket"
FILENAME_VARIABLE = "${filename}"
MAX_KEY_BYTES = 1024
EQ, STARTS_WITH, LENGTH_RANGE = "eq", "starts-with", "content-length-range"
POLICY_FAILED = "Invalid according to Policy: Policy Condition failed: "


@dataclass(frozen=True)
class Upload:
    """A form that passed every check: what to store."""

    bucket: str
    key: str
    data: bytes
    fields: dict[str, str]  # by lower-case name, `key` expanded

    def field(self, name: str) -> str | None:
        return self.fields.get(name.lower())


@dataclass(frozen=True)
class Condition:
    operator: str  # EQ, STARTS_WITH or LENGTH_RANGE
    field: str  # lower case, without the `$`; "" for LENGTH_RANGE
    value: str
    minimum: int = 0
    maximum: int = 0
    shown: str = ""  # as S3 quotes it when it fails

    def holds(self, bucket: str, fields: dict[str, str]) -> bool:
        actual = bucket if self.field == BUCKET_CONDITION else fields.get(self.field, "")
        if self.operator == EQ:
            return actual == self.value
        if self.field == "content-type":  # each of a list of types must start with the prefix
            return all(part.strip().startswith(self.value) for part in actual.split(","))
        return actual.startswith(self.value)


def verify_upload(bucket: str, form: PostForm, now: datetime) -> Upload:
    """The upload to store, or the S3Error S3 would answer (nothing is stored then)."""
    fields = _fields_by_name(form)
    if form.file is None:
        raise invalid_argument("POST requires exactly one file upload per request.", FILE_FIELD, "0")
    key = fields.get("key")
    if not key:
        raise invalid_argument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of "
            "the fields.",
            "key",
        )
    fields["key"] = key = key.replace(FILENAME_VARIABLE, form.file.filename)
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise S3Error(400, "KeyTooLongError", "Your key is too long", MaxSizeAllowed=MAX_KEY_BYTES)
    policy_text = fields.get(POLICY_FIELD)
    if policy_text is None:
        raise access_denied()  # an anonymous upload; the bucket is private
    _verify_signature(fields, policy_text)
    expiration, conditions = _read_policy(policy_text)
    if now >= expiration:
        raise access_denied("Invalid according to Policy: Policy expired.")
    for condition in conditions:
        if condition.operator != LENGTH_RANGE and not condition.holds(bucket, fields):
            raise access_denied(POLICY_FAILED + condition.shown)
    named = {condition.field for condition in conditions}
    extra = [
        name
        for name, _ in form.fields
        if name.lower() not in named
        and name.lower() not in UNCHECKED_FIELDS
        and not name.lower().startswith(UNCHECKED_PREFIX)
    ]
    if extra:
        raise access_denied("Invalid according to Policy: Extra input fields: " + ", ".join(extra))
    size = len(form.file.data)
    for condition in conditions:
        if condition.operator == LENGTH_RANGE:
            _check_size(size, condition)
    return Upload(bucket=bucket, key=key, data=form.file.data, fields=fields)


def _fields_by_name(form: PostForm) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in form.fields:
        lower = name.lower()
        if lower in fields:
            raise invalid_argument(f"The form field {name} appears more than once.", name, value)
        fields[lower] = value
    return fields


def _required(fields: dict[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise invalid_argument(f"Bucket POST must contain a field named '{name}'.", name)
    return value


def _verify_signature(fields: dict[str, str], policy_text: str) -> None:
    algorithm = _required(fields, "x-amz-algorithm")
    if algorithm != ALGORITHM:
        raise invalid_argument(
            f"The algorithm {algorithm} is not supported; use {ALGORITHM}.", "x-amz-algorithm", algorithm
        )
    credential_text = _required(fields, "x-amz-credential")
    try:
        credential = Credential.parse(credential_text)
    except ValueError:
        raise invalid_argument(
            "Invalid argument: the credential is malformed.", "x-amz-credential", credential_text
        ) from None
    if credential.service != S3_SERVICE:
        raise invalid_argument(
            f"The credential's service '{credential.service}' is wrong; expecting 's3'.",
            "x-amz-credential",
            credential_text,
        )
    if credential.region != REGION:
        raise S3Error(
            400,
            "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; the region '{credential.region}' is wrong; "
            f"expecting '{REGION}'",
            Region=REGION,
        )
    amz_date = _required(fields, "x-amz-date")
    try:
        signed_at = parse_amz_date(amz_date)
    except ValueError:
        raise invalid_argument(
            "X-Amz-Date must be in the ISO8601 Long Format", "x-amz-date", amz_date
        ) from None
    if signed_at.strftime("%Y%m%d") != credential.date:
        raise invalid_argument(
            "Invalid credential date. Date is not the same as X-Amz-Date.",
            "x-amz-credential",
            credential_text,
        )
    secret = known_secret(credential.access_key_id)
    provided = _required(fields, SIGNATURE_FIELD)
    if not signatures_match(signature(signing_key(secret, credential), policy_text), provided):
        raise signature_mismatch(credential.access_key_id, policy_text, provided)


def _invalid_policy(reason: str) -> S3Error:
    return S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


def _read_policy(policy_text: str) -> tuple[datetime, list[Condition]]:
    try:
        document = json.loads(base64.b64decode("".join(policy_text.split()), validate=True))
    except (binascii.Error, ValueError):
        raise _invalid_policy("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise _invalid_policy("Invalid JSON.")
    if "expiration" not in document:
        raise _invalid_policy("Policy missing expiration.")
    if "conditions" not in document:
        raise _invalid_policy("Policy missing conditions.")
    expiration = document["expiration"]
    try:
        parsed = datetime.fromisoformat(expiration) if isinstance(expiration, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _invalid_policy(f"Invalid 'expiration' value: '{expiration}'")
    if not isinstance(document["conditions"], list):
        raise _invalid_policy("Invalid 'conditions' value: must be a list.")
    return parsed, [condition for item in document["conditions"] for condition in _conditions(item)]


def _conditions(item: Any) -> list[Condition]:
    if isinstance(item, dict) and item:
        found = []
        for name, value in item.items():
            if not isinstance(value, str):
                raise _invalid_policy(f"Invalid Simple-Condition: value of {name} must be a string.")
            shown = json.dumps([EQ, f"${name}", value])
            found.append(Condition(EQ, str(name).lower(), value, shown=shown))
        return found
    if not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str):
        raise _invalid_policy(f"Invalid Condition: {json.dumps(item)}")
    operator, shown = item[0].lower(), json.dumps(item)
    if operator == LENGTH_RANGE:
        minimum, maximum = _length(item[1]), _length(item[2])
        if minimum is None or maximum is None or minimum > maximum:
            raise _invalid_policy(f"Invalid content-length-range: {shown}")
        return [Condition(LENGTH_RANGE, "", "", minimum, maximum, shown)]
    if operator not in (EQ, STARTS_WITH):
        raise _invalid_policy(f"Invalid Condition: unknown operator in {shown}")
    field, value = item[1], item[2]
    if not isinstance(field, str) or not field.startswith("$") or not isinstance(value, str):
        raise _invalid_policy(f"Invalid Condition: {shown}")
    return [Condition(operator, field[1:].lower(), value, shown=shown)]


def _length(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _check_size(size: int, condition: Condition) -> None:
    if size > condition.maximum:
        raise S3Error(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            ProposedSize=size,
            MaxSizeAllowed=condition.maximum,
        )
    if size < condition.minimum:
        raise S3Error(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            ProposedSize=size,
            MinSizeAllowed=condition.minimum,
        )
