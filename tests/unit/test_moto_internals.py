"""Guards for every moto internal the local cloud relies on (infra/local/patches.py, dynamodb.py,
cloud.py, runtime.py), so that a moto upgrade which moves or changes one fails here, loudly.

These tests exercise moto as shipped: the attributes the local cloud patches are taken when the
tests are collected (before any local cloud starts) and put back for each test (tests/unit/
conftest.py), so the guards see moto's own code even when a local cloud runs in the same test
session. For the same reason they work in a region of their own, apart from the local cloud's
eu-west-1."""

from __future__ import annotations

import importlib.metadata
import inspect
import io
import json
import re
import threading
import time
import uuid
import zipfile
from abc import ABCMeta
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import moto
import pytest
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, BaseRouter
from moto import mock_aws
from moto.awslambda.models import LambdaBackend
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table
from moto.events.models import EventPattern, EventsBackend

from infra.local import dynamodb, patches
from infra.local.lambdas import FunctionCrashed
from infra.local.template import ROOT
from tests.unit.conftest import MOTO_REGION, SHIPPED

REGION = MOTO_REGION
ACCOUNT = "123456789012"
pytestmark = pytest.mark.usefixtures("moto_as_shipped")


def shipped(owner: Any, name: str) -> Any:
    method = SHIPPED[(owner, name)]
    assert method is not None, f"moto no longer has {owner.__name__}.{name}"
    # (a module, as moto.dynamodb.models' `copy`, names none)
    assert getattr(method, "__module__", "moto.").startswith("moto."), \
        f"{owner.__name__}.{name} was already patched at import"
    return method


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------ the pin


def test_moto_is_exactly_the_pinned_version() -> None:
    # Given the pin in requirements-dev.txt
    pins = re.findall(r"^moto(?:\[[^\]]*\])?==([^\s#;]+)", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    assert len(pins) == 1, f"requirements-dev.txt should pin moto exactly once, found {pins}"
    # Then the installed moto is that version
    assert importlib.metadata.version("moto") == pins[0]
    assert moto.__version__ == pins[0]


# ------------------------------------------------------------------ Lambda


def test_lambda_backend_invoke_has_the_signature_the_patch_replaces() -> None:
    # Given moto's LambdaBackend.invoke / Then it takes what patches._invoke takes, in that order
    assert parameters(shipped(LambdaBackend, "invoke")) == [
        "self", "function_name", "qualifier", "body", "headers", "response_headers"]


# ------------------------------------------------------------------ EventBridge


def test_events_backend_put_events_takes_the_raw_entries_and_answers_one_entry_each() -> None:
    # Given moto's EventsBackend.put_events, watched as boto3 reaches it
    put_events = shipped(EventsBackend, "put_events")
    assert parameters(put_events) == ["self", "events"]
    calls: list[tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]] = []

    def watched(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = put_events(self, events)
        calls.append((self, events, entries))
        return entries

    with mock_aws():
        client = boto3.client("events", region_name=REGION)
        bus = unique("bus")
        client.create_event_bus(Name=bus)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(EventsBackend, "put_events", watched)
            # When one good and one malformed event are put
            answer = client.put_events(Entries=[
                {"Source": "opencounter", "DetailType": "CustomerMoved", "Detail": json.dumps({"a": 1}),
                 "EventBusName": bus},
                {"Source": "opencounter", "DetailType": "CustomerMoved", "Detail": "not json", "EventBusName": bus}])
    # Then the backend got the entries as the API gives them, with the keys the patch reads
    assert len(calls) == 1
    backend, events, entries = calls[0]
    assert [(e["Source"], e["DetailType"], e["EventBusName"]) for e in events] == [
        ("opencounter", "CustomerMoved", bus)] * 2
    assert json.loads(events[0]["Detail"]) == {"a": 1}
    assert (backend.account_id, backend.region_name) == (ACCOUNT, REGION)
    # And answered one entry per event, in order: an EventId for the accepted one only
    assert isinstance(entries, list) and len(entries) == 2
    assert entries[0]["EventId"] and "EventId" not in entries[1]
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["EventId"] == entries[0]["EventId"]


def event(detail_type: str = "CustomerUpdated", source: str = "opencounter", **detail: Any) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
            "account": ACCOUNT, "time": "2026-01-01T00:00:00Z", "region": REGION, "resources": [],
            "detail": detail}


def stream_record(name: str, entity: str) -> dict[str, Any]:
    return {"eventName": name, "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"PK": {"S": "CUSTOMER#1"}}, "NewImage": {"entity": {"S": entity}}}}


PATTERNS: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = {
    "prefix": ({"detail": {"postcode": [{"prefix": "10"}]}},
               [event(postcode="1012 LG")], [event(postcode="2011 AB"), event()]),
    "anything-but": ({"detail": {"state": [{"anything-but": ["cancelled", "closed"]}]}},
                     [event(state="active")], [event(state="closed"), event(state="cancelled")]),
    "exists": ({"source": ["opencounter"], "detail": {"customer_id": [{"exists": True}]}},
               [event(customer_id="c-1")], [event(other="x"), event(source="elsewhere", customer_id="c-1")]),
    "exists false": ({"detail": {"error": [{"exists": False}]}}, [event(ok=True)], [event(error="boom")]),
    "numeric": ({"detail": {"amount": [{"numeric": [">", 0, "<=", 100]}]}},
                [event(amount=100), event(amount=0.5)], [event(amount=0), event(amount=150), event(amount="50")]),
    "$or": ({"source": ["opencounter"],
             "$or": [{"detail-type": ["CustomerMoved"]}, {"detail": {"priority": ["high"]}}]},
            [event("CustomerMoved"), event(priority="high")],
            [event(priority="low"), event("CustomerMoved", source="elsewhere")]),
    "stream filter": ({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["OutboxEvent"]}}}},
                      [stream_record("INSERT", "OutboxEvent")],
                      [stream_record("MODIFY", "OutboxEvent"), stream_record("INSERT", "Customer")]),
}


