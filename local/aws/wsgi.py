"""What the middlewares in front of moto share: reading a request's body, and moto's whole answer to it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any, Protocol

StartResponse = Callable[..., Any]
WSGIEnviron = dict[str, Any]


class WSGIApplication(Protocol):
    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]: ...


def read_request_body(environ: WSGIEnviron) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        data: bytes = stream.read(int(length))
        return data
    if environ.get("wsgi.input_terminated"):
        rest: bytes = stream.read()
        return rest
    return b""


def answer_of(
    app: WSGIApplication, environ: WSGIEnviron, start_response: StartResponse, body: bytes
) -> tuple[str, list[bytes]]:
    """Call a WSGI app with an already read body; its answer, read in full, and its status line."""
    environ["wsgi.input"] = io.BytesIO(body)
    statuses: list[str] = []

    def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return start_response(status, headers, exc_info)

    result = app(environ, recording_start_response)
    try:
        chunks = list(result)
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()
    return (statuses[-1] if statuses else ""), chunks
