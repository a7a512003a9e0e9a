"""Open311 GeoReport v2 through the real handler on moto: every JSON answer is validated against the
open311/schema-validation JSON Schemas kept in `../shared/open311/`, and every XML answer is compared with
the JSON answer's structure."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7 as _DRAFT

from tests.integration.conftest import Answer, claims_of, load_event, table_items

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "open311"
DESCRIPTION = "Lampu jalan di depan SD Negeri 3 mati sejak seminggu; jalan gelap malam hari."
PERSON = {
    "first_name": "Ratna",
    "last_name": "Pelapor",
    "email": "ratna.o311@example.id",
    "phone": "081234567890",
}


def _registry() -> Registry:
    resources = [
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=_DRAFT
            ),
        )
        for path in SCHEMAS.glob("*.json")
        if path.name != "swagger.json"
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(schema: str, document: Any) -> None:
    contents = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        contents, registry=REGISTRY, format_checker=jsonschema.FormatChecker()
    )
    validator.validate(document)


def validate_token_answer(document: Any) -> None:
    """The schema set has no schema of `tokens/{token}`: its items are requests reduced to the id and token,
    so the request schema's properties apply, with those two required."""
    request = json.loads((SCHEMAS / "request.json").read_text(encoding="utf-8"))
    schema = {"type": "array", "items": {**request, "required": ["service_request_id", "token"]}}
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)


def _xml_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    return {child.tag: _xml_value(child) for child in children}


def _plain(value: Any) -> Any:
    """A JSON value as its XML rendering reads back: text, with null empty."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_xml_matches(xml_text: str, document: Any, root: str, item: str | None) -> None:
    tree = ET.fromstring(xml_text)  # noqa: S314 - the handler's own output
    assert tree.tag == root
    if item is None:
        assert _xml_value(tree) == _plain_object(document)
        return
    assert [child.tag for child in tree] == [item] * len(document)
    assert [_xml_value(child) for child in tree] == [_plain_object(entry) for entry in document]


def _plain_object(document: dict[str, Any]) -> Any:
    """Lists inside an object become their repeated item elements (endpoints/endpoint, formats/format)."""
    plain: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, list):
            inner = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}[key]
            plain[key] = (
                {inner: _plain_object(value[0]) if isinstance(value[0], dict) else _plain(value[0])}
                if len(value) == 1
                else ""
                if not value
                else _repeated(inner, value)
            )
        else:
            plain[key] = _plain(value)
    return plain


def _repeated(inner: str, values: list[Any]) -> Any:
    # Repeated tags collapse in a dict: compare the last (the order is checked by the callers' own asserts).
    return {inner: _plain_object(values[-1]) if isinstance(values[-1], dict) else _plain(values[-1])}


@dataclass
class Open311Answer:
    status: int
    content_type: str
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


Call = Callable[..., Open311Answer]


@pytest.fixture
def open311(aws: None) -> Call:
    from open311.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    def call(
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Open311Answer:
        event = copy.deepcopy(load_event("get_discovery", "open311"))
        event["httpMethod"] = method
        event["path"] = f"/open311/v2/{path}"
        event["pathParameters"] = {"proxy": path}
        event["requestContext"]["path"] = f"/v1/open311/v2/{path}"
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()} or None
        if form is not None:
            event["body"] = urlencode(form)
            event["headers"]["Content-Type"] = content_type
        result = lambda_handler(event, LambdaContext("open311", 512, 10))
        return Open311Answer(result["statusCode"], result["headers"]["Content-Type"], result["body"])

    return call


KEY_EVENTS = {
    "post_keys": "post_open311_keys",
    "get_keys": "get_open311_keys",
    "delete_key": "delete_open311_key",
}


@pytest.fixture
def keys(aws: None) -> Callable[..., Answer]:
    """The coordinator's key routes, on the staff function."""
    from staff.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    def call(name: str, role: str = "coordinator", body: Any = None, key_id: str | None = None) -> Answer:
        event = copy.deepcopy(load_event(KEY_EVENTS[name], "staff"))
        event["requestContext"]["authorizer"] = {"claims": claims_of(role)}
        if body is not None:
            event["body"] = json.dumps(body)
        if key_id is not None:
            event["pathParameters"] = {"key_id": key_id}
            event["path"] = f"/staff/open311/keys/{key_id}"
        result = lambda_handler(event, LambdaContext("staff", 512, 10))
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return Answer(
            result["statusCode"], headers, json.loads(result["body"]) if result.get("body") else None
        )

    return call


@pytest.fixture
def api_key(keys: Callable[..., Answer]) -> str:
    issued = keys("post_keys", body={"name": "FixMyStreet"})
    assert issued.status == 201, issued.body
    return str(issued.body["key"])


