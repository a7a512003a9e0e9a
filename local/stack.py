"""The back end of the local stack: embedded DynamoDB on the data folder, the environment, the functions.

Shared by `python -m local` (which adds the gateway) and `python -m local.invoke`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from lapor.seed import load_seed, seed_items
from local.aws_environment import apply_aws_environment
from local.data_dir import LOG_FILE_NAME, DataDirLock, load_or_create_secret
from local.embedded_dynamodb import EmbeddedDynamoDB
from local.lambda_runtime import FunctionRegistry
from local.mutation_log import MutationLog
from local.paths import SEED_PATH
from local.persistence import StoreSummary, open_store
from local.template import Template


@dataclass
class LocalBackend:
    template: Template
    data_dir: Path | None
    db: EmbeddedDynamoDB
    secret: str
    functions: FunctionRegistry
    store: StoreSummary
    _log: MutationLog | None
    _lock: DataDirLock | None

    @classmethod
    def start(cls, template: Template, data_dir: Path | None, seed_path: Path = SEED_PATH) -> LocalBackend:
        """Persistent on `data_dir`; in memory (seeded, with a throw-away secret) when it is None."""
        lock = DataDirLock(data_dir) if data_dir is not None else None
        if lock is not None:
            lock.acquire()
        db = EmbeddedDynamoDB()
        try:
            db.start()
            apply_aws_environment(db.endpoint_url)
            secret = load_or_create_secret(data_dir) if data_dir is not None else secrets.token_urlsafe(32)
            log_path = data_dir / LOG_FILE_NAME if data_dir is not None else None
            log, store = open_store(db, log_path, template, seed_items(load_seed(seed_path)))
        except BaseException:
            db.stop()
            if lock is not None:
                lock.release()
            raise
        functions = FunctionRegistry(template.functions(), {"TOKEN_SECRET": secret})
        return cls(template, data_dir, db, secret, functions, store, log, lock)

    def stop(self) -> None:
        self.db.stop()
        self.db.middleware.sink = None
        if self._log is not None:
            self._log.close()
        if self._lock is not None:
            self._lock.release()
