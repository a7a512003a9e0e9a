"""The back end of the local stack: embedded DynamoDB and S3 on the data folder, the KMS keys, the
environment, the functions, the event buses, topics and buckets, the e-mail and SMS channels, the
consequences (stream, event and topic triggers) run after each invocation, and the local S3 endpoint.

Shared by `python -m local` (which adds the gateway) and `python -m local.invoke`.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from lapor.seed import load_seed, seed_items
from local.aws.environment import apply_aws_environment
from local.aws.kms import create_keys
from local.aws.moto_server import HOST, EmbeddedApi, MotoServer
from local.aws.resources import create_buckets, create_event_buses_and_topics
from local.aws.s3.client import EmbeddedS3, socket_transport, wsgi_transport
from local.aws.s3.endpoint import S3_PREFIX, S3Endpoint
from local.aws.s3.events import S3EventNotifications
from local.lambdas.consequences import Consequences
from local.lambdas.runtime import FunctionRegistry
from local.lambdas.triggers import Triggers, read_triggers
from local.paths import SEED_PATH
from local.persistence.data_dir import S3_DIR_NAME, DataDirLock, load_or_create_secret
from local.persistence.s3_mirror import S3Mirror
from local.persistence.store import DynamoDBStore, StoreSummary
from local.template import Template

DEFAULT_PORT = 3000
PUBLIC_ENDPOINT_VARIABLE = "ATTACHMENTS_PUBLIC_ENDPOINT"
WEB_ADDRESS_VARIABLE = "PUBLIC_BASE_URL"  # where the links in messages point


def default_base_url() -> str:
    """Where `make run` serves (PORT, else 3000): without a gateway of its own, the links a function
    presigns point there."""
    return f"http://{HOST}:{os.environ.get('PORT') or DEFAULT_PORT}"


def _restore_buckets(db: MotoServer, folder: Path, buckets: list[str]) -> int:
    """Put the saved objects back into moto, then save every S3 write; returns how many were restored."""
    mirror = S3Mirror(folder, EmbeddedS3(wsgi_transport(db.app)))
    restored = mirror.restore()
    mirror.watch(buckets)
    db.s3_writes.sink = mirror.refresh
    return restored


@dataclass
class LocalBackend:
    template: Template
    data_dir: Path | None
    db: MotoServer
    secret: str
    functions: FunctionRegistry
    store: StoreSummary
    triggers: Triggers
    consequences: Consequences
    s3: S3Endpoint
    s3_objects_restored: int | None  # None in memory
    _tables: DynamoDBStore
    _lock: DataDirLock | None

    @classmethod
    def start(
        cls,
        template: Template,
        data_dir: Path | None,
        seed_path: Path = SEED_PATH,
        *,
        public_url: str | None = None,
        web_url: str | None = None,
    ) -> LocalBackend:
        """Persistent on `data_dir`; in memory (seeded, with a throw-away secret) when it is None.

        `public_url` is the gateway's base URL (`default_base_url()` without one): every function gets
        `ATTACHMENTS_PUBLIC_ENDPOINT=<public_url>/_local/s3`, where the gateway serves
        `local.aws.s3.endpoint`. `web_url` is the local web app's: the links in messages point there
        (`PUBLIC_BASE_URL`) rather than at the template's public address.
        """
        lock = DataDirLock(data_dir) if data_dir is not None else None
        if lock is not None:
            lock.acquire()
        db = MotoServer()
        tables = DynamoDBStore(db, template, data_dir)
        try:
            store = tables.open(seed_items(load_seed(seed_path)))
            create_keys(template.kms_keys(), data_dir)
            db.start()
            apply_aws_environment(db.endpoint_url)
            secret = load_or_create_secret(data_dir) if data_dir is not None else secrets.token_urlsafe(32)
            api = EmbeddedApi(db.endpoint_url)
            create_event_buses_and_topics(api, template)
            s3 = EmbeddedS3(socket_transport(db.endpoint_url))
            buckets = create_buckets(s3, template)
            restored = None if data_dir is None else _restore_buckets(db, data_dir / S3_DIR_NAME, buckets)
            environment = {
                "TOKEN_SECRET": secret,
                PUBLIC_ENDPOINT_VARIABLE: (public_url or default_base_url()) + S3_PREFIX,
            }
            if web_url:
                environment[WEB_ADDRESS_VARIABLE] = web_url.rstrip("/")
            functions = FunctionRegistry(template.functions(), environment)
            triggers = read_triggers(template)
            db.publications.configure(
                template.email_configuration_sets(),
                template.sms_configuration_sets(),
                triggers.subscribed_topics,
            )
            consequences = Consequences.for_triggers(
                triggers, functions, api, db.publications.events, db.publications.notifications
            )
            consequences.start()
            notifications = S3EventNotifications(template.buckets(), db.publications.events)
            endpoint = S3Endpoint(s3, notifications, consequences.run)
        except BaseException:
            db.stop()
            tables.close()
            if lock is not None:
                lock.release()
            raise
        for problem in triggers.problems:
            print(f"local: {problem}", file=sys.stderr)
        return cls(
            template,
            data_dir,
            db,
            secret,
            functions,
            store,
            triggers,
            consequences,
            endpoint,
            restored,
            tables,
            lock,
        )

    def stop(self) -> None:
        """Stop serving AWS calls, then keep what must be kept (a long write log is compacted)."""
        self.db.stop()
        self._tables.close()
        if self._lock is not None:
            self._lock.release()
