"""What a Query costs in the local cloud as its table fills: the same partition queried in a table
holding 1,000 unrelated items and in one holding 100,000, in the running cloud's own in-memory
DynamoDB (the local cloud's patches applied), through the API as a function queries it."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import dynamodb_backends

from infra.local import dynamodb
from infra.local.runtime import Running
from infra.local.template import ACCOUNT, load_template

SIZES = {"small": 1_000, "large": 100_000}
#: the partition queried: its items, and its index partition on GSI1
PARTITION, SHARD, ITEMS = "CUSTOMER#bench", "SHARD#7", 200
PAGE = 25
#: timed Queries per kind and table, after WARM_UP untimed ones; the tables take turns
RUNS, WARM_UP = 15, 2
GOAL = 1.2


def _attributes(pk: str, sk: str, **more: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}


def _table(running: Running, unrelated: int) -> str:
    """A table as the template makes it: `unrelated` profiles in partitions of their own (every
    tenth on GSI1, in index partitions of its own), loaded straight into the in-memory table, and
    the partition queried, written through the API."""
    client = running.cloud.client("dynamodb")
    spec = load_template()["Resources"]["Table"]["Properties"]
    name = f"bench-query-{uuid.uuid4().hex[:8]}"
    client.create_table(TableName=name, **{k: spec[k] for k in ("AttributeDefinitions", "KeySchema",
                                                                "GlobalSecondaryIndexes", "BillingMode")})
    table = dynamodb_backends[ACCOUNT][running.cloud.region].tables[name]
    dynamodb.load(table, (_attributes(f"CUSTOMER#{n}", "PROFILE", **(
        {"GSI1PK": f"SHARD#{n % 50}X", "GSI1SK": str(n)} if n % 10 == 0 else {})) for n in range(unrelated)))
    for n in range(ITEMS):
        client.put_item(TableName=name, Item=_attributes(PARTITION, f"ITEM#{n:04d}", GSI1PK=SHARD,
                                                         GSI1SK=f"{PARTITION}#{n:04d}"))
    return name


def _queries(client: Any, name: str) -> dict[str, Callable[[], Any]]:
    """The kinds of Query timed: the whole partition, its first page and a later one (from the
    middle: ExclusiveStartKey), on the table and on GSI1."""
    table = {"TableName": name, "KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {
        ":p": {"S": PARTITION}}}
    index = {"TableName": name, "IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :g",
             "ExpressionAttributeValues": {":g": {"S": SHARD}}, "Limit": PAGE}
    middle = {"PK": {"S": PARTITION}, "SK": {"S": f"ITEM#{ITEMS // 2:04d}"}}
    index_middle = {**middle, "GSI1PK": {"S": SHARD}, "GSI1SK": {"S": f"{PARTITION}#{ITEMS // 2:04d}"}}
    return {
        "partition": lambda: client.query(**table),
        "first_page": lambda: client.query(**table, Limit=PAGE),
        "later_page": lambda: client.query(**table, Limit=PAGE, ExclusiveStartKey=middle),
        "gsi_first_page": lambda: client.query(**index),
        "gsi_later_page": lambda: client.query(**index, ExclusiveStartKey=index_middle),
    }


def run(running: Running, *, log: Callable[[str], None]) -> dict[str, Any]:
    client = running.cloud.client("dynamodb")
    started = time.monotonic()
    tables = {size: _table(running, unrelated) for size, unrelated in SIZES.items()}
    log(f"  tables filled: {', '.join(f'{SIZES[s]:,} unrelated items' for s in tables)} "
        f"({time.monotonic() - started:.1f}s)")
    queries = {size: _queries(client, name) for size, name in tables.items()}
    answers = {size: {kind: query()["Items"] for kind, query in kinds.items()} for size, kinds in queries.items()}
    if answers["small"] != answers["large"]:
        raise RuntimeError("the same partition answered differently in the larger table")
    timings: dict[str, dict[str, list[float]]] = {size: {kind: [] for kind in queries[size]} for size in tables}
    for attempt in range(WARM_UP + RUNS):
        for kind in queries["small"]:
            for size in tables:  # the tables take turns, so both meet the same moments of the machine
                began = time.perf_counter()
                queries[size][kind]()
                if attempt >= WARM_UP:
                    timings[size][kind].append((time.perf_counter() - began) * 1000)
    for name in tables.values():
        client.delete_table(TableName=name)
    medians = {size: {kind: round(statistics.median(ms), 2) for kind, ms in kinds.items()}
               for size, kinds in timings.items()}
    growth = {kind: round(medians["large"][kind] / medians["small"][kind], 2) for kind in medians["small"]}
    for kind in growth:
        log(f"  {kind:<16} {medians['small'][kind]:7.2f} ms with {SIZES['small']:,}, "
            f"{medians['large'][kind]:7.2f} ms with {SIZES['large']:,} unrelated items: x{growth[kind]}")
    return {
        "local_cloud": {"query_ms_growth": growth["partition"], "goal": GOAL,
                        "query_ms_growth_by_kind": growth},
        "local_cloud_detail": {"query_ms_median": medians, "unrelated_items": SIZES, "partition_items": ITEMS,
                               "page": PAGE, "runs": RUNS, "returned": {k: len(v) for k, v in answers["large"].items()},
                               "seconds": round(time.monotonic() - started, 1)},
    }
