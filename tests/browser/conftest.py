"""Browser tests: Playwright (Python) driving the distribution's Chromium through the web app, against the
local stack as `make run` starts it (API on one port, the web app on another origin).

Playwright's own browser download cannot be used here: `/usr/bin/chromium` (the `chromium` package, which
the Makefile installs where it is missing) is launched with flags that keep it off the network it cannot
reach. Each test gets a fresh browser context (its own storage). On every page a test visits, `Visit.check`
asserts no console error, no uncaught exception, no request to another host, and no serious or critical
axe-core violation (axe-core vendored from npm, `tests/browser/vendor/axe.min.js`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

from tools import chromium
from tools.stack_process import StackProcess, StackProcessError

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
TIMEOUT_MS = 15_000

pytestmark = pytest.mark.browser


def launch(playwright: Playwright) -> Browser:
    """Chromium as these tests run it (a fresh profile each launch: Playwright makes a throw-away one)."""
    try:
        return chromium.launch(playwright)
    except chromium.ChromiumMissing as missing:
        pytest.fail(str(missing))


@dataclass
class Stack:
    api: str  # http://127.0.0.1:<port>
    web: str  # http://127.0.0.1:<port>/

    def token(self, role: str, agency_id: str | None = None) -> str:
        body = {"role": role, **({"agency_id": agency_id} if agency_id else {})}
        answer = requests.post(f"{self.api}/_local/token", json=body, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["token"])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("browser")
    process = StackProcess(folder / "data", folder / "stdout", folder / "stderr")
    try:
        api = process.start()
    except StackProcessError as error:
        pytest.fail(str(error))
    try:
        assert process.web_url, f"the banner names no web app:\n{process.output_tail()}"
        yield Stack(api=api, web=process.web_url)
    finally:
        process.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One browser context's pages and what they did; `check` runs the per-page assertions."""

    page: Page
    stack: Stack
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)
    checked: int = 0

    def check(self, what: str = "") -> None:
        """No console error, no exception, no other host, no serious or critical axe violation, here."""
        self.page.wait_for_load_state("networkidle")
        violations = run_axe(self.page)
        unexpected = [m for m in self.console_errors if not self._expected(m)]
        where = f"{what or self.page.url}"
        assert unexpected == [], f"console errors on {where}: {unexpected}"
        assert self.page_errors == [], f"uncaught exceptions on {where}: {self.page_errors}"
        assert self.foreign_requests == [], f"requests to other hosts on {where}: {self.foreign_requests}"
        assert violations == [], f"axe-core on {where}: {json.dumps(violations, indent=1)[:4000]}"
        self.console_errors.clear()
        self.checked += 1

    def _expected(self, message: str) -> bool:
        """A handled answer the test provokes (a 409 conflict): Chromium logs it as an error."""
        found = re.search(r"status of (\d{3})", message)
        return found is not None and int(found.group(1)) in self.expected_statuses


def run_axe(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical violations on the page as it is now (the WCAG 2.x A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated, not a <script>: the page's CSP stays on
    results = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results
        if v["impact"] in BLOCKING
    ]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def open_context(browser: Browser, stack: Stack, **options: object) -> tuple[BrowserContext, Visit]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(page=page, stack=stack)
    allowed = {_origin(stack.web), _origin(stack.api)}

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.console_errors.append(message.text)

    def on_request(url: str) -> None:
        if url.startswith(("data:", "blob:")):
            return
        if _origin(url) not in allowed:
            visit.foreign_requests.append(url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
    context.on("request", lambda request: on_request(request.url))
    return context, visit


@pytest.fixture
def visit_factory(browser: Browser, stack: Stack) -> Iterator[Callable[..., Visit]]:
    """New browser contexts (a citizen's phone, an officer's desktop), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: object) -> Visit:
        context, visit = open_context(browser, stack, **options)
        contexts.append(context)
        return visit

    yield make
    for context in contexts:
        context.close()


PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
