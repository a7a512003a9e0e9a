"""`/_local/s3`: the public face of the embedded S3, where presigned forms and links point locally.

The functions presign against `ATTACHMENTS_PUBLIC_ENDPOINT` (`<gateway>/_local/s3`, path-style), so:

- `POST /_local/s3/<bucket>` is a browser upload (S3 POST Object). The form is checked as S3 checks it
  (`local.aws.s3.post_policy`: signature, expiry, every condition, no field left out of the policy, the size);
  a refusal stores nothing. An accepted file is stored in the embedded moto with its Content-Type, under
  the stack's invocation lock as an invocation would be; then, before the answer, the bucket's "Object
  Created" event goes through the stack's rule delivery and every consequence runs (`settle`), so that
  when the 204 comes back the function the upload triggers has run.
- `GET` (or `HEAD`) `/_local/s3/<bucket>/<key>?X-Amz-...` is a presigned download
  (`local.aws.s3.presigned_url`), served with the object's stored headers, or those the URL overrides
  (`response-content-type`...).

Nothing else: no listing, no unsigned access, no other method. Refusals have S3's XML shape. Never in the
OpenAPI document.
"""

from __future__ import annotations

import secrets
import string
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from local.aws.s3.client import METADATA_PREFIX, EmbeddedS3, StoredObject
from local.aws.s3.errors import XML_DECLARATION, XML_MEDIA_TYPE, S3Error, error_response, xml_element
from local.aws.s3.events import S3EventNotifications
from local.aws.s3.multipart_form import MalformedFormError, form_boundary, parse_post_form
from local.aws.s3.post_policy import Upload, verify_upload
from local.aws.s3.presigned_url import verify_presigned_url
from local.gateway.http_types import IncomingRequest, OutgoingResponse
from local.lambdas.runtime import INVOCATION_LOCK

S3_PREFIX = "/_local/s3"
MAX_UPLOAD_BODY_BYTES = 6 * 1024 * 1024  # the whole form; S3 allows 5 GB, the attachments far less
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
STATUS_FIELD = "success_action_status"
REDIRECT_FIELDS = ("success_action_redirect", "redirect")
# Form fields S3 stores as the object's headers (with the `x-amz-meta-*` ones), with their usual spelling.
HEADER_FIELDS = {
    "content-type": "Content-Type",
    "content-disposition": "Content-Disposition",
    "content-encoding": "Content-Encoding",
    "content-language": "Content-Language",
    "cache-control": "Cache-Control",
    "expires": "Expires",
}
_REQUEST_ID_ALPHABET = string.ascii_uppercase + string.digits

Clock = Callable[[], datetime]
Settle = Callable[[], None]


def is_s3_path(path: str) -> bool:
    return path == S3_PREFIX or path.startswith(S3_PREFIX + "/")


def new_request_id() -> str:
    return "".join(secrets.choice(_REQUEST_ID_ALPHABET) for _ in range(16))


def utc_now() -> datetime:
    return datetime.now(UTC)


def _no_such_bucket(bucket: str) -> S3Error:
    return S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket)


def _method_not_allowed(method: str, resource: str) -> S3Error:
    return S3Error(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        Method=method,
        ResourceType=resource,
    )


def object_headers(upload: Upload) -> dict[str, str]:
    """The headers stored with an uploaded object: its Content-Type (S3's default without one), the other
    header fields and the `x-amz-meta-*` fields of the form."""
    headers = {"Content-Type": upload.field("Content-Type") or DEFAULT_CONTENT_TYPE}
    for name, value in upload.fields.items():
        if name in HEADER_FIELDS and name != "content-type":
            headers[HEADER_FIELDS[name]] = value
        elif name.startswith(METADATA_PREFIX):
            headers[name] = value
    return headers


def _download_headers(stored: StoredObject, overrides: list[tuple[str, str]]) -> list[tuple[str, str]]:
    headers = {"Content-Type": DEFAULT_CONTENT_TYPE}
    for name, value in stored.headers.items():
        headers[HEADER_FIELDS.get(name, name)] = value
    headers.update(overrides)
    return [*headers.items(), ("ETag", stored.etag), ("Last-Modified", stored.last_modified)]


