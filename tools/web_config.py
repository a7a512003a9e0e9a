"""The web app's `config.json`: where its API is, how staff sign in, the map's tiles and the city's places.

Locally `make run` serves it (`local.web_server`: the local API, the role picker). For a deployed stack:

    python -m tools.web_config --stack lapor --out build/web/config.json

reads the stack's outputs (`ApiUrl`, `UserPoolId`, `UserPoolClientId`, `StaffAuthDomain`, `WebUrl`) and
the seed's kecamatan. `tools/publish_web.py` writes it beside the deployable files and uploads them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = REPO_ROOT / "seed" / "sukabumi.json"
# Kota Sukabumi's centre, where the map opens (the seed names the city, not its coordinates).
DEFAULT_CENTER = (-6.9218, 106.9269)
STAFF_SCOPES = "openid email profile"


def city_settings(
    seed_path: Path = SEED_PATH, center: tuple[float, float] = DEFAULT_CENTER
) -> dict[str, Any]:
    seed = json.loads(seed_path.read_text(encoding="utf-8"))
    return {"name": seed["city"]["name"], "kecamatan": list(seed["kecamatan"]), "center": list(center)}


def local_config(api_url: str, tile_url: str | None = None) -> dict[str, Any]:
    """The local stack's: staff sign in through the role picker (`POST /_local/token`)."""
    return {
        "api_url": api_url.rstrip("/"),
        "auth": {"mode": "local"},
        "tile_url": tile_url or None,
        "city": city_settings(),
    }


def deployed_config(outputs: Mapping[str, str], tile_url: str | None = None) -> dict[str, Any]:
    """A deployed stack's, from its outputs: staff sign in with Cognito's Hosted UI (code + PKCE)."""
    missing = [k for k in ("ApiUrl", "UserPoolClientId", "StaffAuthDomain", "WebUrl") if not outputs.get(k)]
    if missing:
        raise ValueError(f"the stack has no output {', '.join(missing)}")
    web_url = outputs["WebUrl"].rstrip("/")
    return {
        "api_url": outputs["ApiUrl"].rstrip("/"),
        "auth": {
            "mode": "cognito",
            "domain": outputs["StaffAuthDomain"].rstrip("/"),
            "client_id": outputs["UserPoolClientId"],
            "user_pool_id": outputs.get("UserPoolId"),
            "redirect_uri": f"{web_url}/staff/",
            "logout_uri": f"{web_url}/staff/",
            "scope": STAFF_SCOPES,
        },
        "tile_url": tile_url or None,
        "city": city_settings(),
    }


def stack_outputs(stack_name: str) -> dict[str, str]:
    import boto3

    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def main() -> int:
    parser = argparse.ArgumentParser(description="Write the web app's config.json from a stack's outputs.")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tile-url", default=None, help="a tile URL template ({z}/{x}/{y}); none by default")
    arguments = parser.parse_args()
    config = deployed_config(stack_outputs(arguments.stack), arguments.tile_url)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"web_config: wrote {arguments.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
