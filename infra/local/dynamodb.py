"""DynamoDB as the local cloud models it: concurrency per item, and a Query that costs what its
partition holds. moto's in-memory table does neither by itself; infra/local/patches.py puts what
is here in place of moto's own methods (each guarded by tests/unit/test_moto_internals.py).

Concurrency, item by item, as DynamoDB behaves:
- a write (PutItem, UpdateItem, DeleteItem, and each item of a BatchWriteItem) holds its item
  while it checks its condition and writes: writes to one item take turns, so of two conditional
  writes racing on one item exactly one can win, and writes to other items go on side by side;
- a transaction (TransactWriteItems) first takes every item it names, waiting for no writer: an
  item that another transaction or a write holds cancels it before anything is written
  (TransactionCanceledException, reason TransactionConflict for that item and None for the
  others), and a write to an item a transaction holds is refused (TransactionConflictException).
  A failed transaction puts back the items it touched; its stream records are added only once it
  has succeeded, so the stream never shows what did not happen;
- a read (GetItem, BatchGetItem, TransactGetItems, Query, Scan) waits while a write or transaction
  holds an item it reads, so it sees only what was committed, never half a change. No write ever
  changes an item object a reader may still be answering with: an update works on a copy, which
  becomes the item. The table's dicts are copied in one step before they are walked ("dictionary
  changed size during iteration" cannot happen).

Query cost. moto answers a Query by collecting and sorting every item of the table, and a later
page walks again from the first. Here every table keeps, for its own key and for each global
secondary index with one hash and one range attribute, each partition's items in the order a
Query returns them, kept up to date by every write and every rollback. A Query finds its key
condition and its ExclusiveStartKey in that order by bisection and hands moto only those items
(Limit + 1 of them, when it has a Limit), so moto's own filters, projection and paging answer as
before, at the cost of the partition. A Query of any other shape is answered by moto over the
whole table, as before.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.exceptions import DynamodbException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, StreamShard, Table

#: an item: its table's name, hash key and range key (None in a table without one)
Key = tuple[str, DynamoType, DynamoType | None]
#: DynamoDB's message for an item another request holds
ONGOING = "Transaction is ongoing for the item"


class TransactionConflictException(DynamodbException):
    """A write refused because a transaction holds its item, as DynamoDB refuses it."""

    error_type = "com.amazonaws.dynamodb.v20120810#TransactionConflictException"

    def __init__(self) -> None:
        super().__init__(self.error_type, ONGOING)


# ------------------------------------------------------------------ who holds which item


@dataclass
class _Hold:
    thread: int
    transaction: bool
    depth: int = 1


class ItemLocks:
    """Which items a write or a transaction holds right now, and by which thread. Items are spread
    over stripes, each with its own condition, so requests on different items hardly meet; a
    thread may take an item it already holds again (a transaction's own writes and reads)."""

    STRIPES = 64

    def __init__(self) -> None:
        self._conditions = [threading.Condition() for _ in range(self.STRIPES)]
        self._held: list[dict[Key, _Hold]] = [{} for _ in range(self.STRIPES)]

    def _stripe(self, key: Key) -> tuple[threading.Condition, dict[Key, _Hold]]:
        n = hash(key) % self.STRIPES
        return self._conditions[n], self._held[n]

    @contextlib.contextmanager
    def writing(self, key: Key) -> Iterator[None]:
        """Hold one item for a write: wait while another write holds it; refused while a
        transaction does."""
        condition, held = self._stripe(key)
        me = threading.get_ident()
        with condition:
            while (hold := held.get(key)) is not None and hold.thread != me:
                if hold.transaction:
                    raise TransactionConflictException()
                condition.wait()
            if hold is None:
                held[key] = _Hold(me, transaction=False)
            else:
                hold.depth += 1
        try:
            yield
        finally:
            self._release(key)

    @contextlib.contextmanager
    def transaction(self, keys: list[Key | None]) -> Iterator[None]:
        """Hold every item of a transaction (None: an entry naming no item, left to moto to refuse),
        waiting for none: any held by another request cancels it, nothing taken."""
        me = threading.get_ident()
        taken: list[Key] = []
        refused: set[int] = set()
        try:
            for index, key in enumerate(keys):
                if key is None:
                    continue
                condition, held = self._stripe(key)
                with condition:
                    hold = held.get(key)
                    if hold is None:
                        held[key] = _Hold(me, transaction=True)
                    elif hold.thread == me:
                        hold.depth += 1
                    else:
                        refused.add(index)
                        continue
                taken.append(key)
            if refused:
                raise TransactionCanceledException([("TransactionConflict", ONGOING, None) if i in refused
                                                    else (None, None, None) for i in range(len(keys))])
            yield
        finally:
            for key in reversed(taken):
                self._release(key)

    def reading[T](self, key: Key, read: Callable[[], T]) -> T:
        """`read()` once no other request holds the item: what it reads is committed."""
        condition, held = self._stripe(key)
        me = threading.get_ident()
        with condition:
            while (hold := held.get(key)) is not None and hold.thread != me:
                condition.wait()
            return read()

    def _release(self, key: Key) -> None:
        condition, held = self._stripe(key)
        with condition:
            hold = held[key]
            hold.depth -= 1
            if not hold.depth:
                del held[key]
                condition.notify_all()


# ------------------------------------------------------------------ items in moto's table


def item_key(table: Table | None, attributes: Any) -> Key | None:
    """The item named by a request's key (or whole item), or None when it names none properly
    (moto then answers with the request's error itself)."""
    if table is None or not isinstance(attributes, dict):
        return None
    try:
        hash_value = DynamoType(attributes[table.hash_key_attr])
        range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError, AttributeError, IndexError, StopIteration):
        return None
    return table.name, hash_value, range_value