@pytest.mark.parametrize("kind", sorted(PATTERNS))
def test_event_pattern_matches_as_eventbridge_does(kind: str) -> None:
    # Given a pattern, loaded from JSON as the local cloud loads rules and stream filters
    pattern, matching, other = PATTERNS[kind]
    loaded = EventPattern.load(json.dumps(pattern))
    # Then it matches the events it should, and only those
    assert [loaded.matches_event(e) for e in matching] == [True] * len(matching)
    assert [loaded.matches_event(e) for e in other] == [False] * len(other)


# ------------------------------------------------------------------ DynamoDB


def named(target: tuple[Any, str]) -> str:
    owner, name = target
    return f"{owner.__name__}.{name}"


@pytest.mark.parametrize("target", sorted(SHIPPED, key=named), ids=named)
def test_moto_has_every_attribute_the_patches_replace(target: tuple[Any, str]) -> None:
    # Given an attribute patches.applied replaces (or a backend method every write reaches)
    # Then moto as shipped has it
    assert SHIPPED[target] is not None, f"moto no longer has {named(target)}"


SIGNATURES: dict[tuple[Any, str], list[str]] = {
    (DynamoDBBackend, "put_item"): ["self", "table_name", "item_attrs"],
    (DynamoDBBackend, "update_item"): ["self", "table_name", "key"],
    (DynamoDBBackend, "delete_item"): ["self", "table_name", "key"],
    (DynamoDBBackend, "get_item"): ["self", "table_name", "keys"],
    (DynamoDBBackend, "transact_write_items"): ["self", "transact_items"],
    (Table, "query"): ["self", "hash_key", "range_comparison", "range_objs", "limit", "exclusive_start_key",
                       "scan_index_forward", "projection_expressions", "index_name", "consistent_read",
                       "filter_expression", "hash_key_conditions", "range_key_conditions", "filter_kwargs"],
    (Table, "all_items"): ["self"],
    (Table, "has_idx_items"): ["self", "index_name"],
    (Table, "__len__"): ["self"],
    (StreamShard, "add"): ["self", "old", "new"],
}


@pytest.mark.parametrize("target", sorted(SIGNATURES, key=named), ids=named)
def test_dynamodb_methods_take_what_the_patches_pass_them(target: tuple[Any, str]) -> None:
    # Given a DynamoDB method infra/local/dynamodb.py wraps / Then it takes (first) what the wrapper reads
    expected = SIGNATURES[target]
    assert parameters(shipped(*target))[:len(expected)] == expected


def create_table(client: Any, stream: bool = False, sort_key: bool = False, index: bool = False) -> str:
    name = unique("table")
    keys = ["PK", "SK"] if sort_key else ["PK"]
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in zip(keys, ("HASH", "RANGE"), strict=False)],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                              for a in [*keys, *(["GSI1PK", "GSI1SK"] if index else [])]],
        **({"GlobalSecondaryIndexes": [{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}]}
           if index else {}),
        **({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}} if stream else {}))
    return name


def moto_table(name: str) -> Table:
    return dynamodb_backends[ACCOUNT][REGION].tables[name]


WRITE_APIS: dict[str, Callable[[Any, str], None]] = {
    "PutItem": lambda ddb, t: ddb.put_item(TableName=t, Item={"PK": {"S": "new"}}),
    "UpdateItem": lambda ddb, t: ddb.update_item(TableName=t, Key={"PK": {"S": "new"}}, UpdateExpression="SET v = :v",
                                                 ExpressionAttributeValues={":v": {"S": "x"}}),
    "DeleteItem": lambda ddb, t: ddb.delete_item(TableName=t, Key={"PK": {"S": "old"}}),
    "TransactWriteItems": lambda ddb, t: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": t, "Item": {"PK": {"S": "new"}}, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Delete": {"TableName": t, "Key": {"PK": {"S": "old"}}}}]),
    "BatchWriteItem": lambda ddb, t: ddb.batch_write_item(RequestItems={t: [
        {"PutRequest": {"Item": {"PK": {"S": "new"}}}}, {"DeleteRequest": {"Key": {"PK": {"S": "old"}}}}]}),
}

# the keys in the table after each write, starting from one item "old"
WRITTEN = {"PutItem": ["new", "old"], "UpdateItem": ["new", "old"], "DeleteItem": [],
           "TransactWriteItems": ["new"], "BatchWriteItem": ["new"]}


def through_methods(targets: tuple[tuple[Any, str], ...], api: Callable[[Any, str], Any]
                    ) -> tuple[list[str], list[str], Any]:
    """Calls `api` on a fresh table holding one item "old" with moto's methods `targets` watched:
    (the watched methods it went through, in order, the keys in the table afterwards, its answer)."""
    seen: list[str] = []

    def watch(target: tuple[Any, str]) -> Callable[..., Any]:
        method = shipped(*target)

        def watched(*args: Any, **kwargs: Any) -> Any:
            seen.append(target[1])
            return method(*args, **kwargs)
        return watched

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        table = create_table(ddb)
        ddb.put_item(TableName=table, Item={"PK": {"S": "old"}})
        with pytest.MonkeyPatch.context() as patch:
            for target in targets:
                patch.setattr(*target, watch(target))
            answer = api(ddb, table)
        keys = sorted(item["PK"]["S"] for item in ddb.scan(TableName=table)["Items"])
    return seen, keys, answer


