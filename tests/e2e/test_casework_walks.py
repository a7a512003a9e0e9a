"""Casework end to end over HTTP: reporter and staff walk reports through their lifecycle (DESIGN.md §2), the
stream consumer and the notifier run before each answer returns (API.md, "Local stack only"), and only the
authorizer's verified claims make a caller staff (DESIGN.md §7).

One stack for the session; every test files its own reports, and puts back what it changes (routing rules).
"""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any

import jwt
import pytest

from local.gateway.authorizer import AUDIENCE, ISSUER, issue_token
from tests.e2e.http_client import (
    ACCESS_LINK,
    CONFIRM_CONTACT,
    Api,
    Filed,
    actions,
    link_token,
    raw_request,
    sent,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e

AGENCY = "dishub"  # the seed's agency for street lighting (`pju`)
VERIFY = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": AGENCY}


def _new_messages(api: Api, filed: Filed, seen: int) -> list[dict[str, Any]]:
    return api.outbox(filed.id)[seen:]


def _assert_no_identity_in_staff_messages(api: Api, filed: Filed) -> None:
    staff = [item for item in api.outbox(filed.id) if item["channel"] == "staff"]
    assert staff, "no staff message at all"
    for item in staff:
        assert not item["recipient"].count("@")
        for value in filed.identity:
            assert value not in json.dumps(item), f"{item['template']} names the reporter"


def _keys(document: Any) -> set[str]:
    if isinstance(document, dict):
        return set(document).union(*(_keys(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(_keys(value) for value in document))
    return set()


def _assert_no_identity(document: Any, filed: Filed) -> None:
    text = json.dumps(document)
    for value in filed.identity:
        assert value not in text
    assert not _keys(document) & {"reporter", "email", "phone", "nik"}


# --- (a) submission to rating -----------------------------------------------------------------------------


def test_a_report_from_submission_to_rating(api: Api) -> None:
    filed = api.file()
    email = filed.body["reporter"]["email"]
    # Before confirmation the reporter gets the code only (laporan_diterima is withheld); then every message.
    assert sent(api.outbox(filed.id)) == [(CONFIRM_CONTACT, email)]
    api.confirm(filed)
    operator = api.staff("operator", AGENCY)
    official = api.staff("official", AGENCY)

    # The agency sees nothing before the coordinator assigns it.
    assert api.get(f"/staff/reports/{filed.id}", operator).status_code == 404

    verified = api.act(filed.id, "verify", {**VERIFY, "note": "Sudah dicek, lokasi jelas."}, api.coordinator)
    assert verified["status"] == "DISPOSED"
    assert verified["agency"]["id"] == AGENCY
    assert verified["deadlines"]["verify"] is None
    assert verified["deadlines"]["respond"]
    assert verified["deadlines"]["resolve"]
    _assert_no_identity(verified, filed)
    assert sent(_new_messages(api, filed, 1)) == [
        ("laporan_diverifikasi", email),
        ("disposisi_baru", f"agency:{AGENCY}"),
    ]
    public = api.get(f"/reports/{filed.id}")
    assert public.status_code == 200, "a verified, non-confidential report is public"
    _assert_no_identity(public.json(), filed)

    followed = api.act(filed.id, "followups", {"message": "Petugas dijadwalkan besok pagi."}, operator)
    assert followed["status"] == "IN_PROGRESS"
    assert followed["deadlines"]["respond"] is None
    assert followed["deadlines"]["auto_close"]
    assert sent(_new_messages(api, filed, 3)) == [("tindak_lanjut", email)]
    assert "Petugas dijadwalkan besok pagi." in api.outbox(filed.id)[-1]["message"]

    replied = api.post(
        f"/reports/{filed.id}/replies", {"message": "Terima kasih, saya tunggu."}, filed.reporter
    )
    assert replied.status_code == 201, replied.text
    assert replied.json()["status"] == "IN_PROGRESS"
    assert sent(_new_messages(api, filed, 4)) == [("balasan_pelapor", f"agency:{AGENCY}")]

    # An operator may not close; the agency's official may.
    refused = api.post(f"/staff/reports/{filed.id}/close", {"resolution": "Lampu sudah diganti."}, operator)
    assert refused.status_code == 403
    closed = api.act(filed.id, "close", {"resolution": "Lampu sudah diganti baru."}, official)
    assert closed["status"] == "DONE"
    assert sent(_new_messages(api, filed, 5)) == [("laporan_selesai", email)]

    rated = api.post(
        f"/reports/{filed.id}/rating", {"score": 5, "resolved": True, "comment": "Cepat."}, filed.reporter
    )
    assert rated.status_code == 201, rated.text
    again = api.post(f"/reports/{filed.id}/rating", {"score": 1, "resolved": False}, filed.reporter)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rated"

    own = api.own_read(filed)
    assert own["status"] == "DONE"
    assert own["rating"]["score"] == 5
    assert own["rating"]["resolved"] is True
    assert actions(own) == ["submit", "verify", "followup", "reply", "close", "rate"]
    assert [(e["from"], e["to"]) for e in own["timeline"]] == [
        (None, "SUBMITTED"),
        ("SUBMITTED", "DISPOSED"),
        ("DISPOSED", "IN_PROGRESS"),
        ("IN_PROGRESS", "IN_PROGRESS"),
        ("IN_PROGRESS", "DONE"),
        ("DONE", "DONE"),
    ]
    assert [e["actor_role"] for e in own["timeline"]] == [
        "reporter",
        "coordinator",
        "operator",
        "reporter",
        "official",
        "reporter",
    ]
    assert own["version"] == 6
    assert sent(_new_messages(api, filed, 6)) == [("penilaian_diterima", f"agency:{AGENCY}")]
    _assert_no_identity(api.staff_read(filed.id, official), filed)
    _assert_no_identity_in_staff_messages(api, filed)


# --- (b) suspend, complete, verify ------------------------------------------------------------------------


def test_a_suspended_report_is_completed_by_the_reporter_then_verified(api: Api) -> None:
    filed = api.file_confirmed()
    email = filed.body["reporter"]["email"]

    suspended = api.act(filed.id, "suspend", {"reason": "Mohon sebutkan nomor tiang lampu."}, api.coordinator)
    assert suspended["status"] == "PENDING"
    assert suspended["deadlines"]["pending"]
    assert suspended["deadlines"]["verify"] is None
    assert sent(_new_messages(api, filed, 1)) == [("laporan_ditunda", email)]
    assert "nomor tiang lampu" in api.outbox(filed.id)[-1]["message"]

    completed = api.post(f"/reports/{filed.id}/replies", {"message": "Tiang nomor PJU-117."}, filed.reporter)
    assert completed.status_code == 201, completed.text
    assert completed.json()["status"] == "SUBMITTED"
    assert completed.json()["deadlines"]["pending"] is None
    assert completed.json()["deadlines"]["verify"]
    assert sent(_new_messages(api, filed, 2)) == [("laporan_dilengkapi", "coordinator")]

    verified = api.act(filed.id, "verify", VERIFY, api.coordinator)
    assert verified["status"] == "DISPOSED"
    assert sent(_new_messages(api, filed, 3)) == [
        ("laporan_diverifikasi", email),
        ("disposisi_baru", f"agency:{AGENCY}"),
    ]
    own = api.own_read(filed)
    assert actions(own) == ["submit", "suspend", "complete", "verify"]
    assert [e["to"] for e in own["timeline"]] == ["SUBMITTED", "PENDING", "SUBMITTED", "DISPOSED"]
    _assert_no_identity_in_staff_messages(api, filed)


# --- (c) return, forward, follow-up -----------------------------------------------------------------------


def test_a_returned_report_is_assigned_again_forwarded_and_followed_up(api: Api) -> None:
    filed = api.file_confirmed()
    email = filed.body["reporter"]["email"]
    first, second, third = "dinas-putr", "disperkim", "dlh"

    api.act(filed.id, "verify", {**VERIFY, "agency_id": first}, api.coordinator)
    returned = api.act(
        filed.id,
        "return",
        {"reason": "Bukan wewenang kami: lampu kawasan perumahan."},
        api.staff("operator", first),
    )
    assert returned["status"] == "SUBMITTED"
    assert returned["deadlines"]["verify"]
    assert returned["deadlines"]["respond"] is None
    assert returned["deadlines"]["resolve"] is None
    assert sent(_new_messages(api, filed, 3)) == [("laporan_dikembalikan", "coordinator")]

    api.act(filed.id, "verify", {**VERIFY, "agency_id": second}, api.coordinator)
    assert sent(_new_messages(api, filed, 4)) == [
        ("laporan_diverifikasi", email),
        ("disposisi_baru", f"agency:{second}"),
    ]
    forwarded = api.act(
        filed.id, "forward", {"agency_id": third, "note": "Lampu taman, wewenang DLH."}, api.coordinator
    )
    assert forwarded["status"] == "DISPOSED"
    assert forwarded["agency"]["id"] == third
    assert sent(_new_messages(api, filed, 6)) == [("disposisi_pelimpahan", f"agency:{third}")]
    assert api.get(f"/staff/reports/{filed.id}", api.staff("operator", second)).status_code == 404
    refused = api.post(
        f"/staff/reports/{filed.id}/followups", {"message": "Kami tangani."}, api.staff("operator", second)
    )
    assert refused.status_code == 404

    followed = api.act(
        filed.id, "followups", {"message": "Tim DLH meninjau lokasi."}, api.staff("operator", third)
    )
    assert followed["status"] == "IN_PROGRESS"
    assert sent(_new_messages(api, filed, 7)) == [("tindak_lanjut", email)]

    own = api.own_read(filed)
    assert actions(own) == ["submit", "verify", "return", "verify", "forward", "followup"]
    assert [e["to"] for e in own["timeline"]] == [
        "SUBMITTED",
        "DISPOSED",
        "SUBMITTED",
        "DISPOSED",
        "DISPOSED",
        "IN_PROGRESS",
    ]
    _assert_no_identity_in_staff_messages(api, filed)


# --- (d) routing rules and the stream consumer ------------------------------------------------------------


def test_an_auto_dispose_rule_assigns_a_new_report_before_the_answer_returns(
    start_stack: Callable[[Path], LocalStackProcess], tmp_path: Path
) -> None:
    # Each function keeps the city's setup (rules included) for up to a minute, as each has its own container
    # in AWS: on a stack of its own, the stream consumer reads the rules for the first time after the change.
    api = Api(start_stack(tmp_path / "local-data").start())
    rules = api.get("/staff/routing-rules", api.coordinator)
    assert rules.status_code == 200, rules.text
    original = rules.json()["rules"]
    auto = {"category": "pju", "kecamatan": "Baros", "agency_id": "disperkim", "auto_dispose": True}
    put = api.put("/staff/routing-rules", {"rules": [*original, auto]}, api.coordinator)
    assert put.status_code == 200, put.text
    location = {"lat": -6.95, "lon": 106.93, "kecamatan": "Baros"}
    disposed = api.file(location=location)
    api.confirm(disposed)
    report = api.own_read(disposed)
    assert report["status"] == "DISPOSED"
    assert report["agency"]["id"] == "disperkim"
    assert actions(report) == ["submit", "verify"]
    assert report["timeline"][1]["actor_role"] == "system"
    assert report["deadlines"]["respond"]
    assert report["deadlines"]["verify"] is None
    # Disposed before the reporter could confirm: the code alone went to the reporter, the agency was told.
    assert sent(api.outbox(disposed.id)) == [
        (CONFIRM_CONTACT, disposed.body["reporter"]["email"]),
        ("disposisi_baru", "agency:disperkim"),
    ]
    assert api.get(f"/staff/reports/{disposed.id}", api.staff("operator", "disperkim")).status_code == 200

    # The same category elsewhere: only a suggestion (the category's rule), status and version unchanged.
    suggested = api.file(location={"lat": -6.92, "lon": 106.92, "kecamatan": "Cikole"})
    inbox = api.get("/staff/reports", api.coordinator, q=suggested.id, status="SUBMITTED")
    assert inbox.status_code == 200, inbox.text
    [item] = [item for item in inbox.json()["items"] if item["id"] == suggested.id]
    assert item["suggested_agency_id"] == AGENCY
    assert item["status"] == "SUBMITTED"
    assert item["agency"] is None
    assert item["version"] == 1
    assert "timeline" not in item
    _assert_no_identity(inbox.json(), suggested)


# --- (e) only verified claims count -----------------------------------------------------------------------


def _claims(role: str, agency_id: str | None = None, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "forger",
        "cognito:groups": [role],
        "token_use": "id",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    if agency_id:
        claims["custom:agency_id"] = agency_id
    claims.update(changes)
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _altered(token: str, **changes: Any) -> str:
    """A signed token whose payload is changed afterwards (the signature left as it was)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_forged_expired_and_altered_tokens_are_refused(api: Api, stack_process: LocalStackProcess) -> None:
    filed = api.file()
    secret = (stack_process.data_dir / "secret").read_text(encoding="utf-8").strip()
    operator_token = api.staff("operator", AGENCY)["Authorization"].removeprefix("Bearer ")
    unsigned_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned_payload = _b64(json.dumps(_claims("coordinator")).encode())
    forged = {
        "no token": {},
        "alg none": _bearer(jwt.encode(_claims("coordinator"), key="", algorithm="none")),
        "alg none, no signature": _bearer(f"{unsigned_header}.{unsigned_payload}."),
        "expired": _bearer(issue_token(secret, "coordinator", now=time.time() - 2 * 24 * 3600)),
        "wrong key": _bearer(issue_token("another-secret-that-is-long-enough-to-sign", "coordinator")),
        "another issuer": _bearer(jwt.encode(_claims("coordinator", iss="https://evil.example"), secret)),
        "an access token": _bearer(jwt.encode(_claims("coordinator", token_use="access"), secret)),
        "groups altered": _bearer(_altered(operator_token, **{"cognito:groups": ["coordinator"]})),
        "agency altered": _bearer(_altered(operator_token, **{"custom:agency_id": "dinkes"})),
        "expiry altered": _bearer(_altered(operator_token, exp=int(time.time()) + 10**8)),
        "not a jwt": _bearer("coordinator"),
        "claims in headers": {
            "X-Claims": json.dumps(_claims("coordinator")),
            "Cognito-Groups": "coordinator",
        },
    }
    for case, headers in forged.items():
        for method, path, body in (
            ("GET", "/staff/reports", None),
            ("GET", f"/staff/reports/{filed.id}", None),
            ("POST", f"/staff/reports/{filed.id}/verify", VERIFY),
        ):
            answer = api.post(path, body, headers) if method == "POST" else api.get(path, headers)
            assert answer.status_code == 401, f"{case}: {method} {path} -> {answer.status_code}"
            assert answer.json()["error"]["code"] == "unauthorized", case
    # Header lines named as the claims themselves, which an HTTP client would refuse to write.
    claim_lines = ["cognito:groups: coordinator", "custom:agency_id: dishub", "sub: forger"]
    status, document = raw_request(api.base_url, "GET", f"/staff/reports/{filed.id}", claim_lines)
    assert status == 401
    assert document["error"]["code"] == "unauthorized"
    assert api.own_read(filed)["status"] == "SUBMITTED"


def test_claims_smuggled_beside_a_valid_token_are_ignored(api: Api) -> None:
    filed = api.file()
    smuggled = {
        "X-Claims": json.dumps(_claims("coordinator", AGENCY)),
        "Cognito-Groups": "coordinator",
        "Custom-Agency-Id": AGENCY,
        "X-Amzn-Oidc-Data": json.dumps({"cognito:groups": "coordinator"}),
    }
    # Another agency's operator, claiming to be the coordinator or this report's agency: still 404.
    other = {**api.staff("operator", "dinkes"), **smuggled}
    assert api.get(f"/staff/reports/{filed.id}", other).status_code == 404
    listed = api.get("/staff/reports", other, q=filed.id)
    assert listed.status_code == 200
    assert filed.id not in [item["id"] for item in listed.json()["items"]]
    claim_lines = [
        f"Authorization: {other['Authorization']}",
        "cognito:groups: coordinator",
        f"custom:agency_id: {AGENCY}",
    ]
    status, _ = raw_request(api.base_url, "GET", f"/staff/reports/{filed.id}", claim_lines)
    assert status == 404

    # Leadership reads everything but acts on nothing, whatever it sends along.
    leadership = {**api.staff("leadership"), **smuggled}
    assert api.get(f"/staff/reports/{filed.id}", leadership).status_code == 200
    refused = api.post(f"/staff/reports/{filed.id}/verify", VERIFY, leadership)
    assert refused.status_code == 403
    assert api.get(f"/staff/reports/{filed.id}/reporter", leadership).status_code == 403

    # Claims in the body of a staff route are not fields of it.
    for extra in ({"cognito:groups": "coordinator"}, {"role": "coordinator"}, {"claims": {"sub": "x"}}):
        answer = api.post(f"/staff/reports/{filed.id}/verify", {**VERIFY, **extra}, leadership)
        assert answer.status_code in (403, 422), answer.text
        answer = api.post(f"/staff/reports/{filed.id}/verify", {**VERIFY, **extra}, api.coordinator)
        assert answer.status_code == 422, answer.text
    assert api.own_read(filed)["status"] == "SUBMITTED"
    assert api.own_read(filed)["version"] == 1


# --- (f) a new access link --------------------------------------------------------------------------------


def test_a_new_access_link_reads_the_report_and_retires_the_old_token_at_its_first_use(api: Api) -> None:
    unconfirmed = api.file()
    assert api.post(f"/reports/{unconfirmed.id}/access", {}).status_code == 202
    assert [item["template"] for item in api.outbox(unconfirmed.id)] == [CONFIRM_CONTACT]  # no link

    filed = api.file_confirmed()
    asked = api.post(f"/reports/{filed.id}/access", {})
    assert asked.status_code == 202, asked.text
    [link] = [item for item in api.outbox(filed.id) if item["template"] == ACCESS_LINK]
    assert link["channel"] == "email"
    assert link["recipient"] == filed.body["reporter"]["email"]
    assert link["state"] == "delivered"
    token = link_token(link["message"], filed.id)
    assert token != filed.token
    assert f"?token={token}" not in link["message"]  # the fragment only: it never reaches a server

    # The old token works until the link's is first used; then only the link's.
    assert api.get(f"/reports/{filed.id}", filed.reporter).status_code == 200
    read = api.get(f"/reports/{filed.id}", {"X-Report-Token": token})
    assert read.status_code == 200, read.text
    assert read.json()["reporter"]["email"] == filed.body["reporter"]["email"]
    old = api.get(f"/reports/{filed.id}", filed.reporter)
    assert old.status_code == 401
    reply = api.post(f"/reports/{filed.id}/replies", {"message": "Pakai token lama."}, filed.reporter)
    assert reply.status_code == 401
    assert api.get(f"/reports/{filed.id}", {"X-Report-Token": token}).status_code == 200

    # An unknown report answers 202 as well, and sends nothing.
    before = len(api.outbox())
    assert api.post("/reports/LPR-AAAA-AAAA/access", {}).status_code == 202
    assert len(api.outbox()) == before
