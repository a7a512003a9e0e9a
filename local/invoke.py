"""`make invoke`: run one function on one event file, as `sam local invoke` would without Docker.

    python -m local.invoke intake events/intake/get_health.json [--fresh]

The function runs against the embedded DynamoDB on the local stack's data folder (stop `make run` first),
or with --fresh against a new, seeded, in-memory one, and what it sets off (stream and event functions)
runs after it, as in `make run`. Its result goes to stdout as JSON; what the functions themselves print and
log goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from local.lambdas.runtime import UnknownFunctionError
from local.persistence.data_dir import DataDirInUseError, resolve_data_dir
from local.persistence.store import StoreError
from local.stack import LocalBackend
from local.template import TemplateError, load_template


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.split("\n")[0])
    parser.add_argument("function", help="logical id (IntakeFunction) or short name (intake)")
    parser.add_argument("event_file", type=Path, help="the event, as JSON (see events/)")
    parser.add_argument("--fresh", action="store_true", help="use a new, seeded, in-memory DynamoDB")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        event: Any = json.loads(arguments.event_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"local.invoke: cannot read {arguments.event_file}: {error}", file=sys.stderr)
        return 2
    try:
        template = load_template()
    except TemplateError as error:
        print(f"local.invoke: {error}", file=sys.stderr)
        return 1
    try:
        backend = LocalBackend.start(template, None if arguments.fresh else resolve_data_dir())
    except (DataDirInUseError, StoreError) as error:
        print(f"local.invoke: {error}; or add --fresh", file=sys.stderr)
        return 1
    try:
        function = backend.functions.find(arguments.function)
        with contextlib.redirect_stdout(sys.stderr):
            try:
                result = function.invoke(event)
            finally:
                backend.consequences.run()
    except UnknownFunctionError as error:
        print(f"local.invoke: {error}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc(file=sys.stderr)
        return 1
    finally:
        backend.stop()
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