WRITE_METHODS = tuple((DynamoDBBackend, name) for name in patches.DYNAMODB_WRITES)


@pytest.mark.parametrize("api", sorted(WRITE_APIS))
def test_every_dynamodb_write_api_goes_through_a_method_the_patches_hold_items_in(api: str) -> None:
    # Given every write method patches.applied wraps, watched / When the API writes
    seen, keys, _ = through_methods(WRITE_METHODS, WRITE_APIS[api])
    # Then the write happened, and went through at least one of them
    assert keys == WRITTEN[api]
    assert seen, f"{api} reached moto's table without passing through any of {patches.DYNAMODB_WRITES}"


def test_a_transaction_writes_and_checks_through_the_backends_single_item_methods() -> None:
    # Given the single-item methods watched (a transaction holds its items, and its own writes and
    # condition checks then take them again in the same thread)
    targets = tuple((DynamoDBBackend, name) for name in ("put_item", "delete_item", "get_item"))
    # When a transaction puts one item and deletes another
    seen, keys, _ = through_methods(targets, WRITE_APIS["TransactWriteItems"])
    # Then it read and wrote each through them
    assert keys == WRITTEN["TransactWriteItems"]
    assert {"put_item", "delete_item", "get_item"} <= set(seen)


READ_APIS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "GetItem": lambda ddb, t: ddb.get_item(TableName=t, Key={"PK": {"S": "old"}}),
    "BatchGetItem": lambda ddb, t: ddb.batch_get_item(RequestItems={t: {"Keys": [{"PK": {"S": "old"}}]}}),
    "Query": lambda ddb, t: ddb.query(TableName=t, KeyConditionExpression="PK = :pk",
                                      ExpressionAttributeValues={":pk": {"S": "old"}}),
    "Scan": lambda ddb, t: ddb.scan(TableName=t),
    "TransactGetItems": lambda ddb, t: ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": t, "Key": {"PK": {"S": "old"}}}}]),
}


@pytest.mark.parametrize("api", sorted(READ_APIS))
def test_every_dynamodb_read_api_goes_through_a_method_the_patches_replace(api: str) -> None:
    # Given every read method patches.applied replaces, watched (one that walked moto's dicts
    # while a write adds a partition would fail with "dictionary changed size during iteration")
    # When the API reads
    seen, _, answer = through_methods(patches.DYNAMODB_READS, READ_APIS[api])
    # Then it found the item, and went through at least one of them
    assert '"old"' in json.dumps(answer)
    assert seen, f"{api} reached moto's table without passing through any of {patches.DYNAMODB_READS}"


def test_moto_keeps_items_by_hash_then_range_key_and_updates_the_stored_object() -> None:
    with mock_aws():
        # Given a table with a range key and one without, an item in each
        ddb = boto3.client("dynamodb", region_name=REGION)
        ranged, plain = create_table(ddb, sort_key=True), create_table(ddb)
        ddb.put_item(TableName=ranged, Item={"PK": {"S": "p"}, "SK": {"S": "s"}})
        ddb.put_item(TableName=plain, Item={"PK": {"S": "p"}})
        # Then moto keeps them as items[hash][range] and items[hash] (what dynamodb.stored reads)
        assert isinstance(moto_table(ranged).items[DynamoType({"S": "p"})][DynamoType({"S": "s"})], Item)
        assert isinstance(moto_table(plain).items[DynamoType({"S": "p"})], Item)
        # When an item is replaced by a copy (as dynamodb.write does before an update) and updated
        table = moto_table(plain)
        first = table.items[DynamoType({"S": "p"})]
        table.items[DynamoType({"S": "p"})] = copy = Item(first.hash_key, None, first.to_json()["Attributes"])
        ddb.update_item(TableName=plain, Key={"PK": {"S": "p"}}, UpdateExpression="SET v = :v",
                        ExpressionAttributeValues={":v": {"S": "x"}})
    # Then moto changed the object it found stored, in place, and left the one replaced alone
    assert table.items[DynamoType({"S": "p"})] is copy
    assert copy.attrs["v"] == DynamoType({"S": "x"}) and "v" not in first.attrs


def test_table_methods_that_walk_read_the_table_only_through_its_items() -> None:
    # Given the methods dynamodb.walking_committed and counting hand a view with a copy of `items`
    for method in (Table.all_items, Table.has_idx_items, Table.__len__):
        source = inspect.getsource(shipped(Table, method.__name__))
        # Then they walk self.items, which the view replaces
        assert "self.items" in source, method.__name__
    # And moto's query reads the table's items only through self.all_items() (a view gives its own)
    source = inspect.getsource(shipped(Table, "query"))
    assert "self.all_items()" in source and "self.items" not in source