def stored(table: Table, key: Key) -> Item | None:
    """The item as it stands in moto's table (items[hash][range], or items[hash] without a range
    key), without the side effect of moto's defaultdict."""
    _, hash_value, range_value = key
    found = table.items.get(hash_value)
    if range_value is None or found is None:
        return found
    return found.get(range_value)


def place(table: Table, key: Key, item: Item | None) -> None:
    """Put `item` in moto's table under `key` (None: take the item out)."""
    _, hash_value, range_value = key
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


def _committed_items(table: Table) -> dict[DynamoType, Any]:
    """A copy of moto's `table.items` holding only what is committed, read item by item."""
    copied: dict[DynamoType, Any] = {}
    for hash_value, partition in list(table.items.items()):  # one step: a write may add a partition
        if table.range_key_attr is None:
            item = LOCKS.reading((table.name, hash_value, None), lambda h=hash_value: table.items.get(h))
            if item is not None:
                copied[hash_value] = item
            continue
        kept = {}
        for range_value in list(partition):
            item = LOCKS.reading((table.name, hash_value, range_value),
                                 lambda p=partition, r=range_value: p.get(r))
            if item is not None:
                kept[range_value] = item
        copied[hash_value] = kept
    return copied


def load(table: Table, items: Iterable[dict[str, Any]]) -> None:
    """Items (attribute maps) stored straight into moto's table, without the API's cost: a bulk
    load for benchmarks and tests, while nothing else writes. The partitions' Query order is made
    again from the whole table when it is next used."""
    for attributes in items:
        hash_value = DynamoType(attributes[table.hash_key_attr])
        range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        place(table, (table.name, hash_value, range_value), Item(hash_value, range_value, attributes))
    with _MAKING:
        _PARTITIONS.pop(table, None)


class _View:
    """A table as one of moto's methods sees it: the table, but for the attributes given (its
    `items`, or its `all_items`)."""

    def __init__(self, table: Table, **instead: Any) -> None:
        self._table = table
        self.__dict__.update(instead)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def walking_committed[T](original: Callable[..., T]) -> Callable[..., T]:
    """A Table method that walks `self.items` (all_items, has_idx_items), walking a copy of the
    committed items instead of the dicts writes are changing."""

    def walk(self: Table, *args: Any, **kwargs: Any) -> T:
        return original(_View(self, items=_committed_items(self)), *args, **kwargs)
    walk.__name__ = original.__name__
    return walk


def counting(original: Callable[[Table], int]) -> Callable[[Table], int]:
    """Table.__len__ (DescribeTable's ItemCount), counting a copy of the partitions taken in one
    step (what is committed does not matter to an approximate count)."""

    def count(self: Table) -> int:
        return original(_View(self, items=dict(self.items)))
    return count


# ------------------------------------------------------------------ each partition in Query order


