"""The monthly billing run, as steps of a Step Functions workflow (statemachines/billing_run):
plan the run, bill the customers of one shard a page at a time, and sum up. Customers are
found through the billing shards on GSI1 (no scan); billing a customer twice is impossible
(the invoice number is fixed per customer and month), so any step can run again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from opencounter.billing.invoices import bill_customer
from opencounter.catalogue.service import current_version
from opencounter.core.clock import BUSINESS_TIME, business_today
from opencounter.core.table import Item
from opencounter.customers.records import BILLING_SHARDS, ProductHolding
from opencounter.pricing.rating import Period

#: customers per task invocation: well inside a Lambda's time limit, few Step Functions transitions
PAGE_SIZE = 100
OUTCOMES = ("issued", "already_billed", "nothing_to_bill", "no_customer")


def plan_run(run_input: dict[str, Any]) -> dict[str, Any]:
    """The month to bill (given, or the month before the schedule fired) and one work item per
    shard."""
    if run_input.get("period"):
        period = Period.parse(run_input["period"])
    elif run_input.get("time"):
        fired = datetime.fromisoformat(run_input["time"].replace("Z", "+00:00")).astimezone(BUSINESS_TIME).date()
        period = Period.of(fired).previous()
    else:
        period = Period.of(business_today()).previous()
    version = current_version()
    return {"period": str(period), "catalogue_version": version,
            "shards": [{"shard": n, "period": str(period), "catalogue_version": version, "cursor": None,
                        "counts": dict.fromkeys(OUTCOMES, 0), "billed_cents": 0}
                       for n in range(BILLING_SHARDS)]}


def bill_page(work: dict[str, Any]) -> dict[str, Any]:
    """Bill the next page of customers of one shard; returns the work item for the next page
    (cursor None when the shard is done) with the running counts."""
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    page = Item.lookup.query(ProductHolding.billing_partition(int(work["shard"])), limit=PAGE_SIZE,
                             last_evaluated_key=cursor)
    customers = list(dict.fromkeys(h.customer_id for h in page if isinstance(h, ProductHolding)))
    counts, billed = dict(work["counts"]), int(work["billed_cents"])
    period = Period.parse(work["period"])
    for customer_id in customers:
        result = bill_customer(customer_id, period, work["catalogue_version"])
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
        billed += result.get("total_cents", 0) if result["outcome"] == "issued" else 0
    following = page.last_evaluated_key
    return {**work, "cursor": json.dumps(following) if following else None, "counts": counts, "billed_cents": billed}


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    """The run's totals over every shard."""
    counts = dict.fromkeys(OUTCOMES, 0)
    billed = 0
    for shard in run.get("shards", []):
        for outcome, n in shard["counts"].items():
            counts[outcome] = counts.get(outcome, 0) + n
        billed += int(shard["billed_cents"])
    return {"period": run["period"], "counts": counts, "billed_cents": billed,
            "customers": sum(counts.values())}

