"""Check the output of `sam build`: the domain layer and each function hold what they must.

    .venv/bin/python tools/check_build.py .aws-sam/build

Standard library only. Reports every problem it finds (not only the first) and exits 1 if there is any; prints
a one-line summary and exits 0 otherwise. The layer must hold the domain package and its dependencies under
``python/``, with compiled extensions built for arm64 (the functions' architecture); each function's code
directory must hold its handler module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

LAYER_ID = "DomainLayer"
# Paths the layer must hold, relative to its build directory.
LAYER_REQUIRED = (
    "python/lapor/__init__.py",
    "python/pydantic",
    "python/holidays",
    "python/aws_lambda_powertools",
)
# Function logical id -> paths its code directory must hold.
FUNCTIONS_REQUIRED: dict[str, tuple[str, ...]] = {
    "IntakeFunction": ("intake/handler.py",),
    "StaffFunction": ("staff/handler.py",),
    "ReportStreamFunction": ("report_stream/handler.py",),
    "NotifyFunction": ("notify/handler.py",),
    "EscalationFunction": ("escalation/handler.py",),
    "MetricsFunction": ("metrics/handler.py",),
    "Open311Function": ("open311/handler.py",),
    "AttachmentsFunction": ("attachments/handler.py",),
    "DeliveryStatusFunction": ("delivery_status/handler.py",),
}

_ELF_MAGIC = b"\x7fELF"
_EM_AARCH64 = 183  # ELF e_machine of arm64


def elf_machine(path: Path) -> int | None:
    """The ELF machine number of ``path``, or None when it is not an ELF file."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or not header.startswith(_ELF_MAGIC):
        return None
    if header[5] == 1:
        return int.from_bytes(header[18:20], "little")
    return int.from_bytes(header[18:20], "big")


def check_layer(layer_dir: Path) -> list[str]:
    if not layer_dir.is_dir():
        return [f"layer {LAYER_ID}: no build output at {layer_dir}"]
    problems = [
        f"layer {LAYER_ID}: missing {rel}" for rel in LAYER_REQUIRED if not (layer_dir / rel).exists()
    ]
    for extension in sorted(layer_dir.rglob("*.so")):
        machine = elf_machine(extension)
        if machine is not None and machine != _EM_AARCH64:
            rel = extension.relative_to(layer_dir)
            problems.append(f"layer {LAYER_ID}: {rel} is not built for arm64 (ELF machine {machine})")
    return problems


def check_function(function_id: str, code_dir: Path, required: tuple[str, ...]) -> list[str]:
    if not code_dir.is_dir():
        return [f"function {function_id}: no build output at {code_dir}"]
    return [f"function {function_id}: missing {rel}" for rel in required if not (code_dir / rel).exists()]


def check_build(build_dir: Path) -> list[str]:
    """Every problem of the build output under ``build_dir``; empty when it is complete."""
    problems = check_layer(build_dir / LAYER_ID)
    for function_id, required in FUNCTIONS_REQUIRED.items():
        problems.extend(check_function(function_id, build_dir / function_id, required))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the output of `sam build`.")
    parser.add_argument("build_dir", type=Path, help="the sam build directory (.aws-sam/build)")
    args = parser.parse_args(argv)

    if not args.build_dir.is_dir():
        print(f"check_build: {args.build_dir} does not exist; run sam build first", file=sys.stderr)
        return 1
    problems = check_build(args.build_dir)
    if problems:
        print(f"check_build: {len(problems)} problem(s) in {args.build_dir}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"check_build OK: layer {LAYER_ID} and {len(FUNCTIONS_REQUIRED)} function(s) in {args.build_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
