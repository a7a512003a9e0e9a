"""Plain JSON-shaped values to DynamoDB attribute values and back.

Numbers go through `Decimal` text (DynamoDB has no float); on the way back whole numbers become `int` and
the rest `float`. `None` values are left out of maps rather than stored as NULL. Written out here rather
than borrowed from boto3's TypeSerializer so that importing the adapter does not import boto3: the
handlers' cold start pays for the SDK only when a route first needs a client.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


def value(plain: Any) -> AttributeValueTypeDef:
    """One plain value as a DynamoDB attribute value."""
    if plain is None:
        return {"NULL": True}
    if isinstance(plain, bool):
        return {"BOOL": plain}
    if isinstance(plain, str):
        return {"S": plain}
    if isinstance(plain, int | float | Decimal):
        return {"N": _number(plain)}
    if isinstance(plain, dict):
        return {"M": {str(k): value(v) for k, v in plain.items() if v is not None}}
    if isinstance(plain, list | tuple):
        return {"L": [value(v) for v in plain]}
    raise TypeError(f"cannot store a {type(plain).__name__}")


def plain_value(attribute: Any) -> Any:
    """One DynamoDB attribute value as a plain value."""
    ((kind, content),) = attribute.items()
    if kind == "S":
        return content
    if kind == "N":
        number = Decimal(content)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "BOOL":
        return bool(content)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: plain_value(v) for k, v in content.items()}
    if kind == "L":
        return [plain_value(v) for v in content]
    raise TypeError(f"unexpected attribute type {kind}")


def to_item(plain: dict[str, Any]) -> dict[str, AttributeValueTypeDef]:
    """A JSON-shaped dict as a DynamoDB item (attributes whose value is None are left out)."""
    return {k: value(v) for k, v in plain.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in item.items()}


def _number(number: float | Decimal) -> str:
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ValueError("DynamoDB stores finite numbers only")
        return repr(number)
    return str(number)
