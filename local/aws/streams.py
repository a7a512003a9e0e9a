"""The new records of the tables' streams, read from the embedded moto as Lambda's event source mapping
reads DynamoDB Streams (DescribeTable, DescribeStream, GetShardIterator, GetRecords), in Lambda's shape.

The reader keeps, for each shard, where it stopped (the shard iterator of its last GetRecords). At start-up
every shard is positioned at LATEST, so what the start-up wrote (seed, replay, compaction) is never
delivered. The streams and shards are described then, and again only after a call failed (the stack creates
its tables once); a shard seen for the first time then is read from its start (TRIM_HORIZON).

Deliver table stream records to the template's `Type: DynamoDB` functions, as Lambda's event source
mapping does: FilterCriteria first, then batches of BatchSize per shard, in order.

A batch fails when the handler raises, or, with `FunctionResponseTypes: [ReportBatchItemFailures]`, when
it answers `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}`: Lambda then retries from the
first failed record on (its checkpoint; an identifier that is not in the batch fails the whole batch). After
MaximumRetryAttempts retries the rest goes to the on-failure destination, `local.memory_logs`, and the
shard moves on. No bisecting.
"""

from __future__ import annotations

import copy
import math
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from local.aws.environment import REGION
from local.aws.moto_server import EmbeddedApi, EmbeddedApiError
from local.lambdas.triggers import Invocation, StreamTrigger, TriggerInvoker
from local.memory_logs import dead_letters
from tools.lambda_context import function_arn

DYNAMODB_TARGET = "DynamoDB_20120810."
STREAMS_TARGET = "DynamoDBStreams_20120810."
GET_RECORDS_LIMIT = 1000
_IMAGES = ("NewImage", "OldImage")

ShardKey = tuple[str, str]  # (stream ARN, shard id)


@dataclass(frozen=True)
class StreamRecord:
    table_name: str
    stream_arn: str
    shard_id: str
    event: dict[str, Any]  # one element of the Lambda event's "Records"

    @property
    def sequence_number(self) -> str:
        return str(self.event["dynamodb"]["SequenceNumber"])

    @property
    def created_at(self) -> float:
        return float(self.event["dynamodb"].get("ApproximateCreationDateTime") or 0)


def lambda_record(raw: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it to the function (event version 1.1, with the source ARN)."""
    change: dict[str, Any] = raw.get("dynamodb") or {}
    created = change.get("ApproximateCreationDateTime")
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": math.floor(created) if isinstance(created, int | float) else created,
        "Keys": change.get("Keys") or {},
    }
    dynamodb.update({image: change[image] for image in _IMAGES if image in change})
    dynamodb.update(
        {
            "SequenceNumber": str(change.get("SequenceNumber", "")),
            "SizeBytes": change.get("SizeBytes", 0),
            "StreamViewType": change.get("StreamViewType", ""),
        }
    )
    return {
        "eventID": raw.get("eventID", ""),
        "eventName": raw.get("eventName", ""),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class StreamReader:
    def __init__(self, api: EmbeddedApi, table_names: Iterable[str]) -> None:
        self._api = api
        self._tables = sorted(set(table_names))
        self._positions: dict[ShardKey, str | None] = {}  # None: a closed shard, read to its end
        self._shards: dict[str, list[ShardKey]] = {}  # by table, as last described

    def start_at_latest(self) -> None:
        """Skip everything written so far."""
        self._positions.clear()
        self._shards.clear()
        for table in self._tables:
            for stream_arn, shard_id in self._described(table):
                self._positions[(stream_arn, shard_id)] = self._iterator(stream_arn, shard_id, "LATEST")

    def read_new(self) -> list[StreamRecord]:
        """Every record written since the last read, table by table, each shard in order."""
        records: list[StreamRecord] = []
        for table in self._tables:
            try:
                shards = self._shards[table] if table in self._shards else self._described(table)
                for stream_arn, shard_id in shards:
                    records += self._read_shard(table, stream_arn, shard_id)
            except EmbeddedApiError as error:
                self._shards.pop(table, None)
                print(f"local: could not read the stream of {table}: {error}", file=sys.stderr)
        return records

    def _described(self, table: str) -> list[ShardKey]:
        stream_arn = self._stream_arn(table)
        self._shards[table] = (
            [] if stream_arn is None else [(stream_arn, s) for s in self._shard_ids(stream_arn)]
        )
        return self._shards[table]

    def _read_shard(self, table: str, stream_arn: str, shard_id: str) -> list[StreamRecord]:
        key = (stream_arn, shard_id)
        if key not in self._positions:
            self._positions[key] = self._iterator(stream_arn, shard_id, "TRIM_HORIZON")
        records: list[StreamRecord] = []
        iterator = self._positions[key]
        while iterator is not None:
            try:
                answer = self._streams_call(
                    "GetRecords", {"ShardIterator": iterator, "Limit": GET_RECORDS_LIMIT}
                )
            except EmbeddedApiError as error:
                print(
                    f"local: lost the position in the stream of {table} ({error}); reading on from its end",
                    file=sys.stderr,
                )
                self._positions[key] = self._iterator(stream_arn, shard_id, "LATEST")
                self._shards.pop(table, None)
                return records
            raw_records = answer.get("Records") or []
            records += [
                StreamRecord(table, stream_arn, shard_id, lambda_record(raw, stream_arn))
                for raw in raw_records
            ]
            iterator = answer.get("NextShardIterator")
            self._positions[key] = iterator
            if len(raw_records) < GET_RECORDS_LIMIT:  # moto answers all it has, up to the limit
                break
        return records

    def _stream_arn(self, table: str) -> str | None:
        description = self._api.json_call("dynamodb", DYNAMODB_TARGET + "DescribeTable", {"TableName": table})
        arn = description.get("Table", {}).get("LatestStreamArn")
        return str(arn) if arn else None

    def _shard_ids(self, stream_arn: str) -> list[str]:
        shards: list[str] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            description = self._streams_call("DescribeStream", request)["StreamDescription"]
            shards += [str(shard["ShardId"]) for shard in description.get("Shards") or []]
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request = {"StreamArn": stream_arn, "ExclusiveStartShardId": last}

    def _iterator(self, stream_arn: str, shard_id: str, iterator_type: str) -> str:
        request = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": iterator_type}
        return str(self._streams_call("GetShardIterator", request)["ShardIterator"])

    def _streams_call(self, action: str, request: dict[str, Any]) -> dict[str, Any]:
        return self._api.json_call("dynamodb", STREAMS_TARGET + action, request)


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