def _verify(report_id: str) -> None:
    from staff.handler import lambda_handler
    from tools.lambda_context import LambdaContext

    event = copy.deepcopy(load_event("post_verify", "staff"))
    event["requestContext"]["authorizer"] = {"claims": claims_of("coordinator")}
    event["pathParameters"] = {"id": report_id}
    event["path"] = f"/staff/reports/{report_id}/verify"
    result = lambda_handler(event, LambdaContext("staff", 512, 10))
    assert result["statusCode"] == 200, result["body"]


def _post(open311: Call, api_key: str, fmt: str = "json", **fields: str) -> Open311Answer:
    form = {
        "api_key": api_key,
        "service_code": "pju",
        "lat": "-6.9206",
        "long": "106.9298",
        "address_string": "Jl. Siliwangi No. 12",
        "description": DESCRIPTION,
        **PERSON,
        **fields,
    }
    return open311("POST", f"requests.{fmt}", form={k: v for k, v in form.items() if v != ""})


def test_discovery_and_services_match_the_schemas_in_json_and_xml(open311: Call) -> None:
    discovery = open311("GET", "discovery.json")
    assert discovery.status == 200
    assert discovery.json["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert discovery.json["endpoints"][0]["url"].endswith("/v1/open311/v2")
    xml = open311("GET", "discovery.xml")
    assert xml.content_type.startswith("text/xml")
    assert_xml_matches(xml.text, discovery.json, "discovery", None)

    services = open311("GET", "services.json")
    assert services.status == 200
    validate("services.json", services.json)
    codes = {s["service_code"] for s in services.json}
    assert "pju" in codes
    assert all(s["metadata"] is False for s in services.json)
    assert_xml_matches(open311("GET", "services.xml").text, services.json, "services", "service")

    definition = open311("GET", "services/pju.json")
    validate("service-definition.json", definition.json)
    assert definition.json == {"service_code": "pju", "attributes": []}
    unknown = open311("GET", "services/nothing.xml")
    assert unknown.status == 404
    assert_xml_matches(
        unknown.text, [{"code": 404, "description": "no service 'nothing'"}], "errors", "error"
    )


def test_post_refuses_a_missing_or_wrong_key_then_files_a_named_report(
    open311: Call, api_key: str, keys: Callable[..., Answer]
) -> None:
    missing = open311("POST", "requests.json", form={"service_code": "pju", "description": DESCRIPTION})
    assert missing.status == 403
    assert missing.json == [{"code": 403, "description": "a valid api_key is required"}]
    wrong = _post(open311, api_key[:-4] + "AAAA")
    assert wrong.status == 403
    xml_refusal = _post(open311, "nope", fmt="xml")
    assert xml_refusal.status == 403
    assert "<errors><error><code>403</code>" in xml_refusal.text

    filed = _post(open311, api_key)
    assert filed.status == 201, filed.text
    validate("requests.json", filed.json)
    xml_filed = _post(open311, api_key, fmt="xml")
    assert xml_filed.status == 201
    assert ET.fromstring(xml_filed.text).find("request/service_request_id") is not None  # noqa: S314
    [answer] = filed.json
    report_id, token = answer["service_request_id"], answer["token"]
    assert report_id.startswith("LPR-")

    items = {(i["pk"]["S"], i["sk"]["S"]): i for i in table_items()}
    report = items[(f"REPORT#{report_id}", "R")]
    assert report["anonymous"]["BOOL"] is False
    assert report["title"]["S"].startswith("Lampu jalan di depan")
    assert report["location"]["M"]["address"]["S"] == "Jl. Siliwangi No. 12"
    assert (f"IDENTITY#{report_id}", "I") in items  # the reporter's identity, apart
    assert (f"IDENTITY#{report_id}", "K") in items  # access through an access link to the contact on file

    # Not verified yet: not public, but the token names it.
    assert open311("GET", f"requests/{report_id}.json").status == 404
    named = open311("GET", f"tokens/{token}.json")
    assert named.status == 200
    validate_token_answer(named.json)
    assert_xml_matches(open311("GET", f"tokens/{token}.xml").text, named.json, "service_requests", "request")
    assert named.json == [{"service_request_id": report_id, "token": token}]
    assert open311("GET", "tokens/unknown-token.json").status == 404

    # A revoked key stops working at once.
    key_id = keys("get_keys").body["items"][0]["key_id"]
    assert keys("delete_key", key_id=key_id).status == 204
    assert _post(open311, api_key).status == 403


def test_a_nameless_request_is_anonymous_without_identity_or_access(open311: Call, api_key: str) -> None:
    filed = _post(open311, api_key, first_name="", last_name="", email="", phone="")
    assert filed.status == 201, filed.text
    report_id = filed.json[0]["service_request_id"]
    items = {(i["pk"]["S"], i["sk"]["S"]): i for i in table_items()}
    assert items[(f"REPORT#{report_id}", "R")]["anonymous"]["BOOL"] is True
    assert (f"IDENTITY#{report_id}", "I") not in items
    assert (f"IDENTITY#{report_id}", "K") not in items


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"service_code": ""}, "service_code is required"),
        ({"service_code": "nothing"}, "service_code 'nothing' is not a service"),
        ({"description": ""}, "description is required"),
        ({"description": "too short"}, "description"),
        ({"lat": "", "long": "", "address_string": ""}, "a location is required"),
        ({"lat": "north"}, "lat is not a number"),
        ({"lat": "-96.1"}, "lat"),
        ({"email": "", "phone": ""}, "needs an email or a phone"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_invalid_posts_are_400_in_the_specifications_format(
    open311: Call, api_key: str, fields: dict[str, str], problem: str
) -> None:
    refused = _post(open311, api_key, **fields)
    assert refused.status == 400, refused.text
    [error] = refused.json
    assert error["code"] == 400
    assert problem in error["description"]


def test_a_post_that_is_not_form_encoded_is_400(open311: Call, api_key: str) -> None:
    refused = open311("POST", "requests.json", form={"api_key": api_key}, content_type="application/json")
    assert refused.status == 400


def test_an_address_without_coordinates_is_kept_in_the_description(open311: Call, api_key: str) -> None:
    filed = _post(open311, api_key, lat="", long="")
    assert filed.status == 201, filed.text
    report_id = filed.json[0]["service_request_id"]
    _verify(report_id)
    [request] = open311("GET", f"requests/{report_id}.json").json
    assert request["lat"] is None
    assert request["description"].endswith("Lokasi: Jl. Siliwangi No. 12")


def test_verified_reports_are_read_and_listed_without_personal_data(open311: Call, api_key: str) -> None:
    first = _post(open311, api_key).json[0]["service_request_id"]
    second = _post(open311, api_key, service_code="jalan").json[0]["service_request_id"]
    hidden = _post(open311, api_key, address_string="Jl. Ahmad Yani No. 3").json[0]["service_request_id"]
    # (never verified; another address: the same form twice on one day is one report, see below)
    _verify(first)
    _verify(second)

    one = open311("GET", f"requests/{first}.json")
    assert one.status == 200
    validate("requests.json", one.json)
    [request] = one.json
    assert request["service_request_id"] == first
    assert request["status"] == "open"
    assert request["service_code"] == "pju"
    assert request["agency_responsible"] == "Dinas Perhubungan"
    assert request["expected_datetime"]  # the resolve deadline
    assert request["status_notes"] is None  # the verification's note is for staff and the reporter only
    assert request["lat"] == -6.9206
    assert request["long"] == 106.9298
    assert request["address"] == "Jl. Siliwangi No. 12"
    assert request["media_url"] is None
    for personal in PERSON.values():
        assert personal not in one.text
    assert_xml_matches(open311("GET", f"requests/{first}.xml").text, one.json, "service_requests", "request")

    listed = open311("GET", "requests.json")
    validate("requests.json", listed.json)
    assert [r["service_request_id"] for r in listed.json] == [second, first]  # newest first
    assert_xml_matches(open311("GET", "requests.xml").text, listed.json, "service_requests", "request")
    # The coordinator's verification (events/staff/post_verify.json) sets both categories to pju.
    only_pju = open311("GET", "requests.json", query={"service_code": "pju"}).json
    assert [r["service_request_id"] for r in only_pju] == [second, first]
    assert open311("GET", "requests.json", query={"service_code": "jalan"}).json == []
    assert open311("GET", "requests.json", query={"status": "closed"}).json == []
    assert len(open311("GET", "requests.json", query={"status": "open,closed"}).json) == 2
    paged = open311("GET", "requests.json", query={"page": "2", "page_size": "1"}).json
    assert [r["service_request_id"] for r in paged] == [first]
    by_id = open311("GET", "requests.json", query={"service_request_id": f"{first},{hidden},LPR-0000-0000"})
    assert [r["service_request_id"] for r in by_id.json] == [first]
    assert open311("GET", f"requests/{hidden}.json").status == 404


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"status": "fixed"},
        {"page": "0"},
        {"page_size": "1000"},
    ],
)
def test_bad_list_parameters_are_400(open311: Call, query: dict[str, str]) -> None:
    refused = open311("GET", "requests.xml", query=query)
    assert refused.status == 400
    assert ET.fromstring(refused.text).tag == "errors"  # noqa: S314


