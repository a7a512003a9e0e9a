"""The staff API on moto: lifecycle walks, scope and roles on every report route, identity, routing rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Answer, DynamoCalls, Invoke, valid_report

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REPORTER = {"name": "Rina Marlina", "email": "rina@example.id", "phone": "081377778888"}

ROUTE_FIXTURES = {
    ("get", "/staff/reports/{id}"): "get_staff_report",
    ("get", "/staff/reports/{id}/reporter"): "get_staff_reporter",
    ("get", "/staff/reports/{id}/access-log"): "get_staff_access_log",
    ("post", "/staff/reports/{id}/verify"): "post_verify",
    ("post", "/staff/reports/{id}/suspend"): "post_suspend",
    ("post", "/staff/reports/{id}/archive"): "post_archive",
    ("post", "/staff/reports/{id}/refer"): "post_refer",
    ("post", "/staff/reports/{id}/forward"): "post_forward",
    ("post", "/staff/reports/{id}/return"): "post_return",
    ("post", "/staff/reports/{id}/followups"): "post_followups",
    ("post", "/staff/reports/{id}/close"): "post_close",
    ("post", "/staff/reports/{id}/attachments"): "post_attachment",
    ("post", "/staff/reports/{id}/erase-identity"): "post_erase_identity",
    ("post", "/staff/reports/{id}/redactions"): "post_redaction",
}

ROSTER_CHECK = 1  # every staff request reads the caller's roster item (lapor.services.roster_admin)

# On a report assigned to Dishub (DISPOSED): the roles that see it but may not do what the route does.
ROLE_MAY_NOT = {
    ("get", "/staff/reports/{id}"): set(),
    ("get", "/staff/reports/{id}/reporter"): {"leadership"},
    ("get", "/staff/reports/{id}/access-log"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/verify"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/suspend"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/archive"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/refer"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/forward"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/return"): {"leadership", "coordinator"},
    ("post", "/staff/reports/{id}/followups"): {"leadership", "coordinator"},
    ("post", "/staff/reports/{id}/close"): {"leadership", "operator"},
    ("post", "/staff/reports/{id}/attachments"): {"leadership"},
    ("post", "/staff/reports/{id}/erase-identity"): {"leadership", "operator", "official"},
    ("post", "/staff/reports/{id}/redactions"): {"leadership", "operator", "official"},
}


def file_report(invoke: Invoke, **overrides: Any) -> dict[str, Any]:
    answer = invoke("post_reports", body=valid_report(reporter=REPORTER, **overrides))
    assert answer.status == 201, answer.body
    return dict(answer.body)


def reporter_token(filed: dict[str, Any]) -> dict[str, str]:
    return {"X-Report-Token": filed["access_token"]}


def ok(answer: Answer, status: int = 200) -> dict[str, Any]:
    assert answer.status == status, answer.body
    return dict(answer.body)


def disposed_to_dishub(invoke: Invoke, staff: Invoke, **overrides: Any) -> dict[str, Any]:
    filed = file_report(invoke, **overrides)
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    return filed


# --- the lifecycle walks --------------------------------------------------------------------------


def test_submit_verify_follow_up_reply_close_rate(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    report_id = filed["id"]
    verified = ok(staff("post_verify", "coordinator", report_id=report_id))
    assert verified["status"] == "DISPOSED"
    assert verified["agency"] == {"id": "dishub", "name": "Dinas Perhubungan"}
    assert verified["deadlines"]["respond"]
    assert verified["deadlines"]["resolve"]
    assert "reporter" not in verified

    followed = ok(staff("post_followups", "operator", "dishub", report_id=report_id))
    assert followed["status"] == "IN_PROGRESS"
    assert followed["deadlines"]["auto_close"] is not None

    replied = invoke(
        "post_reply",
        report_id=report_id,
        body={"message": "Terima kasih, ditunggu."},
        headers=reporter_token(filed),
    )
    assert ok(replied, 201)["status"] == "IN_PROGRESS"

    closed = ok(staff("post_close", "official", "dishub", report_id=report_id))
    assert closed["status"] == "DONE"
    assert all(value is None for value in closed["deadlines"].values())

    rated = invoke(
        "post_rating",
        report_id=report_id,
        body={"score": 5, "resolved": True, "comment": "Cepat."},
        headers=reporter_token(filed),
    )
    assert ok(rated, 201)["rating"] == {"score": 5, "resolved": True, "comment": "Cepat."}
    again = invoke(
        "post_rating",
        report_id=report_id,
        body={"score": 1, "resolved": False},
        headers=reporter_token(filed),
    )
    assert again.status == 409
    assert again.error["code"] == "already_rated"

    timeline = ok(staff("get_staff_report", "coordinator", report_id=report_id))["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "verify", "followup", "reply", "close", "rate"]
    public = ok(invoke("get_report", report_id=report_id))
    assert public["status"] == "DONE"
    assert "Rina" not in json.dumps(public)


def test_suspend_complete_verify(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    suspended = ok(staff("post_suspend", "coordinator", report_id=filed["id"]))
    assert suspended["status"] == "PENDING"
    assert suspended["deadlines"]["pending"] is not None
    completed = invoke(
        "post_reply",
        report_id=filed["id"],
        body={"message": "Tiang nomor 12 di depan SDN 1."},
        headers=reporter_token(filed),
    )
    assert ok(completed, 201)["status"] == "SUBMITTED"
    verified = ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    assert verified["status"] == "DISPOSED"
    actions = [e["action"] for e in verified["timeline"]]
    assert actions == ["submit", "suspend", "complete", "verify"]


def test_return_forward_follow_up(invoke: Invoke, staff: Invoke) -> None:
    filed = disposed_to_dishub(invoke, staff)
    returned = ok(staff("post_return", "operator", "dishub", report_id=filed["id"]))
    assert returned["status"] == "SUBMITTED"
    assert returned["agency"] is None
    assert returned["deadlines"]["verify"] is not None
    for route in ("get_staff_report", "get_staff_reporter"):  # back with the coordinator only
        assert staff(route, "operator", "dishub", report_id=filed["id"]).status == 404
    inbox = ok(staff("get_staff_reports", "operator", "dishub"))["items"]
    assert filed["id"] not in [item["id"] for item in inbox]
    verified = ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    forwarded = ok(
        staff(
            "post_forward",
            "coordinator",
            report_id=filed["id"],
            headers={"If-Match": f'"{verified["version"]}"'},
        )
    )
    assert forwarded["agency"]["id"] == "dinas-putr"
    assert staff("post_followups", "operator", "dishub", report_id=filed["id"]).status == 404
    followed = ok(staff("post_followups", "operator", "dinas-putr", report_id=filed["id"]))
    assert followed["status"] == "IN_PROGRESS"


def test_an_internal_note_is_for_staff_only(invoke: Invoke, staff: Invoke) -> None:
    filed = disposed_to_dishub(invoke, staff)
    body = {"message": "Anggaran penggantian lampu menunggu APBD perubahan.", "internal": True}
    noted = ok(staff("post_followups", "official", "dishub", report_id=filed["id"], body=body))
    assert noted["status"] == "DISPOSED"
    assert noted["timeline"][-1]["action"] == "note"
    own = ok(invoke("get_report_with_token", report_id=filed["id"], headers=reporter_token(filed)))
    assert "note" not in [e["action"] for e in own["timeline"]]
    assert "APBD" not in json.dumps(own)


# --- If-Match and conflicts ---------------------------------------------------------------


def test_a_stale_if_match_is_a_version_conflict_and_changes_nothing(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    stale = staff("post_verify", "coordinator", report_id=filed["id"], headers={"If-Match": '"7"'})
    assert stale.status == 409
    assert stale.error["code"] == "version_conflict"
    assert ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["version"] == 1
    current = staff("post_verify", "coordinator", report_id=filed["id"], headers={"If-Match": '"1"'})
    assert current.status == 200
    assert current.headers["etag"] == '"2"'


def test_an_action_the_status_does_not_allow_is_an_invalid_transition(invoke: Invoke, staff: Invoke) -> None:
    filed = file_report(invoke)
    answer = staff("post_close", "coordinator", report_id=filed["id"])
    assert answer.status == 409
    assert answer.error["code"] == "invalid_transition"


# --- scope and roles, on every report route of the OpenAPI document -------------------------------


def _staff_report_routes() -> set[tuple[str, str]]:
    paths = json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]
    return {
        (method, path)
        for path, operations in paths.items()
        if path.startswith("/staff/reports/{id}")
        for method in operations
    }


def test_every_staff_report_route_is_covered() -> None:
    assert _staff_report_routes() == set(ROUTE_FIXTURES) == set(ROLE_MAY_NOT)


@pytest.mark.parametrize("route", sorted(ROUTE_FIXTURES), ids=" ".join)
def test_outside_the_callers_scope_a_report_does_not_exist(
    invoke: Invoke, staff: Invoke, route: tuple[str, str]
) -> None:
    filed = disposed_to_dishub(invoke, staff)
    for role in ("operator", "official"):
        answer = staff(ROUTE_FIXTURES[route], role, "dlh", report_id=filed["id"])
        assert answer.status == 404, (role, answer.body)
        assert answer.error["code"] == "not_found"
    after = ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))
    assert after["version"] == 2
    assert ok(staff("get_staff_access_log", "coordinator", report_id=filed["id"]))["items"] == []


@pytest.mark.parametrize("route", sorted(ROUTE_FIXTURES), ids=" ".join)
def test_a_role_that_sees_the_report_but_may_not_act_is_forbidden(
    invoke: Invoke, staff: Invoke, route: tuple[str, str]
) -> None:
    filed = disposed_to_dishub(invoke, staff)
    for role in sorted(ROLE_MAY_NOT[route]):
        agency = "dishub" if role in ("operator", "official") else None
        answer = staff(ROUTE_FIXTURES[route], role, agency, report_id=filed["id"])
        assert answer.status == 403, (role, answer.body)
        assert answer.error["code"] == "forbidden"
    assert ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["version"] == 2


def test_an_agencys_list_holds_only_its_own_reports_whatever_the_filter(
    invoke: Invoke, staff: Invoke
) -> None:
    mine = disposed_to_dishub(invoke, staff)
    other = file_report(invoke)
    ok(
        staff(
            "post_verify",
            "coordinator",
            report_id=other["id"],
            body={
                "type": "complaint",
                "requires_supervision": False,
                "category": "sampah",
                "agency_id": "dlh",
            },
        )
    )
    waiting = file_report(invoke)
    listed = ok(staff("get_staff_reports", "operator", "dishub", query={"agency_id": "dlh", "limit": "100"}))
    assert [item["id"] for item in listed["items"]] == [mine["id"]]
    everything = ok(staff("get_staff_reports", "coordinator", query={"limit": "100"}))
    assert {item["id"] for item in everything["items"]} == {mine["id"], other["id"], waiting["id"]}
    queue = ok(staff("get_staff_reports", "coordinator", query={"status": "SUBMITTED"}))
    assert [item["id"] for item in queue["items"]] == [waiting["id"]]
    found = ok(staff("get_staff_reports", "leadership", query={"q": waiting["id"]}))
    assert [item["id"] for item in found["items"]] == [waiting["id"]]
    for item in everything["items"]:
        assert "reporter" not in item
        assert "Rina" not in json.dumps(item)


def test_no_claims_is_401_and_claims_smuggled_in_headers_or_body_are_ignored(
    invoke: Invoke, staff: Invoke
) -> None:
    filed = file_report(invoke)
    smuggled = {"X-Claims": "coordinator", "cognito:groups": "coordinator", "X-Agency-Id": "dishub"}
    anonymous = staff("get_staff_report", None, report_id=filed["id"], headers=smuggled)
    assert anonymous.status == 401
    body = {
        "type": "complaint",
        "requires_supervision": False,
        "category": "pju",
        "agency_id": "dishub",
        "cognito:groups": "coordinator",
    }
    refused = staff("post_verify", "operator", "dishub", report_id=filed["id"], body=body)
    assert refused.status in (404, 422)
    assert ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["version"] == 1


# --- identity -------------------------------------------------------------------------------------


def test_identity_is_read_only_through_its_audited_route(invoke: Invoke, staff: Invoke) -> None:
    filed = disposed_to_dishub(invoke, staff)
    assert "Rina" not in json.dumps(ok(staff("get_staff_report", "coordinator", report_id=filed["id"])))
    by_coordinator = ok(staff("get_staff_reporter", "coordinator", report_id=filed["id"]))
    assert by_coordinator == {**REPORTER, "nik": None}
    assert (
        ok(staff("get_staff_reporter", "operator", "dishub", report_id=filed["id"]))["name"] == "Rina Marlina"
    )
    log = ok(staff("get_staff_access_log", "coordinator", report_id=filed["id"]))["items"]
    assert [(e["actor_role"], e["agency_id"]) for e in log] == [("coordinator", None), ("operator", "dishub")]
    assert ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))["version"] == 2


def test_an_anonymous_reporter_is_known_to_the_coordinator_only(invoke: Invoke, staff: Invoke) -> None:
    filed = disposed_to_dishub(invoke, staff, anonymous=True)
    assert staff("get_staff_reporter", "coordinator", report_id=filed["id"]).status == 200
    for role in ("operator", "official"):
        assert staff("get_staff_reporter", role, "dishub", report_id=filed["id"]).status == 403
    assert len(ok(staff("get_staff_access_log", "coordinator", report_id=filed["id"]))["items"]) == 1


# --- cost -----------------------------------------------------------------------------------------


def test_an_action_costs_one_read_and_one_transactional_write(
    invoke: Invoke, staff: Invoke, calls: DynamoCalls
) -> None:
    """One read of the report's partition and one transaction; and, on every staff request, one read of the
    caller's roster item (API.md: an inactive officer is refused from their next request)."""
    filed = file_report(invoke)
    warm = file_report(invoke)
    ok(staff("post_verify", "coordinator", report_id=warm["id"]))  # any earlier action warms the setup cache
    calls.reset()
    ok(staff("post_verify", "coordinator", report_id=filed["id"]))
    assert dict(calls.counts) == {"Query": 1 + ROSTER_CHECK, "TransactWriteItems": 1}
    calls.reset()
    ok(staff("get_staff_report", "coordinator", report_id=filed["id"]))
    assert dict(calls.counts) == {"Query": 1 + ROSTER_CHECK}