class S3Endpoint:
    def __init__(
        self,
        s3: EmbeddedS3,
        notifications: S3EventNotifications,
        settle: Settle = lambda: None,
        clock: Clock = utc_now,
    ) -> None:
        self._s3 = s3
        self._notifications = notifications
        self._settle = settle
        self.clock = clock

    def handle(self, request: IncomingRequest) -> OutgoingResponse:
        """The answer to a request under `S3_PREFIX` (`is_s3_path`), in S3's shape."""
        request_id = new_request_id()
        try:
            response = self._answer(request, request_id)
        except S3Error as error:
            return error_response(error, request_id)
        except Exception:
            print(f"local: {request.method} {request.path} failed:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            internal = S3Error(500, "InternalError", "We encountered an internal error. Please try again.")
            return error_response(internal, request_id)
        response.headers.append(("x-amz-request-id", request_id))
        return response

    def _answer(self, request: IncomingRequest, request_id: str) -> OutgoingResponse:
        method = request.method.upper()
        bucket, _, raw_key = request.path.removeprefix(S3_PREFIX).lstrip("/").partition("/")
        if not bucket:
            raise S3Error(
                501,
                "NotImplemented",
                "The local S3 endpoint serves presigned uploads (POST) and downloads (GET) only.",
            )
        if not raw_key and method == "POST":
            return self._upload(request, bucket, request_id)
        if raw_key and method in ("GET", "HEAD"):
            return self._download(request, bucket, unquote(raw_key))
        raise _method_not_allowed(method, "OBJECT" if raw_key else "BUCKET")

    # Uploads ----------------------------------------------------------------------------------------

    def _upload(self, request: IncomingRequest, bucket: str, request_id: str) -> OutgoingResponse:
        if request.oversized or len(request.body) > MAX_UPLOAD_BODY_BYTES:
            raise S3Error(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                MaxSizeAllowed=MAX_UPLOAD_BODY_BYTES,
            )
        boundary = form_boundary(request.header("Content-Type"))
        try:
            if boundary is None:
                raise MalformedFormError("not multipart/form-data")
            form = parse_post_form(boundary, request.body)
        except MalformedFormError:
            raise S3Error(
                400,
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            ) from None
        if not self._s3.bucket_exists(bucket):
            raise _no_such_bucket(bucket)
        upload = verify_upload(bucket, form, self.clock())
        with INVOCATION_LOCK:
            etag = self._s3.put_object(bucket, upload.key, upload.data, object_headers(upload))
            self._notifications.object_created(
                bucket, upload.key, len(upload.data), etag, request_id, request.source_ip
            )
        self._settle()
        return self._uploaded(request, upload, etag)

    @staticmethod
    def _uploaded(request: IncomingRequest, upload: Upload, etag: str) -> OutgoingResponse:
        """S3's answer to an accepted upload: 204, or what `success_action_*` asks for."""
        host = request.header("Host") or "127.0.0.1"
        location = f"http://{host}{S3_PREFIX}/{upload.bucket}/{quote(upload.key, safe='/~')}"
        headers = [("ETag", etag), ("Location", location)]
        redirect = next((upload.field(name) for name in REDIRECT_FIELDS if upload.field(name)), None)
        if redirect and urlsplit(redirect).scheme in ("http", "https"):
            parts = urlsplit(redirect)
            query = parse_qsl(parts.query, keep_blank_values=True)
            query += [("bucket", upload.bucket), ("key", upload.key), ("etag", etag)]
            target = urlunsplit(parts._replace(query=urlencode(query)))
            return OutgoingResponse(303, [*headers[:1], ("Location", target)])
        status = upload.field(STATUS_FIELD)
        if status == "200":
            return OutgoingResponse(200, headers)
        if status == "201":
            elements = "".join(
                xml_element(name, value)
                for name, value in (
                    ("Location", location),
                    ("Bucket", upload.bucket),
                    ("Key", upload.key),
                    ("ETag", etag),
                )
            )
            body = f"{XML_DECLARATION}<PostResponse>{elements}</PostResponse>".encode()
            return OutgoingResponse(201, [*headers, ("Content-Type", XML_MEDIA_TYPE)], body)
        return OutgoingResponse(204, headers)

    # Downloads --------------------------------------------------------------------------------------

    def _download(self, request: IncomingRequest, bucket: str, key: str) -> OutgoingResponse:
        if not self._s3.bucket_exists(bucket):
            raise _no_such_bucket(bucket)
        overrides = verify_presigned_url(
            request.method, request.path, request.query, request.headers, self.clock()
        )
        stored = self._s3.get_object(bucket, key)
        if stored is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        return OutgoingResponse(200, _download_headers(stored, overrides), stored.data)
