"""What the stand-in functions of the in-process local-stack tests received, in one place for them all: each
function imports its own copy of its code (as in Lambda, where it has its own process), so a stand-in's
module-level list would be its own."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

RECEIVED: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
