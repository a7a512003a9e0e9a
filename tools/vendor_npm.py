"""Vendor the pinned npm packages' browser files into the repository (`make vendor`).

The packages and their exact versions are in `tools/npm/package.json` and its lock; this tool installs them
(`npm ci --ignore-scripts`, in a throw-away copy of that folder), copies the files listed in `FILES` to where
they are served from, and records each one's package, version and SHA-256 in `tools/npm/vendored.json`, which
a unit test checks against the files and the lock. Nothing is loaded from a CDN at run time.

One file is changed on the way: Preact's hooks module imports the bare specifier `preact`, which a browser
resolves only through an import map; an inline import map would need its own CSP hash, so the import is
rewritten to the vendored file beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NPM_DIR = REPO_ROOT / "tools" / "npm"
MANIFEST = NPM_DIR / "vendored.json"


@dataclass(frozen=True)
class VendoredFile:
    package: str
    source: str  # inside the package
    dest: str  # inside the repository
    rewrite: tuple[tuple[str, str], ...] = ()


WEB = "web/vendor"
FILES: tuple[VendoredFile, ...] = (
    VendoredFile("preact", "dist/preact.module.js", f"{WEB}/preact.module.js"),
    VendoredFile(
        "preact",
        "hooks/dist/hooks.module.js",
        f"{WEB}/hooks.module.js",
        rewrite=(('from"preact"', 'from"./preact.module.js"'),),
    ),
    VendoredFile("preact", "LICENSE", f"{WEB}/preact.LICENSE.txt"),
    VendoredFile("htm", "dist/htm.module.js", f"{WEB}/htm.module.js"),
    VendoredFile("htm", "LICENSE", f"{WEB}/htm.LICENSE.txt"),
    VendoredFile("leaflet", "dist/leaflet.js", f"{WEB}/leaflet.js"),
    VendoredFile("leaflet", "dist/leaflet.css", f"{WEB}/leaflet.css"),
    VendoredFile("leaflet", "LICENSE", f"{WEB}/leaflet.LICENSE.txt"),
    VendoredFile("swagger-ui-dist", "swagger-ui-bundle.js", "local/swagger-ui-dist/swagger-ui-bundle.js"),
    VendoredFile("swagger-ui-dist", "swagger-ui.css", "local/swagger-ui-dist/swagger-ui.css"),
    VendoredFile("swagger-ui-dist", "favicon-32x32.png", "local/swagger-ui-dist/favicon-32x32.png"),
    VendoredFile("swagger-ui-dist", "LICENSE", "local/swagger-ui-dist/LICENSE.txt"),
    VendoredFile("axe-core", "axe.min.js", "tests/browser/vendor/axe.min.js"),
    VendoredFile("axe-core", "LICENSE", "tests/browser/vendor/axe-core.LICENSE.txt"),
)


def locked_versions(lock_path: Path = NPM_DIR / "package-lock.json") -> dict[str, str]:
    """Each top-level package's version in the lock."""
    lock = json.loads(lock_path.read_text())
    return {
        path.removeprefix("node_modules/"): entry["version"]
        for path, entry in lock["packages"].items()
        if path.startswith("node_modules/") and "/node_modules/" not in path
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor(node_modules: Path, repo_root: Path = REPO_ROOT) -> list[dict[str, str]]:
    versions = locked_versions()
    entries = []
    for item in FILES:
        source = node_modules / item.package / item.source
        dest = repo_root / item.dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        if item.rewrite:
            text = source.read_text(encoding="utf-8")
            for old, new in item.rewrite:
                if old not in text:
                    raise SystemExit(f"vendor: {item.source} of {item.package} no longer has {old!r}")
                text = text.replace(old, new)
            dest.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, dest)
        entries.append(
            {
                "package": item.package,
                "version": versions[item.package],
                "source": item.source,
                "dest": item.dest,
                "sha256": sha256(dest),
            }
        )
    return entries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    npm = shutil.which("npm")
    if npm is None:
        print("vendor: npm is needed (apt-get install nodejs npm)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(NPM_DIR / name, Path(work) / name)
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work, check=True)  # noqa: S603
        entries = vendor(Path(work) / "node_modules")
    MANIFEST.write_text(json.dumps(entries, indent=2) + "\n")
    for entry in entries:
        print(f"{entry['package']}@{entry['version']} {entry['source']} -> {entry['dest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