def test_unknown_paths_and_methods(open311: Call) -> None:
    assert open311("GET", "nothing.json").status == 404
    assert open311("GET", "requests").status == 404  # no format
    assert open311("DELETE", "requests.json").status == 405
    assert open311("GET", "requests/LPR-0000-0000.json").status == 404


def test_servicerequestupdates_show_the_public_timeline_with_extended_statuses(
    open311: Call, api_key: str
) -> None:
    report_id = _post(open311, api_key).json[0]["service_request_id"]
    _verify(report_id)
    found = open311("GET", "servicerequestupdates.json")
    assert found.status == 200
    statuses = [(u["service_request_id"], u["status"]) for u in found.json]
    assert statuses == [(report_id, "open"), (report_id, "action_scheduled")]
    assert found.json[1]["description"] == ""  # the verification's note is not public
    assert_xml_matches(
        open311("GET", "servicerequestupdates.xml").text,
        found.json,
        "service_requests_updates",
        "request_update",
    )


def test_only_the_coordinator_manages_keys(keys: Callable[..., Answer]) -> None:
    assert keys("post_keys", role="operator", body={"name": "x"}).status == 403
    assert keys("get_keys", role="leadership").status == 403
    issued = keys("post_keys", body={"name": "FixMyStreet"})
    assert issued.status == 201
    assert set(issued.body) == {"key", "key_id", "name", "created_at"}
    listed = keys("get_keys").body["items"]
    assert listed == [{k: v for k, v in issued.body.items() if k != "key"}]
    assert issued.body["key"] not in json.dumps(table_items())  # only its hash is stored
    assert keys("post_keys", body={"name": " "}).status == 422
    assert keys("delete_key", key_id="nothing").status == 404


