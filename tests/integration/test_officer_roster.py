"""The officer roster (API.md, "Administration and leadership reporting") through the staff handler on moto,
Cognito included: officers added and invited, changed, made inactive (disabled, signed out, and refused by
the staff functions from their next request), each change audited without the e-mail."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.conftest import Answer, Invoke, _answer, build_event, claims_of, table_items
from tools.lambda_context import LambdaContext

RINA = {
    "name": "Rina Marlina",
    "email": "rina.marlina@dishub.sukabumikota.go.id",
    "role": "operator",
    "agency_id": "dishub",
    "decree": {"number": "800/045/Kep.Dishub/2026", "date": "2026-01-12"},
}


@pytest.fixture
def pool(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A user pool as the template makes it (custom:agency_id, the four groups), the staff function's."""
    from lapor import wiring

    cognito = boto3.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName="lapor-staff",
        UsernameAttributes=["email"],
        Schema=[{"Name": "agency_id", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    for group in ("coordinator", "operator", "official", "leadership"):
        cognito.create_group(GroupName=group, UserPoolId=pool_id)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    wiring.reset()
    yield pool_id
    wiring.reset()


def as_officer(name: str, sub: str, role: str, agency_id: str | None = None, **kwargs: Any) -> Answer:
    from staff.handler import lambda_handler

    event = build_event(name, function="staff", claims=claims_of(role, agency_id, sub=sub), **kwargs)
    return _answer(lambda_handler(event, LambdaContext("staff", 512, 10)))


def cognito_user(pool_id: str, sub: str) -> dict[str, Any]:
    cognito = boto3.client("cognito-idp")
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=sub)
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool_id, Username=sub)["Groups"]
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    return {"enabled": user["Enabled"], "groups": [g["GroupName"] for g in groups], **attributes}


def test_an_officer_is_added_invited_and_listed_for_whom_may_read_the_roster(
    pool: str, staff: Invoke
) -> None:
    added = staff("post_officer", "coordinator", body=RINA)
    assert added.status == 201, added.body
    officer = added.body
    assert {k: officer[k] for k in RINA} == RINA
    assert officer["active"] is True
    user = cognito_user(pool, officer["id"])  # the id is the user's sub: what their tokens will carry
    assert (user["sub"], user["email"], user["custom:agency_id"]) == (officer["id"], RINA["email"], "dishub")
    assert user["groups"] == ["operator"]
    assert user["enabled"] is True

    assert staff("get_officers", "coordinator").body["items"] == [officer]
    assert staff("get_officers", "official", "dishub").body["items"] == [officer]  # its agency's
    assert staff("get_officers", "official", "dlh").body["items"] == []
    for role, agency in (("operator", "dishub"), ("leadership", None)):
        assert staff("get_officers", role, agency).status == 403
    audit = [i for i in table_items() if i["pk"]["S"] == "AUDIT#ROSTER"]
    assert len(audit) == 1
    assert RINA["email"] not in json.dumps(audit)  # the e-mail stays on the roster item alone
    assert audit[0]["actor_id"]["S"] == "coordinator-city"


def test_what_does_not_fit_is_refused_naming_the_field_and_nothing_is_written(
    pool: str, staff: Invoke
) -> None:
    assert staff("post_officer", "coordinator", body=RINA).status == 201
    before = table_items()
    for body, field in (
        ({**RINA, "agency_id": None}, "agency_id"),  # an operator belongs to an agency
        ({**RINA, "email": "ani@example.id", "role": "coordinator"}, "agency_id"),  # a coordinator to none
        ({**RINA, "email": "ani@example.id", "agency_id": "no-such"}, "agency_id"),
        ({**RINA, "email": "ani@example.id", "role": "reporter"}, "role"),
        ({**RINA, "email": "not an address"}, "email"),
        ({**RINA, "decree": {"number": "1"}}, "decree.date"),
    ):
        answer = staff("post_officer", "coordinator", body=body)
        assert (answer.status, answer.fields()) == (422, [field]), (body, answer.body)
    again = staff("post_officer", "coordinator", body={**RINA, "email": RINA["email"].upper()})
    assert (again.status, again.error["code"]) == (409, "officer_exists")
    assert staff("post_officer", "official", "dishub", body={**RINA, "email": "x@example.id"}).status == 403
    assert table_items() == before


def test_an_inactive_officer_is_disabled_signed_out_and_refused_from_the_next_request(
    pool: str, staff: Invoke
) -> None:
    officer = staff("post_officer", "coordinator", body=RINA).body
    sub = officer["id"]
    assert as_officer("get_staff_reports", sub, "operator", "dishub").status == 200
    off = staff("patch_officer", "coordinator", body={"active": False}, path={"officer_id": sub})
    assert off.status == 200, off.body
    assert off.body["active"] is False
    assert cognito_user(pool, sub)["enabled"] is False
    refused = as_officer("get_staff_reports", sub, "operator", "dishub")  # a token still in its hour
    assert (refused.status, refused.error["code"]) == (401, "unauthorized")
    on = staff("patch_officer", "coordinator", body={"active": True}, path={"officer_id": sub})
    assert on.body["active"] is True
    assert as_officer("get_staff_reports", sub, "operator", "dishub").status == 200

    moved = staff(
        "patch_officer",
        "coordinator",
        body={"role": "official", "agency_id": "dlh"},
        path={"officer_id": sub},
    )
    assert (moved.body["role"], moved.body["agency_id"]) == ("official", "dlh")
    user = cognito_user(pool, sub)
    assert (user["groups"], user["custom:agency_id"]) == (["official"], "dlh")
    promoted = staff("patch_officer", "coordinator", body={"role": "leadership"}, path={"officer_id": sub})
    assert (promoted.body["role"], promoted.body["agency_id"]) == ("leadership", None)  # a city role
    assert "custom:agency_id" not in cognito_user(pool, sub)
    nobody = staff("patch_officer", "coordinator", body={"active": False}, path={"officer_id": "nobody"})
    assert nobody.status == 404
    assert len([i for i in table_items() if i["pk"]["S"] == "AUDIT#ROSTER"]) == 5


def test_a_token_whose_sub_is_not_on_the_roster_is_still_accepted(pool: str, staff: Invoke) -> None:
    assert as_officer("get_staff_reports", "not-on-the-roster", "coordinator").status == 200
    assert os.environ["USER_POOL_ID"] == pool
