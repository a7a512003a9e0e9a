"""The staff console's administration pages and leadership's reports in a browser (issue 16): the coordinator
keeps the city's lists (an agency and a category added, edited, deactivated; an agency that holds open reports
refused, with the reports to forward listed), the roster (an officer added, their decree changed, deactivated,
then refused by `/_local/token` with their `sub`), each page offered only to its roles, and the leadership
pages: the breakdown with its charts, the officers' activity, the monthly recap printed and downloaded."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Stack, Visit, run_axe
from tests.browser.flows import go_to, local_token, menu, sign_in
from tests.e2e.http_client import new_report

WIB = ZoneInfo("Asia/Jakarta")
CATALOG = "Perangkat daerah dan kategori"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober")
MONTHS += ("November", "Desember")


def api(stack: Stack, method: str, path: str, token: str, body: Any = None) -> Any:
    answer = requests.request(
        method, f"{stack.api}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def new_agency(stack: Stack, name: str) -> str:
    """An agency of this test's own (the seeded ones hold other tests' reports)."""
    agency_id = f"uji-{uuid.uuid4().hex[:8]}"
    body = {"name": name, "short_name": name.rsplit(maxsplit=1)[-1], "active": True}
    api(stack, "PUT", f"/staff/agencies/{agency_id}", stack.token("coordinator"), body)
    return agency_id


def report_for(stack: Stack, agency_id: str, title: str, kecamatan: str = "Citamiang") -> str:
    """A report filed through the API and assigned to `agency_id` by the coordinator."""
    body = new_report(title=title, location={"lat": -6.9206, "lon": 106.9298, "kecamatan": kecamatan})
    filed = requests.post(f"{stack.api}/reports", json=body, timeout=30)
    filed.raise_for_status()
    report_id = str(filed.json()["id"])
    verify = {"type": "complaint", "requires_supervision": False, "category": "pju", "agency_id": agency_id}
    api(stack, "POST", f"/staff/reports/{report_id}/verify", stack.token("coordinator"), verify)
    return report_id


def add_officer(stack: Stack, name: str, role: str, agency_id: str | None) -> dict[str, Any]:
    body = {
        "name": name,
        "email": f"{name.split(maxsplit=1)[0].lower()}.{uuid.uuid4().hex[:6]}@sukabumikota.go.id",
        "role": role,
        **({"agency_id": agency_id} if agency_id else {}),
        "decree": {"number": "800/Kep.21-Diskominfo/2026", "date": "2026-02-02"},
    }
    officer: dict[str, Any] = api(stack, "POST", "/staff/officers", stack.token("coordinator"), body)
    return officer


def staff_list(stack: Stack, path: str, key: str) -> dict[str, dict[str, Any]]:
    """`GET /staff/agencies` or `/staff/categories` by key (the public lists follow within a minute)."""
    items = api(stack, "GET", path, stack.token("coordinator"))["items"]
    return {item[key]: item for item in items}


def status(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_the_coordinator_adds_edits_and_deactivates_an_agency_and_a_category(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    suffix = uuid.uuid4().hex[:6]
    agency_id, code = f"disarpus-{suffix}", f"arsip-{suffix}"
    agency_name = f"Dinas Kearsipan dan Perpustakaan {suffix}"
    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    go_to(coordinator, CATALOG, CATALOG)
    coordinator.check("catalog")

    page.get_by_role("button", name="Tambah perangkat daerah").click()
    form = page.get_by_role("region", name="Tambah perangkat daerah")
    expect(form.get_by_role("heading", name="Tambah perangkat daerah")).to_be_focused()
    form.get_by_role("button", name="Simpan perangkat daerah").click()
    summary = page.get_by_role("alert").filter(has_text="Ada yang perlu diperbaiki")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(3)
    coordinator.check("catalog: the error summary")
    summary.get_by_role("link", name="Isi nama perangkat daerah").click()  # a link within the page
    expect(page.get_by_role("heading", level=1)).to_have_text(CATALOG)
    form.get_by_label("Kode perangkat daerah").fill("Dinas Arsip")
    form.get_by_label("Nama perangkat daerah").fill(agency_name)
    form.get_by_label("Singkatan").fill("Disarpus")
    form.get_by_role("button", name="Simpan perangkat daerah").click()
    expect(summary.get_by_role("link", name=re.compile("^Gunakan huruf kecil"))).to_be_visible()
    expect(form.get_by_label("Nama perangkat daerah")).to_have_value(agency_name)  # nothing typed is lost
    form.get_by_label("Kode perangkat daerah").fill(agency_id)
    form.get_by_role("button", name="Simpan perangkat daerah").click()
    status(page, f"Perangkat daerah {agency_name} ditambahkan.")
    row = page.get_by_role("row").filter(has_text=agency_id)
    expect(row).to_contain_text("Aktif")
    assert staff_list(stack, "/staff/agencies", "id")[agency_id]["active"] is True

    page.get_by_role("button", name="Tambah kategori").click()
    form = page.get_by_role("region", name="Tambah kategori")
    form.get_by_label("Kode kategori").fill(code)
    form.get_by_label("Nama kategori").fill(f"Arsip dan perpustakaan {suffix}")
    form.get_by_label("Perangkat daerah bawaan").select_option(label=agency_name)
    form.get_by_label("Aspirasi").check()
    coordinator.check("catalog: a new category")
    form.get_by_role("button", name="Simpan kategori").click()
    status(page, f"Kategori Arsip dan perpustakaan {suffix} ditambahkan.")
    category = staff_list(stack, "/staff/categories", "code")[code]
    assert (category["default_agency_id"], category["default_type"], category["active"]) == (
        agency_id,
        "aspiration",
        True,
    )
    # The rest of the console offers them at once (the routing rules' lists, here).
    go_to(coordinator, "Aturan disposisi", "Aturan disposisi")
    page.get_by_role("button", name="Tambah aturan").click()
    rule = page.get_by_role("row").last
    expect(
        rule.get_by_role("combobox", name="Instansi").get_by_role("option", name="Disarpus")
    ).to_have_count(1)
    expect(rule.get_by_role("combobox", name="Kategori").get_by_role("option", name=suffix)).to_have_count(1)
    go_to(coordinator, CATALOG, CATALOG)

    row.get_by_role("button", name=f"Ubah {agency_name}").click()
    form = page.get_by_role("region", name=f"Ubah perangkat daerah: {agency_name}")
    expect(form.get_by_label("Kode perangkat daerah")).to_be_disabled()
    form.get_by_label("Singkatan").fill("DKP")
    form.get_by_role("button", name="Simpan perangkat daerah").click()
    status(page, f"Perubahan {agency_name} disimpan.")
    expect(row.get_by_role("cell", name="DKP", exact=True)).to_be_visible()

    # The category goes first: an active category needs an active default agency.
    page.get_by_role("row").filter(has_text=code).get_by_role("button", name="Nonaktifkan").click()
    status(page, "dinonaktifkan: tidak dapat dipilih lagi untuk laporan baru.")
    row.get_by_role("button", name=f"Nonaktifkan {agency_name}").click()
    status(page, f"{agency_name} dinonaktifkan")
    expect(row).to_contain_text("Nonaktif")
    assert staff_list(stack, "/staff/agencies", "id")[agency_id]["active"] is False
    assert staff_list(stack, "/staff/categories", "code")[code]["active"] is False
    coordinator.check("catalog: deactivated")

    coordinator.expected_statuses.add(422)  # the refusal this test provokes; Chromium logs the answer
    page.get_by_role("row").filter(has_text=code).get_by_role("button", name="Aktifkan kembali").click()
    refusal = page.get_by_role("alert").filter(has_text="pilih perangkat daerah bawaan yang aktif")
    expect(refusal).to_be_visible()
    coordinator.check("catalog: an inactive default agency")
    row.get_by_role("button", name=f"Aktifkan kembali {agency_name}").click()
    status(page, f"{agency_name} aktif kembali.")
    assert staff_list(stack, "/staff/agencies", "id")[agency_id]["active"] is True


def test_the_apis_refusal_of_a_field_is_said_beside_it_and_nothing_typed_is_lost(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    agency_name = f"Dinas Uji Lama {uuid.uuid4().hex[:4]}"
    agency_id = new_agency(stack, agency_name)
    code = f"uji-{uuid.uuid4().hex[:6]}"
    category = {"name": f"Kategori uji {code}", "default_agency_id": agency_id, "default_type": "complaint"}
    api(stack, "PUT", f"/staff/categories/{code}", stack.token("coordinator"), {**category, "active": True})
    # The agency leaves while an active category still names it (the API allows it; rules skip it).
    gone = {"name": agency_name, "short_name": "Lama", "active": False}
    api(stack, "PUT", f"/staff/agencies/{agency_id}", stack.token("coordinator"), gone)
    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    go_to(coordinator, CATALOG, CATALOG)

    coordinator.expected_statuses.add(422)  # the refusal this test provokes; Chromium logs the answer
    page.get_by_role("row").filter(has_text=code).get_by_role("button", name=re.compile("^Ubah")).click()
    form = page.get_by_role("region", name=re.compile("^Ubah kategori"))
    select = form.get_by_label("Perangkat daerah bawaan")
    expect(select.locator("option:checked")).to_have_text(f"{agency_name} (Nonaktif)")
    form.get_by_label("Nama kategori").fill(f"Kategori uji baru {code}")
    form.get_by_role("button", name="Simpan kategori").click()
    expect(select).to_have_attribute("aria-invalid", "true")
    error = form.locator(".field.error-field .error-message")
    expect(error).to_have_count(1)
    expect(select).to_have_attribute("aria-describedby", re.compile("cat-agency-error"))
    expect(page.get_by_role("alert").filter(has_text="Ada yang perlu diperbaiki")).to_be_visible()
    expect(form.get_by_label("Nama kategori")).to_have_value(f"Kategori uji baru {code}")
    coordinator.check("catalog: the API's refusal beside its field")
    select.select_option(label="Dinas Perhubungan")
    form.get_by_role("button", name="Simpan kategori").click()
    status(page, f"Perubahan kategori Kategori uji baru {code} disimpan.")
    assert staff_list(stack, "/staff/categories", "code")[code]["default_agency_id"] == "dishub"


def test_deactivating_an_agency_that_holds_open_reports_is_refused_and_the_reports_listed(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    agency_name = f"Dinas Uji Terbuka {uuid.uuid4().hex[:4]}"
    agency_id = new_agency(stack, agency_name)
    report_id = report_for(stack, agency_id, "Papan nama jalan hilang")
    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    go_to(coordinator, CATALOG, CATALOG)

    coordinator.expected_statuses.add(409)  # the refusal this test provokes; Chromium logs the answer
    row = page.get_by_role("row").filter(has_text=agency_id)
    row.get_by_role("button", name=f"Nonaktifkan {agency_name}").click()
    refusal = page.get_by_role("alert").filter(has_text=f"{agency_name} belum dapat dinonaktifkan.")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Alihkan ke instansi lain")
    expect(row).to_contain_text("Aktif")
    coordinator.check("catalog: refused while reports are open")
    refusal.get_by_role("link", name=report_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {report_id}")

    forward = {"agency_id": "dishub", "note": "Perangkat daerah lama akan dinonaktifkan."}
    api(stack, "POST", f"/staff/reports/{report_id}/forward", stack.token("coordinator"), forward)
    go_to(coordinator, CATALOG, CATALOG)
    page.get_by_role("row").filter(has_text=agency_id).get_by_role("button", name="Nonaktifkan").click()
    status(page, f"{agency_name} dinonaktifkan")


def test_an_officer_is_added_changed_deactivated_and_then_refused(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    name = f"Dewi Operator {uuid.uuid4().hex[:4]}"
    email = f"dewi.{uuid.uuid4().hex[:6]}@sukabumikota.go.id"
    coordinator = visit_factory(**DESKTOP)
    page = coordinator.page
    sign_in(coordinator, "koordinator")
    go_to(coordinator, "Petugas", "Petugas")
    page.get_by_role("button", name="Tambah petugas").click()
    form = page.get_by_role("region", name="Tambah petugas")
    expect(form).to_contain_text("aplikasi autentikator")
    form.get_by_label("Nama").fill(name)
    form.get_by_label("Email dinas").fill("dewi-at-kantor")
    form.get_by_role("button", name="Tambahkan petugas").click()
    summary = page.get_by_role("alert").filter(has_text="Ada yang perlu diperbaiki")
    expect(summary.get_by_role("link")).to_have_count(4)  # e-mail, agency, decree number and date
    coordinator.check("roster: the error summary")
    form.get_by_label("Email dinas").fill(email)
    form.get_by_label("Perangkat daerah").select_option(label="Dinas Perhubungan")
    form.get_by_label("Nomor SK").fill("800/Kep.31-Dishub/2026")
    form.get_by_label("Tanggal SK").fill("2026-03-02")
    form.get_by_role("button", name="Tambahkan petugas").click()
    status(page, f"Petugas {name} ditambahkan.")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("800/Kep.31-Dishub/2026")
    expect(row).to_contain_text("Dishub")
    coordinator.check("roster: added")

    roster = api(stack, "GET", "/staff/officers", stack.token("coordinator"))["items"]
    officer = next(o for o in roster if o["email"] == email)
    token = local_token(stack.api, "operator", "dishub", officer["id"])
    assert isinstance(token, str)
    api(stack, "GET", "/staff/reports", token)  # accepted while active

    row.get_by_role("button", name=f"Ubah {name}").click()
    form = page.get_by_role("region", name=f"Ubah petugas: {name}")
    form.get_by_label("Nomor SK").fill("800/Kep.44-Dishub/2026")
    form.get_by_role("button", name="Simpan perubahan").click()
    status(page, f"Perubahan untuk {name} disimpan.")
    expect(row).to_contain_text("800/Kep.44-Dishub/2026")

    row.get_by_role("button", name=f"Nonaktifkan {name}").click()
    dialog = page.get_by_role("dialog", name=f"Nonaktifkan {name}?")
    expect(dialog).to_contain_text("ditolak sejak permintaan berikutnya")
    coordinator.check("roster: deactivate?")
    dialog.get_by_role("button", name="Ya, nonaktifkan").click()
    status(page, f"{name} dinonaktifkan: permintaan berikutnya ditolak")
    expect(page.get_by_role("row").filter(has_text=name)).to_have_count(0)  # the list shows active ones
    page.get_by_label("Saring menurut status").select_option(label="Nonaktif saja")
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("Nonaktif")

    bearer = {"Authorization": f"Bearer {token}"}
    refused = requests.get(f"{stack.api}/staff/reports", headers=bearer, timeout=30)
    assert refused.status_code == 401  # the token it had is refused from its next request
    assert local_token(stack.api, "operator", "dishub", officer["id"]) == 401  # and it cannot sign in

    row = page.get_by_role("row").filter(has_text=name)
    row.get_by_role("button", name=f"Aktifkan kembali {name}").click()
    status(page, f"{name} aktif kembali")
    assert isinstance(local_token(stack.api, "operator", "dishub", officer["id"]), str)


def test_each_role_is_offered_only_its_pages(visit_factory: Callable[..., Visit], stack: Stack) -> None:
    colleague = add_officer(stack, "Yusuf Pejabat", "official", "dishub")
    elsewhere = add_officer(stack, "Lina Operator", "operator", "dlh")
    official = visit_factory(**PHONE)
    sign_in(official, "pejabat", "Dinas Perhubungan")
    assert menu(official.page) == ["Antrean", "Indikator", "Aktivitas petugas", "Petugas"]
    go_to(official, "Petugas", "Petugas Dishub")
    expect(official.page.get_by_role("row").filter(has_text=colleague["name"])).to_be_visible()
    expect(official.page.get_by_role("row").filter(has_text=elsewhere["name"])).to_have_count(0)
    expect(official.page.get_by_role("button", name="Tambah petugas")).to_have_count(0)
    expect(official.page.get_by_role("button", name=re.compile("^Nonaktifkan"))).to_have_count(0)
    official.check("roster: an official's agency, on a phone")
    go_to(official, "Aktivitas petugas", "Aktivitas petugas")
    expect(official.page.get_by_role("row").filter(has_text=colleague["name"])).to_be_visible()
    expect(official.page.get_by_role("row").filter(has_text=elsewhere["name"])).to_have_count(0)
    official.check("activity: an official's agency, on a phone")

    operator = visit_factory(**DESKTOP)
    sign_in(operator, "operator", "Dinas Perhubungan")
    assert menu(operator.page) == ["Antrean"]
    leadership = visit_factory(**DESKTOP)
    sign_in(leadership, "pimpinan")
    assert menu(leadership.page) == ["Antrean", "Indikator", "Laporan pimpinan", "Rekap bulanan"]
    leadership.page.goto(stack.web + "staff/#/petugas")  # typed by hand: not offered, the queue instead
    expect(leadership.page.get_by_role("heading", level=1)).to_have_text("Antrean laporan")

    leadership.page.get_by_role("button", name="English").click()  # English on request
    assert menu(leadership.page) == ["Queue", "Indicators", "Leadership reports", "Monthly recap"]
    go_to(leadership, "Monthly recap", "Monthly recap")
    expect(leadership.page.get_by_role("button", name="Print")).to_be_visible()
    leadership.check("monthly recap in English")
    leadership.page.get_by_role("button", name="Bahasa Indonesia").click()


def test_leadership_reads_the_breakdown_the_activity_and_the_monthly_recap(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    officer = add_officer(stack, f"Rina Operator {uuid.uuid4().hex[:4]}", "operator", "dishub")
    report_id = report_for(stack, "dishub", "Lampu lalu lintas padam", kecamatan="Lembursitu")
    answer = {"message": "Petugas menuju lokasi."}
    token = local_token(stack.api, "operator", "dishub", officer["id"])
    assert isinstance(token, str)
    api(stack, "POST", f"/staff/reports/{report_id}/followups", token, answer)
    today = datetime.now(WIB).date()

    leadership = visit_factory(**DESKTOP)
    page = leadership.page
    sign_in(leadership, "pimpinan")
    go_to(leadership, "Laporan pimpinan", "Laporan pimpinan")
    expect(page.get_by_text("Target: rata-rata durasi respons di bawah 2,0 hari kerja (HK).")).to_be_visible()
    hk = re.compile(r"^Rata-rata durasi respons \(hari kerja\) menurut perangkat daerah")
    chart = page.get_by_role("img", name=hk)
    expect(chart).to_have_attribute("aria-label", re.compile(r"Dishub: \d+,\d\d hari kerja"))
    figures = page.get_by_role("table", name="Angka lengkap menurut perangkat daerah")
    expect(figures.get_by_role("row").filter(has_text="Dishub")).to_contain_text("Tercapai")
    activity = page.get_by_role("table", name="Aktivitas petugas")
    expect(activity.get_by_role("row").filter(has_text=officer["name"])).to_contain_text("Dishub")
    leadership.check("leadership: by agency")

    page.get_by_label("Kelompokkan menurut").select_option(label="Kecamatan")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_role("heading", name="Laporan diterima menurut kecamatan")).to_be_visible()
    by_kecamatan = page.get_by_role("table", name="Angka lengkap menurut kecamatan")
    expect(by_kecamatan.get_by_role("row").filter(has_text="Lembursitu")).to_be_visible()
    page.get_by_label("Dari tanggal").fill(today.isoformat())
    page.get_by_label("Sampai tanggal").fill(today.replace(year=today.year - 1).isoformat())
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_role("alert")).to_contain_text("Tanggal awal harus sebelum tanggal akhir.")
    leadership.check("leadership: a period refused")

    go_to(leadership, "Rekap bulanan", "Rekap bulanan")
    page.get_by_label("Bulan").fill(today.strftime("%Y-%m"))
    page.get_by_role("button", name="Tampilkan").click()
    month = f"{MONTHS[today.month - 1]} {today.year}"
    expect(page.get_by_role("heading", name=f"Rekap {month}")).to_be_visible()
    recap = page.get_by_role("table", name="Angka lengkap menurut perangkat daerah")
    expect(recap.get_by_role("row").filter(has_text="Kota (seluruh laporan)")).to_be_visible()
    expect(recap.get_by_role("row").filter(has_text="Dishub")).to_be_visible()
    leadership.check("monthly recap")

    popup_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            popup_errors.append(message.text)

    page.context.on("page", lambda opened: opened.on("console", on_console))
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Cetak").click()
    printable = opened.value
    title = printable.get_by_role("heading", level=1)
    expect(title).to_have_text(f"Rekapitulasi Pengaduan Bulanan — {month}")
    expect(printable.get_by_role("row").filter(has_text=officer["name"])).to_contain_text("Dinas Perhubungan")
    # Its own styles survived the console's content security policy (carried over through the CSSOM).
    collapse = "getComputedStyle(document.querySelector('table')).borderCollapse"
    assert printable.evaluate(collapse) == "collapse"
    assert printable.evaluate("document.documentElement.lang") == "id"
    assert run_axe(printable) == []
    assert popup_errors == []
    status(page, "Halaman cetak dibuka di jendela baru.")
    printable.close()

    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    assert download.value.suggested_filename == f"rekap-{today:%Y-%m}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0]["jenis"] == "kota"
    assert any(r["id"] == "dishub" for r in rows)
    assert any(r["nama"] == officer["name"] for r in rows)
    leadership.check("monthly recap: printed and downloaded")
