"""The monthly billing run (statemachines/billing_run.asl.json), at any number of customers.

The workflow plans the run, hands its slices to the billing queue and waits (a task token);
BillingSliceFunction bills a slice a page at a time, each page a message of its own that puts
the slice's next page on the queue; the last slice done hands the token back, and the workflow
sums up the slices' totals. The workflow's history is the same for ten customers or ten
million; the slices are billed side by side, as many at once as the queue's consumer may run;
a page that fails is retried alone (and after the queue's retries kept on its DLQ).

Customers are found through the billing shards on GSI1 (no scan); each shard is cut into slices
by ranges of the customer id, so all of a customer's products are in one slice. A customer is
never billed twice (the invoice number is fixed per customer and month, written only if
absent), and a page is recorded once (`BillingPage`): however often a page is delivered, the
totals count each customer once, and a customer whose invoice this run wrote counts as issued.
The run's bookkeeping is an item per page and per slice, and a set of slices done spread over
`BillingSlicesDone.SHARDS` items: nothing every slice writes to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pynamodb.exceptions import PutError

from opencounter.billing.invoices import bill_customer
from opencounter.billing.records import RUN_KEPT, BillingPage, BillingRun, BillingSlicesDone, BillingSliceTotals
from opencounter.catalogue.service import current_version
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.queues import enqueue
from opencounter.core.settings import settings
from opencounter.core.table import CUSTOMER_PREFIX, Item
from opencounter.core.workflows import answer_task
from opencounter.customers.records import BILLING_SHARDS, ProductHolding, billing_shard
from opencounter.pricing.rating import Period

#: products per page (one message, one invocation): seconds of work, well inside the function's
#: time limit, and a small loss when a page has to be billed again
PAGE_SIZE = 100
OUTCOMES = ("issued", "already_billed", "nothing_to_bill", "no_customer")
#: how many slices a billing shard may be cut into: ranges of the first 0, 1 or 2 hex digits of
#: the customer id
SLICES_PER_SHARD = (1, 16, 256)
#: a page record is kept as long as the rest of the run's bookkeeping (a run and its retries are
#: over within a day)
PAGE_KEPT = RUN_KEPT


# ------------------------------------------------------------------ slices


@dataclass(frozen=True)
class Slice:
    """The products of one billing shard whose index key lies in [low, high) (None: open)."""

    number: int
    shard: int
    low: str | None
    high: str | None

    def condition(self) -> Any:
        key = Item.GSI1SK
        if self.low and self.high:
            # BETWEEN includes `high`, which no product's key equals (theirs go on past the id)
            return key.between(self.low, self.high)
        if self.low:
            return key >= self.low
        if self.high:
            return key < self.high
        return None

    def holds(self, index_key: str) -> bool:
        return (self.low is None or index_key >= self.low) and (self.high is None or index_key < self.high)


@cache
def slices(per_shard: int) -> tuple[Slice, ...]:
    """Every slice of a run: each billing shard cut into `per_shard` ranges of the customer id
    (its first hex digits), numbered shard by shard. Together they hold every key of the index,
    whatever the ids look like, and a customer's products sort together, so they are in one."""
    if per_shard not in SLICES_PER_SHARD:
        raise ValueError(f"slices per shard must be one of {SLICES_PER_SHARD}, not {per_shard}")
    digits = SLICES_PER_SHARD.index(per_shard)
    bounds: list[str | None] = [None, *(f"{CUSTOMER_PREFIX}{n:0{digits}x}" for n in range(1, per_shard)), None]
    return tuple(Slice(shard * per_shard + n, shard, bounds[n], bounds[n + 1])
                 for shard in range(BILLING_SHARDS) for n in range(per_shard))


def slice_of(customer_id: str, per_shard: int) -> int:
    """The number of the slice a customer's products are billed in."""
    shard, key = billing_shard(customer_id), f"{CUSTOMER_PREFIX}{customer_id}#"
    return next(s.number for s in slices(per_shard)[shard * per_shard:(shard + 1) * per_shard] if s.holds(key))


# ------------------------------------------------------------------ the workflow's steps


def plan_run(run_input: dict[str, Any], run: str) -> dict[str, Any]:
    """The month to bill (given, or the month before the schedule fired), the catalogue version,
    and how many slices (`slices_per_shard` in the input, or the function's setting)."""
    if run_input.get("period"):
        period = Period.parse(run_input["period"])
    elif run_input.get("time"):
        fired = datetime.fromisoformat(run_input["time"].replace("Z", "+00:00")).astimezone(BUSINESS_TIME).date()
        period = Period.of(fired).previous()
    else:
        period = Period.of(business_today()).previous()
    per_shard = int(run_input.get("slices_per_shard") or settings().billing_slices_per_shard)
    return {"run": run, "period": str(period), "catalogue_version": current_version(),
            "slices_per_shard": per_shard, "slices": len(slices(per_shard))}


def start_slices(plan: dict[str, Any], task_token: str) -> dict[str, Any]:
    """Keep the run (with the token of the step now waiting for it) and put the first page of
    every slice on the billing queue. Safe to run again: the step retried gets a new token,
    which replaces the old, and a page delivered twice is billed once."""
    BillingRun(*BillingRun.keys(plan["run"]), run=plan["run"], period=plan["period"],
               catalogue_version=plan["catalogue_version"], slices=plan["slices"],
               slices_per_shard=plan["slices_per_shard"], task_token=task_token,
               started_at=isoformat(utcnow())).save()
    first = {"run": plan["run"], "period": plan["period"], "catalogue_version": plan["catalogue_version"],
             "slices_per_shard": plan["slices_per_shard"], "page": 0, "cursor": None, "skip": None,
             "counts": dict.fromkeys(OUTCOMES, 0), "billed_cents": 0}
    enqueue("billing_slice_queue_url", ({**first, "slice": s.number} for s in slices(plan["slices_per_shard"])))
    return {"slices": plan["slices"]}


