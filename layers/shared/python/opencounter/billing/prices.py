"""A price rise told to every holder before it takes effect (ADR 38), at any number of them.

Loading a catalogue version that raises a plan's price stores a `CataloguePricesRaised` event
(`catalogue.service.load_catalogue`); it puts each billing shard's first page of products on the
mailing queue, as a mailing does; a page (PAGE_SIZE products) is announced and puts the shard's
next page on the queue. Each product whose plan's price rises is told once: its
`PriceChangeAnnounced` event has an id fixed by the product, its plan and the day, stored only if
absent, so a page delivered twice, or the whole run started again, tells nobody twice."""

from __future__ import annotations

import json
from typing import Any

from opencounter.catalogue.service import current_version, price_changes
from opencounter.core import queues
from opencounter.core.clock import business_today
from opencounter.core.ids import stable_id
from opencounter.core.outbox import WriteConflict, commit, domain_event
from opencounter.core.table import Item
from opencounter.customers.records import BILLING_SHARDS, ProductHolding

#: products read per page (one message, one invocation)
PAGE_SIZE = 100
CATALOGUE = {"type": "system", "id": "catalogue"}
#: the holdings a price reaches: those billed (an ended product's last month is billed too, but
#: it has no month after the rise to be told of)
HELD = ("ACTIVE",)


def first_pages(version: str) -> list[dict[str, Any]]:
    """The first page of every billing shard, to put on the mailing queue."""
    return [{"price_change": version, "shard": shard, "cursor": None} for shard in range(BILLING_SHARDS)]


def enqueue(works: list[dict[str, Any]]) -> None:
    queues.enqueue("mailing_queue_url", works)


def announce_page(work: dict[str, Any]) -> dict[str, Any] | None:
    """Tell the holders on one page of a billing shard's products of the rises of their plans;
    the shard's next page, or None when this was its last."""
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    holdings = Item.lookup.query(ProductHolding.billing_partition(int(work["shard"])), limit=PAGE_SIZE,
                                 last_evaluated_key=cursor)
    current = current_version()
    for holding in holdings:
        if isinstance(holding, ProductHolding) and holding.status in HELD and not holding.ends_on:
            announce(holding, current)
    following = holdings.last_evaluated_key
    return {**work, "cursor": json.dumps(following)} if following else None


def announce_held(customer_id: str, product_id: str) -> int:
    """Tell a product's holder of every rise announced for its plan that has not taken effect yet:
    a product that came to hold an older catalogue version after the rise was announced (an order
    or a plan change from a quote, at the quoted prices) is told as every holder was. How many."""
    try:
        holding = ProductHolding.get(*ProductHolding.keys(customer_id, product_id))
    except ProductHolding.DoesNotExist:
        return 0
    if holding.status not in HELD or holding.ends_on:
        return 0
    return announce(holding, current_version())


def announce(holding: ProductHolding, current: str) -> int:
    """Tell one product's holder of the rises its plan has coming, each once; how many were told
    now. A rise is one day's: a later version that keeps it (or lowers it) is the same rise,
    told once, whichever version's run comes to the product first."""
    today = business_today()
    return sum(_tell(holding, change) for change in price_changes(
        holding.product_code, holding.plan_code, holding.catalogue_version, current, today=today))


def _tell(holding: ProductHolding, change: dict[str, Any]) -> int:
    version = change["version"]
    event = domain_event(
        "PriceChangeAnnounced", customer_id=holding.customer_id, actor=CATALOGUE, channel="system",
        event_id=stable_id("price-change", holding.product_id, holding.plan_code, change["prices_from"]),
        data={"product_id": holding.product_id, "product_name": holding.name, "plan": holding.plan_code,
              "plan_name": holding.plan, "catalogue_version": version, "prices_from": change["prices_from"],
              "old": _prices(change["old"]), "new": _prices(change["new"])})
    try:
        commit([], [event])
    except WriteConflict:
        return 0  # told before
    return 1


def _prices(plan: dict[str, Any]) -> dict[str, Any]:
    return {"monthly_fee_cents": int(plan.get("monthly_fee_cents") or 0), "usage": plan.get("usage") or {}}