def test_moto_query_answers_from_the_items_all_items_gives_with_a_page_end_only_past_the_limit() -> None:
    with mock_aws():
        # Given a partition of five items
        ddb = boto3.client("dynamodb", region_name=REGION)
        name = create_table(ddb, sort_key=True)
        for n in range(5):
            ddb.put_item(TableName=name, Item={"PK": {"S": "p"}, "SK": {"S": f"s{n}"}})
        table = moto_table(name)
        items = shipped(Table, "all_items")(table)
        query = shipped(Table, "query")

        def answer(offered: list[Item], limit: int | None) -> tuple[list[str], Any]:
            view = dynamodb._View(table, all_items=lambda: offered)
            found, _, last = query(view, DynamoType({"S": "p"}), None, [], limit, None, True, None)
            return [i.range_key.value for i in found], last and last["SK"].value
        # When moto's query is offered only some of them / Then it answers from those alone
        assert answer(items[1:3], None) == (["s1", "s2"], None)
        # And it ends a page (LastEvaluatedKey) only when it sees one item more than the Limit
        assert answer(items[:2], 2) == (["s0", "s1"], None)
        assert answer(items[:3], 2) == (["s0", "s1"], "s1")


def test_moto_sorts_an_index_by_its_range_key_then_the_tables_keys_by_dynamotype_order() -> None:
    with mock_aws():
        # Given items in one index partition, some with equal index range keys
        ddb = boto3.client("dynamodb", region_name=REGION)
        name = create_table(ddb, sort_key=True, index=True)
        rows = [("b", "2", "x"), ("a", "9", "x"), ("a", "10", "y"), ("c", "1", "w"), ("a", "1", "x")]
        for pk, sk, gsk in rows:
            ddb.put_item(TableName=name, Item={"PK": {"S": pk}, "SK": {"S": sk}, "GSI1PK": {"S": "g"},
                                               "GSI1SK": {"S": gsk}})
        answered = ddb.query(TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :g",
                             ExpressionAttributeValues={":g": {"S": "g"}})["Items"]
        # Then moto's order is the order dynamodb.py keeps (index range key, table hash, table range)
        ordering = next(o for o in dynamodb._orderings(moto_table(name)) if o.name == "GSI1")
        kept = sorted(rows, key=lambda r: ordering.position(
            Item(DynamoType({"S": r[0]}), DynamoType({"S": r[1]}), {
                "PK": {"S": r[0]}, "SK": {"S": r[1]}, "GSI1PK": {"S": "g"}, "GSI1SK": {"S": r[2]}}))[1])
        assert [(i["PK"]["S"], i["SK"]["S"], i["GSI1SK"]["S"]) for i in answered] == kept
    # And DynamoType orders as its cast value does (numbers as numbers)
    numbers = [DynamoType({"N": n}) for n in ("10", "9", "-1.5", "100")]
    assert sorted(numbers) == sorted(numbers, key=lambda v: v.cast_value)
    assert [v.value for v in sorted(numbers)] == ["-1.5", "9", "10", "100"]


def test_a_transaction_cancelled_by_moto_names_a_reason_per_item() -> None:
    # Given moto's exception for a cancelled transaction, made as dynamodb.ItemLocks makes it
    error = TransactionCanceledException([(None, None, None), ("TransactionConflict", dynamodb.ONGOING, None)])
    # Then it carries a reason per item, None for those not at fault, as DynamoDB answers
    body = json.loads(error.description)
    assert body["CancellationReasons"] == [{"Code": "None"},
                                           {"Code": "TransactionConflict", "Message": dynamodb.ONGOING}]


def test_sqs_keeps_visibility_by_its_modules_clock() -> None:
    import moto.sqs.models as sqs_models

    with mock_aws():
        # Given a queue with a visibility timeout, and a message received (in flight)
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName=unique("queue"), Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        assert len(sqs.receive_message(QueueUrl=url).get("Messages", [])) == 1
        assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
        # When the module's clock (what patches.QueueClock replaces) says a minute has passed
        real = shipped(sqs_models, "unix_time_millis")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sqs_models, "unix_time_millis", lambda: real() + 61_000)
            patch.setattr(sqs_models, "unix_time", lambda: real() / 1000 + 61)
            again = sqs.receive_message(QueueUrl=url, AttributeNames=["All"]).get("Messages", [])
    # Then the message is visible again, received a second time
    assert [m["Attributes"]["ApproximateReceiveCount"] for m in again] == ["2"]


def test_dynamodb_streams_answer_at_the_regional_endpoint_with_new_images() -> None:
    with mock_aws():
        # Given a table with a NEW_AND_OLD_IMAGES stream, and an item written then changed
        ddb = boto3.client("dynamodb", region_name=REGION)
        table = create_table(ddb, stream=True)
        ddb.put_item(TableName=table, Item={"PK": {"S": "c-1"}, "entity": {"S": "OutboxEvent"}})
        ddb.update_item(TableName=table, Key={"PK": {"S": "c-1"}}, UpdateExpression="SET n = :n",
                        ExpressionAttributeValues={":n": {"N": "2"}})
        stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        # When the stream is read at the endpoint the local cloud names explicitly
        streams = boto3.client("dynamodbstreams", region_name=REGION,
                               endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shards[0]["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        # And read again after the first record, as the local cloud resumes from its checkpoint
        after = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shards[0]["ShardId"], ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=records[0]["dynamodb"]["SequenceNumber"])["ShardIterator"]
        rest = streams.get_records(ShardIterator=after, Limit=1000)["Records"]
    # Then the insert comes with its new image, the change with both images, in order
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[0]["dynamodb"]["NewImage"] == {"PK": {"S": "c-1"}, "entity": {"S": "OutboxEvent"}}
    assert "OldImage" not in records[0]["dynamodb"]
    assert records[1]["dynamodb"]["OldImage"] == records[0]["dynamodb"]["NewImage"]
    assert records[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert [r["dynamodb"]["SequenceNumber"] for r in rest] == [records[1]["dynamodb"]["SequenceNumber"]]


def _streamed_table(ddb: Any) -> tuple[str, str, Callable[[str | None, int], list[dict[str, Any]]]]:
    """A table with a stream: its name, its stream, and GetRecords after a sequence number (from the
    start when None) up to a limit, through the streams API."""
    table = create_table(ddb, stream=True)
    stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", region_name=REGION,
                           endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def read(after: str | None, limit: int = 1000) -> list[dict[str, Any]]:
        position = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after} if after
                    else {"ShardIteratorType": "TRIM_HORIZON"})
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, **position)["ShardIterator"]
        return streams.get_records(ShardIterator=iterator, Limit=limit)["Records"]
    return table, stream_arn, read


