"""The lifecycle through the two UIs only, against the local stack: a citizen files a report with a photo
and sees the tracking id; the coordinator verifies and disposes it; the operator follows up; the agency's
official closes it; the citizen sees the follow-up and rates it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Visit
from tests.browser.flows import action, file_report, open_staff_report, saved, sign_in, tracking_id
from tests.photos import full_jpeg

AGENCY = "Dinas Perhubungan"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "lampu.jpg"
    path.write_bytes(full_jpeg())
    return path


def test_a_report_walks_its_whole_lifecycle_in_the_two_uis(
    visit_factory: Callable[..., Visit], photo: Path
) -> None:
    citizen = visit_factory(**PHONE)
    file_report(citizen, "Lampu jalan mati di Cikole", photo=photo)
    report_id = tracking_id(citizen.page)
    expect(citizen.page.get_by_role("status").filter(has_text="Foto terunggah: 1 dari 1.")).to_be_visible()
    citizen.check("filed")
    citizen.page.get_by_role("link", name="Ikuti laporan ini").click()
    expect(citizen.page.get_by_role("heading", level=1)).to_have_text(f"Laporan {report_id}")
    expect(citizen.page.get_by_text("Belum Terverifikasi")).to_be_visible()
    expect(citizen.page.get_by_role("link", name="Buka lampiran 1")).to_be_visible()
    citizen.check("follow: submitted")

    coordinator = visit_factory(**DESKTOP)
    sign_in(coordinator, "koordinator")
    coordinator.check("queue")
    open_staff_report(coordinator, report_id)
    coordinator.check("report: submitted")
    verify = action(coordinator.page, "Verifikasi dan disposisikan")
    verify.get_by_label("Instansi tujuan").select_option(label=AGENCY)
    verify.get_by_role("button", name="Verifikasi dan disposisikan").click()
    saved(coordinator.page, "Verifikasi dan disposisikan")
    expect(coordinator.page.get_by_text("Terdisposisi – Belum Ditindaklanjuti")).to_be_visible()
    coordinator.check("report: disposed")

    operator = visit_factory(**DESKTOP)
    sign_in(operator, "operator", AGENCY)
    open_staff_report(operator, report_id)
    followup = action(operator.page, "Tindak lanjut (terlihat pelapor)")
    followup.get_by_label("Pesan untuk pelapor").fill("Petugas mengganti lampu besok pagi.")
    followup.get_by_role("button", name="Tindak lanjut (terlihat pelapor)").click()
    saved(operator.page, "Tindak lanjut (terlihat pelapor)")
    operator.check("report: followed up")

    official = visit_factory(**DESKTOP)
    sign_in(official, "pejabat", AGENCY)
    open_staff_report(official, report_id)
    close = action(official.page, "Selesaikan laporan")
    close.get_by_label("Penyelesaian").fill("Lampu sudah diganti dan menyala.")
    close.get_by_role("button", name="Selesaikan laporan").click()
    saved(official.page, "Selesaikan laporan")
    official.check("report: done")

    citizen.page.reload()
    expect(citizen.page.get_by_text("Petugas mengganti lampu besok pagi.")).to_be_visible()
    expect(citizen.page.get_by_text("Selesai", exact=True).first).to_be_visible()
    citizen.check("follow: done")
    citizen.page.get_by_label("4 dari 5").check()
    citizen.page.get_by_role("group", name="Apakah masalahnya sudah selesai?").get_by_label("Ya").check()
    citizen.page.get_by_role("button", name="Kirim penilaian").click()
    expect(citizen.page.get_by_text("Penilaian Anda: 4 dari 5, masalah selesai.")).to_be_visible()
    citizen.check("follow: rated")
