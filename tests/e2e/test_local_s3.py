"""The S3 of `make run`, over HTTP: the banner names its endpoint, a presigned form uploads and a presigned
link downloads through the gateway's own port, and the objects outlive a Ctrl-C and restart.

Keys outside `incoming/`, so that no function the template triggers on uploads takes them away.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

from tests.e2e.conftest import LocalStackProcess

BUCKET = "lapor-local-attachmentsbucket"
REGION = "ap-southeast-3"


def _signing_client(base_url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=f"{base_url}/_local/s3",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # the local stack's dummy credentials
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def _upload(base_url: str, key: str, data: bytes, content_type: str) -> requests.Response:
    form = _signing_client(base_url).generate_presigned_post(
        BUCKET,
        key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, 1024]],
        ExpiresIn=900,
    )
    return requests.post(form["url"], data=form["fields"], files={"file": ("f", data)}, timeout=30)


def _download(base_url: str, key: str) -> requests.Response:
    link = _signing_client(base_url).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60
    )
    return requests.get(link, timeout=30)


def test_the_banner_names_the_endpoint_and_uploads_and_downloads_go_through_it(
    stack_process: LocalStackProcess,
) -> None:
    base_url = stack_process.base_url
    banner = stack_process.stdout_path.read_text(encoding="utf-8")
    assert f"S3           {base_url}/_local/s3" in banner
    key = f"e2e/{uuid.uuid4()}.png"
    assert _upload(base_url, key, b"\x89PNG e2e", "image/png").status_code == 204
    served = _download(base_url, key)
    assert (served.status_code, served.content, served.headers["Content-Type"]) == (
        200,
        b"\x89PNG e2e",
        "image/png",
    )
    too_large = _upload(base_url, f"e2e/{uuid.uuid4()}", b"x" * 1025, "image/png")
    assert (too_large.status_code, b"<Code>EntityTooLarge</Code>" in too_large.content) == (400, True)


def test_objects_outlive_a_restart(start_stack: Callable[..., LocalStackProcess], tmp_path: Path) -> None:
    process = start_stack(tmp_path / "local-data")
    base_url = process.start()
    assert _upload(base_url, "e2e/kept.jpg", b"\xff\xd8 kept", "image/jpeg").status_code == 204
    assert process.stop() == 0

    restarted = process.start()
    assert "1 object restored" in process.stdout_path.read_text(encoding="utf-8")
    served = _download(restarted, "e2e/kept.jpg")
    assert (served.status_code, served.content, served.headers["Content-Type"]) == (
        200,
        b"\xff\xd8 kept",
        "image/jpeg",
    )
