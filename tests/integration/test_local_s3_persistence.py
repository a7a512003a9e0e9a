"""The local stack's S3 objects on its data folder: every write that reaches the embedded moto (uploads, the
functions' put_object and delete_object, batch deletes) is mirrored in `<data dir>/s3/`, and a restarted
stack (moto emptied in between) serves the same objects.

Its own module: moto's state is the process's, and each test here empties it between two stacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from local.aws.environment import REGION
from local.persistence.data_dir import S3_DIR_NAME
from local.template import Template
from tests.integration.conftest import process_state_kept
from tests.integration.test_local_s3 import (
    BUCKET,
    JPEG,
    STANDIN_PACKAGE,
    post_form,
    running_stack,
    s3_template,
    signing_client,
)


@pytest.fixture
def template(tmp_path: Path) -> Iterator[Template]:
    with process_state_kept(STANDIN_PACKAGE):
        yield s3_template(tmp_path / "stack")


def upload(base_url: str, key: str, data: bytes = JPEG, content_type: str = "image/jpeg") -> None:
    form = signing_client(base_url).generate_presigned_post(
        BUCKET,
        key,
        Fields={"Content-Type": content_type, "x-amz-meta-origin": "browser"},
        Conditions=[{"Content-Type": content_type}, {"x-amz-meta-origin": "browser"}],
    )
    assert post_form(form, data=data).status_code == 204


def download(base_url: str, key: str) -> tuple[int, bytes, str | None]:
    link = signing_client(base_url).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60
    )
    served = requests.get(link, timeout=30)
    return served.status_code, served.content, served.headers.get("Content-Type")


def test_objects_survive_a_restart_on_the_same_data_folder(template: Template, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_stack(template, data_dir) as (backend, base_url):
        assert backend.s3_objects_restored == 0
        upload(base_url, "elsewhere/R1/kept.png", b"PNG bytes", "image/png")
        upload(base_url, "incoming/R1/A1")  # the stand-in scrubber: clean/R1/A1 put, the upload deleted
        upload(base_url, "elsewhere/R1/overwritten.jpg", b"first")
        upload(base_url, "elsewhere/R1/overwritten.jpg", b"second")
        upload(base_url, "elsewhere/R1/deleted-1")
        upload(base_url, "elsewhere/R1/deleted-2")
        embedded = boto3.client("s3", endpoint_url=backend.db.endpoint_url, region_name=REGION)
        embedded.delete_objects(
            Bucket=BUCKET,
            Delete={"Objects": [{"Key": "elsewhere/R1/deleted-1"}, {"Key": "elsewhere/R1/deleted-2"}]},
        )
        assert len(list((data_dir / S3_DIR_NAME / BUCKET).glob("*.object"))) == 3

    with running_stack(template, data_dir) as (backend, base_url):
        assert backend.s3_objects_restored == 3
        assert download(base_url, "elsewhere/R1/kept.png") == (200, b"PNG bytes", "image/png")
        assert download(base_url, "clean/R1/A1") == (200, JPEG.upper(), "image/jpeg")
        assert download(base_url, "elsewhere/R1/overwritten.jpg") == (200, b"second", "image/jpeg")
        for gone in ("incoming/R1/A1", "elsewhere/R1/deleted-1", "elsewhere/R1/deleted-2"):
            assert download(base_url, gone)[0] == 404
        embedded = boto3.client("s3", endpoint_url=backend.db.endpoint_url, region_name=REGION)
        head = embedded.head_object(Bucket=BUCKET, Key="elsewhere/R1/kept.png")
        assert head["Metadata"] == {"origin": "browser"}
        # A write after the restart is saved too.
        embedded.delete_object(Bucket=BUCKET, Key="elsewhere/R1/kept.png")

    with running_stack(template, data_dir) as (backend, base_url):
        assert backend.s3_objects_restored == 2
        assert download(base_url, "elsewhere/R1/kept.png")[0] == 404


def test_an_in_memory_stack_writes_no_data_folder(template: Template, tmp_path: Path) -> None:
    with running_stack(template, None) as (backend, base_url):
        assert backend.s3_objects_restored is None
        upload(base_url, "elsewhere/R2/A1")
        assert download(base_url, "elsewhere/R2/A1")[:2] == (200, JPEG)
    assert not any(tmp_path.rglob(S3_DIR_NAME))
