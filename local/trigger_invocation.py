"""Invoke a function for a trigger (a stream batch, an event): failures are reported, not raised.

A function whose handler file is not written yet is skipped (said once), as the banner says its routes
answer 502: the stack keeps serving while the functions are being written.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from typing import Any

from local.lambda_runtime import FunctionRegistry


@dataclass(frozen=True)
class Invocation:
    result: Any
    error: str | None = None  # the exception's class name, when the handler raised

    @property
    def failed(self) -> bool:
        return self.error is not None


class TriggerInvoker:
    def __init__(self, functions: FunctionRegistry) -> None:
        self._functions = functions
        self._said_missing: set[str] = set()

    def ready(self, function_id: str) -> bool:
        spec = self._functions[function_id].spec
        if not spec.handler_file_missing:
            return True
        if function_id not in self._said_missing:
            self._said_missing.add(function_id)
            print(
                f"local: {function_id} ({spec.handler}) is not written yet: what triggers it is skipped",
                file=sys.stderr,
            )
        return False

    def invoke(
        self, function_id: str, event: Any, *, trigger: str, attempt: int, attempts: int
    ) -> Invocation:
        """One attempt; the first failure's traceback is printed, later ones in one line."""
        try:
            return Invocation(self._functions[function_id].invoke(event))
        except Exception as error:
            print(
                f"local: {function_id} ({trigger}) failed, attempt {attempt} of {attempts}: "
                f"{type(error).__name__}",
                file=sys.stderr,
            )
            if attempt == 1:
                traceback.print_exc(file=sys.stderr)
            return Invocation(None, type(error).__name__)
