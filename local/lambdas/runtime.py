"""Run the template's functions in this process, one invocation of a function at a time, as Lambda does.

A function's module is imported on its first invocation, with the function's code folder and `shared/` (the
layer) on `sys.path` and its environment variables set; a module that fails to import is tried again on the
next invocation, so a handler written while the stack runs is picked up.

Each function has its own copy of its code's and the layer's modules, as it has its own process in Lambda:
what they build when imported (Powertools' Logger and Metrics name their `service` from
POWERTOOLS_SERVICE_NAME then, clients and caches) is the function's own. Third-party packages are shared.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from local.paths import SHARED_DIR
from local.template import FunctionSpec
from tools.lambda_context import LambdaContext

Handler = Callable[[Any, LambdaContext], Any]


class UnknownFunctionError(LookupError):
    pass


# One invocation at a time in the whole process: Lambda runs one per container, and the code relies on it
# (Powertools keeps the current event on the resolver's class and reads AWS_LAMBDA_FUNCTION_NAME per call,
# and the environment is process-wide). The embedded DynamoDB serializes requests anyway. The local S3
# endpoint takes it too while it stores an upload, as an invocation would.
INVOCATION_LOCK = threading.RLock()


class LocalFunction:
    def __init__(self, spec: FunctionSpec, extra_environment: Mapping[str, str]) -> None:
        self.spec = spec
        self.environment = {
            **spec.environment,
            **extra_environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_SAM_LOCAL": "true",
        }
        self._lock = INVOCATION_LOCK
        self._handler: Handler | None = None
        self._packages = _top_level_modules(SHARED_DIR) | _top_level_modules(spec.code_dir)
        self._modules: dict[str, ModuleType] = {}  # the function's own copies of them, between invocations

    @property
    def name(self) -> str:
        return self.spec.logical_id

    def _load_handler(self) -> Handler:
        for folder in (SHARED_DIR, self.spec.code_dir):
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
        module = importlib.import_module(self.spec.module_name)
        handler: Handler = getattr(module, self.spec.attribute_name)
        return handler

    def invoke(self, event: Any) -> Any:
        """Call the handler with `event` and a fresh context; exceptions propagate to the caller."""
        with self._lock:
            # The environment is process-wide: the variables one function has and another lacks are those
            # its modules read at import (POWERTOOLS_SERVICE_NAME), so setting them here is enough.
            os.environ.update(self.environment)
            with self._own_modules():
                if self._handler is None:
                    self._handler = self._load_handler()
                context = LambdaContext(
                    function_name=self.spec.logical_id,
                    memory_limit_in_mb=self.spec.memory_mb,
                    timeout_seconds=self.spec.timeout_seconds,
                )
                return self._handler(event, context)

    @contextmanager
    def _own_modules(self) -> Iterator[None]:
        """The function's modules of its code and the layer in `sys.modules` while it runs, no one else's."""
        others = {name: module for name, module in sys.modules.items() if self._owns(name)}
        for name in others:
            del sys.modules[name]
        sys.modules.update(self._modules)
        try:
            yield
        finally:
            self._modules = {name: module for name, module in sys.modules.items() if self._owns(name)}
            for name in self._modules:
                del sys.modules[name]
            sys.modules.update(others)

    def _owns(self, module_name: str) -> bool:
        return module_name.partition(".")[0] in self._packages


def _top_level_modules(folder: Path) -> frozenset[str]:
    """The packages and modules a folder on `sys.path` holds."""
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        path.stem for path in folder.iterdir() if path.suffix == ".py" or (path / "__init__.py").is_file()
    )


class FunctionRegistry:
    def __init__(self, specs: Mapping[str, FunctionSpec], extra_environment: Mapping[str, str]) -> None:
        self._functions = {
            logical_id: LocalFunction(spec, extra_environment) for logical_id, spec in specs.items()
        }

    def __getitem__(self, logical_id: str) -> LocalFunction:
        return self._functions[logical_id]

    def names(self) -> list[str]:
        return sorted(self._functions)

    def find(self, name: str) -> LocalFunction:
        """A function by logical id (`IntakeFunction`), case-insensitively, or by short name (`intake`)."""
        wanted = name.lower()
        for logical_id, function in self._functions.items():
            candidates = {
                logical_id.lower(),
                logical_id.lower().removesuffix("function"),
                function.spec.code_dir.name.lower(),
                function.spec.module_name.split(".")[0].lower(),
            }
            if wanted in candidates:
                return function
        raise UnknownFunctionError(f"no function {name!r} in the template; known: {', '.join(self.names())}")
