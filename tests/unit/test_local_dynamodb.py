"""The local cloud's DynamoDB behaves as DynamoDB does when requests meet on an item, and a Query
costs what its partition holds (infra/local/dynamodb.py, applied by infra/local/patches.py).

Each test runs moto as shipped with the local cloud's patches applied once (tests/unit/
conftest.py), on a table made from the template's own definition, and looks at what a client
sees. Requests are made to meet by holding one of them inside moto (`held_inside`) while the
other arrives, so no test depends on how threads happen to be scheduled."""

from __future__ import annotations

import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from infra.local import dynamodb, patches
from infra.local.template import load_template
from tests.unit.conftest import MOTO_REGION, SHIPPED

ACCOUNT = "123456789012"
pytestmark = pytest.mark.usefixtures("moto_as_shipped")


class Cloud:
    """What patches.applied needs of a local cloud; no function is run here."""

    def __init__(self) -> None:
        self.queue_clock = patches.QueueClock()
        self.retry_pause = patches.RetryPause()

    def invoke(self, name: str, event: Any) -> Any:
        raise AssertionError(f"no function runs in these tests ({name})")

    invoke_async = invoke

    def route_event(self, bus: str, event: dict[str, Any]) -> None:
        pass

    def deliver_mail(self, to: str, subject: str, body: str, source: str = "") -> None:
        pass


