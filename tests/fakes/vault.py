"""The identity key, in memory (`NikVault`): a sealed NIK is unreadable text bound to its report."""

from __future__ import annotations

import base64


class InMemoryVault:
    def __init__(self) -> None:
        self.sealed = 0
        self.opened = 0

    def seal(self, report_id: str, nik: str) -> str:
        self.sealed += 1
        return base64.b64encode(f"{report_id}|{nik[::-1]}".encode()).decode()

    def open(self, report_id: str, sealed: str) -> str:
        bound, nik = base64.b64decode(sealed).decode().split("|")
        if bound != report_id:
            raise ValueError("sealed for another report")
        self.opened += 1
        return nik[::-1]


def _serves_its_port(vault: InMemoryVault) -> None:
    """Never run: `make types` checks that the fake implements `NikVault` (mypy on tests/fakes)."""
    from lapor import ports

    port: ports.NikVault = vault
    del port
