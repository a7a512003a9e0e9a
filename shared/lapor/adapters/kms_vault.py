"""NIKs sealed with the identity key (a customer-managed KMS key used for identity fields alone), each bound
to its report by the encryption context: a sealed NIK copied to another report does not open. Deleting the
key is a last-resort erasure of every NIK at once. The client is built on first use."""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from lapor.adapters.sdk_config import new_client
from lapor.domain.errors import StoreUnavailable


@lru_cache(maxsize=1)
def kms_client() -> Any:
    return new_client("kms")


class KmsNikVault:
    def __init__(self, key_id: str, client: Any = None) -> None:
        if not key_id:
            raise RuntimeError("IDENTITY_KEY_ID is not set")
        self._key_id = key_id
        self._client = client

    def seal(self, report_id: str, nik: str) -> str:
        answer = self._call(
            "encrypt",
            KeyId=self._key_id,
            Plaintext=nik.encode(),
            EncryptionContext={"report_id": report_id},
        )
        return base64.b64encode(answer["CiphertextBlob"]).decode()

    def open(self, report_id: str, sealed: str) -> str:
        answer = self._call(
            "decrypt",
            KeyId=self._key_id,
            CiphertextBlob=base64.b64decode(sealed),
            EncryptionContext={"report_id": report_id},
        )
        return bytes(answer["Plaintext"]).decode()

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client or kms_client()
        try:
            answer: dict[str, Any] = getattr(client, operation)(**request)
        except ClientError as error:  # never its message: it may quote the request
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException"):
                raise StoreUnavailable(code) from None
            raise RuntimeError(f"kms {operation} failed: {code}") from None
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from None
        return answer