def test_the_stream_holds_records_after_a_sequence_number_exactly_when_reading_after_it_finds_some() -> None:
    from infra.local.delivery import has_records_after

    with mock_aws():
        # Given a table with a stream and nothing written yet
        ddb = boto3.client("dynamodb", region_name=REGION)
        table, stream_arn, read = _streamed_table(ddb)

        # Then an empty stream has nothing from its start
        assert read(None) == [] and not has_records_after(stream_arn, None)
        # When two items are written, then there is something from the start and after the first
        ddb.put_item(TableName=table, Item={"PK": {"S": "c-1"}})
        ddb.put_item(TableName=table, Item={"PK": {"S": "c-2"}})
        first, second = (r["dynamodb"]["SequenceNumber"] for r in read(None))
        assert has_records_after(stream_arn, None)
        assert read(first) and has_records_after(stream_arn, first)
        # And nothing after the last
        assert read(second) == [] and not has_records_after(stream_arn, second)


def test_the_shard_read_in_process_answers_what_get_records_answers() -> None:
    from infra.local.delivery import shard_records

    with mock_aws():
        # Given a table with a stream, an item written, changed and deleted
        ddb = boto3.client("dynamodb", region_name=REGION)
        table, stream_arn, api = _streamed_table(ddb)
        ddb.put_item(TableName=table, Item={"PK": {"S": "c-1"}, "n": {"N": "1"}, "m": {"M": {"a": {"L": []}}}})
        ddb.put_item(TableName=table, Item={"PK": {"S": "c-1"}, "n": {"N": "2"}})
        ddb.delete_item(TableName=table, Key={"PK": {"S": "c-1"}})

        # Then reading the shard in process gives what GetRecords gives, from the start, after a record, by a limit
        first = api(None, 1000)[0]["dynamodb"]["SequenceNumber"]
        for after, limit in ((None, 1000), (first, 1000), (first, 1), (None, 2)):
            assert shard_records(stream_arn, after=after, limit=limit) == api(after, limit)
        # And a record handed over is a copy: changing it changes nothing in the stream
        shard_records(stream_arn, after=None, limit=1)[0]["dynamodb"]["Keys"]["PK"]["S"] = "changed"
        assert api(None, 1)[0]["dynamodb"]["Keys"] == {"PK": {"S": "c-1"}}


# ------------------------------------------------------------------ Step Functions


def test_mock_aws_runs_state_machines_when_configured_to() -> None:
    # Given a state machine with a Pass and a Choice state
    definition = {
        "StartAt": "Quote",
        "States": {
            "Quote": {"Type": "Pass", "Result": {"days": 3}, "ResultPath": "$.quote", "Next": "Soon?"},
            "Soon?": {"Type": "Choice", "Default": "Later",
                      "Choices": [{"Variable": "$.quote.days", "NumericLessThanEquals": 5, "Next": "Soon"}]},
            "Soon": {"Type": "Pass", "Result": "soon", "ResultPath": "$.when", "End": True},
            "Later": {"Type": "Pass", "Result": "later", "ResultPath": "$.when", "End": True},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(name=unique("machine"), definition=json.dumps(definition),
                                           roleArn=f"arn:aws:iam::{ACCOUNT}:role/states")["stateMachineArn"]
        # When it is started with a name
        name = unique("execution")
        execution = sfn.start_execution(stateMachineArn=machine, name=name,
                                        input=json.dumps({"customer_id": "c-1"}))["executionArn"]
        deadline = time.monotonic() + 10
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not finish in 10 s"
            time.sleep(0.01)
    # Then moto really ran it, down the branch the Choice picks
    assert described["name"] == name
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"customer_id": "c-1", "quote": {"days": 3}, "when": "soon"}


def test_a_task_waiting_for_its_token_is_known_until_the_token_is_answered() -> None:
    from infra.local.cloud import awaited_token, running_executions

    # Given a state machine whose task puts its token on a queue and waits for it
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=unique("tokens"))["QueueUrl"]
        definition = {"StartAt": "Wait for someone", "States": {"Wait for someone": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True,
            "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}}}}}
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(name=unique("machine"), definition=json.dumps(definition),
                                           roleArn=f"arn:aws:iam::{ACCOUNT}:role/states")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]

        def history() -> list[dict[str, Any]]:
            return sfn.get_execution_history(executionArn=execution)["events"]
        deadline = time.monotonic() + 10
        while not (events := history()) or events[-1]["type"] != "TaskSubmitted":  # (it starts on a thread)
            assert time.monotonic() < deadline, [e["type"] for e in history()]
            time.sleep(0.01)
        # When nobody has answered the token yet, then the local cloud sees the task waiting for it
        waiting = awaited_token(REGION, execution, history())
        assert waiting is not None and waiting.get_outcome() is None
        # and the execution running, as ListExecutions lists it
        listed = sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]
        assert running_executions(REGION, machine) == [e["executionArn"] for e in listed] == [execution]
        # When the token is answered, then it is waited for no more, and the execution goes on
        sfn.send_task_success(taskToken=waiting.callback_id, output=json.dumps({"done": True}))
        assert waiting.get_outcome() is not None
        assert awaited_token(REGION, execution, history()) is None
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not go on"
            time.sleep(0.01)
        assert running_executions(REGION, machine) == []
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"done": True}


