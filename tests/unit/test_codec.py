"""The DynamoDB attribute codec (written out so that the adapter's import does not load boto3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lapor.adapters.dynamodb.codec import from_item, to_item, value


def test_round_trip_of_a_report_shaped_item() -> None:
    plain = {
        "pk": "REPORT#LPR-0000-0001",
        "version": 3,
        "location": {"lat": -6.9175, "lon": 106.9267, "address": None},
        "flags": [True, False],
        "rating": None,
        "title": "Banjir 🌊",
    }
    item = to_item(plain)
    assert "rating" not in item
    assert item["location"] == {"M": {"lat": {"N": "-6.9175"}, "lon": {"N": "106.9267"}}}
    back = from_item(item)
    assert back == {k: v for k, v in plain.items() if v is not None} | {
        "location": {"lat": -6.9175, "lon": 106.9267}
    }
    assert isinstance(back["version"], int)


def test_numbers_come_back_as_int_or_float() -> None:
    assert from_item({"n": {"N": "2"}, "f": {"N": "2.5"}}) == {"n": 2, "f": 2.5}
    assert value(Decimal("1.10")) == {"N": "1.10"}


def test_unstorable_values_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        value(float("nan"))
    with pytest.raises(TypeError):
        value(object())
