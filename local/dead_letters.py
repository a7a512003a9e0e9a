"""What the template's on-failure destinations would have received, oldest first (`GET /_local/dead-letters`).

Kept in memory for the life of the process. One entry per stream batch or event that still failed after its
retries: `{"at", "function", "trigger", "type", "attempts", "error", "payload"}`, where `payload` is what AWS
sends to the destination (for a stream, Lambda's invocation record with the batch's shard and sequence
numbers, never the item images; for an EventBridge rule, the event).
"""

from __future__ import annotations

from local.memory_log import MemoryLog

_log = MemoryLog()
append = _log.append
items = _log.items
clear = _log.clear