def test_a_task_whose_token_is_timed_out_fails_with_states_timeout_for_its_catch() -> None:
    from infra.local.cloud import awaited_token, task_timeout_ends, time_out

    # Given a task that waits for its token at most five minutes, and goes on when that times out
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=unique("tokens"))["QueueUrl"]
        definition = {"StartAt": "Wait for someone", "States": {
            "Wait for someone": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "TimeoutSeconds": 300,
                "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.late", "Next": "Nobody came"}],
                "End": True},
            "Nobody came": {"Type": "Pass", "End": True}}}
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(name=unique("machine"), definition=json.dumps(definition),
                                           roleArn=f"arn:aws:iam::{ACCOUNT}:role/states")["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]

        def history() -> list[dict[str, Any]]:
            return sfn.get_execution_history(executionArn=execution)["events"]
        deadline = time.monotonic() + 10
        while not (events := history()) or events[-1]["type"] != "TaskSubmitted":
            assert time.monotonic() < deadline, [e["type"] for e in history()]
            time.sleep(0.01)
        # Then its timeout ends five minutes after it was scheduled
        [scheduled] = [e for e in events if e["type"] == "TaskScheduled"]
        assert task_timeout_ends(events) == scheduled["timestamp"].timestamp() + 300
        # When its timeout is made to pass
        time_out(awaited_token(REGION, execution, events))
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the task did not time out"
            time.sleep(0.01)
        types = [e["type"] for e in history()]
    # Then the task timed out, as a timer would have made it, and its Catch took it on
    assert "TaskTimedOut" in types and described["status"] == "SUCCEEDED", types
    assert json.loads(described["output"])["late"]["Error"] == "States.Timeout"


def test_the_retrier_waits_a_retry_interval_through_the_time_module_it_imports() -> None:
    # (patches.RetryPause stands in for that module: the tests wait a share of each interval)
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    assert shipped(retrier_decl, "time") is time
    assert "time.sleep(interval_seconds)" in inspect.getsource(retrier_decl.RetrierDecl._eval_body)


# ------------------------------------------------------------------ the moto server


def test_threaded_moto_server_serves_on_the_port_runtime_reads() -> None:
    # Given moto's server, made as runtime.py makes it
    from moto.server import ThreadedMotoServer

    assert {"ip_address", "port", "verbose"} <= set(parameters(ThreadedMotoServer.__init__))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        # When it has started / Then `_server.server_port` is the port it listens on
        port = server._server.server_port  # type: ignore[union-attr]
        assert isinstance(port, int) and port > 0
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}")
        queue = unique("queue")
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        assert url.endswith(f"/{queue}")
        assert url in sqs.list_queues(QueueNamePrefix=queue)["QueueUrls"]
    finally:
        server.stop()


# ------------------------------------------------------------------ patches.applied


class FakeCloud:
    """What patches.applied needs of the local cloud, recording what it is asked to do."""

    def __init__(self) -> None:
        self.queue_clock = patches.QueueClock()
        self.retry_pause = patches.RetryPause()
        self.invoked: list[tuple[str, Any]] = []
        self.queued: list[tuple[str, Any]] = []
        self.routed: list[tuple[str, dict[str, Any]]] = []

    def invoke(self, name: str, event: Any) -> Any:
        self.invoked.append((name, event))
        if event.get("crash"):
            raise FunctionCrashed(name, RuntimeError("the handler broke"))
        return {"echo": event}

    def invoke_async(self, name: str, event: Any) -> None:
        self.queued.append((name, event))

    def route_event(self, bus: str, event: dict[str, Any]) -> None:
        self.routed.append((bus, event))


def current(owner: type, name: str) -> Any:
    return vars(owner)[name]


def test_patches_replace_moto_methods_only_while_applied() -> None:
    # Given moto as shipped
    before = {(owner, name): shipped(owner, name) for owner, name in patches.PATCHED}
    assert all(current(owner, name) is method for (owner, name), method in before.items())
    # When the patches are applied / Then each method is replaced
    with patches.applied(FakeCloud()):
        kept = [named(target) for target in patches.PATCHED if current(*target) is before[target]]
        assert not kept, f"still moto's own while applied: {kept}"
    # And afterwards each is moto's own again
    assert all(current(owner, name) is method for (owner, name), method in before.items())


@pytest.fixture
def lambda_function() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName=unique("role"), AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return event\n")
        client = boto3.client("lambda", region_name=REGION)
        name = unique("function")
        client.create_function(FunctionName=name, Runtime="python3.13", Role=role, Handler="app.handler",
                               Code={"ZipFile": code.getvalue()})
        yield client, name


