"""The filing page's budgets, as Chromium sees them (`make bench`): what its first load transferred,
compressed (every script and style; no tiles locally), and the time until the filing form is usable on a
slow phone and network (CDP: 400 ms round trip, 1.6 Mbps down, 750 kbps up, CPU 4x slower).

It starts the local stack as `make run` does and loads the page in fresh browser contexts (empty caches).
"Usable": the first question's choices and its "Lanjut" button are on screen and enabled. The map's
Leaflet loads only when the reporter opens the map; its transfer is printed apart.

    python bench/web_budget.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, CDPSession, Page, sync_playwright

from tools import chromium
from tools.stack_process import StackProcess

BUDGET_BYTES = 150 * 1024
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
CPU_SLOWDOWN = 4
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


class Transfers:
    """Bytes Chromium received per request (`Network.loadingFinished.encodedDataLength`: headers and the
    body as sent, compressed)."""

    def __init__(self, session: CDPSession) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        session.on("Network.requestWillBeSent", self._sent)
        session.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.bytes[event["requestId"]] = int(event["encodedDataLength"])

    def finished(self, *suffixes: str) -> bool:
        done = [self.urls.get(k, "") for k in self.bytes]
        return all(any(url.endswith(suffix) for url in done) for suffix in suffixes)

    def total(self) -> int:
        return sum(self.bytes.values())

    def by_url(self) -> list[tuple[str, int]]:
        return sorted(((self.urls.get(k, k), v) for k, v in self.bytes.items()), key=lambda item: -item[1])


def open_page(browser: Browser, throttled: bool) -> tuple[Page, CDPSession, Transfers]:
    page = browser.new_context(**PHONE).new_page()  # type: ignore[arg-type]
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        session.send("Network.emulateNetworkConditions", SLOW)
        session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return page, session, Transfers(session)


def wait_usable(page: Page) -> None:
    page.get_by_label("Pengaduan").wait_for(state="visible", timeout=120_000)
    next_button = page.get_by_role("button", name="Lanjut")
    next_button.wait_for(state="visible", timeout=120_000)
    assert next_button.is_enabled()


def first_load(browser: Browser, url: str) -> tuple[int, list[tuple[str, int]], int]:
    """(bytes of the first load, per URL, extra bytes when the map opens) on an unthrottled load."""
    page, _, transfers = open_page(browser, throttled=False)
    page.goto(url)
    wait_usable(page)
    page.wait_for_load_state("networkidle")
    total, detail = transfers.total(), transfers.by_url()
    page.get_by_label("Pengaduan").check()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Tandai di peta").click()
    page.get_by_role("button", name="Letakkan titik di tengah peta").wait_for()
    deadline = time.monotonic() + 30
    while not transfers.finished("vendor/leaflet.js", "vendor/leaflet.css") and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    map_bytes = transfers.total() - total
    page.context.close()
    return total, detail, map_bytes


def usable_after(browser: Browser, url: str) -> float:
    """Seconds from navigation until the filing form is usable, throttled."""
    page, _, _ = open_page(browser, throttled=True)
    started = time.monotonic()
    page.goto(url, wait_until="commit", timeout=120_000)
    wait_usable(page)
    elapsed = time.monotonic() - started
    page.context.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stack = StackProcess(Path(folder) / "data", Path(folder) / "stdout", Path(folder) / "stderr")
        stack.start()
        try:
            url = stack.web_url
            with sync_playwright() as playwright:
                browser = chromium.launch(playwright)
                loads = [first_load(browser, url) for _ in range(arguments.runs)]
                times = [usable_after(browser, url) for _ in range(arguments.runs)]
                browser.close()
        finally:
            stack.stop()
    total, detail, map_bytes = loads[-1]
    sizes = sorted({load[0] for load in loads})
    print("Web app budgets: the filing page (/), a 360 px phone, caches empty, gzip as served locally")
    print(
        f"  first load transferred      {total / 1024:7.1f} KB compressed in {len(detail)} requests"
        f"  (budget {BUDGET_BYTES // 1024} KB: {'within' if max(sizes) <= BUDGET_BYTES else 'OVER'};"
        f" runs: {', '.join(f'{s / 1024:.1f}' for s in sizes)} KB)"
    )
    for resource, size in detail[:8]:
        print(f"      {size / 1024:6.1f} KB  {resource.split('/', 3)[-1] or '/'}")
    print(
        f"  the map step adds           {map_bytes / 1024:7.1f} KB (Leaflet, loaded when the map is opened)"
    )
    print(
        f"  usable filing form after    {statistics.median(times):7.2f} s median of {len(times)}"
        f" (400 ms RTT, 1.6 Mbps down, CPU x{CPU_SLOWDOWN}; runs: {', '.join(f'{t:.2f}' for t in times)} s)"
    )
    return 0 if max(sizes) <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
