"""The staff console's view of the reporter's contact and messages, and the coordinator's personal-data
actions in a browser: what became of each message (delivered, bounced), a reply and a follow-up redacted
(marked as such on the reporter's and the public page), and the identity erased."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import DESKTOP, PHONE, Stack, Visit
from tests.browser.flows import open_staff_report, sign_in
from tests.e2e.http_client import Api, Filed

REPLY = "Rumah saya nomor 12, hubungi istri saya Ani Lestari di 0812 3456 7890."
REDACTED_REPLY = "Rumah saya nomor [disunting], hubungi [disunting]."
FOLLOWUP = "Petugas sudah bertemu Pak Budi Santoso, ketua RT, di lokasi."
REDACTED_FOLLOWUP = "Petugas sudah bertemu ketua RT di lokasi."


@pytest.fixture
def api(stack: Stack) -> Api:
    return Api(stack.api)


def confirmed_and_disposed(api: Api, title: str) -> Filed:
    """A report whose reporter confirmed the contact, verified and assigned to Dishub (through the API)."""
    filed = api.file_confirmed(title=title)
    verify = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": "dishub"}
    api.act(filed.id, "verify", verify, api.coordinator)
    return filed


def choose_entry(select: Locator, action: str) -> None:
    """Pick the timeline entry whose option starts with the action's name."""
    option = select.locator("option").filter(has_text=re.compile(f"^{re.escape(action)} ·"))
    expect(option).to_have_count(1)
    select.select_option(value=option.get_attribute("value"))


def test_the_staff_see_what_became_of_each_message_to_the_reporter(
    visit_factory: Callable[..., Visit], api: Api
) -> None:
    reached = confirmed_and_disposed(api, "Marka jalan pudar di Gunungpuyuh")
    bounced = api.file(
        title="Parit tersumbat di Lembursitu",
        reporter={"name": "Dedi Pelapor", "email": "bounce@simulator.amazonses.com"},
    )

    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    open_staff_report(coordinator, reached.id)
    expect(page.get_by_text("Terkonfirmasi: pelapor menerima kabar laporan")).to_be_visible()
    table = page.get_by_role("region", name="Pesan ke pelapor").get_by_role("table")
    code_row = table.get_by_role("row").filter(has_text="Kode konfirmasi kontak")
    expect(code_row).to_contain_text("Email")
    expect(code_row).to_contain_text("Sampai ke pelapor")
    expect(table.get_by_role("row").filter(has_text="Laporan diverifikasi")).to_contain_text(
        "Sampai ke pelapor"
    )
    coordinator.check("report: messages delivered")

    page.get_by_role("link", name="Kembali ke antrean").click()
    open_staff_report(coordinator, bounced.id)
    expect(page.get_by_text("Belum dikonfirmasi: pelapor hanya menerima kode konfirmasi")).to_be_visible()
    row = (
        page.get_by_role("region", name="Pesan ke pelapor")
        .get_by_role("row")
        .filter(has_text="Kode konfirmasi kontak")
    )
    expect(row).to_contain_text("Ditolak: alamat atau nomor tidak dapat menerima")
    expect(row).to_contain_text("alamat email tidak ada atau menolak pesan")
    coordinator.check("report: a message bounced")