def test_patched_lambda_invoke_runs_the_cloud_handler(lambda_function: tuple[Any, str]) -> None:
    client, name = lambda_function
    cloud = FakeCloud()
    with patches.applied(cloud):
        # When the function is invoked synchronously, made to crash, and invoked asynchronously
        answer = client.invoke(FunctionName=name, Payload=json.dumps({"n": 1}))
        crashed = client.invoke(FunctionName=name, Payload=json.dumps({"crash": True}))
        queued = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 2}))
    # Then the cloud ran the synchronous ones and its answer came back through Lambda's API
    assert cloud.invoked == [(name, {"n": 1}), (name, {"crash": True})]
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"echo": {"n": 1}}
    # And the crash came back as Lambda reports an unhandled error
    assert crashed.get("FunctionError") == "Unhandled"
    error = json.loads(crashed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("RuntimeError", "the handler broke")
    # And the asynchronous one was handed to the cloud to run later
    assert queued["StatusCode"] == 202
    assert cloud.queued == [(name, {"n": 2})]


def test_powertools_keeps_the_request_it_resolves_on_its_router_class() -> None:
    # Given Powertools' REST resolver (what patches._routing_per_thread keeps per thread)
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    source = inspect.getsource(ApiGatewayResolver.resolve)
    # Then it keeps the event and context on BaseRouter, the class, for the whole process
    assert "BaseRouter.current_event = self._to_proxy_event(" in source
    assert "BaseRouter.lambda_context = context" in source
    assert set(patches.ROUTING_STATE) <= set(inspect.get_annotations(BaseRouter))


def api_event(name: str) -> dict[str, Any]:
    return {"resource": "/who", "path": "/who", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
            "queryStringParameters": {"name": name}, "multiValueQueryStringParameters": {"name": [name]},
            "pathParameters": None, "requestContext": {"resourcePath": "/who", "httpMethod": "GET"}, "body": None,
            "isBase64Encoded": False}


def test_patched_routing_keeps_the_requests_of_threads_apart() -> None:
    # Given resolvers (one per execution environment) answering who asked, once both requests are in
    answered: dict[str, str] = {}
    both_in = threading.Barrier(2)

    def serve(name: str) -> None:
        app = APIGatewayRestResolver()

        @app.get("/who")
        def who() -> dict[str, str]:
            both_in.wait(5)
            return {"who": app.current_event.get_query_string_value("name", "")}
        answered[name] = json.loads(app.resolve(api_event(name), None)["body"])["who"]

    with patches.applied(FakeCloud()):
        # When two requests are resolved side by side in threads
        threads = [threading.Thread(target=serve, args=(name,)) for name in ("anna", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Then each was answered from its own request
    assert answered == {"anna": "anna", "bob": "bob"}
    # And afterwards the router is as shipped again
    assert type(BaseRouter) is ABCMeta and not set(patches.ROUTING_STATE) & set(vars(BaseRouter))


def test_patched_put_events_routes_only_accepted_events_and_only_while_applied() -> None:
    cloud = FakeCloud()
    with mock_aws():
        client = boto3.client("events", region_name=REGION)
        bus = unique("bus")
        client.create_event_bus(Name=bus)
        good = {"Source": "opencounter", "DetailType": "CustomerMoved", "Detail": json.dumps({"customer_id": "c-1"}),
                "EventBusName": bus, "Resources": ["arn:aws:example"]}
        with patches.applied(cloud):
            # When one good and one malformed event are put while the patches are applied
            answer = client.put_events(Entries=[good, {**good, "Detail": "not json"}])
        # And the good one again afterwards
        client.put_events(Entries=[good])
    # Then only the accepted one was routed, once, as the EventBridge event a target receives
    assert answer["FailedEntryCount"] == 1
    assert len(cloud.routed) == 1
    routed_bus, routed = cloud.routed[0]
    assert routed_bus == bus
    assert routed["id"] == answer["Entries"][0]["EventId"]
    assert {k: routed[k] for k in ("detail-type", "source", "account", "region", "resources", "detail")} == {
        "detail-type": "CustomerMoved", "source": "opencounter", "account": ACCOUNT, "region": REGION,
        "resources": ["arn:aws:example"], "detail": {"customer_id": "c-1"}}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", routed["time"])


def test_ses_keeps_sent_messages_with_subject_body_and_destinations(monkeypatch):
    """LocalCloud.mailbox reads what SES sent from moto's backend (ses_backends[...].sent_messages)."""
    from moto.ses.models import ses_backends

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        ses = boto3.client("ses", region_name="eu-central-1")
        ses.verify_email_identity(EmailAddress="from@example.nl")
        ses.send_email(Source="from@example.nl", Destination={"ToAddresses": ["to@example.nl"]},
                       Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "code 123456"}}})
        sent = ses_backends["123456789012"]["eu-central-1"].sent_messages
        assert [(m.subject, m.body, m.destinations["ToAddresses"]) for m in sent] == [
            ("hi", "code 123456", ["to@example.nl"])]


def test_ses_keeps_only_the_html_of_a_mail_with_both_parts_and_the_patch_keeps_both(monkeypatch):
    """Every mail we send has a text and an HTML part; moto's SES keeps the HTML alone as the
    message's body (EmailResponse.send_email), so the local cloud's patch keeps the text as `body`
    and the HTML as `html`, finding the message by the MessageId moto's ActionResult holds."""
    from moto.ses.models import ses_backends

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    message = {"Subject": {"Data": "hi"},
               "Body": {"Text": {"Data": "code 123456"}, "Html": {"Data": "<p>code 123456</p>"}}}
    with mock_aws():
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress="from@example.nl")
        shipped_id = ses.send_email(Source="from@example.nl", Destination={"ToAddresses": ["to@example.nl"]},
                                    Message=message)["MessageId"]
        with patches.applied(FakeCloud()):
            patched_id = ses.send_email(Source="from@example.nl", Destination={"ToAddresses": ["to@example.nl"]},
                                        Message=message)["MessageId"]
        sent = {m.id: m for m in ses_backends[ACCOUNT][REGION].sent_messages}
    # moto as shipped keeps the HTML as the body and nothing of the text
    assert (sent[shipped_id].body, getattr(sent[shipped_id], "html", None)) == ("<p>code 123456</p>", None)
    # patched, the text is the body and the HTML is kept beside it
    assert (sent[patched_id].body, sent[patched_id].html) == ("code 123456", "<p>code 123456</p>")


