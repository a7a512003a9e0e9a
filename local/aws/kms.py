"""The template's KMS keys (`AWS::KMS::Key`) in the embedded moto, which answers Encrypt and Decrypt as KMS
does: AES-GCM under the key's material with the encryption context as associated data, so that a ciphertext
opened with another context (or under another key) fails with `InvalidCiphertextException`.

A key's id is fixed by its logical id (`local.template.local_key_id`, what `!Ref` resolves to); its material
is made once and kept in the data folder (`kms-keys.json`, readable by its owner only), so that what was
sealed before a restart opens after it. In memory, the material lives as long as the process. Moto makes a key
with an id and material of its own: both are replaced (`id`, `arn`, `key_material` of moto 5.2.5's `Key`).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from moto.kms.models import kms_backends

from local.aws.environment import ACCOUNT_ID, REGION
from local.template import KmsKeySpec

KEYS_FILE_NAME = "kms-keys.json"
KEY_MATERIAL_BYTES = 32  # AES-256, as moto's own keys


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    kept: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return kept


def _save(path: Path, materials: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(materials, handle, indent=1, sort_keys=True)
    partial.replace(path)


def create_keys(keys: list[KmsKeySpec], data_dir: Path | None) -> None:
    """Make each key in moto with its fixed id and its kept material (new material for a new key)."""
    path = data_dir / KEYS_FILE_NAME if data_dir is not None else None
    materials = _load(path) if path is not None else {}
    made = False
    backend = kms_backends[ACCOUNT_ID][REGION]
    for spec in keys:
        if spec.key_id not in materials:
            materials[spec.key_id] = base64.b64encode(secrets.token_bytes(KEY_MATERIAL_BYTES)).decode()
            made = True
        key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", spec.description, None)
        del backend.keys[key.id]
        key.id, key.arn = spec.key_id, spec.arn
        key.key_material = base64.b64decode(materials[spec.key_id])
        backend.keys[key.id] = key
    if path is not None and made:
        _save(path, materials)
