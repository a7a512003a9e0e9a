"""The reference web app (`web/`) for `make run`: static files on 127.0.0.1:<PORT+1> (`WEB_PORT` overrides),
another origin than the API, so that the browser checks CORS exactly as it does against AWS.

It answers as the deployed CloudFront distribution does (template.yaml `WebDistribution`): the files, an
app page for any other extension-less path (the citizen portal's own routes), the same security headers with
the local API in the content security policy, gzip when the browser accepts it. `config.json` is made here
(`tools.web_config.local_config`): the local API, and staff sign-in through the role picker.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import unquote, urlsplit

from local.paths import REPO_ROOT
from tools.web_config import local_config

HOST = "127.0.0.1"
WEB_ROOT = REPO_ROOT / "web"
WEB_PORT_VARIABLE = "WEB_PORT"
TILE_URL_VARIABLE = "LAPOR_TILE_URL"
CONFIG_PATH = "/config.json"
STAFF_PREFIX = "/staff"
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_NOT_SERVED = frozenset({"node_modules"})


def web_port(api_port: int) -> int:
    """`WEB_PORT`, else the API's port + 1 (any free port when the API's is 0)."""
    configured = os.environ.get(WEB_PORT_VARIABLE)
    if configured:
        return int(configured)
    return 0 if api_port == 0 else api_port + 1


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def security_headers(api_url: str, tile_url: str | None = None) -> list[tuple[str, str]]:
    """The distribution's response headers policy, with the local API (and tile host) as the other origins."""
    api = _origin(api_url)
    tiles = _origin(tile_url)
    images = " ".join(filter(None, ["'self'", "data:", "blob:", api, tiles]))
    policy = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            f"connect-src 'self' {api}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return [
        ("Content-Security-Policy", policy),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
    ]


class WebApp:
    """What the server answers, apart from sockets (tests call `answer` directly)."""

    def __init__(self, api_url: str, root: Path = WEB_ROOT, tile_url: str | None = None) -> None:
        self.root = root.resolve()
        self.config = json.dumps(local_config(api_url, tile_url), ensure_ascii=False).encode()
        self.headers = security_headers(api_url, tile_url)

    def _file(self, path: str) -> Path | None:
        relative = unquote(path).lstrip("/")
        if any(part in _NOT_SERVED or part.startswith(".") for part in Path(relative).parts):
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def resolve(self, path: str) -> Path | None:
        """The file for `path`; an extension-less path that names none is an app route (its page)."""
        found = self._file(path)
        if found is not None or "." in path.rsplit("/", 1)[-1]:
            return found
        page = (
            "staff/index.html"
            if path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")
            else "index.html"
        )
        return self._file(page)

    def answer(self, path: str, accepts_gzip: bool) -> tuple[int, list[tuple[str, str]], bytes]:
        if path == CONFIG_PATH:
            body, content_type = self.config, "application/json"
        else:
            file = self.resolve(path)
            if file is None:
                return 404, [("Content-Type", "text/plain; charset=utf-8"), *self.headers], b"not found\n"
            body = file.read_bytes()
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
            content_type += "; charset=utf-8"
        cache = "max-age=3600" if "/vendor/" in path else "no-cache"
        headers = [("Content-Type", content_type), ("Cache-Control", cache), *self.headers]
        if accepts_gzip and content_type.startswith(_COMPRESSIBLE):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        return 200, headers, body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lapor-web"

    def do_GET(self) -> None:
        app = cast(WebServer, self.server).app
        path = urlsplit(self.path).path or "/"
        accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        status, headers, body = app.answer(path, accepts_gzip)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the API's log is the one worth reading."""


class WebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, app: WebApp) -> None:
        super().__init__((HOST, port), _Handler)
        self.app = app
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.server_port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_web_server(api_url: str, port: int) -> WebServer | None:
    """Serve the web app in a thread; None (and a line on stderr) when the port is taken."""
    try:
        server = WebServer(port, WebApp(api_url, tile_url=os.environ.get(TILE_URL_VARIABLE)))
    except OSError as error:
        print(
            f"local: the web app cannot listen on {HOST}:{port}: {error.strerror} (set WEB_PORT)",
            file=sys.stderr,
        )
        return None
    server.start()
    return server
