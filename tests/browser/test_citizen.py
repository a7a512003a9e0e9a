"""The citizen portal beyond the lifecycle: a report written offline is sent once when the network returns;
the public list, the indicators and "my reports"; Indonesian whatever the browser says, English on request."""

from __future__ import annotations

from collections.abc import Callable

import requests
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Stack, Visit
from tests.browser.flows import file_report


def staff_titles(stack: Stack, title: str) -> list[str]:
    token = stack.token("coordinator")
    listed = requests.get(
        f"{stack.api}/staff/reports",
        params={"q": title, "limit": 100},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    listed.raise_for_status()
    return [item["id"] for item in listed.json()["items"] if item["title"] == title]


def test_a_report_written_offline_is_sent_once_when_the_network_returns(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    title = "Saluran air tersumbat sampah di Warudoyong"
    citizen = visit_factory(**PHONE)
    citizen.page.goto(stack.web)
    expect(citizen.page.get_by_role("heading", level=1)).to_have_text("Apa yang ingin Anda laporkan?")
    citizen.page.context.set_offline(True)
    file_report(citizen, title, pin=False, check_each_step=False, navigate=False)
    expect(citizen.page.get_by_text("Anda sedang luring.")).to_be_visible()
    assert staff_titles(stack, title) == []

    citizen.page.context.set_offline(False)  # the browser's "online" event: the kept report goes out
    sent = citizen.page.get_by_role("status").filter(has_text="Laporan yang tersimpan sudah terkirim")
    expect(sent).to_be_visible()
    filed = staff_titles(stack, title)
    assert len(filed) == 1
    expect(sent.get_by_role("link", name=filed[0])).to_be_visible()
    citizen.check("offline report sent")

    citizen.page.reload()  # nothing is kept any more: reloading sends nothing again
    citizen.page.get_by_role("link", name="Laporan saya").click()
    expect(citizen.page.get_by_role("link", name=filed[0])).to_be_visible()
    expect(citizen.page.get_by_text("menunggu jaringan")).to_have_count(0)
    citizen.check("my reports")
    assert staff_titles(stack, title) == filed


def test_public_list_indicators_and_the_language_switch(
    visit_factory: Callable[..., Visit], stack: Stack
) -> None:
    visitor = visit_factory(**DESKTOP, locale="en-US", extra_http_headers={"Accept-Language": "en-US,en"})
    visitor.page.goto(stack.web + "publik")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Laporan publik")
    assert visitor.page.evaluate("document.documentElement.lang") == "id"
    visitor.page.get_by_label("Status").select_option(label="Selesai")
    visitor.page.get_by_role("button", name="Saring").click()
    visitor.check("public list")

    visitor.page.get_by_role("link", name="Statistik").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Statistik layanan")
    expect(visitor.page.get_by_role("heading", name="Rata-rata durasi respons per instansi")).to_be_visible()
    visitor.check("indicators")

    visitor.page.get_by_role("button", name="English").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Service statistics")
    assert visitor.page.evaluate("document.documentElement.lang") == "en"
    visitor.check("indicators in English")
    visitor.page.get_by_role("link", name="Make a report").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("What do you want to report?")
    visitor.page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Apa yang ingin Anda laporkan?")