def summarise(plan: dict[str, Any]) -> dict[str, Any]:
    """The run's totals: the sum of its slices' totals (every slice is done: the last one woke
    the workflow)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    billed, found = 0, 0
    for totals in Item.query(BillingRun.partition(plan["run"]), Item.SK.startswith(BillingSliceTotals.SK_PREFIX)):
        if isinstance(totals, BillingSliceTotals):
            found += 1
            for outcome, n in totals.counts.items():
                counts[outcome] = counts.get(outcome, 0) + int(n)
            billed += int(totals.billed_cents)
    if found != plan["slices"]:
        raise RuntimeError(f"run {plan['run']}: {found} of {plan['slices']} slices have totals")
    return {"run": plan["run"], "period": plan["period"], "slices": found, "counts": counts, "billed_cents": billed,
            "customers": sum(counts.values())}


# ------------------------------------------------------------------ a page of a slice


def bill_slice_page(work: dict[str, Any]) -> str:
    """Bill one page of a slice (a message from the billing queue) and put the slice's next page
    on the queue; on the slice's last page, record the slice done, and when it was the run's last,
    wake the workflow. A page recorded already (the message came again) is not billed again:
    what follows it is sent on from its record. Returns "billed" or "again"."""
    run, number, page_no = work["run"], int(work["slice"]), int(work["page"])
    page = _page_record(run, number, page_no)
    billed_here = page is None
    if page is None:
        page = _bill_page(work)
        try:
            page.save(condition=BillingPage.PK.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            billed_here = False  # billed at the same moment elsewhere: that record is the chain's
            page = BillingPage.get(*BillingPage.keys(run, number, page_no), consistent_read=True)
    if page.cursor is None:
        _finish_slice(work, page)
    elif billed_here or not page.next_sent:
        # sent on, then marked so: a page got again after that sends nothing, so copies of a
        # page do not multiply down the slice (dying in between sends the next page twice: harmless)
        following = {**work, "page": page_no + 1, "cursor": page.cursor, "skip": page.last_customer,
                     "counts": page.counts, "billed_cents": int(page.billed_cents)}
        enqueue("billing_slice_queue_url", [following])
        page.update(actions=[BillingPage.next_sent.set(True)])
    return "billed" if billed_here else "again"


def _bill_page(work: dict[str, Any]) -> BillingPage:
    """Bill the customers of the page `work` starts (all of a customer's products: the first one
    is skipped when the previous page billed it already); the page's record, not yet stored."""
    run, number, page_no = work["run"], int(work["slice"]), int(work["page"])
    part = slices(int(work["slices_per_shard"]))[number]
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    holdings = Item.lookup.query(ProductHolding.billing_partition(part.shard), range_key_condition=part.condition(),
                                 limit=PAGE_SIZE, last_evaluated_key=cursor)
    customers = list(dict.fromkeys(h.customer_id for h in holdings if isinstance(h, ProductHolding)))
    following = holdings.last_evaluated_key
    last = customers[-1] if customers else None
    if customers and customers[0] == work.get("skip"):
        customers = customers[1:]
    counts, billed = dict(work["counts"]), int(work["billed_cents"])
    period = Period.parse(work["period"])
    for customer_id in customers:
        result = bill_customer(customer_id, period, work["catalogue_version"], run=run)
        outcome = "issued" if result["outcome"] == "already_billed" and result.get("billed_by") == run \
            else result["outcome"]
        counts[outcome] = counts.get(outcome, 0) + 1
        billed += int(result.get("total_cents", 0)) if outcome == "issued" else 0
    return BillingPage(*BillingPage.keys(run, number, page_no), counts=counts, billed_cents=billed,
                       cursor=json.dumps(following) if following else None,
                       last_customer=last if following else None, expires_at=utcnow() + PAGE_KEPT)


def _page_record(run: str, number: int, page_no: int) -> BillingPage | None:
    try:
        return BillingPage.get(*BillingPage.keys(run, number, page_no), consistent_read=True)
    except BillingPage.DoesNotExist:
        return None


def _finish_slice(work: dict[str, Any], page: BillingPage) -> None:
    """The slice's totals kept, the slice added to its set of slices done. The slice that fills
    its set reads the others: if that makes every slice of the run, the workflow is woken (by
    whichever slice sees it first; a second wake-up finds the step no longer waiting and is
    ignored)."""
    run, number, total = work["run"], int(work["slice"]), len(slices(int(work["slices_per_shard"])))
    kept = utcnow() + RUN_KEPT
    BillingSliceTotals(*BillingSliceTotals.keys(run, number), slice=number, pages=int(work["page"]) + 1,
                       counts=page.counts, billed_cents=int(page.billed_cents), expires_at=kept).save()
    shard = BillingSlicesDone.shard_of(number)
    done = BillingSlicesDone(*BillingSlicesDone.keys(run, shard))
    done.update(actions=[Item.entity.set(BillingSlicesDone), BillingSlicesDone.slices.add({number}),
                         Item.expires_at.set(kept)])
    if len(done.slices or ()) < len(range(shard, total, BillingSlicesDone.SHARDS)):
        return
    sets = range(min(total, BillingSlicesDone.SHARDS))
    keys = [BillingRun.keys(run), *(BillingSlicesDone.keys(run, k) for k in sets)]
    found = list(Item.batch_get(keys, consistent_read=True))
    if sum(len(i.slices or ()) for i in found if isinstance(i, BillingSlicesDone)) < total:
        return
    record = next(i for i in found if isinstance(i, BillingRun))
    answer_task(record.task_token, {"slices_done": total})
