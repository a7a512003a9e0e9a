"""The S3 calls the stack makes itself to the embedded moto server: buckets, objects, listings.

Plain S3 REST requests (path-style), sent one of two ways: over the server's socket (`socket_transport`,
from the gateway's threads, so that the single-threaded server serializes them with the handlers' calls)
or straight into moto's WSGI app (`wsgi_transport`, from the server's own thread: the persistence
middleware, and the start-up before anything else runs).
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree

from werkzeug.test import Client

from local.aws.environment import REGION, unverified_authorization
from local.aws.wsgi import WSGIApplication

TIMEOUT_SECONDS = 30
S3_NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# What S3 keeps with an object and answers with it: the stored headers and the user metadata.
STORED_HEADERS = frozenset(
    {
        "content-type",
        "content-disposition",
        "content-encoding",
        "content-language",
        "cache-control",
        "expires",
    }
)
METADATA_PREFIX = "x-amz-meta-"
_CREATE_BUCKET = (
    "<CreateBucketConfiguration><LocationConstraint>"
    f"{REGION}</LocationConstraint></CreateBucketConfiguration>"
).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


Transport = Callable[[str, str, str, Mapping[str, str], bytes], Answer]


class S3CallError(RuntimeError):
    def __init__(self, call: str, answer: Answer) -> None:
        text = answer.body[:300].decode("utf-8", errors="replace")
        super().__init__(f"{call} answered {answer.status}: {text}")
        self.answer = answer


def stored_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The headers of an object that S3 stores with it (lower-case names)."""
    return {
        name.lower(): value
        for name, value in headers
        if name.lower() in STORED_HEADERS or name.lower().startswith(METADATA_PREFIX)
    }


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    headers: dict[str, str]  # `stored_headers`
    etag: str  # quoted, as S3 answers it
    last_modified: str  # an HTTP date


@dataclass(frozen=True)
class ListedObject:
    etag: str
    last_modified: str
    size: int


def object_path(bucket: str, key: str = "") -> str:
    return f"/{bucket}/{quote(key, safe='/~')}" if key else f"/{bucket}"


class EmbeddedS3:
    def __init__(self, transport: Transport) -> None:
        self._send = transport

    def create_bucket(self, bucket: str) -> None:
        answer = self._send("PUT", object_path(bucket), "", {}, _CREATE_BUCKET)
        if answer.status != 200 and b"BucketAlreadyOwnedByYou" not in answer.body:
            raise S3CallError(f"CreateBucket {bucket}", answer)

    def bucket_exists(self, bucket: str) -> bool:
        answer = self._send("HEAD", object_path(bucket), "", {}, b"")
        if answer.status not in (200, 404):
            raise S3CallError(f"HeadBucket {bucket}", answer)
        return answer.status == 200

    def put_object(self, bucket: str, key: str, data: bytes, headers: Mapping[str, str]) -> str:
        """Store an object with its stored headers; returns its (quoted) ETag."""
        answer = self._send("PUT", object_path(bucket, key), "", headers, data)
        if answer.status != 200:
            raise S3CallError(f"PutObject {bucket}/{key}", answer)
        return answer.header("ETag") or ""

    def get_object(self, bucket: str, key: str) -> StoredObject | None:
        """The object, or None when the bucket has no such key."""
        answer = self._send("GET", object_path(bucket, key), "", {}, b"")
        if answer.status == 404 and b"NoSuchKey" in answer.body:
            return None
        if answer.status != 200:
            raise S3CallError(f"GetObject {bucket}/{key}", answer)
        return StoredObject(
            data=answer.body,
            headers=stored_headers(answer.headers),
            etag=answer.header("ETag") or "",
            last_modified=answer.header("Last-Modified") or "",
        )

    def list_objects(self, bucket: str) -> dict[str, ListedObject] | None:
        """Every key of a bucket, or None when there is no such bucket."""
        listed: dict[str, ListedObject] = {}
        token = ""
        while True:
            query = {"list-type": "2", **({"continuation-token": token} if token else {})}
            answer = self._send("GET", object_path(bucket), urlencode(query), {}, b"")
            if answer.status == 404 and b"NoSuchBucket" in answer.body:
                return None
            if answer.status != 200:
                raise S3CallError(f"ListObjectsV2 {bucket}", answer)
            root = ElementTree.fromstring(answer.body)  # noqa: S314 - moto's own answer, not outside input
            for item in root.iter(f"{S3_NAMESPACE}Contents"):
                listed[item.findtext(f"{S3_NAMESPACE}Key", "")] = ListedObject(
                    etag=item.findtext(f"{S3_NAMESPACE}ETag", ""),
                    last_modified=item.findtext(f"{S3_NAMESPACE}LastModified", ""),
                    size=int(item.findtext(f"{S3_NAMESPACE}Size", "0")),
                )
            token = root.findtext(f"{S3_NAMESPACE}NextContinuationToken", "")
            if root.findtext(f"{S3_NAMESPACE}IsTruncated") != "true" or not token:
                return listed


def socket_transport(endpoint_url: str) -> Transport:
    """Requests over the embedded server's socket, one connection each (never holding the server)."""
    parts = urlsplit(endpoint_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    def send(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(
                method,
                f"{path}?{query}" if query else path,
                body=body,
                headers={**headers, "Authorization": unverified_authorization("s3"), "Connection": "close"},
            )
            response = connection.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    return send


def wsgi_transport(app: WSGIApplication) -> Transport:
    """Requests straight into a WSGI app, in this thread."""
    client = Client(app)

    def send(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Answer:
        response = client.open(
            path,
            method=method,
            query_string=query,
            data=body,
            headers={**headers, "Authorization": unverified_authorization("s3"), "Host": "127.0.0.1"},
        )
        return Answer(response.status_code, list(response.headers.items()), response.get_data())

    return send
