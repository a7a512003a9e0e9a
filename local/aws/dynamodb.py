"""The embedded DynamoDB's engine: moto's, with request costs that do not grow with the table.

Pinned to moto `MOTO_VERSION` (checked at import): the layer subclasses moto's DynamoDB backend and table and
relies on how that version keeps items (`Table.items`: partition key -> sort key -> `Item`), runs a query
(candidates from `Table.all_items()`, then its own sort, key condition, paging, filter and projection) and a
transaction (a deep copy of each table it touches, put back when an action fails). What an answer is stays
moto's decision; the layer changes only what moto has to look at:

- Transactions: moto deep-copies every table a transaction touches (its items and its stream) to roll back.
  Here the copy is the table itself; the layer keeps each changed item as it was before its first change,
  and each stream's length, and puts them back when the transaction is cancelled.
- Queries: moto sorts every item of the table, then walks them from the first. The layer keeps each
  partition of the table and of each global secondary index sorted in moto's order, and hands moto only
  the entries it would reach: from the key condition's first match (or after the ExclusiveStartKey) to
  Limit + 1 (the one after the page is how moto knows there is more). Moto then sorts, pages, filters and
  projects those. Local indexes, keys of several attributes, the legacy QueryFilter and an
  ExclusiveStartKey from elsewhere go to moto's own walk.
- Every changed key is noted, for the data folder's write log (`take_changes`), and re-placed in the
  kept partitions; `load` puts stored items back without a request (the items passed moto's checks when
  they were written).

`ClientRequestToken` (DynamoDB's idempotent transactions, which moto ignores) is honoured in front of the
engine, where requests arrive (`local.aws.moto_server`). Equivalence with moto alone:
tests/integration/test_local_dynamodb.py.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import moto
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table

MOTO_VERSION = "5.2.5"
if moto.__version__ != MOTO_VERSION:  # pragma: no cover - a new moto needs the equivalence tests first
    raise ImportError(f"local.aws.dynamodb is written for moto {MOTO_VERSION}, not {moto.__version__}")

ItemKey = tuple[DynamoType, DynamoType | None]  # the table's partition and sort key values
Entry = tuple[tuple[Any, ...], Item]  # the sort values moto orders by, and the item
Change = tuple["IndexedTable", ItemKey, Item | None]  # a table, a key, its item now (None: deleted)


def _sort_values(entry: Entry) -> tuple[Any, ...]:
    return entry[0]


def _first_sort_value(entry: Entry) -> Any:
    return entry[0][0]


@dataclass
class SortedPartitions:
    """The table (name None) or one global secondary index: each partition's entries in moto's order."""

    name: str | None
    hash_attribute: str
    sort_attributes: tuple[str, ...]  # moto's order within a partition; the first is the key condition's
    required: tuple[str, ...]  # what an item needs to be in it
    partitions: dict[DynamoType, list[Entry]] = field(default_factory=dict)
    placed: dict[ItemKey, tuple[DynamoType, tuple[Any, ...]]] = field(default_factory=dict)

    def place(self, key: ItemKey, item: Item | None) -> None:
        """Put the key's entry where its item (None: gone) now sorts."""
        old = self.placed.pop(key, None)
        if old is not None:
            entries = self.partitions[old[0]]
            del entries[bisect.bisect_left(entries, old[1], key=_sort_values)]
            if not entries:
                del self.partitions[old[0]]
        if item is None or any(name not in item.attrs for name in self.required):
            return
        partition = item.attrs[self.hash_attribute]
        values = tuple(item.attrs[name].cast_value for name in self.sort_attributes)
        entries = self.partitions.setdefault(partition, [])
        entries.insert(bisect.bisect_left(entries, values, key=_sort_values), (values, item))
        self.placed[key] = (partition, values)

    def window(
        self,
        partition: DynamoType,
        comparison: str | None,
        operands: list[DynamoType],
        limit: int | None,
        start_after: dict[str, Any] | None,
        forward: bool,
    ) -> list[Item] | None:
        """The entries moto's walk of the whole partition reaches, or None when this cannot tell."""
        if start_after is not None and start_after.get(self.hash_attribute) != partition.to_json():
            return None
        entries = self.partitions.get(partition, [])
        low, high = _key_condition_bounds(entries, comparison, [operand.cast_value for operand in operands])
        if start_after is not None:
            after = tuple(DynamoType(start_after[name]).cast_value for name in self.sort_attributes)
            if forward:
                low = max(low, bisect.bisect_right(entries, after, key=_sort_values))
            else:
                high = min(high, bisect.bisect_left(entries, after, key=_sort_values))
        if forward:
            chosen = entries[low : low + limit + 1] if limit else entries[low : high + 1]
        else:
            chosen = entries[max(0, high - limit - 1) : high] if limit else entries[max(0, low - 1) : high]
        return [item for _, item in chosen]


