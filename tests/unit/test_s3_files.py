"""Presigned forms and links name the bucket's regional, virtual-hosted endpoint (signing is local: no
socket is opened)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from lapor.adapters.s3_files import S3FileStore

BUCKET = "lapor-attachments-example"


@pytest.fixture(autouse=True)
def jakarta(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # a session made earlier keeps its credentials


def test_an_upload_form_posts_to_the_buckets_regional_endpoint_with_every_condition() -> None:
    form = S3FileStore(BUCKET).upload_form(
        "incoming/LPR-AAAA-AAAA/att-0123456789abcdef", "image/png", 2048, timedelta(minutes=15)
    )
    assert form.url == f"https://{BUCKET}.s3.ap-southeast-3.amazonaws.com/"
    assert form.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert form.fields["x-amz-security-token"] == "session-token"  # a Lambda role's session
    conditions = json.loads(base64.b64decode(form.fields["policy"]))["conditions"]
    assert {"bucket": BUCKET} in conditions
    assert {"key": "incoming/LPR-AAAA-AAAA/att-0123456789abcdef"} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 2048] in conditions
    assert {"x-amz-security-token": "session-token"} in conditions


def test_a_download_link_is_regional_short_lived_and_saves_under_a_generated_name() -> None:
    link = S3FileStore(BUCKET).download_url(
        "clean/LPR-AAAA-AAAA/att-0123456789abcdef", "image/jpeg", "LPR-AAAA-AAAA-att.jpg", timedelta(hours=1)
    )
    parts = urlsplit(link)
    assert parts.netloc == f"{BUCKET}.s3.ap-southeast-3.amazonaws.com"
    assert parts.path == "/clean/LPR-AAAA-AAAA/att-0123456789abcdef"
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["response-content-type"] == ["image/jpeg"]
    assert query["response-content-disposition"] == ['attachment; filename="LPR-AAAA-AAAA-att.jpg"']


def test_locally_forms_and_links_point_at_the_stack_path_style() -> None:
    store = S3FileStore(BUCKET, "http://127.0.0.1:3000/_local/s3")
    form = store.upload_form("incoming/x", "image/jpeg", 10, timedelta(minutes=15))
    assert form.url == f"http://127.0.0.1:3000/_local/s3/{BUCKET}"
    link = store.download_url("clean/x", "image/jpeg", "x.jpg", timedelta(hours=1))
    assert link.startswith(f"http://127.0.0.1:3000/_local/s3/{BUCKET}/clean/x?")
