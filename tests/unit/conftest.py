"""Unit tests: pure domain, no sockets."""

from __future__ import annotations

import socket
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("unit tests open no sockets")

    monkeypatch.setattr(socket.socket, "connect", refuse)
