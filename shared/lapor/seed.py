"""Turn the seed file (agencies, categories, kecamatan) into the table's catalog items.

Used by the local stack at start-up and by `tools/load_seed.py` against a deployed stack, so that both load
exactly the same items.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIG_PK = "CONFIG"


def load_seed(path: str | Path) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def seed_items(seed: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog items of a seed document, in the table's item layout (plain attribute values)."""
    items: list[dict[str, Any]] = []
    for agency in seed["agencies"]:
        items.append(
            {
                "pk": CONFIG_PK,
                "sk": f"AGENCY#{agency['id']}",
                "id": agency["id"],
                "name": agency["name"],
                "short_name": agency["short_name"],
            }
        )
    for category in seed["categories"]:
        items.append(
            {
                "pk": CONFIG_PK,
                "sk": f"CATEGORY#{category['code']}",
                "code": category["code"],
                "name": category["name"],
                "default_agency_id": category["default_agency_id"],
                "default_type": category["default_type"],
            }
        )
    for name in seed["kecamatan"]:
        items.append({"pk": CONFIG_PK, "sk": f"KECAMATAN#{name}", "name": name})
    # The routing rules start as the categories' default agencies, never auto-disposed.
    for category in seed["categories"]:
        items.append(
            {
                "pk": CONFIG_PK,
                "sk": f"RULE#{category['code']}#*",
                "category": category["code"],
                "agency_id": category["default_agency_id"],
                "auto_dispose": False,
            }
        )
    items.append({"pk": CONFIG_PK, "sk": "RULESET", "count": len(seed["categories"])})
    return items
