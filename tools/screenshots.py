"""The screenshots of docs/PANDUAN-ADMIN.md (`make screenshots`): the local stack started as the browser tests
start it (`tools.stack_process`), a few reports made through the API for Dinas Perhubungan, and the staff
console photographed by Debian's Chromium (`tools.chromium`) as an agency operator sees it.

The escalation job runs once at the instant an overdue report reaches level 2 (the end of its 10th working
day, as `lapor.domain.calendar` counts them), and the browser's clock is set to that instant after signing in,
so the deadlines on screen read as they would then. The reports the operator answered have a reply from their
reporter, which stops the auto-close clock (DESIGN.md §3), so they are still open at that instant.

PNGs are reduced to a 256-colour palette (Pillow) to keep docs/ small.

    python -m tools.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from lapor.domain.calendar import WorkingCalendar
from tools import chromium
from tools.stack_process import REPO_ROOT, StackProcess

OUT = REPO_ROOT / "docs" / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
AGENCY, AGENCY_NAME = "dishub", "Dinas Perhubungan"
TIMEOUT = 30
_CODE = re.compile(r"\b\d{6}\b")


class Api:
    """The local stack's API as the script uses it: tokens from the role picker's route, reports, jobs."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._tokens: dict[str, str] = {}

    def token(self, role: str, agency_id: str | None = None) -> str:
        key = f"{role}/{agency_id}"
        if key not in self._tokens:
            body = {"role": role, **({"agency_id": agency_id} if agency_id else {})}
            self._tokens[key] = str(self._call("POST", "/_local/token", body)["token"])
        return self._tokens[key]

    def _call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        answer = requests.request(method, self.base + path, json=body, headers=headers, timeout=TIMEOUT)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else None

    def staff(self, method: str, path: str, body: Any = None, role: str = "coordinator") -> Any:
        agency = AGENCY if role in ("operator", "official") else None
        return self._call(method, path, body, {"Authorization": f"Bearer {self.token(role, agency)}"})

    def file(
        self, title: str, description: str, category: str, kecamatan: str, email: str
    ) -> tuple[str, str]:
        """A report as a citizen files it: its id and the reporter's access token."""
        body = {
            "type": "complaint",
            "title": title,
            "description": description,
            "category": category,
            "location": {"lat": -6.9206, "lon": 106.9298, "kecamatan": kecamatan},
            "reporter": {"name": "Warga Contoh", "email": email},
        }
        filed = self._call("POST", "/reports", body)
        return str(filed["id"]), str(filed["access_token"])

    def confirm_contact(self, report_id: str, token: str) -> None:
        """The reporter types the code of the `confirm_contact` message (read from the local outbox)."""
        items = self._call("GET", "/_local/outbox")["items"]
        [*_, message] = [
            i for i in items if i["report_id"] == report_id and i["template"] == "confirm_contact"
        ]
        code = _CODE.search(message["message"])
        assert code is not None, "no code in the confirmation message"
        self._call(
            "POST",
            f"/reports/{report_id}/contact/confirm",
            {"code": code.group(0)},
            {"X-Report-Token": token},
        )

    def reply(self, report_id: str, token: str, message: str) -> None:
        self._call("POST", f"/reports/{report_id}/replies", {"message": message}, {"X-Report-Token": token})

    def verify(self, report_id: str, category: str, supervision: bool = False) -> None:
        body = {
            "type": "complaint",
            "requires_supervision": supervision,
            "category": category,
            "agency_id": AGENCY,
        }
        self.staff("POST", f"/staff/reports/{report_id}/verify", body)

    def escalation(self, at: datetime) -> None:
        """The escalation job's run for the instant `at` (the local stack fills in the rest of the
        scheduler's event, as for any posted field)."""
        self._call(
            "POST", "/_local/jobs/escalation", {"time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        )


def make_reports(api: Api) -> tuple[str, str, datetime]:
    """Three reports for Dishub: one never answered (overdue, escalated at the instant returned), two answered
    (one berkadar pengawasan); the escalated one's id and an answered one's with a confirmed contact."""
    started = datetime.now(UTC)
    late, _ = api.file(
        "Lampu lalu lintas padam di simpang Jalan Ahmad Yani",
        "Lampu lalu lintas di simpang Jalan Ahmad Yani padam sejak pagi; kendaraan saling serobot.",
        "pju",
        "Cikole",
        "warga.satu@example.id",
    )
    api.verify(late, "pju")
    shown, shown_token = api.file(
        "Marka zebra cross di depan SDN Cikole 1 pudar",
        "Marka penyeberangan di depan SDN Cikole 1 hampir tidak terlihat; anak-anak menyeberang tanpa aman.",
        "pju",
        "Cikole",
        "warga.dua@example.id",
    )
    api.confirm_contact(shown, shown_token)
    api.verify(shown, "pju")
    api.staff(
        "POST",
        f"/staff/reports/{shown}/followups",
        {"message": "Terima kasih. Pengecatan ulang marka dijadwalkan minggu ini oleh UPT Perlengkapan."},
        role="operator",
    )
    api.staff(
        "POST",
        f"/staff/reports/{shown}/followups",
        {"message": "Koordinasi dengan sekolah untuk jadwal pengecatan sore hari.", "internal": True},
        role="operator",
    )
    api.reply(shown, shown_token, "Terima kasih, mohon dikabari bila sudah dicat.")
    long, long_token = api.file(
        "Halte bus Jalan Siliwangi rusak dan atapnya bocor",
        "Atap halte bus di Jalan Siliwangi bocor dan bangkunya patah; penumpang kehujanan.",
        "pju",
        "Citamiang",
        "warga.tiga@example.id",
    )
    api.verify(long, "pju", supervision=True)
    api.staff(
        "POST", f"/staff/reports/{long}/followups", {"message": "Tim sudah meninjau lokasi."}, "operator"
    )
    api.reply(long, long_token, "Baik, terima kasih.")
    # Level 2 of the unanswered report's respond clock: the end of its 10th working day (5 HK, twice), plus a
    # morning, so that the reminder and the breach have fired before it.
    at = WorkingCalendar().deadline(started, 10) + timedelta(hours=9)
    api.escalation(at)
    return late, shown, at


def save(locator_or_page: Page | Locator, path: Path, full_page: bool = False) -> int:
    """A PNG of the page's viewport (or the whole page, or one element), in a 256-colour palette; its size."""
    if isinstance(locator_or_page, Page):
        raw = locator_or_page.screenshot(full_page=full_page)
    else:
        raw = locator_or_page.screenshot()
    image = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(path, format="PNG", optimize=True)
    size = path.stat().st_size
    print(
        f"  {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}  {size / 1024:.0f} KB"
    )
    return size


def sign_in(page: Page, web: str, role_label: str, agency: str | None) -> None:
    """The local role picker, as tests/browser/flows.py signs in."""
    page.goto(web + "staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    page.get_by_label(role_label, exact=True).check()
    if agency is not None:
        page.get_by_label("Instansi", exact=True).select_option(label=agency)


@contextmanager
def context(browser: Browser, options: dict[str, Any]) -> Iterator[Page]:
    opened = browser.new_context(**options)
    opened.set_default_timeout(TIMEOUT * 1000)
    try:
        yield opened.new_page()
    finally:
        opened.close()


def at_escalation(page: Page, at: datetime) -> None:
    """Signed in at the real time (the token's expiry), the page's clock moves to the escalation's instant and
    the queue is read again (no reload: the session stays), so its deadlines read as they would then."""
    page.clock.install(time=at)
    page.get_by_role("button", name="Saring").click()
    expect(page.get_by_role("table")).to_contain_text("Eskalasi")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring on the button


def photograph(browser: Browser, web: str, reports: tuple[str, str], at: datetime, out: Path) -> int:
    late, report_id = reports
    total = 0
    with context(browser, DESKTOP) as page:
        sign_in(page, web, "operator", AGENCY_NAME)
        total += save(page, out / "admin-masuk.png")
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Antrean laporan")
        at_escalation(page, at)
        total += save(page, out / "admin-antrean.png")
        page.get_by_role("row").filter(has_text=report_id).get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {report_id}")
        expect(page.get_by_role("heading", name="Tindak lanjut (terlihat pelapor)")).to_be_visible()
        total += save(page, out / "admin-laporan.png")
        page.get_by_role("heading", name="Tenggat", exact=True).scroll_into_view_if_needed()
        total += save(page.locator(".grid2 > div").first, out / "admin-tenggat-riwayat.png")
        page.get_by_role("link", name="Kembali ke antrean").click()
        page.get_by_role("row").filter(has_text=late).get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Laporan {late}")
        expect(page.get_by_text("Dieskalasi", exact=True)).to_be_visible()
        total += save(page.locator(".grid2 > div").first, out / "admin-eskalasi.png")
    with context(browser, PHONE) as page:
        sign_in(page, web, "operator", AGENCY_NAME)
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Antrean laporan")
        at_escalation(page, at)
        page.get_by_role("table").scroll_into_view_if_needed()
        total += save(page, out / "admin-antrean-360.png")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT)
    arguments = parser.parse_args()
    out: Path = arguments.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        stack = StackProcess(Path(folder) / "data", Path(folder) / "stdout", Path(folder) / "stderr")
        api_url = stack.start()
        try:
            late, report_id, at = make_reports(Api(api_url))
            print(f"Screenshots of the staff console (escalation run at {at.isoformat()}):")
            with sync_playwright() as playwright:
                browser = chromium.launch(playwright)
                try:
                    total = photograph(browser, stack.web_url, (late, report_id), at, out)
                finally:
                    browser.close()
        finally:
            stack.stop()
    print(f"  total {total / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
