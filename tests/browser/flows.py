"""What a citizen and an officer do in the web app, step by step, located by role and label only."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Visit

TRACKING_ID = re.compile(r"LPR-[0-9A-Z]{4}-[0-9A-Z]{4}")


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Lanjut").click()


def file_report(
    visit: Visit,
    title: str,
    *,
    photo: Path | None = None,
    pin: bool = True,
    check_each_step: bool = True,
    navigate: bool = True,
    email: str = "siti.warga@example.id",
) -> None:
    """Walk the filing form to its last step and send; the caller reads what follows."""
    page = visit.page
    if navigate:
        page.goto(visit.stack.web)
    expect(page.get_by_role("heading", level=1)).to_have_text("Apa yang ingin Anda laporkan?")
    if check_each_step:
        visit.check("filing: what")
    page.get_by_label("Pengaduan").check()
    page.get_by_label("Kategori").select_option(label="Penerangan jalan umum")
    next_step(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Di mana lokasinya?")
    if pin:
        page.get_by_role("button", name="Tandai di peta").click()
        page.get_by_role("button", name="Letakkan titik di tengah peta").click()
        expect(page.get_by_text(re.compile(r"^Titik: -6\.9"))).to_be_visible()
        page.get_by_label("Kecamatan (opsional)").select_option("Cikole")
        page.get_by_label("Alamat atau patokan (opsional)").fill("Depan SDN Cikole 1")
    if check_each_step:
        visit.check("filing: where")
    next_step(page)
    page.get_by_label("Judul laporan").fill(title)
    page.get_by_label("Uraian").fill("Lampu penerangan jalan mati sejak seminggu, jalan gelap di malam hari.")
    if photo is not None:
        page.get_by_label("Foto (opsional)").set_input_files(str(photo))
    if check_each_step:
        visit.check("filing: details")
    next_step(page)
    page.get_by_label("Nama Anda").fill("Siti Warga")
    page.get_by_label("Alamat email").fill(email)
    if check_each_step:
        visit.check("filing: about you")
    next_step(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Periksa laporan Anda")
    if check_each_step:
        visit.check("filing: check")
    page.get_by_role("button", name="Kirim laporan").click()


def tracking_id(page: Page) -> str:
    expect(page.get_by_role("heading", level=1)).to_have_text("Laporan terkirim")
    text = page.locator("main").inner_text()
    found = TRACKING_ID.search(text)
    assert found, text
    return found.group(0)


def sign_in(visit: Visit, role: str, agency: str | None = None) -> None:
    """The local role picker (`POST /_local/token`)."""
    page = visit.page
    page.goto(visit.stack.web + "staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    page.get_by_label(role, exact=True).check()
    if agency is not None:
        page.get_by_label("Instansi", exact=True).select_option(label=agency)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrean laporan")


def open_staff_report(visit: Visit, report_id: str) -> None:
    page = visit.page
    page.get_by_label("Cari nomor atau judul").fill(report_id)
    page.get_by_role("button", name="Saring").click()
    page.get_by_role("row").filter(has_text=report_id).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {report_id}")


def action(page: Page, name: str) -> Locator:
    """The section of one staff action, by its heading."""
    return page.get_by_role("region", name=name)


def saved(page: Page, action_name: str) -> None:
    expect(page.get_by_role("status").filter(has_text=f"Tersimpan: {action_name}.")).to_be_visible()


# --- the administration pages and leadership's reports (tests/browser/test_admin.py) ----------------------


def go_to(visit: Visit, link: str, heading: str) -> None:
    """A page of the staff console through its link in the main menu; focus lands on its heading."""
    page = visit.page
    page.get_by_role("navigation").get_by_role("link", name=link, exact=True).click()
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_text(heading)
    expect(title).to_be_focused()


def menu(page: Page) -> list[str]:
    """The main menu's links, as the officer reads them."""
    return page.get_by_role("navigation").get_by_role("link").all_inner_texts()


def local_token(api: str, role: str, agency_id: str | None = None, sub: str | None = None) -> int | str:
    """`POST /_local/token` as the local picker calls it, with a `sub`: the token, or the refusal's status."""
    import requests  # here, not at the top: the helpers above drive the browser only

    body = {"role": role, **({"agency_id": agency_id} if agency_id else {}), **({"sub": sub} if sub else {})}
    answer = requests.post(f"{api}/_local/token", json=body, timeout=30)
    return str(answer.json()["token"]) if answer.status_code == 200 else answer.status_code
