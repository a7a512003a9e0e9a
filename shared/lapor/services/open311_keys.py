"""The Open311 API keys: the coordinator issues, lists and revokes them (`/staff/open311/keys`, the staff
function); GeoReport's `POST requests` checks one (`check_key`, the open311 function). A key is shown once;
only its hash is stored, and a revoked key stops working at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lapor.domain.access import StaffCaller, ensure_role
from lapor.domain.errors import NotFound
from lapor.domain.identifiers import token_hash, token_matches
from lapor.domain.lifecycle import Role
from lapor.domain.open311 import ApiKey, Open311Error, key_id_of, new_api_key
from lapor.domain.wallclock import now_utc
from lapor.ports import Open311Keys


@dataclass(frozen=True)
class IssuedKey:
    key: str  # shown once
    key_id: str
    name: str
    created_at: str | None


class Open311KeyService:
    def __init__(self, store: Open311Keys, now: Callable[[], datetime] = now_utc) -> None:
        self._store = store
        self._now = now

    def check_key(self, key: str | None) -> str:
        """The id of `key` when it is an issued, unrevoked key; else `Open311Error(403)`."""
        key_id = key_id_of(key) if key else None
        stored = self._store.api_key(key_id) if key_id else None
        if stored is None or not token_matches(key, stored.key_hash):
            raise Open311Error(403, "a valid api_key is required")
        return stored.key_id

    def issue_key(self, caller: StaffCaller, name: str) -> IssuedKey:
        ensure_role(caller, Role.COORDINATOR)
        key_id, key = new_api_key()
        stored = ApiKey(
            key_id=key_id, name=name, key_hash=token_hash(key), created_at=self._now(), created_by=caller.id
        )
        self._store.put_key(stored)
        listed = stored.listed()
        return IssuedKey(key=key, key_id=key_id, name=name, created_at=listed["created_at"])

    def keys(self, caller: StaffCaller) -> list[dict[str, Any]]:
        ensure_role(caller, Role.COORDINATOR)
        return [key.listed() for key in sorted(self._store.api_keys(), key=lambda k: k.created_at)]

    def revoke_key(self, caller: StaffCaller, key_id: str) -> None:
        ensure_role(caller, Role.COORDINATOR)
        if not self._store.delete_key(key_id):
            raise NotFound(key_id)
