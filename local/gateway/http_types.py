"""The gateway's request and response, independent of the HTTP server that carries them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    oversized: bool = False  # the body was over the limit and not kept
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """The last value of a header, matched case-insensitively."""
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found


@dataclass
class OutgoingResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in reversed(self.headers) if key.lower() == wanted), None)


def json_response(
    status: int, document: Any, headers: list[tuple[str, str]] | None = None
) -> OutgoingResponse:
    return OutgoingResponse(
        status=status,
        headers=[("Content-Type", "application/json"), *(headers or [])],
        body=json.dumps(document, ensure_ascii=False).encode("utf-8"),
    )
