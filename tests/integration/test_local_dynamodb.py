"""The embedded DynamoDB's engine (`local.aws.dynamodb`) answers as moto alone does, at a cost that does not
grow with the table.

The same requests go, through moto's own request handling, to the engine (one region) and to moto's plain
backend (another): every answer must be the same (region names aside), after a seeded mix of puts,
conditional writes, update expressions, deletes, batches and transactions (cancelled ones among them),
for queries on the table and on every index (each key condition, both directions, paged), scans, and the
stream records. The template's tables, and one with number sort keys and an index without a sort key.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from local.aws.dynamodb import DynamoDBEngine, IndexedTable, install
from local.template import load_template
from tests.integration.conftest import reset_moto

ACCOUNT = "123456789012"
ENGINE_REGION = "eu-west-1"
MOTO_REGION = "eu-west-2"
APP = "AppTable"
NUMBERS = "NumberTable"
INDEXES = ("public-index", "inbox-index", "queue-index", "due-index")
NUMBER_TABLE = {
    "TableName": NUMBERS,
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "n", "AttributeType": "N"},
        {"AttributeName": "g", "AttributeType": "S"},
        {"AttributeName": "gn", "AttributeType": "N"},
        {"AttributeName": "h", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by-g",
            "KeySchema": [
                {"AttributeName": "g", "KeyType": "HASH"},
                {"AttributeName": "gn", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": "by-h",
            "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ],
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class Region:
    """DynamoDB requests to one region of a moto server, as the SDK sends them."""

    def __init__(self, app: Any, region: str) -> None:
        self._client = Client(app)
        self.region = region

    def call(self, action: str, request: dict[str, Any], service: str = "dynamodb") -> Answer:
        prefix = "DynamoDBStreams_20120810." if service == "streams" else "DynamoDB_20120810."
        response = self._client.post(
            "/",
            data=json.dumps(request),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": prefix + action,
                "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20240101/{self.region}/dynamodb/"
                "aws4_request, SignedHeaders=host, Signature=0",
                "Host": f"dynamodb.{self.region}.amazonaws.com",
            },
        )
        text = response.get_data(as_text=True).replace(self.region, "<region>")
        return Answer(response.status_code, json.loads(text or "{}"))


class Pair:
    """The engine and moto alone, sent the same requests."""

    def __init__(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        self.engine_backend = install(ACCOUNT, ENGINE_REGION)
        self.engine = Region(app, ENGINE_REGION)
        self.moto = Region(app, MOTO_REGION)
        self.calls = 0

    def both(self, action: str, request: dict[str, Any], service: str = "dynamodb") -> Answer:
        self.calls += 1
        engine = self.engine.call(action, copy.deepcopy(request), service)
        alone = self.moto.call(action, copy.deepcopy(request), service)
        assert _comparable(engine) == _comparable(alone), f"{action} {json.dumps(request)[:400]}"
        return engine


_VOLATILE = frozenset(
    {
        "eventID",
        "ApproximateCreationDateTime",
        "CreationDateTime",
        "LatestStreamLabel",
        "LatestStreamArn",
        "StreamArn",
        "ShardIterator",
        "NextShardIterator",
        "SizeBytes",  # of a stream record: its length as JSON, creation instant included
    }
)


def _comparable(answer: Answer) -> Answer:
    """Without what differs by instant or at random (stream records' ids and times, a table's creation)."""

    def without(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: without(inner) for key, inner in value.items() if key not in _VOLATILE}
        if isinstance(value, list):
            return [without(inner) for inner in value]
        return value

    return Answer(answer.status, without(answer.body))


@pytest.fixture
def pair() -> Iterator[Pair]:
    reset_moto()
    made = Pair()
    for table in load_template().tables():
        made.both("CreateTable", table.create_kwargs)
    made.both("CreateTable", NUMBER_TABLE)
    yield made
    reset_moto()


# --- a seeded workload --------------------------------------------------------------------------------------


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


class Workload:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pk(self) -> str:
        return f"REPORT#{self.rng.randrange(6)}"

    def sk(self) -> str:
        return self.rng.choice(
            ["R", "I", "K", "UPLOADS", "AL#2026", "AL#2027", *[f"T#{n:06d}" for n in range(1, 9)]]
        )

    def index_attributes(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        rng = self.rng
        for index in ("public", "inbox", "queue", "due"):
            if rng.random() < 0.6:
                found[f"{index}_pk"] = _s(
                    rng.choice({"public": ["PUBLIC"], "queue": ["ALL"]}.get(index, ["A", "B"]))
                )
                found[f"{index}_sk"] = _s(
                    f"{rng.choice('01')}#2026-0{rng.randrange(1, 4)}#{rng.randrange(50):02d}"
                )
        return found

    def item(self) -> dict[str, Any]:
        return {
            "pk": _s(self.pk()),
            "sk": _s(self.sk()),
            "version": _n(self.rng.randrange(4)),
            "title": _s(self.rng.choice(["lampu", "jalan", "sampah"]) * self.rng.randrange(1, 5)),
            "tags": {"L": [_s("a"), {"M": {"x": _n(self.rng.randrange(9))}}]},
            **self.index_attributes(),
        }

    def number_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {"pk": _s(f"P{self.rng.randrange(3)}"), "n": _n(self.rng.randrange(-20, 40))}
        if self.rng.random() < 0.7:
            item["g"] = _s(self.rng.choice("xy"))
            item["gn"] = {"N": f"{self.rng.randrange(-5, 5)}.{self.rng.randrange(10)}"}
        if self.rng.random() < 0.5:
            item["h"] = _s(self.rng.choice("uv"))
        return item

    def key(self) -> dict[str, Any]:
        return {"pk": _s(self.pk()), "sk": _s(self.sk())}

    def condition(self) -> dict[str, Any]:
        choice = self.rng.randrange(4)
        if choice == 0:
            return {"ConditionExpression": "attribute_not_exists(pk)"}
        if choice == 1:
            return {"ConditionExpression": "attribute_exists(pk)"}
        if choice == 2:
            return {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": _n(self.rng.randrange(4))},
            }
        return {}

    def update(self) -> dict[str, Any]:
        rng = self.rng
        request: dict[str, Any] = {"TableName": APP, "Key": self.key(), **self.condition()}
        names = dict(request.pop("ExpressionAttributeNames", {}))
        values = dict(request.pop("ExpressionAttributeValues", {}))
        sets = ["#t = :t"]
        names["#t"] = "title"
        values[":t"] = _s(rng.choice(["diperbarui", "selesai"]))
        removes = []
        if rng.random() < 0.5:
            sets.append("queue_pk = :q, queue_sk = :qs")
            values[":q"] = _s("ALL")
            values[":qs"] = _s(f"1#2026-0{rng.randrange(1, 4)}#{rng.randrange(50):02d}")
        if rng.random() < 0.3:
            removes.append("inbox_pk")
        if rng.random() < 0.5:
            sets.append("counter = if_not_exists(counter, :zero) + :one")
            values[":zero"], values[":one"] = _n(0), _n(1)
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        request.update(
            UpdateExpression=expression, ExpressionAttributeNames=names, ExpressionAttributeValues=values
        )
        return request

    def transaction(self) -> dict[str, Any]:
        actions: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(self.rng.randrange(1, 7)):
            kind = self.rng.choice(["Put", "Put", "Update", "Delete", "ConditionCheck"])
            if kind == "Put":
                inner: dict[str, Any] = {"TableName": APP, "Item": self.item(), **self.condition()}
                key = json.dumps([inner["Item"]["pk"], inner["Item"]["sk"]])
            elif kind == "Update":
                inner = self.update()
                key = json.dumps([inner["Key"]["pk"], inner["Key"]["sk"]])
            else:
                inner = {"TableName": APP, "Key": self.key(), **self.condition()}
                if kind == "ConditionCheck" and "ConditionExpression" not in inner:
                    inner["ConditionExpression"] = "attribute_exists(pk)"
                key = json.dumps([inner["Key"]["pk"], inner["Key"]["sk"]])
            if key in seen and self.rng.random() < 0.9:
                continue  # mostly distinct keys; now and then the same key twice (a ValidationException)
            seen.add(key)
            actions.append({kind: inner})
        return {"TransactItems": actions}


def _run(pair: Pair, workload: Workload, steps: int) -> None:
    rng = workload.rng
    for _ in range(steps):
        kind = rng.choice(
            [
                "put",
                "put",
                "put",
                "update",
                "update",
                "delete",
                "transaction",
                "transaction",
                "batch",
                "number",
            ]
        )
        if kind == "put":
            pair.both("PutItem", {"TableName": APP, "Item": workload.item(), **workload.condition()})
        elif kind == "update":
            pair.both("UpdateItem", workload.update())
        elif kind == "delete":
            pair.both("DeleteItem", {"TableName": APP, "Key": workload.key(), **workload.condition()})
        elif kind == "transaction":
            pair.both("TransactWriteItems", workload.transaction())
        elif kind == "batch":
            puts = {json.dumps([i["pk"], i["sk"]]): i for i in (workload.item() for _ in range(4))}
            writes = [{"PutRequest": {"Item": item}} for item in puts.values()]
            pair.both("BatchWriteItem", {"RequestItems": {APP: writes}})
            keys = {json.dumps(k): k for k in (workload.key() for _ in range(5))}
            pair.both("BatchGetItem", {"RequestItems": {APP: {"Keys": list(keys.values())}}})
        else:
            pair.both("PutItem", {"TableName": NUMBERS, "Item": workload.number_item()})
            if rng.random() < 0.3:
                item = workload.number_item()
                pair.both("DeleteItem", {"TableName": NUMBERS, "Key": {"pk": item["pk"], "n": item["n"]}})


def _query_pages(pair: Pair, request: dict[str, Any], pages: int = 3) -> None:
    """The first pages of a query, answered alike."""
    for _ in range(pages):
        answer = pair.both("Query", request)
        last = answer.body.get("LastEvaluatedKey") if answer.status == 200 else None
        if not last:
            return
        request = {**request, "ExclusiveStartKey": last}


def _key_conditions(key: str, values: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    low, high = values[0], values[-1]
    return [
        (f"{key} = :a", {":a": low}),
        (f"{key} < :a", {":a": high}),
        (f"{key} <= :a", {":a": high}),
        (f"{key} > :a", {":a": low}),
        (f"{key} >= :a", {":a": low}),
        (f"{key} BETWEEN :a AND :b", {":a": low, ":b": high}),
    ]


def _query_battery(pair: Pair, *, whole_partitions: bool = True) -> None:
    sks = [_s("AL#2026"), _s("I"), _s("T#000003"), _s("UPLOADS")]
    index_sks = [_s("0#2026-02"), _s("1#2026-02#30")]
    index_partitions = {
        "public-index": ("PUBLIC", "C"),
        "inbox-index": ("A", "B"),
        "queue-index": ("ALL",),
        "due-index": ("B",),
    }
    partitions = [
        (None, "pk", "sk", [_s(f"REPORT#{n}") for n in (0, 3, 9)], sks, ["T#", "AL#", "Z"]),
        *[
            (
                index,
                f"{index[:-6]}_pk",
                f"{index[:-6]}_sk",
                [_s(v) for v in values],
                index_sks,
                ["0#", "1#2026-03"],
            )
            for index, values in index_partitions.items()
        ],
    ]
    for index, hash_name, range_name, hash_values, range_values, prefixes in partitions:
        for hash_value in hash_values:
            conditions = [("", {})]
            conditions += [
                (" AND " + text, values) for text, values in _key_conditions(range_name, range_values)
            ]
            conditions += [(f" AND begins_with({range_name}, :p)", {":p": _s(prefix)}) for prefix in prefixes]
            for condition, values in conditions:
                for forward, limit in ((True, None), (True, 3), (False, 3)):
                    if limit or whole_partitions:
                        request: dict[str, Any] = {
                            "TableName": APP,
                            "KeyConditionExpression": f"{hash_name} = :h{condition}",
                            "ExpressionAttributeValues": {":h": hash_value, **values},
                            "ScanIndexForward": forward,
                        }
                        if index:
                            request["IndexName"] = index
                        if limit:
                            request["Limit"] = limit
                        _query_pages(pair, request)
    _odd_queries(pair)


def _odd_queries(pair: Pair) -> None:
    """A filter (applied after Limit), a projection, a consistent read on an index, an unknown index; the
    table with number sort keys."""
    _query_pages(
        pair,
        {
            "TableName": APP,
            "IndexName": "queue-index",
            "KeyConditionExpression": "queue_pk = :h",
            "FilterExpression": "begins_with(title, :t)",
            "ProjectionExpression": "pk, sk, title",
            "ExpressionAttributeValues": {":h": _s("ALL"), ":t": _s("jalan")},
            "Limit": 2,
        },
    )
    for extra in ({"IndexName": "queue-index", "ConsistentRead": True}, {"IndexName": "no-such-index"}):
        pair.both(
            "Query",
            {
                "TableName": APP,
                "KeyConditionExpression": "queue_pk = :h",
                "ExpressionAttributeValues": {":h": _s("ALL")},
                **extra,
            },
        )
    for hash_value in ("P0", "P1", "P2"):
        for condition, values in [
            ("", {}),
            *[(" AND " + t, v) for t, v in _key_conditions("n", [_n(-3), _n(17)])],
        ]:
            for forward in (True, False):
                _query_pages(
                    pair,
                    {
                        "TableName": NUMBERS,
                        "KeyConditionExpression": f"pk = :h{condition}",
                        "ExpressionAttributeValues": {":h": _s(hash_value), **values},
                        "ScanIndexForward": forward,
                        "Limit": 2,
                    },
                )
    for index, key, values in (("by-g", "g", ("x", "y")), ("by-h", "h", ("u", "v"))):
        for value in values:
            for forward in (True, False):
                request = {
                    "TableName": NUMBERS,
                    "IndexName": index,
                    "KeyConditionExpression": f"{key} = :h"
                    + (" AND gn BETWEEN :a AND :b" if index == "by-g" else ""),
                    "ExpressionAttributeValues": {
                        ":h": _s(value),
                        **({":a": _n(-2), ":b": {"N": "3.5"}} if index == "by-g" else {}),
                    },
                    "ScanIndexForward": forward,
                    "Limit": 3,
                }
                _query_pages(pair, request)


def _streams_and_scans(pair: Pair) -> None:
    for table in (APP, NUMBERS, "IdempotencyTable"):
        scan = {"TableName": table}
        while True:
            answer = pair.both("Scan", scan)
            if not answer.body.get("LastEvaluatedKey"):
                break
            scan = {**scan, "ExclusiveStartKey": answer.body["LastEvaluatedKey"]}
    for table in (APP, NUMBERS):
        arns = {
            name: pair.engine.call("DescribeTable", {"TableName": table}).body["Table"]["LatestStreamArn"]
            for name in ("engine",)
        }
        stream_arn = arns["engine"]
        engine_arn = stream_arn.replace("<region>", ENGINE_REGION)
        moto_arn = (
            pair.moto.call("DescribeTable", {"TableName": table})
            .body["Table"]["LatestStreamArn"]
            .replace("<region>", MOTO_REGION)
        )
        shard = pair.engine.call("DescribeStream", {"StreamArn": engine_arn}, "streams").body[
            "StreamDescription"
        ]["Shards"][0]["ShardId"]
        iterators = [
            region.call(
                "GetShardIterator",
                {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"},
                "streams",
            )
            .body["ShardIterator"]
            .replace("<region>", region.region)
            for region, arn in ((pair.engine, engine_arn), (pair.moto, moto_arn))
        ]
        records = [
            region.call("GetRecords", {"ShardIterator": iterator, "Limit": 1000}, "streams")
            for region, iterator in zip((pair.engine, pair.moto), iterators, strict=True)
        ]
        assert _comparable(records[0]) == _comparable(records[1])
        assert len(records[0].body["Records"]) > 10


def test_the_engine_answers_every_request_as_moto_alone_does(pair: Pair) -> None:
    workload = Workload(1)
    _run(pair, workload, 120)
    _query_battery(pair)
    _streams_and_scans(pair)
    _run(pair, workload, 40)  # the kept partitions still follow after the reads
    _query_battery(pair, whole_partitions=False)
    assert pair.calls > 1000


def test_a_cancelled_transaction_leaves_no_trace_and_every_item_as_it_was(pair: Pair) -> None:
    workload = Workload(7)
    _run(pair, workload, 60)
    before = pair.both("Scan", {"TableName": APP}).body["Items"]
    existing = before[0]
    cancelled = pair.both(
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": APP, "Item": {**workload.item(), "pk": _s("NEW"), "sk": _s("R")}}},
                {
                    "Update": {
                        "TableName": APP,
                        "Key": {"pk": existing["pk"], "sk": existing["sk"]},
                        "UpdateExpression": "SET queue_pk = :q, queue_sk = :s",
                        "ExpressionAttributeValues": {":q": _s("ALL"), ":s": _s("0#0")},
                    }
                },
                {"Delete": {"TableName": APP, "Key": {"pk": before[1]["pk"], "sk": before[1]["sk"]}}},
                {
                    "ConditionCheck": {
                        "TableName": APP,
                        "Key": {"pk": _s("NOWHERE"), "sk": _s("R")},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        },
    )
    assert cancelled.status == 400
    assert "TransactionCanceledException" in cancelled.body["__type"]
    assert pair.both("Scan", {"TableName": APP}).body["Items"] == before
    in_queue = pair.both(
        "Query",
        {
            "TableName": APP,
            "IndexName": "queue-index",
            "KeyConditionExpression": "queue_pk = :q AND queue_sk = :s",
            "ExpressionAttributeValues": {":q": _s("ALL"), ":s": _s("0#0")},
        },
    )
    assert in_queue.body["Items"] == []


def test_a_query_hands_moto_at_most_limit_plus_one_items_of_a_large_partition(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(1500):
        item = {
            "pk": _s(f"REPORT#{number:05d}"),
            "sk": _s("R"),
            "queue_pk": _s("ALL"),
            "queue_sk": _s(f"0#{number:05d}"),
        }
        pair.engine.call("PutItem", {"TableName": APP, "Item": item})
        day = {"pk": _s("DAY#1"), "sk": _s(f"T#{number:06d}")}
        pair.engine.call("PutItem", {"TableName": APP, "Item": day})
    walked: list[int] = []
    original = IndexedTable.all_items

    def counting(self: IndexedTable) -> list[Any]:
        found = original(self)
        walked.append(len(found))
        return found

    monkeypatch.setattr(IndexedTable, "all_items", counting)
    queue = {
        "TableName": APP,
        "IndexName": "queue-index",
        "KeyConditionExpression": "queue_pk = :q",
        "ExpressionAttributeValues": {":q": _s("ALL")},
        "Limit": 25,
    }
    first = pair.engine.call("Query", queue)
    assert [item["queue_sk"]["S"] for item in first.body["Items"]] == [f"0#{n:05d}" for n in range(25)]
    backwards = {**queue, "ExclusiveStartKey": first.body["LastEvaluatedKey"], "ScanIndexForward": False}
    pair.engine.call("Query", backwards)
    day = pair.engine.call(
        "Query",
        {
            "TableName": APP,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :t)",
            "ExpressionAttributeValues": {":p": _s("DAY#1"), ":t": _s("T#0007")},
            "Limit": 5,
        },
    )
    assert len(day.body["Items"]) == 5
    report = pair.engine.call(
        "Query",
        {
            "TableName": APP,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": _s("REPORT#00042")},
        },
    )
    assert report.body["Count"] == 1
    assert walked == [26, 24, 6, 1]  # a page, the 24 before its last (backwards), Limit + 1, the report


def test_a_transaction_copies_no_table(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(300):
        pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s(f"REPORT#{number}"), "sk": _s("R")}})
    copied: list[str] = []
    original = IndexedTable.__deepcopy__

    def watching(self: IndexedTable, memo: dict[int, Any]) -> IndexedTable:
        clone = original(self, memo)
        if clone is not self:
            copied.append(self.name)
        return clone

    monkeypatch.setattr(IndexedTable, "__deepcopy__", watching)
    put = {"Put": {"TableName": APP, "Item": {"pk": _s("REPORT#new"), "sk": _s("R")}}}
    assert pair.engine.call("TransactWriteItems", {"TransactItems": [put]}).status == 200
    failing = {
        "ConditionCheck": {
            "TableName": APP,
            "Key": {"pk": _s("x"), "sk": _s("R")},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    assert pair.engine.call("TransactWriteItems", {"TransactItems": [put, failing]}).status == 400
    assert copied == []


def test_a_stream_reader_still_reads_after_a_cancelled_transaction(pair: Pair) -> None:
    """Moto alone puts back a copy of the table, stream included, so that a reader's shard iterators are
    left on the old stream and see nothing written later; the engine keeps the one stream."""
    arn = (
        pair.engine.call("DescribeTable", {"TableName": APP})
        .body["Table"]["LatestStreamArn"]
        .replace("<region>", ENGINE_REGION)
    )
    shard = pair.engine.call("DescribeStream", {"StreamArn": arn}, "streams").body["StreamDescription"][
        "Shards"
    ][0]["ShardId"]
    iterator = pair.engine.call(
        "GetShardIterator", {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "LATEST"}, "streams"
    ).body["ShardIterator"]
    failing = {
        "ConditionCheck": {
            "TableName": APP,
            "Key": {"pk": _s("x"), "sk": _s("R")},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }
    put = {"Put": {"TableName": APP, "Item": {"pk": _s("REPORT#1"), "sk": _s("R")}}}
    assert pair.engine.call("TransactWriteItems", {"TransactItems": [put, failing]}).status == 400
    assert (
        pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s("REPORT#2"), "sk": _s("R")}}).status
        == 200
    )
    records = pair.engine.call(
        "GetRecords", {"ShardIterator": iterator.replace("<region>", ENGINE_REGION)}, "streams"
    )
    assert [record["dynamodb"]["Keys"]["pk"]["S"] for record in records.body["Records"]] == ["REPORT#2"]


def test_changes_are_taken_once_with_the_items_as_they_are(pair: Pair) -> None:
    engine: DynamoDBEngine = pair.engine_backend
    engine.take_changes()
    pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s("REPORT#1"), "sk": _s("R"), "v": _n(1)}})
    pair.engine.call(
        "UpdateItem",
        {
            "TableName": APP,
            "Key": {"pk": _s("REPORT#1"), "sk": _s("R")},
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": _n(2)},
        },
    )
    pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s("REPORT#2"), "sk": _s("R")}})
    pair.engine.call("DeleteItem", {"TableName": APP, "Key": {"pk": _s("REPORT#2"), "sk": _s("R")}})
    changes = [
        (table.name, key[0].value, item.attrs["v"].value if item else None)
        for table, key, item in engine.take_changes()
    ]
    assert changes == [(APP, "REPORT#1", "2"), (APP, "REPORT#2", None)]
    assert engine.take_changes() == []


def test_a_stream_keeps_its_last_records_and_their_sequence_numbers(pair: Pair) -> None:
    def records(iterator_type: str) -> tuple[list[str], Any]:
        arn = pair.engine.call("DescribeTable", {"TableName": APP}).body["Table"]["LatestStreamArn"]
        arn = arn.replace("<region>", ENGINE_REGION)
        shard = pair.engine.call("DescribeStream", {"StreamArn": arn}, "streams").body["StreamDescription"]
        request = {
            "StreamArn": arn,
            "ShardId": shard["Shards"][0]["ShardId"],
            "ShardIteratorType": iterator_type,
        }
        iterator = pair.engine.call("GetShardIterator", request, "streams").body["ShardIterator"]
        answer = pair.engine.call(
            "GetRecords", {"ShardIterator": iterator.replace("<region>", ENGINE_REGION)}, "streams"
        )
        sequence = [record["dynamodb"]["SequenceNumber"] for record in answer.body["Records"]]
        return sequence, answer.body["NextShardIterator"].replace("<region>", ENGINE_REGION)

    for number in range(8):
        pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s(f"REPORT#{number}"), "sk": _s("R")}})
    everything, _ = records("TRIM_HORIZON")
    pair.engine_backend.trim_streams(5)
    kept, after = records("TRIM_HORIZON")
    assert kept == everything[-5:]
    pair.engine.call("PutItem", {"TableName": APP, "Item": {"pk": _s("REPORT#9"), "sk": _s("R")}})
    new = pair.engine.call("GetRecords", {"ShardIterator": after}, "streams").body["Records"]
    assert [record["dynamodb"]["SequenceNumber"] for record in new] == [str(int(everything[-1]) + 1)]
