"""The Checkov gate (tools/checkov_gate.py) holds every finding to its justified list, both ways."""

from __future__ import annotations

from typing import Any

import pytest

from tools import checkov_gate

SUMMARY = {"passed": 10, "resource_count": 5, "checkov_version": "test"}


def run_with(monkeypatch: pytest.MonkeyPatch, found: set[tuple[str, str]]) -> int:
    monkeypatch.setattr(checkov_gate, "findings", lambda _checkov: (found, SUMMARY))
    return checkov_gate.main(["checkov_gate"])


def test_every_skip_has_a_reason_and_names_its_resources() -> None:
    skips = checkov_gate.allowed()
    assert skips
    assert all(resource.count(".") == 1 and "::" in resource for _, resource in skips)


def test_the_justified_findings_pass_and_one_more_or_one_fewer_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    justified = checkov_gate.allowed()
    assert run_with(monkeypatch, set(justified)) == 0
    unexpected = ("CKV_AWS_28", "AWS::DynamoDB::Table.IdempotencyTable")  # fixed in issue 15: must stay so
    assert run_with(monkeypatch, {*justified, unexpected}) == 1
    assert "CKV_AWS_28 on AWS::DynamoDB::Table.IdempotencyTable is neither fixed nor justified" in (
        capsys.readouterr().out
    )
    assert run_with(monkeypatch, set(sorted(justified)[1:])) == 1  # a listed finding gone: stale
    assert "no longer found" in capsys.readouterr().out
