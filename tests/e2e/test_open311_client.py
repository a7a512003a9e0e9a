"""A scripted Open311 GeoReport v2 client against the local stack, knowing only the specification (and the
coordinator's key route, which is how a city hands a client its api_key): discovery -> services -> post
(form-encoded) -> token -> request (404 until the coordinator verifies it) -> list."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import requests

from tests.e2e.http_client import TIMEOUT, Api

pytestmark = pytest.mark.e2e


def test_an_open311_client_session(api: Api) -> None:
    issued = api.post("/staff/open311/keys", {"name": "Open311 test client"}, api.coordinator)
    assert issued.status_code == 201, issued.text
    api_key = issued.json()["key"]

    discovery = requests.get(api.url("/open311/v2/discovery.json"), timeout=TIMEOUT)
    assert discovery.status_code == 200
    [endpoint] = [e for e in discovery.json()["endpoints"] if e["specification"].endswith("GeoReport_v2")]
    base = api.url("/open311/v2")
    assert "application/json" in endpoint["formats"]

    services = requests.get(f"{base}/services.json", timeout=TIMEOUT).json()
    service_code = services[0]["service_code"]
    assert services[0]["metadata"] is False  # no definition to fetch

    form = {
        "api_key": api_key,
        "service_code": service_code,
        "lat": "-6.9206",
        "long": "106.9298",
        "address_string": "Jl. Siliwangi No. 12, Citamiang",
        "description": "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari.",
        "first_name": "Ratna",
        "last_name": "Open311",
        "email": "ratna.open311@example.id",
    }
    refused = requests.post(f"{base}/requests.json", data={**form, "api_key": "wrong"}, timeout=TIMEOUT)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
    posted = requests.post(f"{base}/requests.json", data=form, timeout=TIMEOUT)
    assert posted.status_code == 201, posted.text
    token = posted.json()[0]["token"]

    by_token = requests.get(f"{base}/tokens/{token}.json", timeout=TIMEOUT)
    assert by_token.status_code == 200
    request_id = by_token.json()[0]["service_request_id"]
    assert request_id == posted.json()[0]["service_request_id"]

    assert requests.get(f"{base}/requests/{request_id}.json", timeout=TIMEOUT).status_code == 404
    verify = {
        "type": "complaint",
        "requires_supervision": False,
        "category": service_code,
        "agency_id": "dishub",
        "note": "Diteruskan ke Dishub.",
    }
    api.act(request_id, "verify", verify, api.coordinator)

    [request] = requests.get(f"{base}/requests/{request_id}.json", timeout=TIMEOUT).json()
    assert request["status"] == "open"
    assert request["agency_responsible"]
    assert "Ratna" not in str(request)
    xml = requests.get(f"{base}/requests/{request_id}.xml", timeout=TIMEOUT)
    assert ET.fromstring(xml.text).findtext("request/service_request_id") == request_id  # noqa: S314

    listed = requests.get(f"{base}/requests.json", params={"service_code": service_code}, timeout=TIMEOUT)
    assert request_id in [r["service_request_id"] for r in listed.json()]
    updates = requests.get(f"{base}/servicerequestupdates.json", timeout=TIMEOUT).json()
    assert (request_id, "action_scheduled") in [(u["service_request_id"], u["status"]) for u in updates]
