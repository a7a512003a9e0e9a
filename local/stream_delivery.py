"""Deliver table stream records to the template's `Type: DynamoDB` functions, as Lambda's event source
mapping does: FilterCriteria first, then batches of BatchSize per shard, in order.

A batch fails when the handler raises, or, with `FunctionResponseTypes: [ReportBatchItemFailures]`, when
it answers `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}`: Lambda then retries from the
first failed record on (its checkpoint; an identifier that is not in the batch fails the whole batch). After
MaximumRetryAttempts retries the rest goes to the on-failure destination, `local.dead_letters`, and the
shard moves on. No bisecting.
"""

from __future__ import annotations

import copy
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from local import dead_letters
from local.context import function_arn
from local.stream_reader import StreamReader, StreamRecord
from local.trigger_invocation import Invocation, TriggerInvoker
from local.triggers import StreamTrigger

PARTIAL_FAILURE = "batchItemFailures"


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _batches(records: list[StreamRecord], size: int) -> Iterator[list[StreamRecord]]:
    for _, shard_records in groupby(records, key=lambda record: (record.stream_arn, record.shard_id)):
        in_order = list(shard_records)
        for start in range(0, len(in_order), size):
            yield in_order[start : start + size]


def lambda_event(batch: list[StreamRecord]) -> dict[str, Any]:
    return {"Records": [copy.deepcopy(record.event) for record in batch]}


class StreamDelivery:
    def __init__(self, triggers: list[StreamTrigger], reader: StreamReader, invoker: TriggerInvoker) -> None:
        self._triggers = triggers
        self._reader = reader
        self._invoker = invoker
        self._said_ignored: set[str] = set()

    def start(self) -> None:
        self._reader.start_at_latest()

    def deliver_new(self) -> int:
        """Read the streams' new records and deliver them; returns how many records were read."""
        records = self._reader.read_new()
        for trigger in self._triggers:
            wanted = [
                record
                for record in records
                if record.table_name == trigger.table_name and trigger.accepts(record.event)
            ]
            if wanted and self._invoker.ready(trigger.function_id):
                for batch in _batches(wanted, trigger.batch_size):
                    self._deliver(trigger, batch)
        return len(records)

    def _deliver(self, trigger: StreamTrigger, batch: list[StreamRecord]) -> None:
        attempts = trigger.maximum_retry_attempts + 1
        pending = batch
        error = ""
        for attempt in range(1, attempts + 1):
            invocation = self._invoker.invoke(
                trigger.function_id,
                lambda_event(pending),
                trigger=trigger.event_name,
                attempt=attempt,
                attempts=attempts,
            )
            failed_from = self._checkpoint(trigger, pending, invocation)
            if failed_from is None:
                return
            error = invocation.error or PARTIAL_FAILURE
            pending = pending[failed_from:]
        self._dead_letter(trigger, pending, attempts, error)

    def _checkpoint(
        self, trigger: StreamTrigger, batch: list[StreamRecord], invocation: Invocation
    ) -> int | None:
        """Where the retry starts (the first failed record's index), or None when the batch succeeded."""
        if invocation.failed:
            return 0
        result = invocation.result
        failures = result.get(PARTIAL_FAILURE) if isinstance(result, dict) else None
        if not failures:
            return None
        if not trigger.reports_batch_item_failures:
            self._say_ignored(trigger)
            return None
        positions = {record.sequence_number: index for index, record in enumerate(batch)}
        identifiers = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
        if not all(isinstance(identifier, str) and identifier in positions for identifier in identifiers):
            return 0
        return min(positions[str(identifier)] for identifier in identifiers)

    def _say_ignored(self, trigger: StreamTrigger) -> None:
        if trigger.function_id in self._said_ignored:
            return
        self._said_ignored.add(trigger.function_id)
        print(
            f"local: {trigger.function_id} answered batchItemFailures, which Lambda ignores without "
            f"FunctionResponseTypes: [ReportBatchItemFailures] on {trigger.event_name}",
            file=sys.stderr,
        )

    @staticmethod
    def _dead_letter(trigger: StreamTrigger, pending: list[StreamRecord], attempts: int, error: str) -> None:
        first, last = pending[0], pending[-1]
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if error != PARTIAL_FAILURE:
            response_context["functionError"] = "Unhandled"
        now = datetime.now(UTC)
        payload = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": function_arn(trigger.function_id),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": _iso(now.timestamp()),
            "DDBStreamBatchInfo": {
                "shardId": first.shard_id,
                "startSequenceNumber": first.sequence_number,
                "endSequenceNumber": last.sequence_number,
                "approximateArrivalOfFirstRecord": _iso(first.created_at),
                "approximateArrivalOfLastRecord": _iso(last.created_at),
                "batchSize": len(pending),
                "streamArn": first.stream_arn,
            },
        }
        dead_letters.append(
            {
                "at": now.isoformat(timespec="milliseconds"),
                "function": trigger.function_id,
                "trigger": trigger.event_name,
                "type": "DynamoDB",
                "attempts": attempts,
                "error": error,
                "payload": payload,
            }
        )
        print(
            f"local: {trigger.function_id} ({trigger.event_name}) still failed after {attempts} attempts; "
            f"{len(pending)} records went to the dead letters (GET /_local/dead-letters)",
            file=sys.stderr,
        )
