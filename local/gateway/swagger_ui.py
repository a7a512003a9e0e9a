"""`GET /docs`: Swagger UI 5 (it reads OpenAPI 3.1) from the files of npm's swagger-ui-dist, vendored in
`local/swagger-ui-dist/` by `tools/vendor_npm.py` (no CDN), reading /openapi.json."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from local.gateway.http_types import OutgoingResponse

DOCS_PREFIX = "/docs"
OPENAPI_URL = "/openapi.json"
ASSETS = Path(__file__).resolve().parents[1] / "swagger-ui-dist"

_INDEX = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Lapor API (local)</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/lapor-initializer.js" charset="UTF-8"></script>
  </body>
</html>
"""

_INITIALIZER = f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: "{OPENAPI_URL}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  }});
}};
"""


def docs_response(path: str) -> OutgoingResponse | None:
    """The page or one of its assets; None when `path` names no file of the bundle."""
    if path in (DOCS_PREFIX, DOCS_PREFIX + "/", DOCS_PREFIX + "/index.html"):
        return OutgoingResponse(200, [("Content-Type", "text/html; charset=utf-8")], _INDEX.encode())
    name = path.removeprefix(DOCS_PREFIX + "/")
    if name == "lapor-initializer.js":
        return OutgoingResponse(
            200, [("Content-Type", "text/javascript; charset=utf-8")], _INITIALIZER.encode()
        )
    root = ASSETS
    asset = (root / name).resolve()
    if "/" in name or not asset.is_relative_to(root) or not asset.is_file():
        return None
    content_type = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
    headers = [("Content-Type", content_type), ("Cache-Control", "max-age=3600")]
    return OutgoingResponse(200, headers, asset.read_bytes())
