"""A per-container cache of the city's setup (catalog and calendar), refreshed after a short time.

A request pays no read for it once warm; an unknown category code forces one refresh. An edit or removal
shows within `ttl` seconds; what must see it at once reads the store instead (a filing reads its category,
the public lists call `current`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lapor.domain.catalog import Category, CitySetup

DEFAULT_TTL_SECONDS = 60.0
MIN_REFRESH_SECONDS = 1.0


class CitySetupCache:
    def __init__(
        self,
        load: Callable[[], CitySetup],
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: CitySetup | None = None
        self._loaded_at = 0.0

    def get(self) -> CitySetup:
        with self._lock:
            if self._value is None or self._monotonic() - self._loaded_at >= self._ttl:
                self._refresh()
            assert self._value is not None
            return self._value

    def category(self, code: str) -> Category | None:
        """The category, re-reading the setup once if it is unknown and the cache is not brand new."""
        found = self.get().categories.get(code)
        if found is not None:
            return found
        with self._lock:
            if self._monotonic() - self._loaded_at >= MIN_REFRESH_SECONDS:
                self._refresh()
            assert self._value is not None
            return self._value.categories.get(code)

    def current(self) -> CitySetup:
        """The setup as stored now (one read), kept for the requests after it: for what must see a change at
        once and not only after `ttl` (the public lists, the admin routes' checks, each escalation run)."""
        with self._lock:
            self._refresh()
            assert self._value is not None
            return self._value

    def invalidate(self) -> None:
        with self._lock:
            self._value = None

    def _refresh(self) -> None:
        self._value = self._load()
        self._loaded_at = self._monotonic()
