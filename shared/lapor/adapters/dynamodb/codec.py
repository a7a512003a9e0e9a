"""Plain JSON-shaped values to DynamoDB attribute values and back.

Numbers go through `Decimal` (DynamoDB has no float); on the way back whole numbers become `int` and the
rest `float`. `None` values are left out of maps rather than stored as NULL.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_CONTEXT = Context(prec=38)


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _CONTEXT.create_decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def to_item(plain: dict[str, Any]) -> dict[str, AttributeValueTypeDef]:
    """A JSON-shaped dict as a DynamoDB item (attributes whose value is None are left out)."""
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in plain.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def value(plain: Any) -> AttributeValueTypeDef:
    return _serializer.serialize(_to_dynamo(plain))
