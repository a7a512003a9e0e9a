"""CORS as the functions answer it in AWS (API.md "Browsers"): `ALLOWED_ORIGINS` gets the grant on every
answer, errors and the guards' refusals included; a preflight answers 204 with the route's own methods; any
other origin gets no `Access-Control-Allow-*` header."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Answer, Invoke, build_event

WEB = "https://d111111abcdef8.cloudfront.net"
PORTAL = "https://portal.sukabumikota.go.id"
STRANGER = "https://evil.example"
ALLOW_HEADERS = "Content-Type, Authorization, X-Report-Token, Idempotency-Key, If-Match, Accept-Language"


@pytest.fixture(autouse=True)
def allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{WEB},{PORTAL},")


def preflight(event: dict[str, Any], origin: str, method: str) -> dict[str, Any]:
    event = dict(event, httpMethod="OPTIONS", body=None)
    event["headers"] = {"Origin": origin, "Access-Control-Request-Method": method}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def _intake(event: dict[str, Any]) -> Answer:
    from intake.handler import lambda_handler
    from tests.integration.conftest import _answer
    from tools.lambda_context import LambdaContext

    return _answer(lambda_handler(event, LambdaContext("intake", 512, 10)))


def _granted(answer: Answer, origin: str) -> None:
    assert answer.headers["access-control-allow-origin"] == origin
    assert answer.headers["access-control-expose-headers"] == "ETag, Location, Retry-After"
    assert answer.headers["vary"] == "Origin"


def _no_grant(answer: Answer) -> None:
    assert not [name for name in answer.headers if name.startswith("access-control-")]


@pytest.mark.usefixtures("aws")
def test_a_preflight_from_an_allowed_origin_gets_the_routes_methods() -> None:
    answer = _intake(preflight(build_event("post_reports"), PORTAL, "POST"))
    assert answer.status == 204
    _granted(answer, PORTAL)
    assert answer.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert answer.headers["access-control-allow-headers"] == ALLOW_HEADERS
    assert int(answer.headers["access-control-max-age"]) > 0

    one = _intake(preflight(build_event("get_report", report_id="LPR-AAAA-BBBB"), WEB, "GET"))
    assert one.headers["access-control-allow-methods"] == "GET, OPTIONS"


@pytest.mark.usefixtures("aws")
def test_a_preflight_from_a_stranger_gets_no_grant() -> None:
    answer = _intake(preflight(build_event("post_reports"), STRANGER, "POST"))
    assert answer.status == 204
    _no_grant(answer)


def test_every_answer_to_an_allowed_origin_carries_the_grant_errors_included(invoke: Invoke) -> None:
    listed = invoke("get_categories", headers={"Origin": WEB})
    assert listed.status == 200
    _granted(listed, WEB)
    missing = invoke("get_report", report_id="LPR-ZZZZ-ZZZZ", headers={"Origin": PORTAL})
    assert missing.status == 404
    _granted(missing, PORTAL)
    refused = invoke("post_reports", raw_body="a=b", headers={"Origin": WEB, "Content-Type": "text/plain"})
    assert refused.status == 415  # the guard, before the resolver
    _granted(refused, WEB)


def test_other_origins_and_no_origin_get_no_grant(invoke: Invoke) -> None:
    _no_grant(invoke("get_categories", headers={"Origin": STRANGER}))
    _no_grant(invoke("get_categories", headers={"Origin": "null"}))
    _no_grant(invoke("get_categories"))


def test_the_staff_api_too(staff: Invoke) -> None:
    listed = staff("get_staff_reports", headers={"Origin": WEB})
    assert listed.status == 200
    _granted(listed, WEB)
    unauthorized = staff("get_staff_reports", role=None, headers={"Origin": PORTAL})
    assert unauthorized.status == 401
    _granted(unauthorized, PORTAL)
    _no_grant(staff("get_staff_reports", headers={"Origin": STRANGER}))


def _open311(method: str, proxy: str, headers: dict[str, str]) -> Answer:
    import copy

    from open311.handler import lambda_handler
    from tests.integration.conftest import _answer, load_event
    from tools.lambda_context import LambdaContext

    event = copy.deepcopy(load_event("get_services", "open311"))
    event.update(httpMethod=method, path=f"/open311/v2/{proxy}", pathParameters={"proxy": proxy}, body=None)
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    return _answer(lambda_handler(event, LambdaContext("open311", 512, 10)))


@pytest.mark.usefixtures("aws")
def test_open311_reads_are_open_to_any_origin_and_its_filing_is_granted_as_the_api_is() -> None:
    for origin in (WEB, STRANGER):
        read = _open311("GET", "services.json", {"Origin": origin})
        assert read.status == 200
        assert read.headers["access-control-allow-origin"] == "*"
        assert read.headers["access-control-expose-headers"] == "ETag, Location, Retry-After"
    missing = _open311("GET", "services/nope.json", {"Origin": WEB})
    assert missing.status == 404
    assert missing.headers["access-control-allow-origin"] == "*"

    preflight = _open311(
        "OPTIONS", "requests.json", {"Origin": PORTAL, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 204
    _granted(preflight, PORTAL)
    assert preflight.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert preflight.headers["access-control-allow-headers"] == ALLOW_HEADERS
    one = _open311("OPTIONS", "services.json", {"Origin": WEB, "Access-Control-Request-Method": "GET"})
    assert one.headers["access-control-allow-methods"] == "GET, OPTIONS"
    _no_grant(
        _open311("OPTIONS", "requests.json", {"Origin": STRANGER, "Access-Control-Request-Method": "POST"})
    )

    filing = _open311(
        "POST", "requests.json", {"Origin": WEB, "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert filing.status == 403  # no api_key
    _granted(filing, WEB)
    _no_grant(_open311("POST", "requests.json", {"Origin": STRANGER}))
