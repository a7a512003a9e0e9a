"""The local stack's data folder: `.local-data/` of the checkout, or `LAPOR_DATA_DIR`.

It holds DynamoDB's snapshot and write log (`local.persistence.store`), the S3 objects (`s3/`,
`local.persistence.s3_mirror`), the generated local secret and a lock, so that two processes never write
the same data.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import IO

from local.paths import DEFAULT_DATA_DIR

DATA_DIR_VARIABLE = "LAPOR_DATA_DIR"
S3_DIR_NAME = "s3"
SECRET_FILE_NAME = "secret"  # noqa: S105 - a file name
LOCK_FILE_NAME = "lock"


class DataDirInUseError(RuntimeError):
    pass


def resolve_data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else DEFAULT_DATA_DIR


def load_or_create_secret(data_dir: Path) -> str:
    """The local secret (TOKEN_SECRET and the dev JWT key), created once and kept in the data folder."""
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


class DataDirLock:
    """An exclusive, non-blocking lock on the data folder, released when the process ends."""

    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / LOCK_FILE_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise DataDirInUseError(
                f"{self._path.parent} is in use by {holder}: stop that local stack first "
                "(or use another LAPOR_DATA_DIR)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
