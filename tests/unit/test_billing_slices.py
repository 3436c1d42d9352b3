"""The billing run's slices: every product of every customer is in exactly one slice, all of a
customer's products in the same one, whatever the ids look like; and a run cut into many slices,
billed a small page at a time (each page delivered twice), bills and counts every customer once
and wakes its workflow when the last slice is done. (That billing a customer's month twice is
harmless is bill_customer's own affair, tested through the local cloud; here it is counted.)"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter, deque
from typing import Any

import pytest

from opencounter.billing import run
from opencounter.billing.records import BillingPage, BillingSliceTotals
from opencounter.core.table import CUSTOMER_PREFIX
from opencounter.customers.records import BILLING_SHARDS, ProductHolding, billing_shard
from opencounter.pricing.rating import Period
from tests.unit.conftest import stored

ODD_IDS = ["A", "a", "0", "f", "ff", "fg", "g-1", "Z", "0000", "FFFF", "zzz", "ü", "1#2", "-", "~"]


def ids(count: int) -> list[str]:
    rng = random.Random(14)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)] + ODD_IDS


@pytest.mark.parametrize("per_shard", run.SLICES_PER_SHARD)
def test_every_product_is_in_exactly_one_slice_with_the_rest_of_its_customers(per_shard: int) -> None:
    # Given the slices of a run, and customers with several products each
    slices = run.slices(per_shard)
    assert len(slices) == BILLING_SHARDS * per_shard
    assert [s.number for s in slices] == list(range(len(slices)))
    for customer_id in ids(300):
        keys = [f"{CUSTOMER_PREFIX}{customer_id}#PRODUCT#{product}" for product in ("0", "a-1", "z", str(uuid.uuid4()))]
        shard = [s for s in slices if s.shard == billing_shard(customer_id)]
        # Then each product's index key is held by exactly one slice of the customer's shard
        holding = [[s.number for s in shard if s.holds(key)] for key in keys]
        assert all(len(found) == 1 for found in holding), (customer_id, holding)
        # And it is the same slice for every product of the customer, the one slice_of names
        assert {found[0] for found in holding} == {run.slice_of(customer_id, per_shard)}, customer_id


def test_a_number_of_slices_the_run_cannot_cut_is_refused() -> None:
    with pytest.raises(ValueError, match="slices per shard"):
        run.slices(10)


class FakeStates:
    """Step Functions as the last slice answers it (core.workflows.answer_task): the task tokens
    it is given back, and how many slices had their totals stored at that moment."""

    def __init__(self) -> None:
        self.answered: list[tuple[str, int]] = []

    def __call__(self, token: str, output: dict[str, Any]) -> bool:
        self.answered.append((token, len(stored(BillingSliceTotals))))
        return True


class Invoicing:
    """bill_customer as the run calls it: who was billed, how often (the first call issues an
    invoice of EUR 10, later ones find it billed by that run)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, customer_id: str, period: Period, version: str, *, run: str | None = None) -> dict[str, Any]:
        self.calls[customer_id] += 1
        if self.calls[customer_id] == 1:
            return {"outcome": "issued", "invoice_id": f"OC-{customer_id}", "total_cents": 1000}
        return {"outcome": "already_billed", "invoice_id": f"OC-{customer_id}", "billed_by": run, "total_cents": 1000}


@pytest.fixture
def queue(table: str, monkeypatch: pytest.MonkeyPatch) -> tuple[deque[dict[str, Any]], FakeStates, Invoicing]:
    """The billing queue (a list the run's pages are put on), Step Functions and invoicing, in
    memory."""
    pages: deque[dict[str, Any]] = deque()
    states, invoicing = FakeStates(), Invoicing()
    monkeypatch.setattr(run, "enqueue", lambda queue, works: pages.extend(json.loads(json.dumps(w)) for w in works))
    monkeypatch.setattr(run, "answer_task", states)
    monkeypatch.setattr(run, "bill_customer", invoicing)
    monkeypatch.setattr(run, "current_version", lambda: "2026-11-01")
    return pages, states, invoicing


def hold(customer_id: str, products: int) -> None:
    """`products` fibre lines on the customer's record, indexed for billing."""
    for n in range(products):
        holding = ProductHolding(*ProductHolding.keys(customer_id, f"fibre-{n}"), product_id=f"fibre-{n}",
                                 product_code="FIBRE", name="Glasvezel", kind="internet", plan="100 Mbit/s",
                                 plan_code="FIBRE-100", catalogue_version="2026-11-01", status="ACTIVE",
                                 started_at="2025-01-01")
        holding.index_for_billing(customer_id)
        holding.save()


def test_a_run_cut_into_many_slices_bills_and_counts_every_customer_once(queue, monkeypatch) -> None:
    # Given customers holding one to three products, in every billing shard and three in one
    # slice, with pages of two products: pages end halfway a customer's products
    pages, states, invoicing = queue
    monkeypatch.setattr(run, "PAGE_SIZE", 2)
    customers = list({billing_shard(i): i for i in reversed(ids(60)[:60])}.values())
    customers += [i for i in ids(400)[60:] if run.slice_of(i, 16) == run.slice_of(customers[0], 16)][:2]
    for n, customer_id in enumerate(customers):
        hold(customer_id, 1 + n % 3)
    assert len({billing_shard(c) for c in customers}) == BILLING_SHARDS

    # When a run cut into sixteen slices a shard is started and every page it puts on the
    # queue is delivered twice
    plan = run.plan_run({"period": "2026-03", "slices_per_shard": 16}, "run-1")
    assert run.start_slices(plan, "token-1") == {"slices": 128}
    outcomes = []
    while pages:
        page = pages.popleft()
        outcomes += [run.bill_slice_page(page), run.bill_slice_page(page)]

    # Then every customer was billed once, by this run
    assert invoicing.calls == Counter(dict.fromkeys(customers, 1))
    # And each page was billed once, more pages than there are slices (a slice's pages follow
    # one another); every other delivery found its page billed
    assert outcomes.count("billed") == len(stored(BillingPage)) > 128
    assert outcomes.count("again") == len(outcomes) // 2
    # And the workflow was woken with its token once every slice was done, never before
    assert states.answered and set(states.answered) == {("token-1", 128)}
    # And the totals count each customer once, as issued
    totals = run.summarise(plan)
    assert totals["counts"] == {"issued": len(customers), "already_billed": 0, "nothing_to_bill": 0, "no_customer": 0}
    assert totals["customers"] == len(customers) and totals["slices"] == 128
    assert totals["billed_cents"] == 1000 * len(customers)
