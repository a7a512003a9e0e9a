"""The template's KMS keys in the local stack: their ids are what `!Ref` gives the functions, moto's KMS
encrypts and decrypts with them bound to the encryption context, and their material is kept in the data
folder, so that a NIK sealed before a restart opens after it (moto emptied in between).

Its own module: moto's state is the process's, and each test here empties it between two stacks.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.aws.environment import REGION
from local.aws.kms import KEYS_FILE_NAME
from local.stack import LocalBackend
from local.template import load_template
from tests.integration.conftest import process_state_kept, reset_moto

NIK = "3272014501900002"


@contextmanager
def running(data_dir: Path | None) -> Iterator[tuple[LocalBackend, Any]]:
    with process_state_kept("intake"):
        reset_moto()
        backend = LocalBackend.start(load_template(), data_dir)
        try:
            yield backend, boto3.client("kms", region_name=REGION, endpoint_url=backend.db.endpoint_url)
        finally:
            backend.stop()
            reset_moto()


def _identity_key(backend: LocalBackend) -> str:
    return backend.functions["IntakeFunction"].environment["IDENTITY_KEY_ID"]


def _seal(kms: Any, key_id: str, report_id: str) -> bytes:
    sealed: bytes = kms.encrypt(
        KeyId=key_id, Plaintext=NIK.encode(), EncryptionContext={"report_id": report_id}
    )["CiphertextBlob"]
    return sealed


def _open(kms: Any, key_id: str, sealed: bytes, report_id: str) -> str:
    answer = kms.decrypt(KeyId=key_id, CiphertextBlob=sealed, EncryptionContext={"report_id": report_id})
    return bytes(answer["Plaintext"]).decode()


def test_a_sealed_nik_opens_only_with_its_report_as_context_and_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running(data_dir) as (backend, kms):
        key_id = _identity_key(backend)
        described = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        assert (described["KeyId"], described["Enabled"]) == (key_id, True)
        assert described["Arn"].endswith(f":key/{key_id}")
        sealed = _seal(kms, key_id, "LPR-7K3M-9Q2X")
        assert NIK.encode() not in sealed
        assert _open(kms, key_id, sealed, "LPR-7K3M-9Q2X") == NIK
        for context in ("LPR-AAAA-AAAA", ""):
            with pytest.raises(ClientError) as refused:
                _open(kms, key_id, sealed, context)
            assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"
        other_key = next(key.key_id for key in backend.template.kms_keys() if key.key_id != key_id)
        with pytest.raises(ClientError) as wrong_key:
            _open(kms, other_key, sealed, "LPR-7K3M-9Q2X")
        # KMS answers IncorrectKeyException; moto refuses too, with AccessDeniedException.
        assert wrong_key.value.response["Error"]["Code"] == "AccessDeniedException"
    keys_file = data_dir / KEYS_FILE_NAME
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    kept = keys_file.read_bytes()

    with running(data_dir) as (backend, kms):
        assert _identity_key(backend) == key_id
        assert _open(kms, key_id, sealed, "LPR-7K3M-9Q2X") == NIK
    assert keys_file.read_bytes() == kept  # nothing new to keep


def test_another_data_folder_has_other_material_and_in_memory_nothing_is_written(tmp_path: Path) -> None:
    with running(tmp_path / "one") as (backend, kms):
        key_id = _identity_key(backend)
        sealed = _seal(kms, key_id, "LPR-7K3M-9Q2X")
    with running(None) as (backend, kms):
        assert _identity_key(backend) == key_id  # the same id everywhere
        with pytest.raises(ClientError) as refused:
            _open(kms, key_id, sealed, "LPR-7K3M-9Q2X")
        assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"
        assert _open(kms, key_id, _seal(kms, key_id, "LPR-1"), "LPR-1") == NIK
    assert sorted(path.name for path in tmp_path.iterdir()) == ["one"]
