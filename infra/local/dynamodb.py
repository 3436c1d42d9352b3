"""DynamoDB as the local cloud models it: concurrency per item. moto's in-memory table does not
by itself; infra/local/patches.py puts what is here in place of moto's own methods (each guarded
by tests/unit/test_moto_internals.py).

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
"""

from __future__ import annotations

import contextlib
import copy
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from moto.dynamodb.exceptions import DynamodbException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table

T = TypeVar("T")
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

    def reading(self, key: Key, read: Callable[[], T]) -> T:
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
    load for benchmarks and tests, while nothing else writes."""
    for attributes in items:
        hash_value = DynamoType(attributes[table.hash_key_attr])
        range_value = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
        place(table, (table.name, hash_value, range_value), Item(hash_value, range_value, attributes))


class _View:
    """A table as one of moto's methods sees it: the table, but for the attributes given (its
    `items`, or its `all_items`)."""

    def __init__(self, table: Table, **instead: Any) -> None:
        self._table = table
        self.__dict__.update(instead)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def walking_committed(original: Callable[..., T]) -> Callable[..., T]:
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


def write(original: Callable[..., T], *, on_a_copy: bool = False) -> Callable[..., T]:
    """PutItem, DeleteItem (and, `on_a_copy`, UpdateItem): the item held while moto checks the
    condition and writes. moto updates an item in place: on a copy, a reader answering with the
    item as it was is not changed under it."""

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
    written.__name__ = original.__name__
    return written


def read(original: Callable[..., T]) -> Callable[..., T]:
    """GetItem (BatchGetItem and TransactGetItems read through it): once no request holds the
    item, so what is read is committed."""

    def get_item(self: DynamoDBBackend, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> T:
        _, key = _named(self, table_name, keys)
        if key is None:
            return original(self, table_name, keys, *args, **kwargs)
        return LOCKS.reading(key, lambda: original(self, table_name, keys, *args, **kwargs))
    return get_item


def transaction(original: Callable[..., T], streams: Streams) -> Callable[..., T]:
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
    return transact_write_items