@dataclass
class Local:
    """A client of the patched in-memory DynamoDB, and a table made as the template makes it."""

    client: Any
    name: str

    @property
    def table(self) -> Table:
        return dynamodb_backends[ACCOUNT][MOTO_REGION].tables[self.name]

    def create(self) -> str:
        """Another table like it (its name)."""
        spec = load_template()["Resources"]["Table"]["Properties"]
        name = f"local-{uuid.uuid4().hex[:8]}"
        self.client.create_table(
            TableName=name, StreamSpecification={"StreamEnabled": True, **spec["StreamSpecification"]},
            **{k: spec[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")})
        return name

    def put(self, pk: str, sk: str = "A", table: str | None = None, **attributes: str) -> None:
        self.client.put_item(TableName=table or self.name, Item=item(pk, sk, **attributes))

    def get(self, pk: str, sk: str = "A") -> dict[str, str] | None:
        found = self.client.get_item(TableName=self.name, Key=key(pk, sk), ConsistentRead=True).get("Item")
        return plain(found) if found else None

    def stream(self, table: str | None = None) -> list[tuple[str, str, str]]:
        """(event, PK, SK) of every record on the table's stream, in order."""
        streams = boto3.client("dynamodbstreams", region_name=MOTO_REGION,
                               endpoint_url=f"https://streams.dynamodb.{MOTO_REGION}.amazonaws.com")
        arn = self.client.describe_table(TableName=table or self.name)["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        return [(r["eventName"], r["dynamodb"]["Keys"]["PK"]["S"], r["dynamodb"]["Keys"]["SK"]["S"])
                for r in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]]


def item(pk: str, sk: str = "A", **attributes: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **{name: {"S": value} for name, value in attributes.items()}}


def key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def plain(found: dict[str, Any]) -> dict[str, str]:
    return {name: next(iter(value.values())) for name, value in found.items()}


@pytest.fixture
def local() -> Iterator[Local]:
    with mock_aws(), patches.applied(Cloud()):
        client = boto3.client("dynamodb", region_name=MOTO_REGION)
        local = Local(client, "")
        local.name = local.create()
        yield local


@contextmanager
def held_inside(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
                when: Callable[..., bool] = lambda *args, **kwargs: True) -> Iterator[threading.Event]:
    """The first call of moto's `owner.name` that `when` picks stops inside it, until the block
    ends; yields an event set once that call has stopped there. Other calls run on."""
    original, inside, go = getattr(owner, name), threading.Event(), threading.Event()

    def held(*args: Any, **kwargs: Any) -> Any:
        if not inside.is_set() and when(*args, **kwargs):
            inside.set()
            go.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    try:
        yield inside
    finally:
        go.set()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a thread of its own: (the thread, {"answer": ...} or {"error": code}) once joined."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["answer"] = work()
        except ClientError as error:
            outcome["error"] = error.response["Error"]["Code"]
            outcome["reasons"] = [r["Code"] for r in error.response.get("CancellationReasons", [])]

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def error_of(work: Callable[[], Any]) -> tuple[str, list[str]]:
    try:
        work()
    except ClientError as error:
        return error.response["Error"]["Code"], [r["Code"] for r in error.response.get("CancellationReasons", [])]
    raise AssertionError("it was not refused")


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switched every few microseconds instead of every 5 ms, so that requests racing in
    threads really interleave inside moto."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def holding(pk: str) -> Callable[..., bool]:
    """Picks moto's Table.put_item of the item with this PK."""
    return lambda table, attributes, *args, **kwargs: attributes.get("PK", {}).get("S") == pk


# ------------------------------------------------------------------ transactions meeting on an item


def test_two_transactions_on_one_item_at_once_cancel_one_with_transaction_conflict_and_write_none_of_it(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a transaction under way that holds items "a" and "b" (stopped inside moto, writing "a")
    first = [{"Put": {"TableName": local.name, "Item": item("a", v="first")}},
             {"Put": {"TableName": local.name, "Item": item("b", v="first")}}]
    with held_inside(monkeypatch, Table, "put_item", holding("a")) as inside:
        thread, outcome = in_thread(lambda: local.client.transact_write_items(TransactItems=first))
        assert inside.wait(10)
        # When a second transaction writes "c" and "b" at the same moment
        code, reasons = error_of(lambda: local.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": local.name, "Item": item("c", v="second")}},
            {"Update": {"TableName": local.name, "Key": key("b"), "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "second"}}}}]))
    thread.join()
    # Then the second is cancelled for "b", as DynamoDB cancels it, and the first succeeds
    assert (code, reasons) == ("TransactionCanceledException", ["None", "TransactionConflict"])
    assert outcome == {"answer": outcome["answer"]}
    # And nothing of the second was written: not "c", not its change of "b", not on the stream
    assert local.get("c") is None
    assert local.get("b") == {"PK": "b", "SK": "A", "v": "first"}
    assert local.stream() == [("INSERT", "a", "A"), ("INSERT", "b", "A")]


def test_a_write_to_an_item_a_transaction_holds_is_refused_and_other_items_are_written_meanwhile(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    local.put("a", v="before")
    # Given a transaction under way that holds "a"
    with held_inside(monkeypatch, Table, "put_item", holding("a")) as inside:
        thread, _ = in_thread(lambda: local.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": local.name, "Item": item("a", v="transaction")}}]))
        assert inside.wait(10)
        # When a single write to "a" arrives / Then it is refused, as DynamoDB refuses it
        assert error_of(lambda: local.put("a", v="single")) == ("TransactionConflictException", [])
        assert error_of(lambda: local.client.delete_item(TableName=local.name, Key=key("a"))) == (
            "TransactionConflictException", [])
        # And a write to another item is done at once
        local.put("elsewhere", v="single")
        assert local.get("elsewhere") == {"PK": "elsewhere", "SK": "A", "v": "single"}
    thread.join()
    assert local.get("a") == {"PK": "a", "SK": "A", "v": "transaction"}


def test_a_transaction_meeting_a_single_write_under_way_is_cancelled(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a single write of "a" under way
    with held_inside(monkeypatch, Table, "put_item", holding("a")) as inside:
        thread, outcome = in_thread(lambda: local.put("a", v="single"))
        assert inside.wait(10)
        # When a transaction that writes "a" arrives / Then it is cancelled for "a"
        code, reasons = error_of(lambda: local.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": local.name, "Item": item("z")}},
            {"ConditionCheck": {"TableName": local.name, "Key": key("a"),
                                "ConditionExpression": "attribute_not_exists(PK)"}}]))
    thread.join()
    assert (code, reasons) == ("TransactionCanceledException", ["None", "TransactionConflict"])
    assert "error" not in outcome and local.get("z") is None


def test_a_failed_transaction_puts_back_what_it_touched_and_leaves_no_trace_on_the_stream(local: Local) -> None:
    # Given two items
    local.put("a", v="1")
    local.put("b", v="1", GSI1PK="LOOKUP", GSI1SK="b")
    before = local.stream()
    # When a transaction changes both and adds one, but its last condition fails
    code, reasons = error_of(lambda: local.client.transact_write_items(TransactItems=[
        {"Update": {"TableName": local.name, "Key": key("a"), "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"S": "2"}}}},
        {"Put": {"TableName": local.name, "Item": item("new", GSI1PK="LOOKUP", GSI1SK="new")}},
        {"Delete": {"TableName": local.name, "Key": key("b")}},
        {"Put": {"TableName": local.name, "Item": item("c"), "ConditionExpression": "attribute_exists(PK)"}}]))
    # Then it is cancelled for that condition, and every item is as it was, also where an index finds it
    assert (code, reasons) == ("TransactionCanceledException", ["None", "None", "None", "ConditionalCheckFailed"])
    assert local.get("a") == {"PK": "a", "SK": "A", "v": "1"}
    assert local.get("b") == {"PK": "b", "SK": "A", "v": "1", "GSI1PK": "LOOKUP", "GSI1SK": "b"}
    assert local.get("new") is None
    found = local.client.query(TableName=local.name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :g",
                               ExpressionAttributeValues={":g": {"S": "LOOKUP"}})["Items"]
    assert [plain(i)["PK"] for i in found] == ["b"]
    assert local.stream() == before


# ------------------------------------------------------------------ conditional writes racing


def test_two_conditional_writes_racing_on_one_item_let_exactly_one_win(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    local.put("a", version="1")

    def change(value: str) -> Any:
        return local.client.update_item(
            TableName=local.name, Key=key("a"), UpdateExpression="SET version = :next, v = :v",
            ConditionExpression="version = :read", ExpressionAttributeValues={
                ":read": {"S": "1"}, ":next": {"S": "2"}, ":v": {"S": value}})

    # Given a conditional update of "a" that has checked its condition and not yet written
    # (stopped inside moto, between the two)
    with held_inside(monkeypatch, dynamodb_models.UpdateExpressionExecutor, "execute") as inside:
        thread, first = in_thread(lambda: change("first"))
        assert inside.wait(10)
        # When a second update on the same condition arrives
        second_thread, second = in_thread(lambda: change("second"))
        second_thread.join(0.2)
    thread.join()
    second_thread.join()
    # Then exactly one wins: the other's condition no longer holds
    assert "answer" in first and second.get("error") == "ConditionalCheckFailedException"
    assert local.get("a") == {"PK": "a", "SK": "A", "version": "2", "v": "first"}


@pytest.mark.usefixtures("eager_switching")
def test_many_conditional_puts_racing_for_one_new_item_let_exactly_one_win(local: Local) -> None:
    for round_ in range(10):
        start = threading.Barrier(6)

        def claim(n: int, round_: int = round_, start: threading.Barrier = start) -> Any:
            start.wait()
            return local.client.put_item(TableName=local.name, Item=item(f"claim-{round_}", owner=str(n)),
                                         ConditionExpression="attribute_not_exists(PK)")

        racing = [in_thread(lambda n=n: claim(n)) for n in range(6)]
        for thread, _ in racing:
            thread.join()
        outcomes = [outcome for _, outcome in racing]
        assert sorted("answer" in o for o in outcomes) == [False] * 5 + [True]
        assert {o.get("error") for o in outcomes} == {None, "ConditionalCheckFailedException"}


# ------------------------------------------------------------------ reads


def test_a_read_sees_only_what_was_committed(local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    local.put("a", v="committed")
    # Given a transaction under way that has written "a" and will fail on "c"
    with held_inside(monkeypatch, Table, "put_item", holding("b")) as inside:
        thread, _ = in_thread(lambda: local.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": local.name, "Item": item("a", v="uncommitted")}},
            {"Put": {"TableName": local.name, "Item": item("b")}},
            {"Put": {"TableName": local.name, "Item": item("c"), "ConditionExpression": "attribute_exists(PK)"}}]))
        assert inside.wait(10)
        # When "a" is read meanwhile, by key and by Query
        reading, read = in_thread(lambda: local.get("a"))
        querying, queried = in_thread(lambda: local.client.query(
            TableName=local.name, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "a"}}))
        reading.join(0.2)
    for waiting in (thread, reading, querying):
        waiting.join()
    # Then neither saw the transaction's change of "a", which never happened
    assert read["answer"] == {"PK": "a", "SK": "A", "v": "committed"}
    assert [plain(i) for i in queried["answer"]["Items"]] == [{"PK": "a", "SK": "A", "v": "committed"}]


@pytest.mark.usefixtures("eager_switching")
def test_reads_never_fail_while_writes_add_partitions_and_change_items(local: Local) -> None:
    # Given a table of a few thousand items, with index entries
    dynamodb.load(local.table, (item(f"P{n}", GSI1PK=f"G{n % 3}", GSI1SK=f"{n:05d}") for n in range(1500)))
    stop, failures = threading.Event(), []

    def keep(work: Callable[[int], Any]) -> None:
        n = 0
        while not stop.is_set():
            try:
                work(n)
            except Exception as error:  # anything at all: a read must not fail
                failures.append(repr(error))
                return
            n += 1

    # When writers add partitions and change items while readers query, scan and get
    work: list[Callable[[int], Any]] = [
        lambda n: local.put(f"new-{n}", GSI1PK="G1", GSI1SK=f"new-{n}"),
        lambda n: local.client.update_item(TableName=local.name, Key=key(f"P{n % 1500}"),
                                           UpdateExpression=f"SET extra{n % 7} = :v",
                                           ExpressionAttributeValues={":v": {"S": str(n)}}),
        lambda n: local.client.scan(TableName=local.name, Limit=2000),
        lambda n: local.client.query(TableName=local.name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :g",
                                     ExpressionAttributeValues={":g": {"S": "G1"}}),
        lambda n: local.get(f"P{n % 1500}"),
    ]
    threads = [threading.Thread(target=keep, args=(w,)) for w in work]
    for thread in threads:
        thread.start()
    stop.wait(2)
    stop.set()
    for thread in threads:
        thread.join()
    # Then none of them failed
    assert failures == []


# ------------------------------------------------------------------ what a Query costs


PARTITION = "CUSTOMER#the-one"


def fill(local: Local, table: str, unrelated: int) -> None:
    """`unrelated` items in partitions of their own (every tenth on GSI1 too, in other index
    partitions), loaded straight into moto's table, and the partition queried: 200 items, written
    through the API, each also on GSI1 under SHARD#7."""
    dynamodb.load(dynamodb_backends[ACCOUNT][MOTO_REGION].tables[table], (
        item(f"CUSTOMER#{n}", "PROFILE", **({"GSI1PK": f"SHARD#{n % 50}X", "GSI1SK": str(n)} if n % 10 == 0 else {}))
        for n in range(unrelated)))
    for n in range(200):
        local.put(PARTITION, f"ITEM#{n:04d}", table=table, kind="even" if n % 2 else "odd",
                  GSI1PK="SHARD#7", GSI1SK=f"{PARTITION}#{n:04d}")


def pages(local: Local, table: str, **query: Any) -> list[list[str]]:
    """Every page of a Query, as the sort keys it returned."""
    found, start, sort_key = [], {}, "GSI1SK" if "IndexName" in query else "SK"
    while True:
        answer = local.client.query(TableName=table, **query, **start)
        found.append([i[sort_key]["S"] for i in answer["Items"]])
        if "LastEvaluatedKey" not in answer:
            return found
        start = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


QUERIES: dict[str, dict[str, Any]] = {
    "whole partition": {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": PARTITION}}},
    "pages of 30": {"KeyConditionExpression": "PK = :p", "Limit": 30,
                    "ExpressionAttributeValues": {":p": {"S": PARTITION}}},
    "newest first, pages of 25": {"KeyConditionExpression": "PK = :p", "Limit": 25, "ScanIndexForward": False,
                                  "ExpressionAttributeValues": {":p": {"S": PARTITION}}},
    "begins_with, pages of 4": {"KeyConditionExpression": "PK = :p AND begins_with(SK, :s)", "Limit": 4,
                                "ExpressionAttributeValues": {":p": {"S": PARTITION}, ":s": {"S": "ITEM#001"}}},
    "between, filtered": {"KeyConditionExpression": "PK = :p AND SK BETWEEN :a AND :b", "Limit": 7,
                          "FilterExpression": "kind = :k", "ExpressionAttributeValues": {
                              ":p": {"S": PARTITION}, ":a": {"S": "ITEM#0050"}, ":b": {"S": "ITEM#0080"},
                              ":k": {"S": "odd"}}},
    "after, newest first": {"KeyConditionExpression": "PK = :p AND SK > :s", "Limit": 9, "ScanIndexForward": False,
                            "ExpressionAttributeValues": {":p": {"S": PARTITION}, ":s": {"S": "ITEM#0180"}}},
    "index, pages of 40": {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :g", "Limit": 40,
                           "ExpressionAttributeValues": {":g": {"S": "SHARD#7"}}},
    "index, range, newest first": {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :g AND GSI1SK <= :s",
                                   "Limit": 11, "ScanIndexForward": False, "ExpressionAttributeValues": {
                                       ":g": {"S": "SHARD#7"}, ":s": {"S": f"{PARTITION}#0100"}}},
    "empty partition": {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "NOBODY"}}},
}


class _NotWalked(defaultdict):
    """moto's `Table.items`, refusing to be walked: a Query that walked the table would fail."""

    def _walked(self, *args: Any) -> Any:
        raise AssertionError("the Query walked the whole table")

    __iter__ = values = items = keys = _walked  # type: ignore[assignment]


def test_a_query_answers_the_same_and_reads_only_its_partition_with_100000_unrelated_items(local: Local) -> None:
    # Given the same partition in a table with 1,000 unrelated items and one with 100,000
    small, large = local.create(), local.create()
    fill(local, small, 1_000)
    fill(local, large, 100_000)
    tables = dynamodb_backends[ACCOUNT][MOTO_REGION].tables
    # When every kind of Query is asked of both, every page, the large table refusing to be walked
    tables[large].items = _NotWalked(dict, dict.items(tables[large].items))
    answers = {size: {name: pages(local, table, **query) for name, query in QUERIES.items()}
               for size, table in (("small", small), ("large", large))}
    # Then the answers are the same, page for page
    assert answers["small"] == answers["large"]
    # And they are the partition's own, in DynamoDB's order
    whole = [f"ITEM#{n:04d}" for n in range(200)]
    assert answers["large"]["whole partition"] == [whole]
    assert sum(answers["large"]["pages of 30"], []) == whole and len(answers["large"]["pages of 30"]) == 7
    assert sum(answers["large"]["newest first, pages of 25"], []) == whole[::-1]
    assert sum(answers["large"]["begins_with, pages of 4"], []) == whole[10:20]
    assert sum(answers["large"]["between, filtered"], []) == [s for s in whole[50:81] if int(s[-4:]) % 2 == 0]
    assert sum(answers["large"]["after, newest first"], []) == whole[181:][::-1]
    assert sum(answers["large"]["index, pages of 40"], []) == [f"{PARTITION}#{s[5:]}" for s in whole]
    assert sum(answers["large"]["index, range, newest first"], []) == [
        f"{PARTITION}#{s[5:]}" for s in whole[:101]][::-1]
    assert answers["large"]["empty partition"] == [[]]


def test_a_query_answers_as_moto_itself_does(local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a partition, and items changed, moved between index partitions and deleted since
    fill(local, local.name, 300)
    for n in range(0, 200, 7):
        local.client.update_item(TableName=local.name, Key=key(PARTITION, f"ITEM#{n:04d}"),
                                 UpdateExpression="SET GSI1SK = :s, kind = :k", ExpressionAttributeValues={
                                     ":s": {"S": f"moved-{n}"}, ":k": {"S": "moved"}})
    for n in range(3, 200, 11):
        local.client.delete_item(TableName=local.name, Key=key(PARTITION, f"ITEM#{n:04d}"))
    for n in range(5, 200, 13):
        local.client.update_item(TableName=local.name, Key=key(PARTITION, f"ITEM#{n:04d}"),
                                 UpdateExpression="SET GSI1PK = :g", ExpressionAttributeValues={":g": {"S": "SHARD#8"}})
    # When every kind of Query is asked as patched, then of moto's own Query
    patched = {name: pages(local, local.name, **query) for name, query in QUERIES.items()}
    for name in ("query", "all_items"):
        monkeypatch.setattr(Table, name, SHIPPED[(Table, name)])
    shipped = {name: pages(local, local.name, **query) for name, query in QUERIES.items()}
    # Then the answers are the same, page for page (and there are answers)
    assert patched == shipped
    deleted = set(range(3, 200, 11)) - set(range(5, 200, 13))  # an update of a deleted item makes it again
    assert sum(len(page) for page in patched["whole partition"]) == 200 - len(deleted)
