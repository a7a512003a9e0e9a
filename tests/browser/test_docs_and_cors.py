"""The local API docs render in Chromium (Swagger UI 5 reads OpenAPI 3.1), and CORS as a browser sees it: a
page on http://localhost:5173 can call every citizen and staff route, a stranger origin gets no grant.

The two pages of the CORS test are real pages on loopback servers (Chromium lets only a page itself loaded
from the loopback address space call one): the portal on localhost:5173 (any free localhost port when 5173
is taken), the stranger on 127.0.0.2, which the local stack does not allow."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Stack, Visit, run_axe

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def operations() -> list[tuple[str, str]]:
    paths = json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


def test_the_docs_page_lists_every_operation(visit_factory: Callable[..., Visit], stack: Stack) -> None:
    visit = visit_factory()
    visit.page.goto(f"{stack.api}/docs")
    expect(visit.page.get_by_role("heading", name=re.compile("Lapor API"))).to_be_visible()
    expect(visit.page.get_by_text("Unable to render this definition")).to_have_count(0)
    listed = visit.page.locator(".opblock-summary-path")  # Swagger UI's own markup: not ours to label
    expected = operations()
    expect(listed.first).to_be_visible()  # an operation with two tags is listed under each
    shown = {
        (method.strip().upper(), path.strip().replace("\u200b", ""))
        for method, path in zip(
            visit.page.locator(".opblock-summary-method").all_inner_texts(),
            listed.all_inner_texts(),
            strict=True,
        )
    }
    assert shown == set(expected)
    assert visit.console_errors == []
    assert visit.page_errors == []
    assert visit.foreign_requests == []


CALL_EVERY_ROUTE = """
async ({api, token, operations}) => {
  const results = [];
  for (const [method, path] of operations) {
    const sample = (name) => ({"{year}": "2026", "{date}": "2026-01-05"})[name] || "LPR-0000-0000";
    const url = api + path.replace(/\\{[^}]+\\}/g, sample);
    const headers = {"Content-Type": "application/json", "Accept-Language": "en", "If-Match": "1",
                     "Idempotency-Key": "cors-" + method + path};
    if (path.startsWith("/staff/")) headers.Authorization = "Bearer " + token;
    else headers["X-Report-Token"] = "not-a-token";
    const body = ["POST", "PUT", "PATCH"].includes(method) ? "{}" : undefined;
    try {
      const response = await fetch(url, {method, headers, body});
      results.push({method, path, status: response.status, etag: response.headers.has("ETag")});
    } catch (error) {
      results.push({method, path, failed: String(error)});
    }
  }
  return results;
}
"""


class _Blank(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>portal</title><p>a city portal"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def site(host: str, port: int) -> Iterator[str]:
    """A page served at http://host:port/ (any free port when that one is taken)."""
    try:
        server = ThreadingHTTPServer((host, port), _Blank)
    except OSError:
        server = ThreadingHTTPServer((host, 0), _Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def page_at(browser: Browser, origin: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{origin}/")
    return page


def test_a_page_on_another_origin_calls_every_route_a_stranger_none(browser: Browser, stack: Stack) -> None:
    token = stack.token("coordinator")
    with site("localhost", 5173) as origin:
        portal = page_at(browser, origin)
        answers = portal.evaluate(
            CALL_EVERY_ROUTE, {"api": stack.api, "token": token, "operations": operations()}
        )
        categories = portal.evaluate(
            "async (api) => (await (await fetch(api + '/categories')).json()).items.length", stack.api
        )
        portal.context.close()
    refused = [a for a in answers if "failed" in a]
    assert refused == [], refused  # a CORS refusal is a failed fetch: every route answered the page
    assert {a["status"] for a in answers} <= {200, 201, 202, 204, 400, 401, 403, 404, 409, 422}
    assert categories > 0

    with site("127.0.0.2", 0) as origin:
        stranger = page_at(browser, origin)
        answers = stranger.evaluate(
            CALL_EVERY_ROUTE, {"api": stack.api, "token": token, "operations": operations()}
        )
        stranger.context.close()
    assert [a for a in answers if "failed" not in a] == []  # no grant: the browser shows the page nothing


def test_the_checks_see_what_they_look_for(browser: Browser) -> None:
    """The per-page checks are not vacuous: axe flags an unlabelled field, the console an inline script."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route(
        "http://checks.test/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
            body='<!doctype html><html lang="id"><title>t</title><main><input type="text"></main>'
            "<script>console.log('inline')</script>",
        ),
    )
    page.goto("http://checks.test/")
    assert any(v["id"] == "label" for v in run_axe(page))
    assert any("Content Security Policy" in e for e in errors)
    context.close()
