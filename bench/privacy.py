"""Privacy benchmark: a copy of everything held about a customer (GDPR art. 15 and 20), against a
synchronous local cloud with the demo data (`python -m bench.privacy`, or as a phase of
`make bench`; its figures go under results["privacy"], keys export_..., beside any other privacy
figure, which is kept).

export_missing_items: for each customer of the bench (the three demo customers with their history,
and one made here with everything a customer can have: a sign-up, products, usage, invoices, a
payment, contacts with messages and notes, a request, a dispute with an evidence file, an
appointment, consents, the timeline), the copy asked for over HTTP as the portal asks for it and
downloaded through its link, then the whole table scanned: every item that names the customer (or
their sign-up), and every notice sent about an event on their timeline, that is neither in their
copy (by its keys) nor of a kind the copy leaves out with a documented reason
(opencounter.privacy.collect.EXCLUDED), counted. Goal 0.

export_big_*: one customer with BIG_RECORDS usage records over six months (written straight into
the table, as the usage intake stores them), their copy made by the export step in this process:
its time, its size, and the most memory Python held while making it (tracemalloc), against the
export function's memory (template.yaml DataExportFunction)."""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import requests

from opencounter.privacy.collect import EXCLUDED, EXCLUDED_PARTITIONS

#: usage records of the big customer
BIG_RECORDS = 20_000
GOALS = {"export_missing_items": 0}


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
    (its keys or any field), and the notices sent about an event on their timeline (keyed by the
    event alone)."""
    signups = {_text(i, "signup_id") for i in items
               if _text(i, "entity") == "Signup" and _text(i, "customer_id") == customer_id}
    names = {customer_id, *signups} - {""}
    about = [i for i in items if any(name in json.dumps(i) for name in names)]
    events = {_text(i, "event_id") for i in about if _text(i, "entity") == "TimelineEntry"}
    notices = [i for i in items if _text(i, "entity") == "Notification"
               and _text(i, "PK").removeprefix("NOTIFICATION#") in events]
    return about + notices


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


def _big_customer(running: Any) -> str:
    """A customer with BIG_RECORDS usage records over six months, and their month totals."""
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
        for n in range(BIG_RECORDS):
            period = periods[n % len(periods)]
            record = UsageRecord(*UsageRecord.keys(f"big-{customer_id[:8]}-{n}"), record_id=f"big-{n}",
                                 customer_id=customer_id, product_id=product_id, unit="data_mb", quantity=n % 500,
                                 occurred_at=f"{period}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z", period=period,
                                 received_at=now)
            record.index()
            batch.save(record)
    for period in periods:
        UsageTotal(*UsageTotal.keys(customer_id, period, product_id), product_id=product_id, period=period,
                   data_mb=1, records=BIG_RECORDS // len(periods)).save()
    running.cloud.settle()
    return customer_id


def _memory_of(function: str) -> int:
    from infra.local.template import load_template

    template = load_template()
    spec = template["Resources"][function]["Properties"]
    return int(spec.get("MemorySize", template["Globals"]["Function"]["MemorySize"]))


def run(running: Any, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    from infra.local.demo import CUSTOMERS, DEMO_PASSWORD, demo_id
    from infra.local.tokens import User
    from opencounter.privacy.collect import write_export
    from tests.integration.test_data_export import full_history

    phase = time.monotonic()
    customers = {c["key"]: (demo_id(c["key"]), running.issuer.sign_in(c["person"]["email"], DEMO_PASSWORD)["IdToken"])
                 for c in CUSTOMERS}
    made = full_history(running)
    customers["full_history"] = (str(made.customer_id), str(made.session.headers["Authorization"]))
    copies = {key: _copy(running.url, token) for key, (_, token) in customers.items()}
    items = scan(running.cloud.client("dynamodb"), running.cloud.resolver.physical["Table"])
    missing = {key: missing_items(held_about(items, customer_id), copies[key])
               for key, (customer_id, _) in customers.items()}
    total = sum(len(m) for m in missing.values())
    log(f"  items held but missing from the copy: {total} over {len(customers)} customers (goal 0)   "
        f"({time.monotonic() - phase:.1f}s)")

    phase = time.monotonic()
    big = _big_customer(running)
    user = User(f"groot-{big[:8]}@example.nl", "pw", ("customers",), big)
    running.issuer.add_user(user)
    # the whole way, over HTTP: the synchronous cloud answers the ask once the copy is made
    started = time.perf_counter()
    copy = _copy(running.url, running.issuer.id_token(user))
    whole_ms = (time.perf_counter() - started) * 1000
    records = len(copy["sections"]["usage"])
    # the copy written again in this process, for the memory it takes (the in-memory AWS answering
    # the queries is in this process too: an upper bound)
    tracemalloc.start()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        summary = write_export(big, "bench", out)
    write_ms = (time.perf_counter() - started) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    memory = _memory_of("DataExportFunction")
    log(f"  a customer with {records} usage entries: asked to downloaded {whole_ms:.0f} ms, written in {write_ms:.0f} "
        f"ms, {summary.bytes / 1e6:.1f} MB, peak Python memory {peak / 1e6:.1f} MB (the function has {memory} MB)   "
        f"({time.monotonic() - phase:.1f}s)")
    return {
        "privacy": {"export_missing_items": total, "export_big_ms": round(whole_ms),
                    "export_big_bytes": summary.bytes, "export_big_peak_mb": round(peak / 1e6, 1)},
        "privacy_detail": {"export_goals": GOALS, "export_big_write_ms": round(write_ms),
                           "export_customers": {key: {"entries": sum(len(v) for v in copies[key]["sections"].values()),
                                                      "missing": [list(m) for m in missing[key]]}
                                                for key in customers},
                           "export_big_usage_entries": records, "export_big_function_memory_mb": memory},
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
    """`python -m bench.privacy`: on a synchronous cloud of its own with the demo data."""
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
