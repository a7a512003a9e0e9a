"""Run Checkov on template.yaml and hold its findings to tools/checkov_skips.yaml: every finding must be
listed there, check by check and resource by resource, with its reason; a listed finding Checkov no longer
reports is stale and fails too. Prints what it checked.

    python -m tools.checkov_gate [path/to/checkov]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SKIPS = ROOT / "tools" / "checkov_skips.yaml"


def findings(checkov: str) -> tuple[set[tuple[str, str]], dict[str, int]]:
    """(check id, resource) of every failed check, and Checkov's summary."""
    command = [checkov, "-f", "template.yaml", "--framework", "cloudformation", "-o", "json", "--quiet"]
    answer = subprocess.run(  # noqa: S603 - our own command line
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode not in (0, 1) or not answer.stdout.strip():
        raise SystemExit(f"checkov did not run: {answer.stderr.strip()[-2000:]}")
    report = json.loads(answer.stdout)
    failed = {(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]}
    return failed, report["summary"]


def allowed() -> set[tuple[str, str]]:
    listed = yaml.safe_load(SKIPS.read_text(encoding="utf-8"))
    pairs: set[tuple[str, str]] = set()
    for check_id, entry in listed.items():
        if not str(entry.get("why", "")).strip():
            raise SystemExit(f"{SKIPS.name}: {check_id} has no reason")
        pairs.update((check_id, resource) for resource in entry["resources"])
    return pairs


def main(argv: list[str]) -> int:
    checkov = argv[1] if len(argv) > 1 else "checkov"
    failed, summary = findings(checkov)
    skips = allowed()
    new, stale = sorted(failed - skips), sorted(skips - failed)
    for check_id, resource in new:
        print(f"checkov: {check_id} on {resource} is neither fixed nor justified in {SKIPS.name}")
    for check_id, resource in stale:
        print(f"checkov: {check_id} on {resource} is listed in {SKIPS.name} but no longer found: remove it")
    print(
        f"checkov {summary.get('checkov_version')}: {summary['passed']} passed, {len(failed)} findings on"
        f" {summary['resource_count']} resources, each justified in {SKIPS.name}"
        if not new and not stale
        else f"checkov: {len(new)} new and {len(stale)} stale findings"
    )
    return 1 if new or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