def test_sns_keeps_text_messages_by_number_in_the_order_sent():
    """LocalCloud.mailbox reads the texts SNS sent from moto's backend (sns_backends[...].sms_messages)."""
    from moto.sns.models import sns_backends

    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        for text in ("first 111111", "second 222222"):
            sns.publish(PhoneNumber="+31612345678", Message=text)
        sent = sns_backends[ACCOUNT][REGION].sms_messages
        assert list(sent.values()) == [("+31612345678", "first 111111"), ("+31612345678", "second 222222")]


def test_moto_backs_up_whole_tables_for_a_transaction_through_its_copy_module():
    """dynamodb.transaction relies on moto.dynamodb.models taking its transaction backup with
    `copy.deepcopy(self.tables[name])` (module attribute `copy`, which the patches replace) and
    restoring it on failure, and Streams on a shard numbering each record by its length."""
    import moto.dynamodb.models as dynamodb_models

    source = inspect.getsource(shipped(DynamoDBBackend, "transact_write_items"))
    assert "copy.deepcopy(\n                    self.tables[table_name]\n                )" in source
    assert "self.tables[table_name] = original_table_state[table_name]" in source
    assert shipped(dynamodb_models, "copy").__name__ == "copy"
    assert "self.items[hash_value][range_value] = item" in inspect.getsource(Table.put_item)
    add = inspect.getsource(shipped(StreamShard, "add"))
    assert "seq = len(self.items) + self.starting_sequence_number" in add
    assert "self.items.append(StreamRecord(" in add


def test_cognito_admin_create_user_takes_the_arguments_the_invitation_patch_passes():
    """patches._invitations wraps CognitoIdpBackend.admin_create_user with this signature."""
    import inspect

    from moto.cognitoidp.models import CognitoIdpBackend

    assert list(inspect.signature(CognitoIdpBackend.admin_create_user).parameters) == [
        "self", "user_pool_id", "username", "message_action", "temporary_password", "attributes"]


def test_the_data_planes_answers_written_as_they_are_read_as_the_serializer_writes_them() -> None:
    from unittest import mock

    import moto.dynamodb.responses as dynamodb_responses

    every_type = {"PK": {"S": "c-1"}, "SK": {"S": "A#1"}, "n": {"N": "12.50"}, "b": {"B": b"\x00\xffbytes"},
                  "t": {"BOOL": True}, "z": {"NULL": True}, "m": {"M": {"a": {"L": [{"S": "x"}, {"N": "1"}]}}},
                  "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01", b"\x02"]},
                  "empty": {"L": []}, "GSI1PK": {"S": "LIST"}, "GSI1SK": {"S": "2026"}}

    def answers() -> list[Any]:
        with mock_aws():
            ddb = boto3.client("dynamodb", region_name=REGION)
            table = create_table(ddb, sort_key=True, index=True)
            key = {"PK": {"S": "c-1"}, "SK": {"S": "A#1"}}
            found = [
                ddb.put_item(TableName=table, Item=every_type, ReturnConsumedCapacity="TOTAL"),
                ddb.put_item(TableName=table, Item={**every_type, "n": {"N": "13"}}, ReturnValues="ALL_OLD"),
                ddb.get_item(TableName=table, Key=key),
                ddb.get_item(TableName=table, Key={"PK": {"S": "none"}, "SK": {"S": "none"}}),
                ddb.query(TableName=table, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={
                    ":pk": {"S": "c-1"}}, Limit=1, ReturnConsumedCapacity="INDEXES"),
                ddb.query(TableName=table, IndexName="GSI1", KeyConditionExpression="GSI1PK = :pk",
                          ExpressionAttributeValues={":pk": {"S": "LIST"}}, Select="COUNT"),
                ddb.scan(TableName=table),
                ddb.update_item(TableName=table, Key=key, UpdateExpression="SET n = n + :one",
                                ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW"),
                ddb.batch_get_item(RequestItems={table: {"Keys": [key, {"PK": {"S": "x"}, "SK": {"S": "y"}}]}}),
                ddb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}]),
                ddb.transact_write_items(TransactItems=[{"Update": {
                    "TableName": table, "Key": key, "UpdateExpression": "SET t = :f",
                    "ExpressionAttributeValues": {":f": {"BOOL": False}}}}]),
                ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": key}}]}),
                ddb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD"),
            ]
        # (each run has a table of its own: its name is the one difference the runs may have)
        return json.loads(json.dumps([{k: v for k, v in answer.items() if k != "ResponseMetadata"}
                                      for answer in found], default=repr).replace(table, "TABLE"))

    # Given the answers of every data-plane operation as moto's serializer writes them
    serialized = answers()
    # When the local cloud writes them as they are
    as_is = patches._dynamodb_as_is(dynamodb_responses.DynamoResult.execute_result)
    with mock.patch.object(dynamodb_responses.DynamoResult, "execute_result", as_is):
        written = answers()
    # Then the client reads the same answers
    assert written == serialized
    assert {name for name in patches.DYNAMODB_AS_IS} <= set(
        boto3.client("dynamodb", region_name=REGION).meta.service_model.operation_names)