def test_the_coordinator_redacts_a_reply_and_a_followup_then_erases_the_identity(
    visit_factory: Callable[..., Visit], api: Api, stack: Stack
) -> None:
    filed = confirmed_and_disposed(api, "Sampah menumpuk di gang Cikole")
    api.act(filed.id, "followups", {"message": FOLLOWUP}, api.staff("operator", "dishub"))
    replied = api.post(f"/reports/{filed.id}/replies", {"message": REPLY}, filed.reporter)
    assert replied.status_code == 201, replied.text

    citizen = visit_factory(**PHONE)  # the reporter's phone, with the key
    citizen.page.goto(stack.web + "laporan-saya")
    citizen.page.get_by_label("Nomor pelacakan").fill(filed.id)
    citizen.page.get_by_label("Kunci akses").fill(filed.token)
    citizen.page.get_by_role("button", name="Buka").click()
    expect(citizen.page.get_by_text(REPLY)).to_be_visible()

    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    open_staff_report(coordinator, filed.id)

    # The identity reveal asks for a purpose and the access log shows it.
    page.get_by_role("button", name="Lihat identitas pelapor").click()
    reveal = page.get_by_role("dialog", name="Lihat identitas pelapor")
    expect(reveal.get_by_text("Dicatat di catatan akses identitas")).to_be_visible()
    reveal.get_by_label("Tujuan melihat identitas").fill("Konfirmasi alamat rumah pelapor")
    reveal.get_by_role("button", name="Ya, lihat dan catat").click()
    expect(page.get_by_text(filed.body["reporter"]["name"])).to_be_visible()
    expect(page.get_by_text("Tujuan: Konfirmasi alamat rumah pelapor")).to_be_visible()

    redact = page.get_by_role("region", name="Sunting teks")
    redact.get_by_role("button", name="Simpan suntingan").click()  # nothing chosen yet
    expect(page.get_by_role("alert").get_by_role("link", name="Pilih bagian yang disunting.")).to_be_visible()
    redact.get_by_label("Satu entri riwayat").check()
    choose_entry(redact.get_by_label("Entri riwayat", exact=True), "Balasan pelapor")
    expect(redact.get_by_label("Teks pengganti")).to_have_value(REPLY)  # the current words, to edit
    coordinator.check("redaction: the reply chosen")
    redact.get_by_label("Teks pengganti").fill(REDACTED_REPLY)
    redact.get_by_role("button", name="Simpan suntingan").click()
    expect(page.get_by_role("status").filter(has_text="Tersimpan: Sunting teks.")).to_be_visible()
    timeline = page.get_by_role("list").filter(has_text="Laporan dikirim")
    expect(timeline.get_by_role("listitem").filter(has_text=REDACTED_REPLY)).to_contain_text("disunting")
    expect(timeline.get_by_role("listitem").filter(has_text="Teks disunting")).to_contain_text(
        "Riwayat: Balasan pelapor"
    )
    expect(page.get_by_text(REPLY)).to_have_count(0)

    redact.get_by_label("Satu entri riwayat").check()
    choose_entry(redact.get_by_label("Entri riwayat", exact=True), "Tindak lanjut instansi")
    redact.get_by_label("Teks pengganti").fill(REDACTED_FOLLOWUP)
    redact.get_by_role("button", name="Simpan suntingan").click()
    expect(timeline.get_by_role("listitem").filter(has_text=REDACTED_FOLLOWUP)).to_contain_text("disunting")
    coordinator.check("redaction: saved")

    citizen.page.reload()  # the reporter's page: the words are gone, the entries say why
    reply = citizen.page.get_by_role("listitem").filter(has_text=REDACTED_REPLY)
    expect(reply).to_contain_text("disunting")
    expect(reply).to_contain_text("Sebagian teks ini diganti koordinator")
    expect(citizen.page.get_by_text(REPLY)).to_have_count(0)
    expect(citizen.page.get_by_text(FOLLOWUP)).to_have_count(0)
    expect(citizen.page.get_by_text("Teks disunting")).to_have_count(0)  # the redact entry is staff-only
    citizen.check("follow: redacted entries")

    public = visit_factory(**PHONE)  # anyone: the public view of a verified report
    public.page.goto(f"{stack.web}laporan/{filed.id}")
    expect(public.page.get_by_text("Anda melihat tampilan publik")).to_be_visible()
    expect(public.page.get_by_role("listitem").filter(has_text=REDACTED_FOLLOWUP)).to_contain_text(
        "disunting"
    )
    expect(public.page.get_by_text(FOLLOWUP)).to_have_count(0)
    expect(public.page.get_by_text(REDACTED_REPLY)).to_have_count(0)  # a reply is never public
    public.check("public: redacted follow-up")

    erase = page.get_by_role("region", name="Hapus identitas pelapor")
    erase.get_by_role("button", name="Hapus identitas pelapor").click()
    dialog = page.get_by_role("dialog", name="Hapus identitas pelapor")
    expect(dialog.get_by_text("Penghapusan tidak dapat dibatalkan.")).to_be_visible()
    coordinator.check("erasure: the warning")
    dialog.get_by_role("button", name="Ya, hapus identitas untuk selamanya").click()  # no reason yet
    expect(dialog.locator("#a-erase-reason-error")).to_contain_text("Wajib diisi.")
    dialog.get_by_label("Alasan penghapusan").fill("Permintaan pelapor lewat surat resmi")
    dialog.get_by_role("button", name="Ya, hapus identitas untuk selamanya").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="Tersimpan: Hapus identitas pelapor.")).to_be_visible()
    expect(page.get_by_text("Identitas pelapor laporan ini telah dihapus.")).to_be_visible()
    expect(page.get_by_text("Dihapus bersama identitas pelapor")).to_be_visible()
    expect(page.get_by_text(filed.body["reporter"]["name"])).to_have_count(0)
    expect(page.get_by_role("button", name="Lihat identitas pelapor")).to_have_count(0)
    expect(page.get_by_role("button", name="Hapus identitas pelapor")).to_have_count(0)
    expect(timeline.get_by_role("listitem").filter(has_text="Identitas dihapus")).to_contain_text(
        "Permintaan pelapor lewat surat resmi"
    )
    expect(
        page.get_by_text("Tujuan: Konfirmasi alamat rumah pelapor")
    ).to_be_visible()  # the access log stays
    coordinator.check("erasure: done")

    citizen.expected_statuses.add(401)  # the reporter's key went with the identity
    citizen.page.reload()
    expect(citizen.page.get_by_text("Kunci akses di perangkat ini tidak berlaku")).to_be_visible()
    expect(citizen.page.get_by_role("button", name="Kirim tautan akses")).to_be_visible()
    citizen.check("follow: after the erasure")

    public.page.reload()
    expect(public.page.get_by_role("listitem").filter(has_text=REDACTED_FOLLOWUP)).to_contain_text(
        "disunting"
    )
