"""The back end of the local stack: embedded DynamoDB on the data folder, the environment, the functions,
the event buses and topics, and the consequences (stream and event triggers) run after each invocation.

Shared by `python -m local` (which adds the gateway) and `python -m local.invoke`.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from lapor.seed import load_seed, seed_items
from local.aws_environment import apply_aws_environment
from local.aws_resources import create_event_buses_and_topics
from local.consequences import Consequences
from local.data_dir import LOG_FILE_NAME, DataDirLock, load_or_create_secret
from local.embedded_api import EmbeddedApi
from local.embedded_dynamodb import EmbeddedDynamoDB
from local.lambda_runtime import FunctionRegistry
from local.mutation_log import MutationLog
from local.paths import SEED_PATH
from local.persistence import StoreSummary, open_store
from local.template import Template
from local.triggers import Triggers, read_triggers


@dataclass
class LocalBackend:
    template: Template
    data_dir: Path | None
    db: EmbeddedDynamoDB
    secret: str
    functions: FunctionRegistry
    store: StoreSummary
    triggers: Triggers
    consequences: Consequences
    _log: MutationLog | None
    _lock: DataDirLock | None

    @classmethod
    def start(cls, template: Template, data_dir: Path | None, seed_path: Path = SEED_PATH) -> LocalBackend:
        """Persistent on `data_dir`; in memory (seeded, with a throw-away secret) when it is None."""
        lock = DataDirLock(data_dir) if data_dir is not None else None
        if lock is not None:
            lock.acquire()
        db = EmbeddedDynamoDB()
        log: MutationLog | None = None
        try:
            db.start()
            apply_aws_environment(db.endpoint_url)
            secret = load_or_create_secret(data_dir) if data_dir is not None else secrets.token_urlsafe(32)
            log_path = data_dir / LOG_FILE_NAME if data_dir is not None else None
            log, store = open_store(db, log_path, template, seed_items(load_seed(seed_path)))
            api = EmbeddedApi(db.endpoint_url)
            create_event_buses_and_topics(api, template)
            functions = FunctionRegistry(template.functions(), {"TOKEN_SECRET": secret})
            triggers = read_triggers(template)
            consequences = Consequences.for_triggers(triggers, functions, api, db.publications.events)
            consequences.start()
        except BaseException:
            db.stop()
            db.middleware.sink = None
            if log is not None:
                log.close()
            if lock is not None:
                lock.release()
            raise
        for problem in triggers.problems:
            print(f"local: {problem}", file=sys.stderr)
        return cls(template, data_dir, db, secret, functions, store, triggers, consequences, log, lock)

    def stop(self) -> None:
        self.db.stop()
        self.db.middleware.sink = None
        if self._log is not None:
            self._log.close()
        if self._lock is not None:
            self._lock.release()
