"""Every notification the local stack would have sent, oldest first (`GET /_local/outbox`).

Kept in memory for the life of the process. A local notification adapter appends one entry per message:
`{"at", "channel", "recipient", "template", "report_id", "message"}` (API.md, "Local stack only").
"""

from __future__ import annotations

from local.memory_log import MemoryLog

_log = MemoryLog()
append = _log.append
items = _log.items
clear = _log.clear
