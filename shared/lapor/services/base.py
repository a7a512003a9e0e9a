"""What every use-case service holds: its store (the narrow port of `lapor.ports` it uses), the city-setup
cache, a clock and, for the services that show reports, the attachments (None where a function has no
bucket: no files are listed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from lapor.domain.attachments import Reader
from lapor.domain.views import AttachmentView
from lapor.domain.wallclock import now_utc
from lapor.ports import StoredReport
from lapor.services.city_setup import CitySetupCache

if TYPE_CHECKING:
    from lapor.services.attachments import AttachmentService

Store = TypeVar("Store")


class Service(Generic[Store]):
    def __init__(
        self,
        store: Store,
        setup: CitySetupCache,
        now: Callable[[], datetime] = now_utc,
        attachments: AttachmentService | None = None,
    ) -> None:
        self._store = store
        self._setup = setup
        self._now = now
        self._attachments = attachments

    def _files(self, stored: StoredReport, reader: Reader) -> list[AttachmentView]:
        return [] if self._attachments is None else self._attachments.views(stored, reader)
