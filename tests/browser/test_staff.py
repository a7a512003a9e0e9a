"""The staff console's rules in a browser: two officers editing one report (the second is told, the report
reloaded, the text kept), and an operator who sees no coordinator action."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import Route, expect

from tests.browser.conftest import DESKTOP, Stack, Visit
from tests.browser.flows import action, open_staff_report, saved, sign_in
from tests.e2e.http_client import new_report

AGENCY = "Dinas Perhubungan"
COORDINATOR_ACTIONS = (
    "Verifikasi dan disposisikan",
    "Alihkan ke instansi lain",
    "Tunda: minta pelapor melengkapi",
    "Teruskan ke pihak di luar kota",
    "Arsipkan",
)


def disposed_report(stack: Stack, title: str) -> str:
    """A report made for this test through the API (the UI journeys are elsewhere), assigned to Dishub."""
    filed = requests.post(f"{stack.api}/reports", json=new_report(title=title), timeout=30)
    filed.raise_for_status()
    report_id = str(filed.json()["id"])
    coordinator = {"Authorization": f"Bearer {stack.token('coordinator')}"}
    verified = requests.post(
        f"{stack.api}/staff/reports/{report_id}/verify",
        json={"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": "dishub"},
        headers=coordinator,
        timeout=30,
    )
    verified.raise_for_status()
    return report_id


def test_the_second_of_two_officers_is_told_of_the_conflict_and_keeps_the_text(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    report_id = disposed_report(stack, "Rambu lalu lintas roboh di perempatan")
    first, second = visit_factory(**DESKTOP), visit_factory(**DESKTOP)
    for officer in (first, second):
        sign_in(officer, "operator", AGENCY)
        open_staff_report(officer, report_id)

    section = action(first.page, "Tindak lanjut (terlihat pelapor)")
    section.get_by_label("Pesan untuk pelapor").fill("Tim menuju lokasi siang ini.")
    section.get_by_role("button", name="Tindak lanjut (terlihat pelapor)").click()
    saved(first.page, "Tindak lanjut (terlihat pelapor)")

    second.expected_statuses.add(409)  # the conflict this test provokes; Chromium logs the answer
    stale = action(second.page, "Catatan internal")
    stale.get_by_label("Catatan (hanya petugas)").fill("Perlu koordinasi dengan kepolisian.")
    stale.get_by_role("button", name="Catatan internal").click()
    expect(second.page.get_by_text("baru saja diubah oleh petugas lain")).to_be_visible()
    expect(second.page.get_by_text("Tim menuju lokasi siang ini.")).to_be_visible()  # reloaded
    expect(stale.get_by_label("Catatan (hanya petugas)")).to_have_value("Perlu koordinasi dengan kepolisian.")
    second.check("report: after the conflict")

    stale.get_by_role("button", name="Catatan internal").click()  # sent again, on the version now read
    saved(second.page, "Catatan internal")
    expect(second.page.get_by_text("Perlu koordinasi dengan kepolisian.")).to_be_visible()
    second.check("report: note kept")


def test_an_operator_sees_no_coordinator_action(visit_factory: Callable[..., Visit], stack: Stack) -> None:
    report_id = disposed_report(stack, "Halte bus rusak dan atapnya bocor")
    operator = visit_factory(**DESKTOP)
    sign_in(operator, "operator", AGENCY)
    expect(operator.page.get_by_role("link", name="Kalender")).to_have_count(0)
    expect(operator.page.get_by_role("link", name="Aturan disposisi")).to_have_count(0)
    open_staff_report(operator, report_id)
    expect(action(operator.page, "Tindak lanjut (terlihat pelapor)")).to_be_visible()
    expect(action(operator.page, "Kembalikan: bukan wewenang kami")).to_be_visible()
    for name in COORDINATOR_ACTIONS:
        expect(operator.page.get_by_role("button", name=name)).to_have_count(0)
    operator.check("report: operator")

    coordinator = visit_factory(**DESKTOP)
    sign_in(coordinator, "koordinator")
    open_staff_report(coordinator, report_id)
    expect(coordinator.page.get_by_role("button", name="Alihkan ke instansi lain")).to_be_visible()
    expect(coordinator.page.get_by_role("button", name="Tindak lanjut (terlihat pelapor)")).to_have_count(0)
    coordinator.check("report: coordinator")


def test_the_identity_is_shown_after_a_confirmation_and_the_look_is_logged(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    report_id = disposed_report(stack, "Trotoar rusak di depan pasar")
    coordinator = visit_factory(**DESKTOP)
    sign_in(coordinator, "koordinator")
    open_staff_report(coordinator, report_id)
    expect(coordinator.page.get_by_text("Belum pernah dilihat.")).to_be_visible()
    coordinator.page.get_by_role("button", name="Lihat identitas pelapor").click()
    dialog = coordinator.page.get_by_role("dialog", name="Lihat identitas pelapor")
    expect(dialog).to_be_visible()
    coordinator.check("reveal: confirmation")
    dialog.get_by_label("Tujuan melihat identitas").fill("Menghubungi pelapor untuk lokasi")
    dialog.get_by_role("button", name="Ya, lihat dan catat").click()
    expect(coordinator.page.get_by_text("Ratna Pelapor")).to_be_visible()
    expect(coordinator.page.get_by_text("Belum pernah dilihat.")).to_have_count(0)
    coordinator.check("reveal: shown")


def test_the_coordinators_pages(visit_factory: Callable[..., Visit], stack: Stack) -> None:
    """Calendar, routing rules, daily indicators with the CSV export, Open311 keys: each used once."""
    report_id = disposed_report(stack, "Lampu taman kota padam")
    operator = {"Authorization": f"Bearer {stack.token('operator', 'dishub')}"}
    requests.post(
        f"{stack.api}/staff/reports/{report_id}/followups",
        json={"message": "Diperiksa."},
        headers=operator,
        timeout=30,
    ).raise_for_status()
    day = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    computed = requests.post(f"{stack.api}/_local/jobs/metrics", json={"detail": {"date": day}}, timeout=60)
    computed.raise_for_status()

    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")

    page.get_by_role("link", name="Kalender").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kalender hari kerja")
    page.get_by_label("Tanggal", exact=True).fill("2026-08-18")
    page.get_by_role("button", name="Tambahkan").click()
    expect(page.get_by_role("status").filter(has_text="Kalender disimpan.")).to_be_visible()
    added = page.get_by_role("row").filter(has_text="ditambahkan")
    expect(added).to_have_count(1)
    coordinator.check("calendar")
    added.get_by_role("button", name="Jadikan hari kerja").click()
    expect(page.get_by_role("row").filter(has_text="ditambahkan")).to_have_count(0)

    page.get_by_role("link", name="Aturan disposisi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aturan disposisi")
    page.get_by_role("button", name="Tambah aturan").click()
    rows = page.get_by_role("row")
    last = rows.nth(rows.count() - 1)
    last.get_by_role("combobox", name="Kategori").select_option(label="Penerangan jalan umum")
    last.get_by_role("combobox", name="Kecamatan").select_option("Baros")
    last.get_by_role("combobox", name="Instansi").select_option(label="Dishub")
    page.get_by_role("button", name="Simpan aturan").click()
    expect(page.get_by_role("status").filter(has_text="Aturan disimpan.")).to_be_visible()
    coordinator.check("routing rules")

    coordinator.expected_statuses.add(404)  # yesterday is not computed: the page says so (below)
    page.get_by_role("link", name="Indikator").click()
    expect(page.get_by_text("Belum ada indikator untuk tanggal ini.")).to_be_visible()
    page.get_by_label("Tanggal").fill(day)
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_role("heading", name="Rata-rata durasi respons per instansi")).to_be_visible()
    expect(
        page.get_by_role("img", name=re.compile("Rata-rata durasi respons \\(hari kerja\\)"))
    ).to_be_visible()
    coordinator.check("daily indicators")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert report_id in Path(download.value.path()).read_text(encoding="utf-8")

    page.get_by_role("link", name="Kunci Open311").click()
    page.get_by_label("Nama sistem").fill("Aplikasi kecamatan")
    page.get_by_role("button", name="Terbitkan kunci").click()
    expect(page.get_by_text("Salin sekarang")).to_be_visible()
    coordinator.check("open311 keys")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cabut kunci Aplikasi kecamatan").click()
    expect(page.get_by_role("row").filter(has_text="Aplikasi kecamatan")).to_have_count(0)

    leadership = visit_factory(**DESKTOP)
    sign_in(leadership, "pimpinan")
    open_staff_report(leadership, report_id)
    expect(leadership.page.get_by_text("Peran Anda tidak dapat mengambil tindakan")).to_be_visible()
    expect(leadership.page.get_by_role("button", name="Lihat identitas pelapor")).to_have_count(0)
    leadership.check("report: leadership")


def test_a_slower_earlier_list_does_not_replace_the_one_asked_for_last(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    wanted = disposed_report(stack, "Rambu dilarang parkir tertutup pohon")
    disposed_report(stack, "Marka jalan pudar di depan terminal")
    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    held: list[Route] = []

    def hold_the_first_list(route: Route) -> None:
        if not held and "q=" not in route.request.url:
            held.append(route)  # the queue's first, unfiltered list: answered after the filtered one
        else:
            route.continue_()

    page.route(re.compile(r"/staff/reports\?"), hold_the_first_list)
    sign_in(coordinator, "koordinator")
    page.get_by_label("Cari nomor atau judul").fill(wanted)
    page.get_by_role("button", name="Saring").click()
    rows = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows).to_have_count(1)
    assert len(held) == 1
    with page.expect_response(lambda answer: "/staff/reports?" in answer.url and "q=" not in answer.url):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # the late answer has been handled
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(wanted)
    coordinator.check("queue: the filtered list stays")
