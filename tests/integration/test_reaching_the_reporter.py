"""API.md, "Reaching the reporter", through the intake and staff handlers on moto: the contact confirmed by
its code and nothing else, five attempts, a new code, access links only to a confirmed contact (three a
report a day, the old token valid until the link's is used), `contact_confirmed` in the reads and the staff
queue's filter, `Cache-Control: no-store` on answers that carry identity or a token."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lapor.domain.identifiers import derived_access_token
from tests.integration.conftest import Invoke, filing_code, valid_report

SECRET = b"integration-test-secret"


@pytest.fixture
def bus(invoke: Invoke, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """What intake publishes (the access link and code requests), in order."""
    from lapor.adapters import event_bus

    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(event_bus.EventBridgePublisher, "publish", lambda _self, t, d: sent.append((t, d)))
    return sent


def file(invoke: Invoke, **overrides: Any) -> dict[str, Any]:
    answer = invoke("post_reports", body=valid_report(**overrides))
    assert answer.status == 201, answer.body
    assert answer.headers["cache-control"] == "no-store"  # it carries the token and the identity
    return dict(answer.body)


def token(filed: dict[str, Any], value: str | None = None) -> dict[str, str]:
    return {"X-Report-Token": value or filed["access_token"]}


def confirm(invoke: Invoke, filed: dict[str, Any], code: str, headers: dict[str, str] | None = None) -> Any:
    return invoke(
        "post_contact_confirm", report_id=filed["id"], body={"code": code}, headers=headers or token(filed)
    )


def wrong_code(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_the_code_confirms_the_contact_and_nothing_else_changes(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    assert filed["report"]["contact_confirmed"] is False
    own = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed))
    assert (own.body["contact_confirmed"], own.headers["cache-control"]) == (False, "no-store")
    code, sent = filing_code(filed["id"])
    assert [m.template for m in sent] == ["confirm_contact"]  # the only message before confirmation
    refused = confirm(invoke, filed, wrong_code(code))
    assert refused.status == 422
    assert refused.error["code"] == "invalid_code"
    assert refused.fields() == ["code"]
    answer = confirm(invoke, filed, code)
    assert (answer.status, answer.body) == (200, {"contact_confirmed": True})
    assert confirm(invoke, filed, wrong_code(code)).status == 200  # again 200 once confirmed
    own = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed))
    assert own.body["contact_confirmed"] is True
    assert own.body["version"] == 1  # neither the version nor the timeline
    assert [e["action"] for e in own.body["timeline"]] == ["submit"]
    read = staff("get_staff_report", "coordinator", report_id=filed["id"]).body
    assert read["contact_confirmed"] is True
    assert [(d["template"], d["state"]) for d in read["deliveries"]] == [("confirm_contact", "sent")]
    assert "reporter" not in read
    assert confirm(invoke, filed, code, {"X-Report-Token": "not-the-token"}).status == 401


def test_five_attempts_void_the_code_and_a_new_one_can_be_asked_for(
    invoke: Invoke, bus: list[tuple[str, dict[str, Any]]]
) -> None:
    filed = file(invoke)
    code, _ = filing_code(filed["id"])
    for _ in range(5):
        assert confirm(invoke, filed, wrong_code(code)).status == 422
    void = confirm(invoke, filed, code)
    assert (void.status, void.error["code"]) == (409, "code_void")
    answer = invoke("post_contact_code", report_id=filed["id"], body={}, headers=token(filed))
    assert (answer.status, answer.headers["cache-control"]) == (202, "no-store")
    [(detail_type, detail)] = bus
    assert detail_type == "lapor.report.contact_code"
    assert set(detail) == {"version", "report_id", "nonce", "at"}
    assert invoke("post_contact_code", report_id=filed["id"], body={}).status == 401
    assert (
        invoke("post_contact_code", report_id=filed["id"], body={"x": 1}, headers=token(filed)).status == 422
    )


def test_access_links_only_for_a_confirmed_contact_three_a_day_and_the_old_token_lives_until_used(
    invoke: Invoke, bus: list[tuple[str, dict[str, Any]]]
) -> None:
    filed = file(invoke)
    assert invoke("post_access", report_id=filed["id"], body={}).status == 202
    assert bus == []  # unconfirmed: no link to anyone
    code, _ = filing_code(filed["id"])
    assert confirm(invoke, filed, code).status == 200
    answers = [invoke("post_access", report_id=filed["id"], body={}) for _ in range(4)]
    assert [a.status for a in answers] == [202] * 4
    assert len(bus) == 3  # three a report a WIB day
    assert all(a.headers["cache-control"] == "no-store" for a in answers)
    assert filed["access_token"] not in json.dumps(bus)
    links = [derived_access_token(SECRET, filed["id"], f"access:{d['nonce']}") for _, d in bus]
    read = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed))
    assert read.status == 200  # the current token keeps working
    older = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed, links[0]))
    assert older.status == 401  # a newer link voids older unused ones
    newest = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed, links[2]))
    assert newest.status == 200
    assert newest.body["version"] == 1  # a token's first use changes nothing of the report
    old = invoke("get_report_with_token", report_id=filed["id"], headers=token(filed))
    assert old.status == 401  # from the first use on, only the link's token works
    assert invoke("post_access", report_id="LPR-ZZZZ-ZZZZ", body={}).status == 202
    assert invoke("post_access", report_id="nonsense", body={}).status == 202
    assert len(bus) == 3
    assert invoke("post_access", report_id=filed["id"], body={"email": "x@example.id"}).status == 422


def test_the_staff_queue_filters_on_contact_confirmed(invoke: Invoke, staff: Invoke) -> None:
    confirmed, unconfirmed = file(invoke), file(invoke)
    code, _ = filing_code(confirmed["id"])
    assert confirm(invoke, confirmed, code).status == 200
    for wanted, expected in (("true", confirmed), ("false", unconfirmed)):
        listed = staff("get_staff_reports", "coordinator", query={"contact_confirmed": wanted}).body["items"]
        assert [i["id"] for i in listed] == [expected["id"]]
        assert all(i["contact_confirmed"] is (wanted == "true") for i in listed)
    assert staff("get_staff_reports", "coordinator", query={"contact_confirmed": "maybe"}).status == 400


def test_the_staff_identity_read_is_not_cached(invoke: Invoke, staff: Invoke) -> None:
    filed = file(invoke)
    answer = staff("get_staff_reporter", "coordinator", report_id=filed["id"])
    assert (answer.status, answer.headers["cache-control"]) == (200, "no-store")