def _key_condition_bounds(entries: list[Entry], comparison: str | None, values: list[Any]) -> tuple[int, int]:
    """[low, high): the entries whose first sort value meets the key condition (contiguous, as sorted)."""
    low, high = 0, len(entries)

    def left(value: Any) -> int:
        return bisect.bisect_left(entries, value, key=_first_sort_value)

    def right(value: Any) -> int:
        return bisect.bisect_right(entries, value, key=_first_sort_value)

    if comparison is None:
        return low, high
    if comparison == "=":
        return left(values[0]), right(values[0])
    if comparison in ("<", "<="):
        return low, left(values[0]) if comparison == "<" else right(values[0])
    if comparison in (">", ">="):
        return (right(values[0]) if comparison == ">" else left(values[0])), high
    if comparison == "BETWEEN":
        return left(values[0]), right(values[1])
    if comparison == "BEGINS_WITH" and isinstance(values[0], str):
        prefix: str = values[0]
        start = left(prefix)

        def past_prefix(entry: Entry) -> bool:
            return not str(entry[0][0]).startswith(prefix)

        return start, bisect.bisect_left(entries, True, lo=start, key=past_prefix)
    raise _CannotTell(comparison)


class _CannotTell(Exception):
    """A query the kept partitions do not answer: moto walks the whole table, as it would."""


