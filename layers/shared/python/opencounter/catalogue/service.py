"""The product catalogue: products and their plans, loaded from a versioned catalogue file
(catalogue/products.json) into the table; what is on sale now, and the plans a product can be
rated on."""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import cache
from typing import Any

from opencounter.catalogue.records import CURRENT, CatalogueProduct
from opencounter.core.clock import business_today
from opencounter.core.errors import InvalidInput
from opencounter.core.ids import stable_id
from opencounter.core.outbox import WriteConflict, commit, domain_event

#: the kinds of fulfilment planned as an appointment: a visit at the customer's address, or a
#: parcel delivered in a window (or left at a pick-up point)
VISITS = ("engineer_visit", "installer_visit", "delivery")
#: how long before a price rise takes effect its holders must be told (Dutch consumer law: a
#: change to a contract's price is announced in advance, with the right to cancel free of charge)
NOTICE = timedelta(days=30)


def rises(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a plan's new prices cost a holder more for some use: a higher monthly fee, a
    higher price per unit, or less included (None: unlimited). A plan dearer in one way and
    cheaper in another is a rise: someone pays more."""
    if int(new.get("monthly_fee_cents") or 0) > int(old.get("monthly_fee_cents") or 0):
        return True
    for unit, was in (old.get("usage") or {}).items():
        now = (new.get("usage") or {}).get(unit)
        if now is None:
            continue
        if int(now.get("price_cents") or 0) > int(was.get("price_cents") or 0):
            return True
        if was.get("included") is None and now.get("included") is not None:
            return True
        if was.get("included") is not None and now.get("included") is not None and now["included"] < was["included"]:
            return True
    return False


def _prices_from(document: dict[str, Any], today: date) -> dict[str, dict[str, str]]:
    """The day each plan of a new version reaches those holding an older one: a plan that costs
    no more than the prices in force today applies at once (a drop, a new plan, the same
    prices); one that costs more than today's but no more than a rise already announced keeps
    that rise's day; any other rise takes the version's `prices_from`, which must be the first
    of a month at least NOTICE after today (so a month is billed at one price, and every holder
    is told in time)."""
    previous = _current_or_none()
    announced = date.fromisoformat(document["prices_from"]) if document.get("prices_from") else None
    days: dict[str, dict[str, str]] = {}
    for product in document["products"]:
        days[product["code"]] = {}
        # what the earliest holders pay today: every version back to the first, each plan at its day
        now = plans_to_rate(product["code"], "", previous, on=today) if previous else {}
        pending = plans_of(product["code"], previous) if previous else {}
        for plan in product["plans"]:
            code = plan["code"]
            if code not in now or not rises(now[code], plan):
                days[product["code"]][code] = today.replace(day=1).isoformat()  # this month's bill already
            elif code in pending and not rises(pending[code], plan):
                days[product["code"]][code] = _version(previous)[product["code"]]["prices_from"].get(
                    code, today.isoformat())
            elif announced is None or announced.day != 1 or announced < today + NOTICE:
                raise InvalidInput(
                    f"{code}: a price rise needs `prices_from`, the first of a month at least {NOTICE.days} days "
                    f"from {today.isoformat()} (holders are told first), not {document.get('prices_from')!r}",
                    field="prices_from", reason="price_rise_too_soon")
            else:
                days[product["code"]][code] = announced.isoformat()
    return days


def load_catalogue(document: dict[str, Any], *, today: date | None = None) -> int:
    """Store every product of a catalogue version and make it the current one. Products that the
    new version no longer has leave the current catalogue; their version partitions stay. A
    version loaded before is made current again as it was stored (a version never changes once
    loaded). A version that raises a price without `prices_from` far enough ahead is refused,
    and nothing is stored."""
    version = document["version"]
    on_sale = {p.code for p in CatalogueProduct.query(CatalogueProduct.partition(CURRENT))}
    stale = on_sale - {p["code"] for p in document["products"]}
    stored = {p.code: p for p in CatalogueProduct.query(CatalogueProduct.partition(version))}
    previous = _current_or_none()
    days = ({p["code"]: stored[p["code"]].prices_from or {} for p in document["products"] if p["code"] in stored}
            if stored else _prices_from(document, today or business_today()))
    with CatalogueProduct.batch_write() as batch:
        for partition in (version, CURRENT):
            for product in document["products"]:
                if partition == version and product["code"] in stored:
                    continue
                earlier = stored[product["code"]].previous_version if product["code"] in stored else previous
                batch.save(CatalogueProduct(*CatalogueProduct.keys(partition, product["code"]), version=version,
                                            code=product["code"], kind=product["kind"], name=product["name"],
                                            names=product.get("names"), fulfilment=product.get("fulfilment"),
                                            plans=product["plans"],
                                            previous_version=earlier if earlier != version else None,
                                            prices_from=days.get(product["code"]) or {}))
        for code in stale:
            batch.delete(CatalogueProduct(*CatalogueProduct.keys(CURRENT, code)))
    global _shown
    _shown = None  # this function shows the new version at once; others within SHOWN_FOR_S
    if not stored and document.get("prices_from") in {d for plans in days.values() for d in plans.values()}:
        _prices_raised(version, document["prices_from"])
    return len(document["products"])


def _prices_raised(version: str, prices_from: str) -> None:
    """The event that sets telling every holder of a rise going (billing/prices.py), once a version."""
    event = domain_event("CataloguePricesRaised", customer_id=None, about="operations",
                         actor={"type": "system", "id": "catalogue"}, channel="system",
                         event_id=stable_id("prices-raised", version),
                         data={"catalogue_version": version, "prices_from": prices_from})
    try:
        commit([], [event])
    except WriteConflict:
        pass  # stored already: the holders are being told


def _current_or_none() -> str | None:
    try:
        return current_version()
    except LookupError:
        return None


def current_products() -> list[dict[str, Any]]:
    """The shop window: every product on sale now with its plans (one Query)."""
    return [{"code": p.code, "kind": p.kind, "name": p.name, "names": p.names or {}, "catalogue_version": p.version,
             "fulfilment": p.fulfilment, "plans": p.plans}
            for p in CatalogueProduct.query(CatalogueProduct.partition(CURRENT))]


def plan_on_sale(product_code: str, plan_code: str) -> dict[str, Any]:
    """A plan of the current catalogue, with its product's name, kind and catalogue version."""
    try:
        product = CatalogueProduct.get(*CatalogueProduct.keys(CURRENT, product_code))
    except CatalogueProduct.DoesNotExist:
        raise InvalidInput(f"product_code: no product {product_code!r} is on sale", field="product_code",
                           reason="product_not_on_sale") from None
    for plan in product.plans:
        if plan["code"] == plan_code:
            return {**plan, "product_code": product.code, "product_name": product.name, "kind": product.kind,
                    "catalogue_version": product.version}
    raise InvalidInput(f"plan_code: {product.name} has no plan {plan_code!r}", field="plan_code",
                       reason="plan_not_on_sale")


@cache
def _version(version: str) -> dict[str, dict[str, Any]]:
    # a version's partition never changes once loaded, so a warm function keeps what it read
    return {p.code: {"code": p.code, "kind": p.kind, "name": p.name, "plans": p.plans, "fulfilment": p.fulfilment,
                     "previous": p.previous_version, "prices_from": p.prices_from or {}}
            for p in CatalogueProduct.query(CatalogueProduct.partition(version))}


def plans_of(product_code: str, version: str) -> dict[str, dict[str, Any]]:
    """The plans of a product in a catalogue version, by plan code (empty if none)."""
    product = _version(version).get(product_code)
    return {plan["code"]: plan for plan in product["plans"]} if product else {}


def visit_needed(product_code: str, version: str) -> str | None:
    """How a product of a catalogue version reaches the customer, where that is planned
    (engineer_visit, installer_visit, delivery), or None: nothing to do at home."""
    product = _version(version).get(product_code)
    kind = ((product or {}).get("fulfilment") or {}).get("kind")
    return kind if kind in VISITS else None


def newer_versions(product_code: str, held_version: str, current_version: str) -> list[str]:
    """The versions loaded after `held_version` up to `current_version`, oldest first, as each
    names the one before it (all of them back to the first when the held one is not among them)."""
    chain: list[str] = []
    version: str | None = current_version
    while version and version != held_version and version not in chain:
        chain.append(version)
        version = (_version(version).get(product_code) or {}).get("previous")
    return chain[::-1]


def plans_to_rate(product_code: str, held_version: str, current_version: str, *, on: date | None = None
                  ) -> dict[str, dict[str, Any]]:
    """The plans a product held under `held_version` can be rated on, on the day `on`: the
    customer's own plans from the version they signed (a plan no longer sold still applies to
    those who hold it), each replaced by a later version's plan of the same code from the day
    that plan's prices reach holders (`prices_from`: a rise from its announced day, a drop or a
    new plan at once); `on` left out, the newest prices, as a new customer gets them."""
    plans = plans_of(product_code, held_version)
    for version in newer_versions(product_code, held_version, current_version):
        days = (_version(version).get(product_code) or {}).get("prices_from") or {}
        for code, plan in plans_of(product_code, version).items():
            if on is None or code not in days or date.fromisoformat(days[code]) <= on:
                plans[code] = plan
    return plans


def price_changes(product_code: str, plan_code: str, held_version: str, current_version: str, *, today: date
                  ) -> list[dict[str, Any]]:
    """The rises announced for a plan held under `held_version` that have not taken effect by
    `today`: each with the day, the plan as rated today and as it will be, oldest first."""
    changes: list[dict[str, Any]] = []
    rated = plans_to_rate(product_code, held_version, current_version, on=today).get(plan_code)
    for version in newer_versions(product_code, held_version, current_version):
        day = ((_version(version).get(product_code) or {}).get("prices_from") or {}).get(plan_code)
        new = plans_of(product_code, version).get(plan_code)
        if rated and new and day and date.fromisoformat(day) > today and rises(rated, new):
            if changes and changes[-1]["prices_from"] == day:
                changes.pop()
            changes.append({"version": version, "prices_from": day, "old": rated, "new": new})
    return changes


def current_version() -> str:
    """The version of the catalogue in force (one item read)."""
    for product in CatalogueProduct.query(CatalogueProduct.partition(CURRENT), limit=1):
        return product.version
    raise LookupError("no catalogue is loaded")


#: how long a warm function goes on showing the catalogue version it read for what it only shows (a
#: price change coming, on the overview and the 360 view): a new version comes with a deploy, and
#: shows within a minute, without a read of its own on every view
SHOWN_FOR_S = 60.0
_shown: tuple[float, str | None] | None = None


def version_shown() -> str | None:
    """The catalogue version in force as views show it (None before any is loaded): read at most
    once a SHOWN_FOR_S per warm function. Never what an order, a change or a bill is priced at."""
    global _shown
    now = time.monotonic()
    if _shown is None or now - _shown[0] > SHOWN_FOR_S:
        _shown = (now, _current_or_none())
    return _shown[1]
