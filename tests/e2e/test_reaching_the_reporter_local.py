"""Reaching the reporter on the local stack, over HTTP (API.md, "Reaching the reporter"; README, "Make a
channel fail"): the code first, then every message once the contact is confirmed, each settled `delivered`
by the provider's event (SES's through EventBridge's default bus, the SMS service's through its topic); an
address or number that fails stops getting messages. And the NIK: sealed with the stack's identity key,
whole on the audited route, masked to the reporter, and still readable after a restart.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.http_client import CONFIRM_CONTACT, Api, Filed, code_in, new_report

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalStackProcess

pytestmark = pytest.mark.e2e

AGENCY = "dishub"
VERIFY = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": AGENCY}
NIK = "3272014501900001"  # new_report's


def _records(api: Api, filed: Filed) -> list[tuple[str, str, str, str | None]]:
    return [(d["template"], d["channel"], d["state"], d["reason"]) for d in api.deliveries(filed.id)]


def _reporter_messages(api: Api, filed: Filed) -> list[tuple[str, str, str]]:
    return [
        (item["template"], item["channel"], item["state"])
        for item in api.outbox(filed.id)
        if item["channel"] in ("email", "sms")
    ]


def _phone() -> str:
    return "0812" + "".join(secrets.choice("0123456789") for _ in range(8))


def _file(api: Api, email: str | None = None, phone: str | None = None) -> Filed:
    reporter: dict[str, Any] = {"name": "Rina Pelapor"}
    reporter |= {"email": email} if email else {}
    reporter |= {"phone": phone} if phone else {}
    return api.file(reporter=reporter)


def test_the_code_comes_first_and_after_confirmation_every_message_is_delivered(api: Api) -> None:
    filed = api.file()
    email = filed.body["reporter"]["email"]
    [code] = api.outbox(filed.id)
    assert (code["template"], code["channel"], code["recipient"], code["state"]) == (
        CONFIRM_CONTACT,
        "email",
        email,
        "delivered",
    )
    assert api.staff_read(filed.id)["contact_confirmed"] is False
    assert _records(api, filed) == [(CONFIRM_CONTACT, "email", "delivered", None)]

    # Verified before the reporter confirmed: the agency is told, the reporter is not.
    api.act(filed.id, "verify", VERIFY, api.coordinator)
    assert _reporter_messages(api, filed) == [(CONFIRM_CONTACT, "email", "delivered")]

    version = api.own_read(filed)["version"]
    wrong = "000000" if code_in(code["message"]) != "000000" else "111111"
    refused = api.post(f"/reports/{filed.id}/contact/confirm", {"code": wrong}, filed.reporter)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_code")
    api.confirm(filed)
    own = api.own_read(filed)
    assert (own["contact_confirmed"], own["version"]) == (True, version)  # no new version, no timeline entry
    assert api.staff_read(filed.id)["contact_confirmed"] is True

    api.act(
        filed.id, "followups", {"message": "Petugas memeriksa lokasi besok."}, api.staff("operator", AGENCY)
    )
    assert _reporter_messages(api, filed) == [
        (CONFIRM_CONTACT, "email", "delivered"),
        ("tindak_lanjut", "email", "delivered"),
    ]
    assert _records(api, filed) == [
        (CONFIRM_CONTACT, "email", "delivered", None),
        ("tindak_lanjut", "email", "delivered", None),
    ]


def test_a_phone_only_reporter_is_reached_by_sms(api: Api) -> None:
    filed = _file(api, phone=_phone())
    [code] = api.outbox(filed.id)
    e164 = "+62" + filed.body["reporter"]["phone"][1:]
    assert (code["channel"], code["recipient"], code["state"]) == ("sms", e164, "delivered")
    api.confirm(filed)
    api.act(filed.id, "verify", VERIFY, api.coordinator)
    assert _records(api, filed) == [
        (CONFIRM_CONTACT, "sms", "delivered", None),
        ("laporan_diverifikasi", "sms", "delivered", None),
    ]


@pytest.mark.parametrize(
    ("email", "phone", "record"),
    [
        (f"bounce+{uuid.uuid4().hex[:8]}@simulator.amazonses.com", None, ("email", "bounced", "bounce")),
        (
            f"complaint+{uuid.uuid4().hex[:8]}@simulator.amazonses.com",
            None,
            ("email", "complained", "complaint"),
        ),
        (None, "0800 1234 5678", ("sms", "bounced", "blocked")),
        (None, "0800 0000 0003", ("sms", "bounced", "invalid_number")),
    ],
    ids=["bounce", "complaint", "blocked number", "invalid number"],
)
def test_an_address_or_number_that_fails_gets_nothing_more(
    api: Api, email: str | None, phone: str | None, record: tuple[str, str, str]
) -> None:
    filed = _file(api, email=email, phone=phone)
    [code] = api.outbox(filed.id)
    channel, state, reason = record
    assert (code["template"], code["channel"], code["state"]) == (CONFIRM_CONTACT, channel, state)
    assert _records(api, filed) == [(CONFIRM_CONTACT, channel, state, reason)]

    # The contact is undeliverable: its code is void, no new one is sent, and nothing else reaches it.
    confirmed = api.post(
        f"/reports/{filed.id}/contact/confirm", {"code": code_in(code["message"])}, filed.reporter
    )
    assert (confirmed.status_code, confirmed.json()["error"]["code"]) == (409, "code_void")
    assert api.post(f"/reports/{filed.id}/contact/code", {}, filed.reporter).status_code == 202
    assert api.post(f"/reports/{filed.id}/access", {}).status_code == 202
    api.act(filed.id, "verify", VERIFY, api.coordinator)
    assert _reporter_messages(api, filed) == [(CONFIRM_CONTACT, channel, state)]
    assert [item["template"] for item in api.outbox(filed.id) if item["channel"] == "staff"] == [
        "disposisi_baru"
    ]
    assert api.staff_read(filed.id)["contact_confirmed"] is False


def test_an_unreachable_carrier_fails_one_message_and_a_new_code_can_be_asked_for(api: Api) -> None:
    filed = _file(api, phone="0800 0000 0002")
    assert _records(api, filed) == [(CONFIRM_CONTACT, "sms", "failed", "carrier_unreachable")]
    assert api.post(f"/reports/{filed.id}/contact/code", {}, filed.reporter).status_code == 202
    codes = [item for item in api.outbox(filed.id) if item["template"] == CONFIRM_CONTACT]
    assert [item["state"] for item in codes] == ["failed", "failed"]  # the contact stays deliverable
    api.confirm(filed)  # the reporter got the code some other way: it still confirms
    assert api.own_read(filed)["contact_confirmed"] is True


def test_a_sealed_nik_is_whole_on_the_audited_route_masked_to_the_reporter_and_kept_across_a_restart(
    start_stack: Callable[[Path], LocalStackProcess], tmp_path: Path
) -> None:
    data_dir = tmp_path / "local-data"
    first = start_stack(data_dir)
    api = Api(first.start())
    filed = api.file()
    assert api.own_read(filed)["reporter"]["nik"] == NIK[:4] + "********" + NIK[-4:]
    identity = api.get(f"/staff/reports/{filed.id}/reporter", api.coordinator)
    assert identity.status_code == 200, identity.text
    assert identity.json()["nik"] == NIK
    assert first.stop() == 0
    # Sealed, not written: the NIK is nowhere in the data folder, in any form the stack keeps.
    kept = [path for path in data_dir.rglob("*") if path.is_file() and NIK.encode() in path.read_bytes()]
    assert kept == []

    second = start_stack(data_dir)
    again = Api(second.start())
    identity = again.get(f"/staff/reports/{filed.id}/reporter", again.coordinator)
    assert identity.status_code == 200, identity.text
    assert identity.json()["nik"] == NIK
    assert again.own_read(filed)["reporter"]["nik"] == NIK[:4] + "********" + NIK[-4:]
    other = again.file(reporter={**new_report()["reporter"], "nik": "3201010101900009"})
    assert (
        again.get(f"/staff/reports/{other.id}/reporter", again.coordinator).json()["nik"]
        == "3201010101900009"
    )
