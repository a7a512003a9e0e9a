"""Debian's Chromium as the browser tests, the web budgets and the screenshots drive it through Playwright.

Playwright's own browser download cannot be reached here: `/usr/bin/chromium` (the `chromium` package, which
the Makefile installs where it is missing) is launched headless with flags that keep it off the network it
cannot reach. Playwright makes a throw-away profile each launch.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = f"{CHROMIUM} is missing: `make test` installs the distribution's chromium package"


class ChromiumMissing(RuntimeError):
    """The distribution's chromium is not installed."""


def launch(playwright: Playwright) -> Browser:
    """Chromium with the flags above; `ChromiumMissing` when the package is not installed."""
    if not CHROMIUM.exists():
        raise ChromiumMissing(MISSING)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