# --- routing rules --------------------------------------------------------------------------------


def test_routing_rules_start_from_the_categories_and_the_coordinator_replaces_them(staff: Invoke) -> None:
    rules = ok(staff("get_routing_rules", "coordinator"))["rules"]
    assert {"category": "pju", "kecamatan": None, "agency_id": "dishub", "auto_dispose": False} in rules
    assert len(rules) == 22
    new = {
        "rules": [
            {"category": "pju", "agency_id": "dishub", "auto_dispose": True},
            {"category": "jalan", "kecamatan": "Cikole", "agency_id": "disperkim", "auto_dispose": False},
        ]
    }
    assert ok(staff("put_routing_rules", "coordinator", body=new))["rules"][0]["auto_dispose"] is True
    stored = ok(staff("get_routing_rules", "coordinator"))["rules"]
    assert len(stored) == 2
    assert staff("get_routing_rules", "operator", "dishub").status == 403
    bad = staff(
        "put_routing_rules", "coordinator", body={"rules": [{"category": "kuliner", "agency_id": "dishub"}]}
    )
    assert bad.status == 422
    assert bad.fields() == ["rules.0.category"]
    elsewhere = {"rules": [{"category": "jalan", "kecamatan": "Bogor", "agency_id": "disperkim"}]}
    refused = staff("put_routing_rules", "coordinator", body=elsewhere)
    assert (refused.status, refused.fields()) == (422, ["rules.0.kecamatan"])  # not one of the city's
    assert len(ok(staff("get_routing_rules", "coordinator"))["rules"]) == 2  # nothing written
    spelled = {"rules": [{"category": "jalan", "kecamatan": "cIkOlE", "agency_id": "disperkim"}]}
    assert ok(staff("put_routing_rules", "coordinator", body=spelled))["rules"][0]["kecamatan"] == "Cikole"
