"""Open311's pure mapping: statuses, titles, ranges, keys, form fields, XML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from lapor.domain.catalog import Category
from lapor.domain.lifecycle import Status
from lapor.domain.open311 import (
    CLOSED,
    EXTENDED_STATUS,
    Open311Error,
    date_range,
    filing,
    key_id_of,
    new_api_key,
    open_or_closed,
    page_of,
    request_ids,
    statuses_of,
    title_from,
    to_xml,
)

PJU = Category(code="pju", name="Penerangan Jalan Umum", default_agency_id="dishub", default_type="complaint")
NOW = datetime(2026, 3, 17, 3, tzinfo=UTC)
TEXT = "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari."


def test_every_status_has_an_extended_status_and_open_or_closed() -> None:
    assert set(EXTENDED_STATUS) == set(Status)
    assert {open_or_closed(s) for s in Status} == {"open", "closed"}
    assert {Status.DONE, Status.ARCHIVED, Status.REFERRED} == CLOSED
    assert statuses_of("closed") == CLOSED
    assert statuses_of("open,closed") == frozenset(Status)
    assert statuses_of(None) is None
    with pytest.raises(Open311Error):
        statuses_of("fixed")


def test_the_title_is_the_first_words_within_the_limits() -> None:
    assert (
        title_from(TEXT, "x")
        == "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari."
    )
    long = title_from("kata " * 60, "x")
    assert len(long) <= 80
    assert long.endswith("kata…")
    assert title_from("  ab  ", "Penerangan") == "Penerangan"


def test_ranges_default_to_90_days_and_refuse_more() -> None:
    since, until = date_range(None, None, NOW)
    assert until - since == timedelta(days=90)
    since, until = date_range("2026-03-01T00:00:00+07:00", None, NOW)
    assert until == NOW
    with pytest.raises(Open311Error, match="90 days"):
        date_range("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", NOW)
    with pytest.raises(Open311Error, match="before"):
        date_range("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", NOW)
    naive, _ = date_range("2026-03-01T00:00:00", "2026-03-02T00:00:00", NOW)
    assert naive.utcoffset() == timedelta(hours=7)  # WIB
    assert page_of(None, None) == (1, 20)
    with pytest.raises(Open311Error):
        page_of("1", "21")  # at most 20 a page: each costs a read
    with pytest.raises(Open311Error):
        page_of("51", "20")  # past the 1000th request
    assert request_ids(",".join(f"LPR-0000-{n:04d}" for n in range(20)))
    with pytest.raises(Open311Error, match="1 to 20"):
        request_ids(",".join(f"LPR-0000-{n:04d}" for n in range(21)))


def test_keys_name_their_id() -> None:
    key_id, key = new_api_key()
    assert key_id_of(key) == key_id
    assert key_id_of("o311_short_x") is None
    assert key_id_of("") is None


def test_a_filing_maps_the_form_fields() -> None:
    fields = {
        "service_code": "pju",
        "lat": "-6.92",
        "long": "106.93",
        "description": TEXT,
        "first_name": "Ratna",
        "last_name": "Pelapor",
        "phone": "0812 3456 7890",
    }
    made = filing(fields, {"pju": PJU}.get)
    assert made.identity is not None
    assert made.identity.name == "Ratna Pelapor"
    assert made.report.anonymous is False
    assert made.report.category == "pju"
    assert made.report.type == "complaint"
    assert made.report.location is not None
    assert made.report.location.lat == -6.92
    nameless = filing({**fields, "first_name": "", "last_name": ""}, {"pju": PJU}.get)
    assert nameless.identity is None
    assert nameless.report.anonymous is True
    assert "Ratna" not in repr(made)


def test_xml_escapes_text_and_renders_null_as_empty() -> None:
    xml = to_xml("requests", [{"service_request_id": "LPR-1", "description": "<b>&</b>", "lat": None}])
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None
    assert request.findtext("description") == "<b>&</b>"
    assert request.findtext("lat") == ""


def test_the_route_table_names_each_resources_methods() -> None:
    from lapor.domain.open311 import route_methods

    assert route_methods("requests.json") == {"GET", "POST"}
    assert route_methods("requests/LPR-AAAA-BBBB.xml") == {"GET"}
    assert route_methods("requests/.json") == frozenset()
    assert route_methods("requests.html") == frozenset()
    assert route_methods("tokens.json") == frozenset()  # a token is always named
