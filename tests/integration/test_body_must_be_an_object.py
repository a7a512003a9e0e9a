"""Every route that takes a body takes a JSON object: an array holding a valid body (Powertools would unwrap
it and act on the element), a string, a number or null is 422 naming `body`, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import EVENTS, Invoke, table_items

BODY_EVENTS = sorted(
    (path.parent.name, path.stem)
    for folder in ("intake", "staff")
    for path in (EVENTS / folder).glob("*.json")
    if json.loads(path.read_text(encoding="utf-8")).get("httpMethod") in ("POST", "PUT", "PATCH")
)


def _body(folder: str, name: str) -> Any:
    event = json.loads((EVENTS / folder / f"{name}.json").read_text(encoding="utf-8"))
    return json.loads(event["body"] or "{}")


@pytest.mark.parametrize(("folder", "name"), BODY_EVENTS, ids=[f"{f}/{n}" for f, n in BODY_EVENTS])
def test_a_body_that_is_not_an_object_is_refused_and_nothing_is_written(
    invoke: Invoke, staff: Invoke, folder: str, name: str
) -> None:
    before = table_items()
    for wrapped in ([_body(folder, name)], "teks", 7, None, []):
        raw = json.dumps(wrapped)
        if folder == "intake":
            answer = invoke(
                name, raw_body=raw, report_id="LPR-0000-0000" if "{id}" in _resource(folder, name) else None
            )
        else:
            answer = staff(name, "coordinator", raw_body=raw, **_path(folder, name))
        assert answer.status == 422, (name, wrapped, answer.body)
        assert answer.error["code"] == "validation_error"
        assert answer.fields() == ["body"]
    assert table_items() == before


def _resource(folder: str, name: str) -> str:
    event = json.loads((EVENTS / folder / f"{name}.json").read_text(encoding="utf-8"))
    return str(event["resource"])


def _path(folder: str, name: str) -> dict[str, Any]:
    resource = _resource(folder, name)
    if "{id}" in resource:
        return {"report_id": "LPR-0000-0000"}
    if "{year}" in resource:
        return {"year": 2026}
    if "{code}" in resource:
        return {"path": {"code": "jalan"}}
    if "{officer_id}" in resource:
        return {"path": {"officer_id": "7d3e5f0a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}}
    return {}


def test_the_list_is_not_empty() -> None:
    assert len(BODY_EVENTS) >= 15
    assert ("intake", "post_reports") in BODY_EVENTS
    assert Path(EVENTS / "intake" / "post_reports.json").exists()
