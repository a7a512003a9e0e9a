"""Persistence of the embedded S3: every bucket's objects mirrored in `<data dir>/s3/`, restored at start-up.

A WSGI middleware in front of moto (`S3WriteMiddleware`) sees each S3 request that may change a bucket (PUT,
POST, DELETE, signed for `s3`: uploads, the functions' put_object, delete_object, delete_objects, copies,
multipart uploads) and, once moto has applied it, has the mirror bring that bucket's folder up to date: the
one object a PUT or DELETE of an object changed, else whatever a listing of the bucket shows new, changed or
vanished. The embedded server handles one request at a time, so the folder follows moto's order of writes.

Layout: `s3/<bucket>/<sha256 of the key>.json` (the key and the headers S3 stores with the object) beside
`<same>.object` (its bytes). The bytes are written first and each file replaced whole, so that a crash never
leaves a description without its bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from moto.core.model_instances import reset_model_data

from local.aws.s3.client import EmbeddedS3, ListedObject
from local.aws.wsgi import (
    StartResponse,
    WSGIApplication,
    WSGIEnviron,
    answer_of,
    read_request_body,
)

S3_SCOPE = "/s3/aws4_request"
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE"})
DESCRIPTION_SUFFIX = ".json"
BYTES_SUFFIX = ".object"

WriteSink = Callable[[str, str | None, str | None], None]  # the bucket, and a key one object PUT or DELETE
#                                                          changed, with its method


def s3_write(environ: WSGIEnviron) -> tuple[str, str | None, str | None] | None:
    """(bucket, key, method) of a request that may change a bucket's objects: the key and method when it
    puts or deletes that one object (`None, None` for the others: a batch delete, a multipart upload...)."""
    method = environ.get("REQUEST_METHOD")
    if method not in WRITE_METHODS:
        return None
    if S3_SCOPE not in str(environ.get("HTTP_AUTHORIZATION", "")):
        return None
    bucket, _, key = str(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    if not bucket:
        return None
    one_object = method in ("PUT", "DELETE") and key and not environ.get("QUERY_STRING")
    return (bucket, key, str(method)) if one_object else (bucket, None, None)


class S3WriteMiddleware:
    """Passes every request to moto; after a successful S3 write, tells `sink` (the mirror) when set."""

    def __init__(self, app: WSGIApplication, sink: WriteSink | None = None) -> None:
        self.app = app
        self.sink = sink

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        write = s3_write(environ)
        if write is None:
            return self.app(environ, start_response)
        body = read_request_body(environ)
        status, chunks = answer_of(self.app, environ, start_response, body)
        # As for DynamoDB writes: moto keeps every model instance (each object's key) for its test resets.
        reset_model_data()
        sink = self.sink
        if sink is not None and status[:1] == "2":
            try:
                sink(*write)
            except Exception:
                print(f"local: could not save the S3 bucket {write[0]} to the data folder:", file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
        return chunks


def _file_stem(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class S3Mirror:
    """The data folder's copy of the buckets; `s3` reaches moto in the calling thread (the server's)."""

    def __init__(self, root: Path, s3: EmbeddedS3) -> None:
        self.root = root
        self._s3 = s3
        self._known: dict[str, dict[str, ListedObject]] = {}

    def restore(self) -> int:
        """Put every saved object back into moto, creating its bucket (then watched); returns how many."""
        restored = 0
        if not self.root.is_dir():
            return restored
        for folder in sorted(path for path in self.root.iterdir() if path.is_dir()):
            self._s3.create_bucket(folder.name)
            for description_path in sorted(folder.glob("*" + DESCRIPTION_SUFFIX)):
                bytes_path = description_path.with_suffix(BYTES_SUFFIX)
                try:
                    description = json.loads(description_path.read_text(encoding="utf-8"))
                    data = bytes_path.read_bytes()
                    key, headers = str(description["key"]), dict(description["headers"])
                except (OSError, ValueError, KeyError, TypeError) as error:
                    print(
                        f"local: skipping the unreadable S3 object {description_path}: {error}",
                        file=sys.stderr,
                    )
                    continue
                self._s3.put_object(folder.name, key, data, headers)
                restored += 1
            self.watch([folder.name])
        return restored

    def watch(self, buckets: Iterable[str]) -> None:
        """Take the buckets' current objects as saved; later writes are compared with them."""
        for bucket in buckets:
            self._known[bucket] = self._s3.list_objects(bucket) or {}

    def refresh(self, bucket: str, key: str | None = None, method: str | None = None) -> None:
        """Bring the bucket's folder up to date with moto after a write to it: the one object a PUT or a
        DELETE changed, else whatever a listing of the bucket shows changed."""
        folder = self.root / bucket
        if key is not None and bucket in self._known:
            folder.mkdir(parents=True, exist_ok=True)
            saved = self._save(folder, bucket, key) if method == "PUT" else None
            if saved is None:
                self._remove(folder, key)
                self._known[bucket].pop(key, None)
            else:
                self._known[bucket][key] = saved
            return
        listed = self._s3.list_objects(bucket)
        if listed is None:  # the bucket was deleted
            shutil.rmtree(folder, ignore_errors=True)
            self._known.pop(bucket, None)
            return
        folder.mkdir(parents=True, exist_ok=True)
        before = self._known.get(bucket, {})
        for listed_key, listed_object in listed.items():
            if before.get(listed_key) != listed_object:
                self._save(folder, bucket, listed_key)
        for gone in before.keys() - listed.keys():
            self._remove(folder, gone)
        self._known[bucket] = listed

    def _save(self, folder: Path, bucket: str, key: str) -> ListedObject | None:
        """Save the object as moto has it; as a listing would show it (its instant left blank: a later
        listing saves it once more), or None when it is not there."""
        stored = self._s3.get_object(bucket, key)
        if stored is None:
            return None
        stem = folder / _file_stem(key)
        _replace(stem.with_suffix(BYTES_SUFFIX), stored.data)
        description = {"key": key, "headers": stored.headers}
        _replace(stem.with_suffix(DESCRIPTION_SUFFIX), json.dumps(description, ensure_ascii=False).encode())
        return ListedObject(etag=stored.etag, last_modified="", size=len(stored.data))

    @staticmethod
    def _remove(folder: Path, key: str) -> None:
        stem = folder / _file_stem(key)
        stem.with_suffix(DESCRIPTION_SUFFIX).unlink(missing_ok=True)
        stem.with_suffix(BYTES_SUFFIX).unlink(missing_ok=True)
