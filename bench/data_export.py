"""Privacy benchmark: a copy of everything held about a customer (GDPR art. 15 and 20), against a
synchronous local cloud with the demo data (`python -m bench.data_export`; its figures go under
results["privacy"], keys export_..., beside any other privacy figure, which is kept).

export_missing_items: for each customer of the bench (the three demo customers with their history,
and one made here with everything a customer can have: a sign-up, products, usage, invoices, a
payment, contacts with messages and notes, a request, a dispute with an evidence file, an
appointment, consents, the timeline), the whole table scanned first, then the copy asked for over
HTTP as the portal asks for it and downloaded through its link: every item of the scan that names
the customer (or their sign-up; the notices sent are in their record) that is neither in their
copy (by its keys) nor of a kind the copy leaves out with a documented reason
(opencounter.privacy.collect.EXCLUDED), counted. Goal 0.

export_big_*: customers with SIZES usage records over six months (written straight into the table,
as the usage intake stores them), their copy written by the export's own code in this process, as
the export function writes it: its size, the most memory Python held meanwhile outside the in-memory
DynamoDB answering in this process (tracemalloc, as each of DynamoDB's answers is read, when a page
is held; moto deep-copies every item it answers with, garbage the function would not have:
export_sizes has the peak with it), against the function's memory, and how that peak grows from the
smaller customer to the larger (goal <= 1.2: it does not grow with the records, the file is written
as it is read). export_big_ms is that write's time here,
tracing included: the in-memory DynamoDB turns every item into its wire format attribute by
attribute (about 10 ms an item), which DynamoDB itself does not; export_big_queries is the Queries
and BatchGets the copy made, a page of at most PAGE items each, what it costs in AWS."""

from __future__ import annotations

import gc
import json
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import requests

from opencounter.privacy.collect import EXCLUDED, EXCLUDED_PARTITIONS

#: usage records of the two large customers: 1,000 and 2,000 a month, two pages of PAGE items and
#: four; a Query holds the page it reads and, while the next comes in, the one before: both at most
#: two pages, whatever the records
SIZES = (6_000, 12_000)
GOALS = {"export_missing_items": 0, "export_big_peak_growth": 1.2}


# ------------------------------------------------------------------ what is held about a customer


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of the table, as DynamoDB returns it (its attributes typed: {"S": ...})."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    return items


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name, {})
    return str(value.get("S", "")) if isinstance(value, dict) else ""


def held_about(items: list[dict[str, Any]], customer_id: str) -> list[dict[str, Any]]:
    """The items of a scan that are about the customer: every one that names them or their sign-up
    (its keys or any field; the notices sent are in their record's partition)."""
    signups = {_text(i, "signup_id") for i in items
               if _text(i, "entity") == "Signup" and _text(i, "customer_id") == customer_id}
    names = {customer_id, *signups} - {""}
    return [i for i in items if any(name in json.dumps(i) for name in names)]


def exported_keys(document: dict[str, Any]) -> set[tuple[str, str]]:
    """The keys of every item in a copy."""
    return {(e["PK"], e["SK"]) for entries in document["sections"].values() for e in entries if "PK" in e}