@dataclass
class _Ordering:
    """One way a table is queried: its own key (name None), or a global secondary index. A
    partition's entries are the items' sort values in Query order, each ending in the item's
    key; `placed` says where each item stands (partition, sort values)."""

    name: str | None
    hash_attribute: str
    sort_attributes: list[str]

    def __post_init__(self) -> None:
        self.partitions: dict[Any, list[tuple]] = {}
        self.placed: dict[tuple[DynamoType, DynamoType | None], tuple[Any, tuple]] = {}

    def position(self, item: Item) -> tuple[Any, tuple] | None:
        attributes = item.attrs
        if self.hash_attribute not in attributes or any(a not in attributes for a in self.sort_attributes):
            return None  # not in this index
        return attributes[self.hash_attribute].cast_value, tuple(
            attributes[a].cast_value for a in self.sort_attributes)

    def move(self, key: tuple[DynamoType, DynamoType | None], item: Item | None) -> None:
        before = self.placed.pop(key, None)
        after = self.position(item) if item is not None else None
        if before == after:
            if after is not None:
                self.placed[key] = after
            return
        width = len(self.sort_attributes)
        if before is not None:
            partition, order = before
            entries = self.partitions[partition]
            at = bisect.bisect_left(entries, order, key=lambda e: e[:width])
            del entries[at]
            if not entries:
                del self.partitions[partition]
        if after is not None:
            partition, order = after
            bisect.insort(self.partitions.setdefault(partition, []), (*order, key), key=lambda e: e[:width])
            self.placed[key] = after


def _orderings(table: Table) -> list[_Ordering]:
    """The table's own key, and each global secondary index with one hash and one range key (a
    Query of another index is left to moto). The order is moto's: an index sorts by its range
    key, then the table's hash and range keys."""
    own = [table.range_key_attr] if table.range_key_attr else []
    found = [_Ordering(None, table.hash_key_attr, own)]
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if isinstance(index, GlobalSecondaryIndex) and len(hashes) == len(ranges) == 1:
            found.append(_Ordering(index.name, hashes[0], [ranges[0], table.hash_key_attr, *own]))
    return found


class Partitions:
    """Every partition of one table in Query order, for its own key and its indexes."""

    def __init__(self, table: Table) -> None:
        self.lock = threading.Lock()
        self.orderings = {o.name: o for o in _orderings(table)}

    def reindex(self, table: Table, key: Key) -> None:
        """Put one item where it now belongs (or take it out), in every ordering."""
        item = stored(table, key)
        with self.lock:
            for ordering in self.orderings.values():
                ordering.move(key[1:], item)

    def build(self, table: Table) -> None:
        """Every item of the table placed, each partition sorted once (with the lock held)."""
        items = [item for partition in list(table.items.values())  # one step: a write may add a partition
                 for item in ([partition] if table.range_key_attr is None else list(partition.values()))]
        for ordering in self.orderings.values():
            width = len(ordering.sort_attributes)
            for item in items:
                position = ordering.position(item)
                if position is not None:
                    key = (item.hash_key, item.range_key)
                    ordering.placed[key] = position
                    ordering.partitions.setdefault(position[0], []).append((*position[1], key))
            for entries in ordering.partitions.values():
                entries.sort(key=lambda e: e[:width])

    def window(self, index_name: str | None, hash_value: DynamoType, comparison: str | None,
               values: list[DynamoType], start: dict[str, Any] | None,
               forward: bool) -> tuple[list[tuple], bool] | None:
        """The entries a Query can return, in order, before its Limit: its partition narrowed to
        the key condition on the range key and to after ExclusiveStartKey, and the partition's next
        entry beyond them (moto ends a page with a LastEvaluatedKey when any item of the partition
        follows its last result). (entries, exact): exact when every entry but that last one meets
        the key condition. None when this index is not kept here."""
        ordering = self.orderings.get(index_name)
        if ordering is None:
            return None
        with self.lock:
            entries = ordering.partitions.get(hash_value.cast_value, [])
            low, high, exact = 0, len(entries), True
            if comparison is not None:
                bounds = _bounds(entries, comparison, [v.cast_value for v in values])
                if bounds is None:
                    exact = False
                else:
                    low, high = bounds
            if start is not None:
                after = _start_order(ordering, start)
                if after is not None:
                    width = len(ordering.sort_attributes)
                    if forward:
                        low = max(low, bisect.bisect_right(entries, after, lo=low, hi=high, key=lambda e: e[:width]))
                    else:
                        high = min(high, bisect.bisect_left(entries, after, lo=low, hi=high,
                                                            key=lambda e: e[:width]))
            return (entries[low:high + 1] if forward else entries[max(low - 1, 0):high]), exact


