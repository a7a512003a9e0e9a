"""An in-memory officer roster (`lapor.ports.RosterStore`), held to the DynamoDB adapter by
tests/integration/test_store_contract.py."""

from __future__ import annotations

from typing import Any

from lapor.domain.errors import VersionConflict
from lapor.domain.roster import Officer


class InMemoryRoster:
    def __init__(self) -> None:
        self.by_id: dict[str, Officer] = {}
        self.audit: list[dict[str, Any]] = []

    def officers(self) -> list[Officer]:
        return sorted(self.by_id.values(), key=lambda o: (o.name, o.id))

    def officer(self, officer_id: str) -> Officer | None:
        return self.by_id.get(officer_id)

    def put_officer(self, officer: Officer, before: Officer | None, audit: dict[str, Any]) -> None:
        if self.by_id.get(officer.id) != before:
            raise VersionConflict(officer.id)
        self.by_id[officer.id] = officer
        self.audit.append(audit)