def missing_items(held: Iterable[dict[str, Any]], document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(entity, PK, SK) of each item held that is neither in the copy nor of a kind it leaves out."""
    keys = exported_keys(document)
    return sorted((_text(i, "entity"), _text(i, "PK"), _text(i, "SK")) for i in held
                  if (_text(i, "PK"), _text(i, "SK")) not in keys and _text(i, "entity") not in EXCLUDED
                  and not any(_text(i, "PK").startswith(p) for p in EXCLUDED_PARTITIONS))


# ------------------------------------------------------------------ the benchmark


def _copy(base_url: str, token: str) -> dict[str, Any]:
    """Ask for a copy over HTTP as the portal does, and download it through its link."""
    headers = {"Authorization": token}
    asked = requests.post(f"{base_url}/me/data-requests/export", headers=headers, timeout=60)
    assert asked.status_code in (200, 202), asked.text
    request_id = asked.json()["request_id"]
    link = requests.get(f"{base_url}/me/data-requests/{request_id}/download", headers=headers, timeout=30)
    assert link.status_code == 200, link.text
    got = requests.get(link.json()["url"], timeout=60)
    assert got.status_code == 200, got.text[:300]
    return json.loads(got.content)


def _big_customer(running: Any, records: int) -> str:
    """A customer with `records` usage records over six months, and their month totals."""
    from opencounter.billing.records import UsageRecord, UsageTotal
    from opencounter.core.clock import isoformat, utcnow
    from opencounter.customers.service import hold_product, register_customer

    customer_id = register_customer(
        {"given_name": "Groot", "family_name": "Verbruiker", "birth_date": "1980-01-01",
         "email": f"groot-{uuid.uuid4().hex[:8]}@example.nl"},
        {"street": "Damrak", "house_number": 2, "postcode": "1012 LG", "city": "Amsterdam"},
        actor={"type": "system", "id": "bench"}, channel="system")
    product_id = hold_product(customer_id, {
        "product_code": "MOBILE", "name": "Mobiel", "kind": "mobile", "plan": "20 GB", "plan_code": "MOBILE-20GB",
        "catalogue_version": "bench", "started_at": "2026-01-01", "monthly_fee_cents": 2000},
        actor={"type": "system", "id": "bench"}, channel="system")
    now, periods = isoformat(utcnow()), [f"2026-{m:02d}" for m in range(6, 12)]
    with UsageRecord.batch_write() as batch:
        for n in range(records):
            period = periods[n % len(periods)]
            record = UsageRecord(*UsageRecord.keys(f"big-{customer_id[:8]}-{n}"), record_id=f"big-{n}",
                                 customer_id=customer_id, product_id=product_id, unit="data_mb", quantity=n % 500,
                                 occurred_at=f"{period}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z", period=period,
                                 received_at=now)
            record.index()
            batch.save(record)
    for period in periods:
        UsageTotal(*UsageTotal.keys(customer_id, period, product_id), product_id=product_id, period=period,
                   data_mb=1, records=records // len(periods)).save()
    running.cloud.settle()
    return customer_id


def _memory_of(function: str) -> int:
    from infra.local.template import load_template

    template = load_template()
    spec = template["Resources"][function]["Properties"]
    return int(spec.get("MemorySize", template["Globals"]["Function"]["MemorySize"]))


def _outside_moto() -> int:
    """Bytes Python holds now that the in-memory DynamoDB did not allocate (what the function
    itself would hold: the export's code, pynamodb and botocore with the page they read)."""
    return sum(stat.size for stat in tracemalloc.take_snapshot().statistics("filename")
               if "/moto/" not in str(stat.traceback[0].filename))


def _written(customer_id: str, records: int) -> dict[str, Any]:
    """The customer's copy written to a file on disk as the export function writes it: its size, the
    most memory held meanwhile outside the in-memory DynamoDB (measured as each answer of DynamoDB
    is read: when a page is held), the time and the DynamoDB requests it took."""
    from opencounter.core.table import connection
    from opencounter.privacy.collect import write_export

    calls, held = {"n": 0}, {"most": 0}

    def count(**_: Any) -> None:
        calls["n"] += 1

    def measure(**_: Any) -> None:
        held["most"] = max(held["most"], _outside_moto())
    events = connection().client.meta.events
    events.register("before-call.dynamodb", count)
    events.register("after-call.dynamodb", measure)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with tempfile.TemporaryFile() as out:
            summary = write_export(customer_id, "bench", out)
    finally:
        took_ms = (time.perf_counter() - started) * 1000
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        events.unregister("before-call.dynamodb", count)
        events.unregister("after-call.dynamodb", measure)
    return {"records": records, "usage_entries": summary.sections["usage"], "bytes": summary.bytes,
            "peak_mb": round(held["most"] / 1e6, 2),
            "peak_with_local_dynamodb_mb": round(peak / 1e6, 1), "ms": round(took_ms), "queries": calls["n"]}


def run(running: Any, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    from infra.local.demo import CUSTOMERS, DEMO_PASSWORD, demo_id
    from tests.integration.test_data_export import full_history

    phase = time.monotonic()
    customers = {c["key"]: (demo_id(c["key"]), running.issuer.sign_in(c["person"]["email"], DEMO_PASSWORD)["IdToken"])
                 for c in CUSTOMERS}
    made = full_history(running)
    customers["full_history"] = (str(made.customer_id), str(made.session.headers["Authorization"]))
    # what is held, read before the copies are asked for (their own consequences come after them)
    items = scan(running.cloud.client("dynamodb"), running.cloud.resolver.physical["Table"])
    copies = {key: _copy(running.url, token) for key, (_, token) in customers.items()}
    missing = {key: missing_items(held_about(items, customer_id), copies[key])
               for key, (customer_id, _) in customers.items()}
    total = sum(len(m) for m in missing.values())
    log(f"  items held but missing from the copy: {total} over {len(customers)} customers (goal 0)   "
        f"({time.monotonic() - phase:.1f}s)")

    phase = time.monotonic()
    memory = _memory_of("DataExportFunction")
    sizes = []
    for records in SIZES:
        sizes.append(_written(_big_customer(running, records), records))
        log(f"  a customer with {records} usage records: {sizes[-1]['bytes'] / 1e6:.1f} MB written in "
            f"{sizes[-1]['ms']} ms ({sizes[-1]['queries']} requests), peak Python memory {sizes[-1]['peak_mb']} MB "
            f"(the function has {memory} MB)   ({time.monotonic() - phase:.1f}s)")
    small, big = sizes
    growth = round(big["peak_mb"] / small["peak_mb"], 2) if small["peak_mb"] else None
    return {
        "privacy": {"export_missing_items": total, "export_big_records": big["records"],
                    "export_big_bytes": big["bytes"], "export_big_peak_mb": big["peak_mb"],
                    "export_big_peak_growth": growth, "export_big_ms": big["ms"],
                    "export_big_queries": big["queries"]},
        "privacy_detail": {"export_goals": GOALS, "export_sizes": sizes, "export_function_memory_mb": memory,
                           "export_customers": {key: {"entries": sum(len(v) for v in copies[key]["sections"].values()),
                                                      "missing": [list(m) for m in missing[key]]}
                                                for key in customers}},
    }


def save(figures: dict[str, Any]) -> None:
    """Into bench/results.json, beside what is there: the privacy figures of others kept."""
    from bench.run import RESULTS
    from bench.run import save as save_results

    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged = {key: {**(existing.get(key) or {}), **value} for key, value in figures.items()
              if key in ("privacy", "privacy_detail")}
    save_results({**figures, **merged, "notes": {**(figures.get("notes") or {}), "privacy_export": NOTE}})


NOTE = __doc__.split("\n\n", 1)[1].replace("\n", " ") if __doc__ else ""


def main() -> int:
    """`python -m bench.data_export`: on a synchronous cloud of its own with the demo data."""
    from bench.run import BENCH_ENV
    from infra.local import runtime

    running = runtime.start(synchronous=True, demo=True, environment=BENCH_ENV)
    try:
        save(run(running))
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
