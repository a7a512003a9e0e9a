"""CORS at the local gateway (local/gateway/cors.py): which origins, which methods, which headers."""

from __future__ import annotations

import pytest

from local.gateway.cors import Cors, LocalOrigins
from local.gateway.http_types import IncomingRequest, OutgoingResponse
from local.gateway.routes import RouteTable
from local.template import ApiRoute

ROUTES = RouteTable(
    [
        ApiRoute("POST", "/reports", "Intake", "Create", None),
        ApiRoute("GET", "/reports", "Intake", "List", None),
        ApiRoute("GET", "/reports/{id}", "Intake", "Get", None),
        ApiRoute("OPTIONS", "/reports/{id}", "Intake", "Preflight", None),
        ApiRoute("POST", "/staff/reports/{id}/verify", "Staff", "Verify", "CognitoAuthorizer"),
        ApiRoute("ANY", "/open311/v2/{proxy+}", "Open311", "GeoReport", None),
    ]
)


def preflight(path: str, origin: str, method: str = "POST") -> IncomingRequest:
    return IncomingRequest(
        "OPTIONS", path, headers=[("Origin", origin), ("Access-Control-Request-Method", method)]
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:3001", True),
        ("http://localhost", False),
        ("https://localhost:5173", False),
        ("http://localhost:5173.evil.example", False),
        ("http://127.0.0.2:3001", False),
        ("null", False),
        (None, False),
    ],
)
def test_default_origins_are_any_local_port(origin: str | None, allowed: bool) -> None:
    assert LocalOrigins.parse("http://localhost:*,http://127.0.0.1:*").allows(origin) is allowed


def test_configured_origins_are_exact_unless_the_port_is_a_star() -> None:
    origins = LocalOrigins.parse("https://portal.example.go.id, http://localhost:*")
    assert origins.allows("https://portal.example.go.id")
    assert not origins.allows("https://portal.example.go.id.evil")
    assert origins.allows("http://localhost:8080")
    assert not LocalOrigins.parse("").allows("http://localhost:1")


def test_a_preflight_from_an_allowed_origin_gets_the_resources_methods() -> None:
    cors = Cors(ROUTES, LocalOrigins.parse("http://localhost:*"))
    answer = cors.apply(
        preflight("/reports", "http://localhost:5173"),
        cors.preflight(preflight("/reports", "http://localhost:5173")),
    )
    headers = dict(answer.headers)
    assert answer.status == 204
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert "X-Report-Token" in headers["Access-Control-Allow-Headers"]
    assert "If-Match" in headers["Access-Control-Allow-Headers"]
    assert headers["Vary"] == "Origin"
    assert [k for k, _ in answer.headers].count("Vary") == 1
    verify = cors.preflight(preflight("/staff/reports/LPR-1/verify", "http://localhost:5173"))
    assert verify is not None
    assert dict(verify.headers)["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    token = cors.preflight(preflight("/_local/token", "http://localhost:5173"))
    assert token is not None
    assert dict(token.headers)["Access-Control-Allow-Methods"] == "POST, OPTIONS"


def test_a_stranger_gets_no_grant_and_an_unknown_path_no_preflight() -> None:
    cors = Cors(ROUTES, LocalOrigins.parse("http://localhost:*"))
    request = preflight("/reports", "https://evil.example")
    answer = cors.apply(request, cors.preflight(request) or OutgoingResponse(500))
    assert answer.status == 204
    assert not [k for k, _ in answer.headers if k.lower().startswith("access-control-")]
    assert cors.preflight(preflight("/nowhere", "http://localhost:5173")) is None
    assert cors.preflight(IncomingRequest("OPTIONS", "/reports")) is None  # not a preflight: routed


def test_every_answer_gets_the_gateways_decision_not_the_functions() -> None:
    cors = Cors(ROUTES, LocalOrigins.parse("http://localhost:*"))
    from_function = OutgoingResponse(
        404,
        [
            ("Content-Type", "application/json"),
            ("Access-Control-Allow-Origin", "*"),
            ("Vary", "Accept-Language"),
        ],
    )
    allowed = cors.apply(
        IncomingRequest("GET", "/reports/x", headers=[("Origin", "http://localhost:3001")]), from_function
    )
    assert allowed.header("Access-Control-Allow-Origin") == "http://localhost:3001"
    assert allowed.header("Access-Control-Expose-Headers") == "ETag, Location, Retry-After"
    assert ("Vary", "Accept-Language") in allowed.headers
    stranger = cors.apply(
        IncomingRequest("GET", "/reports/x", headers=[("Origin", "https://evil.example")]),
        OutgoingResponse(200, [("Access-Control-Allow-Origin", "*")]),
    )
    assert stranger.header("Access-Control-Allow-Origin") is None


def test_open311_reads_stay_open_to_any_origin() -> None:
    cors = Cors(ROUTES, LocalOrigins.parse("http://localhost:*"))
    answer = cors.apply(
        IncomingRequest("GET", "/open311/v2/services.json", headers=[("Origin", "https://any.example")]),
        OutgoingResponse(200, [("Access-Control-Allow-Origin", "*")]),
    )
    assert answer.header("Access-Control-Allow-Origin") == "*"


def test_open311_reads_expose_the_headers_and_a_preflight_lists_the_resources_methods() -> None:
    cors = Cors(ROUTES, LocalOrigins.parse("http://localhost:*"))
    read = cors.apply(
        IncomingRequest("GET", "/open311/v2/services.json", headers=[("Origin", "http://localhost:5173")]),
        OutgoingResponse(404, [("Access-Control-Allow-Origin", "*")]),
    )
    assert read.header("Access-Control-Allow-Origin") == "*"
    assert read.header("Access-Control-Expose-Headers") == "ETag, Location, Retry-After"
    assert cors.methods("/open311/v2/requests.json") == {"GET", "POST"}
    assert cors.methods("/open311/v2/services.json") == {"GET"}
    assert cors.methods("/open311/v2/nothing.json") == set()
    preflight = cors.preflight(
        IncomingRequest(
            "OPTIONS",
            "/open311/v2/services/pju.xml",
            headers=[("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "GET")],
        )
    )
    assert preflight is not None
    assert preflight.header("Access-Control-Allow-Methods") == "GET, OPTIONS"