def _bounds(entries: list[tuple], comparison: str, values: list[Any]) -> tuple[int, int] | None:
    """Where the entries meeting a key condition on the range key lie (the first sort value)."""
    def first(entry: tuple) -> Any:
        return entry[0]

    def left(value: Any) -> int:
        return bisect.bisect_left(entries, value, key=first)

    def right(value: Any) -> int:
        return bisect.bisect_right(entries, value, key=first)

    operator, size = comparison.upper(), len(entries)
    try:
        if operator in ("=", "EQ"):
            return left(values[0]), right(values[0])
        if operator in ("<", "LT"):
            return 0, left(values[0])
        if operator in ("<=", "LE"):
            return 0, right(values[0])
        if operator in (">", "GT"):
            return right(values[0]), size
        if operator in (">=", "GE"):
            return left(values[0]), size
        if operator == "BETWEEN":
            return left(values[0]), right(values[1])
        if operator == "BEGINS_WITH" and isinstance(values[0], str):
            prefix, low = values[0], left(values[0])
            return low, bisect.bisect_left(entries, True, lo=low, key=lambda e: not str(e[0]).startswith(prefix))
    except (TypeError, IndexError):
        pass  # values moto will refuse, or compare as it does: let it walk the partition
    return None


def _start_order(ordering: _Ordering, start: dict[str, Any]) -> tuple | None:
    """ExclusiveStartKey as sort values of `ordering` (None when it lacks one of them)."""
    try:
        return tuple(DynamoType(start[a]).cast_value for a in ordering.sort_attributes)
    except (KeyError, TypeError, AttributeError, IndexError, StopIteration):
        return None


_PARTITIONS: weakref.WeakKeyDictionary[Table, Partitions] = weakref.WeakKeyDictionary()
_MAKING = threading.Lock()


def partitions(table: Table) -> Partitions:
    """The table's partitions in Query order, made from its items on first use. Made under the
    partitions' own lock, so a write that meanwhile reindexes its item waits for the making."""
    found = _PARTITIONS.get(table)
    if found is None:
        with _MAKING:
            found = _PARTITIONS.get(table)
            if found is None:
                found = Partitions(table)
                with found.lock:
                    _PARTITIONS[table] = found
                    found.build(table)
    return found


def query(original: Callable[..., Any]) -> Callable[..., Any]:
    """Table.query, over the partition instead of the table (see the module's docstring)."""

    def query(self: Table, hash_key: DynamoType | None, range_comparison: str | None,
              range_objs: list[DynamoType], limit: int | None, exclusive_start_key: dict[str, Any] | None,
              scan_index_forward: bool, projection_expressions: Any, index_name: str | None = None,
              consistent_read: bool = False, filter_expression: Any = None,
              hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
              range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
              **filter_kwargs: Any) -> Any:
        view: Any = self
        found = None
        if hash_key is not None and len(hash_key_conditions or [None]) == 1 and len(range_key_conditions or []) <= 1:
            found = partitions(self).window(index_name, hash_key, range_comparison, range_objs, exclusive_start_key,
                                            scan_index_forward)
        if found is not None:
            entries, exact = found
            # with a Limit, moto needs to see one item past the page to say where the page ends
            wanted = limit + 1 if limit and exact and not filter_kwargs else None
            candidates = _read(self, entries, wanted, scan_index_forward)
            view = _View(self, all_items=lambda: candidates)
        return original(view, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                        scan_index_forward, projection_expressions, index_name, consistent_read, filter_expression,
                        hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions,
                        **filter_kwargs)
    return query


def _read(table: Table, entries: list[tuple], wanted: int | None, forward: bool) -> list[Item]:
    """The committed items of `entries` in Query order, up to `wanted` of them (an item gone
    meanwhile is passed over), in ascending order as moto expects them."""
    items: list[Item] = []
    for entry in entries if forward else reversed(entries):
        key = (table.name, *entry[-1])
        item = LOCKS.reading(key, lambda key=key: stored(table, key))
        if item is not None:
            items.append(item)
            if wanted is not None and len(items) == wanted:
                break
    return items if forward else items[::-1]


# ------------------------------------------------------------------ the stream


