"""Where the checkout's files are, independent of the current directory."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
SHARED_DIR = REPO_ROOT / "shared"
SEED_PATH = REPO_ROOT / "seed" / "sukabumi.json"
OPENAPI_PATH = REPO_ROOT / "docs" / "openapi.json"
DEFAULT_DATA_DIR = REPO_ROOT / ".local-data"
