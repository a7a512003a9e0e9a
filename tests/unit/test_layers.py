"""The layers hold (docs/ARCHITECTURE.md): the domain imports nothing of the services, the adapters or the
wiring; the services import no adapter; no function reads a table key; every port is narrow."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Protocol

import pytest

from lapor import ports

ROOT = Path(__file__).resolve().parents[2]
LAPOR = ROOT / "shared" / "lapor"
MAX_PORT_METHODS = 8


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(LAPOR / "services"), ids=lambda p: p.name)
def test_a_service_imports_no_adapter_and_no_wiring(path: Path) -> None:
    bad = {n for n in _imported(path) if n.startswith(("lapor.adapters", "lapor.wiring"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _sources(LAPOR / "domain"), ids=lambda p: p.name)
def test_the_domain_imports_no_service_adapter_port_or_wiring(path: Path) -> None:
    outer = ("lapor.services", "lapor.adapters", "lapor.wiring", "lapor.ports", "lapor.http")
    bad = {n for n in _imported(path) if n.startswith(outer)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _sources(ROOT / "functions"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_reads_a_table_key(path: Path) -> None:
    bad = {n for n in _imported(path) if n.startswith("lapor.adapters.dynamodb.items")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def _port_classes() -> list[type]:
    return [
        cls
        for _, cls in inspect.getmembers(ports, inspect.isclass)
        if cls.__module__ == ports.__name__ and Protocol in cls.__mro__ and cls is not Protocol
    ]


def _methods(port: type) -> set[str]:
    return {
        name
        for klass in port.__mro__
        if klass.__module__ == ports.__name__
        for name, member in vars(klass).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def test_every_port_lives_in_the_ports_module_and_has_at_most_eight_methods() -> None:
    found = _port_classes()
    assert len(found) >= 15  # the analysis sees the ports
    sizes = {port.__name__: len(_methods(port)) for port in found}
    assert sizes["IntakeStore"] == 5  # inherited methods count (get, save, promote_access)
    assert all(size <= MAX_PORT_METHODS for size in sizes.values()), sizes
    elsewhere = [
        path
        for path in _sources(LAPOR)
        if path.name != "ports.py" and "(Protocol)" in path.read_text(encoding="utf-8")
    ]
    assert not elsewhere, elsewhere
