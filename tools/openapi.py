"""Generate the OpenAPI document from the handlers' resolvers, or check the committed one for drift.

    python -m tools.openapi --write docs/openapi.json
    python -m tools.openapi --check docs/openapi.json

Powertools documents validation failures with its own `HTTPValidationError`; Lapor answers them in the
API's error shape, so those responses are rewritten to `ErrorBody`, and every operation documents the
error answers any route can give (404 unknown route, 413, 429, 500).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

TITLE = "Lapor API"
DESCRIPTION = (
    "City complaint handling in the SP4N-LAPOR! model: citizens file complaints, aspirations and "
    "information requests; the coordinator verifies and assigns them; agencies follow up within "
    "deadlines counted in Indonesian working days. Errors use one shape: "
    '{"error": {"code", "message", "details": [{"field", "message"}]}}; messages are Indonesian, '
    "English with Accept-Language: en."
)
VERSION = "1.0.0"
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
COMMON_ERRORS = {
    "400": "Malformed JSON, or a parameter that cannot be parsed",
    "404": "Unknown route or resource",
    "413": "Body over 64 KiB",
    "429": "Throttled (see Retry-After)",
    "500": "Server error",
    "503": "Store busy (see Retry-After)",
}


def _resolvers() -> list[Any]:
    os.environ.setdefault("TABLE_NAME", "AppTable")
    from intake.handler import app as intake_app
    from staff.handler import app as staff_app

    # Open311 GeoReport v2 (/open311/v2/{proxy+}) is not in the document: its paths carry the format as an
    # extension (requests.json, requests.xml), its POST is form-encoded and its errors are the
    # specification's own; open311.org's specification describes it (functions/open311/open311/georeport.py).
    return [intake_app, staff_app]


def build() -> dict[str, Any]:
    document: dict[str, Any] = {}
    for app in _resolvers():
        part = json.loads(
            app.get_openapi_json_schema(
                title=TITLE, version=VERSION, description=DESCRIPTION, openapi_version="3.1.0"
            )
        )
        if not document:
            document = part
            continue
        document["paths"].update(part["paths"])
        document["components"]["schemas"].update(part["components"]["schemas"])
    return _with_error_shape(document)


def _with_error_shape(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    error_content = {"application/json": {"schema": ERROR_REF}}
    for operations in document["paths"].values():
        for operation in operations.values():
            if "tags" in operation:  # Powertools keeps a route's tags in a set: one order, whatever the run
                operation["tags"] = sorted(operation["tags"])
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = error_content
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(status, {"description": description, "content": error_content})
            if "requestBody" in operation:
                not_json = {"description": "Body is not application/json", "content": error_content}
                responses.setdefault("415", not_json)
    document["servers"] = [{"url": "/", "description": "This deployment"}]
    return json.loads(json.dumps(document, sort_keys=True))  # type: ignore[no-any-return]


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
        return 0
    committed = args.check.read_text(encoding="utf-8") if args.check.exists() else ""
    if committed != text:
        print(f"{args.check} is out of date: run `make openapi` and commit it", file=sys.stderr)
        return 1
    print(f"{args.check} matches the handlers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