def test_a_scrubbed_photo_is_the_requests_media_url(open311: Call, invoke: Any) -> None:
    from tests.integration.test_attachments_api import uploaded_and_scrubbed
    from tests.integration.test_casework_api import file_report
    from tests.photos import make_jpeg

    filed = file_report(invoke)
    uploaded_and_scrubbed(invoke, filed, b"%PDF-1.7\n%%EOF\n", "application/pdf")  # never public
    scrubbed = uploaded_and_scrubbed(invoke, filed, make_jpeg())
    _verify(filed["id"])
    one = open311("GET", f"requests/{filed['id']}.json")
    validate("requests.json", one.json)
    media_url = one.json[0]["media_url"]
    assert f"/clean/{filed['id']}/{scrubbed['attachment_id']}" in media_url
    assert "X-Amz-Signature=" in media_url
    xml_text = open311("GET", f"requests/{filed['id']}.xml").text
    xml_media_url = ET.fromstring(xml_text).findtext("request/media_url") or ""  # noqa: S314 - our own answer
    assert xml_media_url.split("?")[0] == media_url.split("?")[0]  # signed anew at each read
    expected = [{**one.json[0], "media_url": xml_media_url}]
    assert_xml_matches(xml_text, expected, "service_requests", "request")
    listed = open311("GET", "requests.json")
    [again] = [r["media_url"] for r in listed.json if r["service_request_id"] == filed["id"]]
    assert again.split("?")[0] == media_url.split("?")[0]  # signed anew at each read


def test_a_retried_post_finds_the_report_its_first_try_filed(open311: Call, api_key: str) -> None:
    first = _post(open311, api_key).json[0]
    again = _post(open311, api_key).json[0]  # the client did not get the answer and sends the form again
    assert again["service_request_id"] == first["service_request_id"]
    assert again["token"] == first["token"]
    other = _post(open311, api_key, address_string="Jl. Ahmad Yani No. 3").json[0]
    assert other["service_request_id"] != first["service_request_id"]
    reports = [i for i in table_items() if i["sk"]["S"] == "R"]
    assert len(reports) == 2


def test_a_cancelled_filing_is_503_with_retry_after_and_the_retry_files_it(
    open311: Call, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lapor.adapters.dynamodb.repository import DynamoReportRepository

    real = DynamoReportRepository._transact
    calls = {"n": 0}

    def conflicted(self: DynamoReportRepository, items: list[Any]) -> list[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            return ["None", "TransactionConflict", *["None"] * (len(items) - 2)]
        return real(self, items)

    monkeypatch.setattr(DynamoReportRepository, "_transact", conflicted)
    busy = _post(open311, api_key)
    assert busy.status == 503
    assert busy.json == [{"code": 503, "description": "busy: try again shortly"}]
    retry = _post(open311, api_key)
    assert retry.status == 201
    assert len([i for i in table_items() if i["sk"]["S"] == "R"]) == 1


def test_the_route_table_and_the_handlers_name_the_same_resources_and_methods(aws: None) -> None:
    from lapor.domain.open311 import ROUTE_METHODS
    from open311 import georeport

    listed = {(*resource, method) for resource, methods in ROUTE_METHODS.items() for method in methods}
    assert listed == set(georeport._HANDLERS)