class IndexedTable(Table):
    """Moto's table with kept sorted partitions; tables become one when the engine creates them."""

    engine: DynamoDBEngine | None
    changes: dict[ItemKey, None]
    _sorted: dict[str | None, SortedPartitions] | None
    _candidates: list[Item] | None

    def adopt(self, engine: DynamoDBEngine) -> None:
        self.engine = engine
        self.changes = {}
        self._sorted = None
        self._candidates = None

    def __len__(self) -> int:
        """The item count (DescribeTable's, which the stream reader asks for after every request) without
        counting every partition."""
        base = (self._sorted or {}).get(None)
        return len(base.placed) if base is not None else super().__len__()

    def forget_sorted(self) -> None:
        """The indexes changed (UpdateTable): rebuilt on first use."""
        self._sorted = None

    # What moto walks ------------------------------------------------------------------------------------

    def all_items(self) -> list[Item]:
        if self._candidates is not None:
            return list(self._candidates)
        return super().all_items()

    def query(
        self,
        hash_key: DynamoType | None,
        range_comparison: str | None,
        range_objs: list[DynamoType],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
        range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
        **filter_kwargs: Any,
    ) -> tuple[list[Item], int, dict[str, Any] | None]:
        if not filter_kwargs:
            self._candidates = self._window(
                index_name,
                hash_key_conditions or [],
                range_key_conditions or [],
                limit,
                exclusive_start_key,
                scan_index_forward,
            )
        try:
            return super().query(
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )
        finally:
            self._candidates = None

    def _window(
        self,
        index_name: str | None,
        hash_conditions: list[tuple[str, DynamoType]],
        range_conditions: list[tuple[str, str, list[DynamoType]]],
        limit: int | None,
        start_after: dict[str, Any] | None,
        forward: bool,
    ) -> list[Item] | None:
        partitions = self.sorted_partitions().get(index_name)
        if partitions is None or len(hash_conditions) != 1 or len(range_conditions) > 1:
            return None
        [(hash_name, partition)] = hash_conditions
        comparison: str | None = None
        operands: list[DynamoType] = []
        if range_conditions:
            [(range_name, comparison, operands)] = range_conditions
            if range_name != partitions.sort_attributes[0]:
                return None
        if hash_name != partitions.hash_attribute:
            return None
        try:
            return partitions.window(partition, comparison, operands, limit, start_after, forward)
        except (_CannotTell, KeyError, TypeError, ValueError, AttributeError):
            return None

    # Kept partitions -------------------------------------------------------------------------------------

    def sorted_partitions(self) -> dict[str | None, SortedPartitions]:
        """By index name (None: the table), built from the items on first use."""
        if self._sorted is None:
            self._sorted = {kept.name: kept for kept in self._kept_orders()}
            for key, item in self.keyed_items():
                for kept in self._sorted.values():
                    kept.place(key, item)
        return self._sorted

    def _kept_orders(self) -> Iterable[SortedPartitions]:
        if self.range_key_attr is None:
            return  # one item a partition: moto's walk is the lookup, and tables like this are not queried
        yield SortedPartitions(None, self.hash_key_attr, (self.range_key_attr,), ())
        for index in self.global_indexes:
            hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
            ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
            if len(hashes) != 1 or len(ranges) > 1 or not isinstance(index, GlobalSecondaryIndex):
                continue
            # The attributes moto's query sorts an index by (`Table.query`, `_generate_attr_to_sort_by`).
            range_attributes: list[str | None] = [
                ranges[0] if ranges else self.range_key_attr,
                self.range_key_attr,
            ]
            order = self._generate_attr_to_sort_by([hashes[0], self.hash_key_attr], range_attributes)
            yield SortedPartitions(index.name, hashes[0], tuple(order[1:]), (hashes[0], *ranges))

    def keyed_items(self) -> Iterable[tuple[ItemKey, Item]]:
        for partition in self.items.values():
            if isinstance(partition, Item):
                yield (partition.hash_key, None), partition
            else:
                for item in partition.values():
                    yield (item.hash_key, item.range_key), item

    def key_of(self, attributes: dict[str, Any]) -> ItemKey | None:
        """The item key in a request's key or item attributes (None when they lack it)."""
        try:
            hash_value = DynamoType(attributes[self.hash_key_attr])
            range_value = DynamoType(attributes[self.range_key_attr]) if self.range_key_attr else None
        except (KeyError, TypeError, IndexError, AttributeError):
            return None
        return hash_value, range_value

    def current(self, key: ItemKey) -> Item | None:
        """The item at a key, without moto's defaultdict making an empty partition for it."""
        partition = self.items.get(key[0])
        if partition is None or isinstance(partition, Item):
            return partition
        return partition.get(key[1])

    def set_current(self, key: ItemKey, item: Item | None) -> None:
        if self.range_key_attr is None:
            if item is None:
                self.items.pop(key[0], None)
            else:
                self.items[key[0]] = item  # type: ignore[assignment] # moto's one-item partitions
        elif item is None:
            self.items.get(key[0], {}).pop(key[1], None)
        else:
            self.items[key[0]][key[1]] = item
        self.noted(key)

    # Writes ---------------------------------------------------------------------------------------------

    def noted(self, key: ItemKey | None) -> None:
        """A key's item changed: keep its place in every sorted partition, and the change for the log."""
        if key is None:
            return
        self.changes[key] = None
        if self._sorted is not None:
            item = self.current(key)
            for kept in self._sorted.values():
                kept.place(key, item)

    def remember(self, key: ItemKey | None) -> None:
        if key is not None and self.engine is not None and self.engine.journal is not None:
            self.engine.journal.remember(self, key)

    def put_item(self, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        key = self.key_of(item_attrs)
        self.remember(key)
        item = super().put_item(item_attrs, *args, **kwargs)
        self.noted((item.hash_key, item.range_key))
        return item

    def delete_item(self, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        key = (hash_key, range_key)
        self.remember(key)
        item = super().delete_item(hash_key, range_key)
        self.noted(key)
        return item

    def take_changes(self) -> list[tuple[ItemKey, Item | None]]:
        """The keys changed since the last call, with their items now."""
        changed, self.changes = self.changes, {}
        return [(key, self.current(key)) for key in changed]

    def __deepcopy__(self, memo: dict[int, Any]) -> IndexedTable:
        if self.engine is not None and self.engine.journal is not None:
            return self  # moto's copy for a transaction's rollback: the journal undoes instead
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        state = {name: value for name, value in self.__dict__.items() if name != "engine"}
        clone.__dict__.update(copy.deepcopy(state, memo))
        clone.engine = None
        return clone


class Journal:
    """What a transaction changed: each item before its first change, each stream's length before."""

    def __init__(self, tables: Iterable[IndexedTable]) -> None:
        self._before: dict[tuple[int, ItemKey], tuple[IndexedTable, Item | None]] = {}
        self._streams = [
            (table.stream_shard, len(table.stream_shard.items))
            for table in tables
            if table.stream_shard is not None
        ]

    def remember(self, table: IndexedTable, key: ItemKey) -> None:
        slot = (id(table), key)
        if slot not in self._before:
            self._before[slot] = (table, copy.deepcopy(table.current(key)))

    def undo(self) -> None:
        for (_, key), (table, item) in self._before.items():
            table.set_current(key, item)
        for shard, length in self._streams:
            del shard.items[length:]


class DynamoDBEngine(DynamoDBBackend):
    """Moto's DynamoDB backend whose tables are `IndexedTable`s and whose transactions keep a journal."""

    journal: Journal | None = None

    def create_table(self, name: str, *args: Any, **kwargs: Any) -> Table:
        table = super().create_table(name, *args, **kwargs)
        table.__class__ = IndexedTable  # type: ignore[type-abstract]
        assert isinstance(table, IndexedTable)
        table.adopt(self)
        return table

    def update_table(self, name: str, *args: Any, **kwargs: Any) -> Table:
        table = super().update_table(name, *args, **kwargs)
        if isinstance(table, IndexedTable):
            table.forget_sorted()
        return table

    def update_item(self, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        table = self.get_table(table_name)
        item_key = table.key_of(key) if isinstance(table, IndexedTable) else None
        if isinstance(table, IndexedTable):
            table.remember(item_key)
        item = super().update_item(table_name, key, *args, **kwargs)
        if isinstance(table, IndexedTable):
            table.noted(item_key)  # moto updates the item in place
        return item

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        self.journal = Journal(self.indexed_tables())
        try:
            super().transact_write_items(transact_items)
        except BaseException:
            self.journal.undo()
            raise
        finally:
            self.journal = None

    def indexed_tables(self) -> list[IndexedTable]:
        return [table for table in self.tables.values() if isinstance(table, IndexedTable)]

    def trim_streams(self, keep: int) -> None:
        """Let each stream's oldest records go, but the last `keep` (DynamoDB keeps them 24 hours; moto,
        for ever, in memory). Sequence numbers and shard iterators past them stay as they were."""
        for table in self.indexed_tables():
            shard = table.stream_shard
            if shard is not None and len(shard.items) > keep:
                gone = len(shard.items) - keep
                del shard.items[:gone]
                shard.starting_sequence_number += gone

    def take_changes(self) -> list[Change]:
        """Every key changed since the last call, table by table, with its item now (None: deleted)."""
        return [(table, key, item) for table in self.indexed_tables() for key, item in table.take_changes()]

    def load(self, table_name: str, stored: Iterable[dict[str, Any]]) -> None:
        """Put stored items (DynamoDB JSON) back as they were: no request, no stream record, not a change."""
        table = self.get_table(table_name)
        assert isinstance(table, IndexedTable)
        for attributes in stored:
            key = table.key_of(attributes)
            if key is None:
                raise ValueError(f"an item of {table_name} lacks its key")
            table.set_current(key, stored_item(key, attributes))
        table.changes.clear()

    def unload(self, table_name: str, key_attributes: dict[str, Any]) -> None:
        """Take a stored item out (the write log's deletes), as `load` puts them back."""
        table = self.get_table(table_name)
        assert isinstance(table, IndexedTable)
        key = table.key_of(key_attributes)
        if key is None:
            raise ValueError(f"a key of {table_name} lacks an attribute")
        table.set_current(key, None)
        table.changes.clear()


def stored_item(key: ItemKey, attributes: dict[str, Any]) -> Item:
    """Moto's `Item` for attributes it accepted before, without its size check on every attribute (which,
    redone for each one, costs as much as the square of their number)."""
    item = object.__new__(Item)  # not moto's BaseModel.__new__, which keeps every instance
    item.hash_key, item.range_key = key
    values = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.update(values, {name: DynamoType(value) for name, value in attributes.items()})
    item.attrs = values
    return item


def item_json(item: Item) -> dict[str, Any]:
    """An item as DynamoDB JSON (what GetItem answers)."""
    attributes: dict[str, Any] = item.to_json()["Attributes"]
    return attributes


def key_json(table: Table, key: ItemKey) -> dict[str, Any]:
    found = {table.hash_key_attr: key[0].to_json()}
    if table.range_key_attr is not None and key[1] is not None:
        found[table.range_key_attr] = key[1].to_json()
    return found


def install(account_id: str, region: str) -> DynamoDBEngine:
    """Make the engine moto's DynamoDB (and DynamoDB Streams) backend for this account and region, empty."""
    engine = DynamoDBEngine(region, account_id)
    dynamodb_backends[account_id][region] = engine
    return engine
