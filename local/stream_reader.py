"""The new records of the tables' streams, read from the embedded moto as Lambda's event source mapping
reads DynamoDB Streams (DescribeTable, DescribeStream, GetShardIterator, GetRecords), in Lambda's shape.

The reader keeps, for each shard, where it stopped (the shard iterator of its last GetRecords). At start-up
every shard is positioned at LATEST, so what the start-up wrote (seed, replay, compaction) is never
delivered; a shard that appears later (a table created anew) is read from its start (TRIM_HORIZON).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from local.aws_environment import REGION
from local.embedded_api import EmbeddedApi, EmbeddedApiError

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

    def start_at_latest(self) -> None:
        """Skip everything written so far."""
        self._positions.clear()
        for table in self._tables:
            stream_arn = self._stream_arn(table)
            if stream_arn is None:
                continue
            for shard_id in self._shard_ids(stream_arn):
                self._positions[(stream_arn, shard_id)] = self._iterator(stream_arn, shard_id, "LATEST")

    def read_new(self) -> list[StreamRecord]:
        """Every record written since the last read, table by table, each shard in order."""
        records: list[StreamRecord] = []
        for table in self._tables:
            try:
                stream_arn = self._stream_arn(table)
                if stream_arn is None:
                    continue
                for shard_id in self._shard_ids(stream_arn):
                    records += self._read_shard(table, stream_arn, shard_id)
            except EmbeddedApiError as error:
                print(f"local: could not read the stream of {table}: {error}", file=sys.stderr)
        return records

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
