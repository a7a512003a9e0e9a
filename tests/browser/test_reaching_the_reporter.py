"""Reaching the reporter through the citizen portal (API.md, "Reaching the reporter"): the contact's
confirmation with the code the outbox holds (a wrong code, a void one, a new one, the day's limit), and the
access link asked for from a device without the key and opened from the outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Stack, Visit
from tests.browser.flows import file_report, tracking_id
from tests.e2e.http_client import ACCESS_LINK, CONFIRM_CONTACT, Api, code_in, link_token


@pytest.fixture
def api(stack: Stack) -> Api:
    return Api(stack.api)


def codes(api: Api, report_id: str) -> list[str]:
    """The codes sent for the report, oldest first."""
    return [code_in(item["message"]) for item in api.outbox(report_id) if item["template"] == CONFIRM_CONTACT]


def links(api: Api, report_id: str) -> list[str]:
    """The URLs of the access links sent for the report, oldest first."""
    found = [item["message"] for item in api.outbox(report_id) if item["template"] == ACCESS_LINK]
    return [word for message in found for word in message.split() if "#token=" in word]


def another(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_reporter_confirms_the_contact_with_the_code_after_wrong_void_and_new_codes(
    visit_factory: Callable[..., Visit], api: Api
) -> None:
    citizen = visit_factory(**PHONE)
    page = citizen.page
    file_report(
        citizen,
        "Pohon tumbang menutup jalan",
        pin=False,
        check_each_step=False,
        email=f"pelapor.{uuid.uuid4().hex[:8]}@example.id",
    )
    report_id = tracking_id(page)
    expect(page.get_by_text("Kami mengirim kode konfirmasi 6 angka ke kontak Anda.")).to_be_visible()
    page.get_by_role("link", name="Ikuti laporan ini").click()
    step = page.get_by_role("region", name="Konfirmasi kontak Anda")
    expect(step).to_be_visible()
    field = step.get_by_label("Kode konfirmasi")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(page.get_by_text("belum dikonfirmasi")).to_be_visible()
    citizen.check("follow: contact unconfirmed")
    [first] = codes(api, report_id)

    field.fill("12ab")  # not six digits: said before anything is sent
    step.get_by_role("button", name="Konfirmasi").click()
    summary = page.get_by_role("alert").filter(has_text="Ada yang perlu diperbaiki")
    expect(summary.get_by_role("link", name="Masukkan kode 6 angka dari pesan kami.")).to_be_visible()

    citizen.expected_statuses.update({409, 422})  # the refusals this test provokes; Chromium logs them
    for _ in range(5):
        field.fill(another(first))
        step.get_by_role("button", name="Konfirmasi").click()
        expect(
            summary.get_by_role("link", name="Kode salah atau sudah kedaluwarsa.", exact=False)
        ).to_be_visible()
        expect(step.locator("#f-code-error")).to_contain_text("Kode salah atau sudah kedaluwarsa")
    citizen.check("follow: a wrong code")

    field.fill(first)  # the right code, after five wrong ones: the code is void
    step.get_by_role("button", name="Konfirmasi").click()
    void = summary.get_by_role("link", name="Kode ini tidak berlaku lagi", exact=False)
    expect(void).to_be_visible()
    expect(step.locator("#f-code-error")).to_contain_text("Minta kode baru")
    citizen.check("follow: the code is void")
    void.click()  # the summary leads to what to do: the resend button
    expect(step.get_by_role("button", name="Kirim ulang kode")).to_be_focused()

    step.get_by_role("button", name="Kirim ulang kode").click()
    expect(step.get_by_role("status").filter(has_text="Gunakan kode yang paling baru.")).to_be_visible()
    [_, second] = codes(api, report_id)
    expect(step.get_by_role("button", name="Kirim ulang kode")).to_be_visible()  # 2 of 3 today

    step.get_by_role("button", name="Kirim ulang kode").click()  # the third code of the day: the last one
    expect(step.get_by_text("Batas 3 kode hari ini sudah tercapai.")).to_be_visible()
    expect(step.get_by_role("button", name="Kirim ulang kode")).to_have_count(0)
    [_, _, third] = codes(api, report_id)
    assert len({first, second, third}) == 3
    citizen.check("follow: the day's codes used up")

    field.fill(f"{third[:3]} {third[3:]}")  # spaces as the code may be copied are taken out
    step.get_by_role("button", name="Konfirmasi").click()
    expect(page.get_by_role("status").filter(has_text="Kontak Anda terkonfirmasi")).to_be_visible()
    expect(page.get_by_role("region", name="Konfirmasi kontak Anda")).to_have_count(0)
    expect(page.get_by_text("kontak terkonfirmasi")).to_be_visible()
    citizen.check("follow: contact confirmed")

    page.reload()  # afterwards only the short line remains
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {report_id}")
    expect(page.get_by_text("kontak terkonfirmasi")).to_be_visible()
    expect(page.get_by_text("Kontak Anda terkonfirmasi")).to_have_count(0)
    expect(page.get_by_label("Kode konfirmasi")).to_have_count(0)


def test_an_access_link_asked_for_on_another_device_opens_the_report_there(
    visit_factory: Callable[..., Visit], api: Api, stack: Stack
) -> None:
    filed = api.file_confirmed(title="Selokan meluap di depan pasar")
    unconfirmed = api.file(title="Jembatan kayu lapuk di Baros")

    phone = visit_factory(**PHONE)  # a device without the key
    page = phone.page
    phone.expected_statuses.add(404)  # an unverified report is not public: the page says so
    for report in (unconfirmed, filed):
        page.goto(f"{stack.web}laporan/{report.id}")
        expect(page.get_by_text("Laporan tidak ditemukan, atau belum terbuka untuk publik.")).to_be_visible()
        expect(page.get_by_text("Tautan hanya dikirim ke kontak yang sudah dikonfirmasi")).to_be_visible()
        page.get_by_role("button", name="Kirim tautan akses").click()
        expect(page.get_by_role("status").filter(has_text="Permintaan diterima.")).to_be_visible()
    phone.check("follow: access link asked for")
    assert links(api, unconfirmed.id) == []  # the same answer, and nothing sent to an unconfirmed contact
    [url] = links(api, filed.id)
    assert url.startswith(f"{stack.web}laporan/{filed.id}#token=")
    assert (
        requests.get(f"{stack.api}/reports/{filed.id}", headers=filed.reporter, timeout=30).status_code == 200
    )

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {filed.id}")
    expect(
        page.get_by_role("status").filter(has_text="Kunci akses dari tautan sudah tersimpan")
    ).to_be_visible()
    expect(page.get_by_text(filed.body["reporter"]["name"])).to_be_visible()  # the reporter's own view
    assert "token" not in page.url
    kept = json.loads(page.evaluate("localStorage.getItem('lapor.reports')"))
    assert [(r["id"], r["token"]) for r in kept] == [(filed.id, link_token(url, filed.id))]
    phone.check("follow: opened from the access link")
    # The link's token, at its first use, replaced the one given at filing.
    assert (
        requests.get(f"{stack.api}/reports/{filed.id}", headers=filed.reporter, timeout=30).status_code == 401
    )

    page.reload()  # the key stays on the device
    expect(page.get_by_text(filed.body["reporter"]["name"])).to_be_visible()
    page.get_by_role("link", name="Laporan saya").click()
    expect(page.get_by_role("link", name=filed.id)).to_be_visible()
    expect(page.get_by_text("Selokan meluap di depan pasar")).to_be_visible()