class Streams:
    """Stream records in order: one shard's records are added one at a time (moto numbers a
    record by the shard's length), and a transaction's only once it has succeeded."""

    def __init__(self, add: Callable[[StreamShard, Item | None, Item | None], None]) -> None:
        self._add = add
        self._local = threading.local()
        self._locks: weakref.WeakKeyDictionary[StreamShard, threading.Lock] = weakref.WeakKeyDictionary()
        self._making = threading.Lock()

    def add(self, shard: StreamShard, old: Item | None, new: Item | None) -> None:
        """StreamShard.add, as the local cloud has it."""
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            pending.append((shard, old, new))
        else:
            self._append(shard, old, new)

    def patched(self) -> Callable[[StreamShard, Item | None, Item | None], None]:
        def add(shard: StreamShard, old: Item | None, new: Item | None) -> None:
            self.add(shard, old, new)
        return add

    def _append(self, shard: StreamShard, old: Item | None, new: Item | None) -> None:
        with self._making:
            lock = self._locks.setdefault(shard, threading.Lock())
        with lock:
            self._add(shard, old, new)

    @contextlib.contextmanager
    def held_back(self) -> Iterator[None]:
        """Records added in this thread meanwhile are kept back: added when the block succeeds,
        dropped when it raises."""
        self._local.pending = pending = []
        try:
            yield
        finally:
            self._local.pending = None
        for shard, old, new in pending:  # reached only when the block succeeded
            self._append(shard, old, new)


# ------------------------------------------------------------------ the backend's requests


LOCKS = ItemLocks()


def _named(backend: DynamoDBBackend, table_name: Any, attributes: Any) -> tuple[Table | None, Key | None]:
    table = backend.tables.get(table_name) if isinstance(table_name, str) else None
    return table, item_key(table, attributes)


def write[T](original: Callable[..., T], *, on_a_copy: bool = False) -> Callable[..., T]:
    """PutItem, DeleteItem (and, `on_a_copy`, UpdateItem): the item held while moto checks the
    condition and writes, then put where it belongs in Query order. moto updates an item in
    place: on a copy, a reader answering with the item as it was is not changed under it."""

    def written(self: DynamoDBBackend, table_name: str, attributes: dict[str, Any], *args: Any, **kwargs: Any) -> T:
        table, key = _named(self, table_name, attributes)
        if table is None or key is None:
            return original(self, table_name, attributes, *args, **kwargs)
        with LOCKS.writing(key):
            before = stored(table, key)
            if on_a_copy and before is not None:
                place(table, key, copy.deepcopy(before))
            try:
                return original(self, table_name, attributes, *args, **kwargs)
            except BaseException:
                if on_a_copy:
                    place(table, key, before)
                raise
            finally:
                partitions(table).reindex(table, key)
    written.__name__ = original.__name__
    return written


def read[T](original: Callable[..., T]) -> Callable[..., T]:
    """GetItem (BatchGetItem and TransactGetItems read through it): once no request holds the
    item, so what is read is committed."""

    def get_item(self: DynamoDBBackend, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> T:
        _, key = _named(self, table_name, keys)
        if key is None:
            return original(self, table_name, keys, *args, **kwargs)
        return LOCKS.reading(key, lambda: original(self, table_name, keys, *args, **kwargs))
    return get_item


def transaction[T](original: Callable[..., T], streams: Streams) -> Callable[..., T]:
    """TransactWriteItems: every item held first (or the transaction cancelled with
    TransactionConflict); on failure each touched item is put back, as it was, and its stream
    records are never added. moto itself backs up and restores whole tables, which the local
    cloud turns off (patches._CopyWithoutTableBackups)."""

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> T:
        named: list[tuple[Table | None, Key | None]] = []
        for entry in transact_items:
            operation = next(iter(entry.values()), {}) if isinstance(entry, dict) else {}
            named.append(_named(self, operation.get("TableName"), operation.get("Key") or operation.get("Item"))
                         if isinstance(operation, dict) else (None, None))
        touched = [(table, key) for table, key in named if table is not None and key is not None]
        with LOCKS.transaction([key for _, key in named]):
            # items are never changed in place (an update works on a copy): the objects are the backup
            before = [(table, key, stored(table, key)) for table, key in touched]
            try:
                with streams.held_back():
                    return original(self, transact_items)
            except BaseException:
                for table, key, item in reversed(before):
                    place(table, key, item)
                raise
            finally:
                for table, key in touched:
                    partitions(table).reindex(table, key)
    return transact_write_items
