"""Attachments' bytes in the private S3 bucket (template.yaml, AttachmentsBucket).

Upload forms and download links are presigned in the function, without a call: S3 checks, when the link is
used, that the signer (the function's role) may put or get that key, and the POST policy's conditions
(content type, size range, key, expiry). Locally, `public_endpoint` points the forms and links at the local
stack, which enforces the same conditions; the calls themselves always go to the SDK's own endpoint.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lapor.adapters.sdk_config import new_client
from lapor.domain.attachments import UploadForm
from lapor.domain.errors import StoreUnavailable
from lapor.ports import FileTooLarge

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# SigV4, virtual-hosted, so that forms and links name the bucket's own regional endpoint
# (https://<bucket>.s3.<region>.amazonaws.com): left to itself botocore signs for the global
# s3.amazonaws.com, which regions opened since 2019 (ap-southeast-3, Jakarta, among them) refuse with 400,
# and older ones answer with a redirect a browser's cross-origin POST does not follow.
_SIGNING: dict[str, Any] = {"signature_version": "s3v4", "s3": {"addressing_style": "virtual"}}
_GONE = frozenset({"NoSuchKey", "404", "NotFound"})


class S3FileStore:
    def __init__(self, bucket: str, public_endpoint: str | None = None) -> None:
        self._bucket = bucket
        self._public_endpoint = public_endpoint

    @cached_property
    def _client(self) -> S3Client:
        client: S3Client = new_client("s3", **_SIGNING)
        return client

    @cached_property
    def _signing_client(self) -> S3Client:
        if self._public_endpoint is None:
            return self._client
        local = {**_SIGNING, "s3": {"addressing_style": "path"}}  # the local stack serves one host
        client: S3Client = new_client("s3", endpoint_url=self._public_endpoint, **local)
        return client

    def upload_form(self, key: str, content_type: str, max_size: int, expires: timedelta) -> UploadForm:
        post = self._signing_client.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=int(expires.total_seconds()),
        )
        return UploadForm(url=post["url"], fields={k: str(v) for k, v in post["fields"].items()})

    def download_url(self, key: str, content_type: str, filename: str, expires: timedelta) -> str:
        return self._signing_client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=int(expires.total_seconds()),
        )

    def read(self, key: str, max_size: int) -> bytes | None:
        answer = self._call("get_object", Bucket=self._bucket, Key=key)
        if answer is None:
            return None
        body = answer["Body"]
        try:
            if int(answer.get("ContentLength", 0)) > max_size:
                raise FileTooLarge(key)
            data: bytes = body.read(max_size + 1)
        finally:
            body.close()
        if len(data) > max_size:
            raise FileTooLarge(key)
        return data

    def write(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._call("delete_object", Bucket=self._bucket, Key=key)

    def _call(self, operation: str, **request: Any) -> Any:
        """One SDK call; None when the key is gone; `StoreUnavailable` when S3 cannot answer now."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _GONE:
                return None
            if code in {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}:
                raise StoreUnavailable(code) from error
            raise
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from error
