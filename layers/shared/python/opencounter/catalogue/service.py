"""The product catalogue: products and their plans, loaded from a versioned catalogue file
(catalogue/products.json) into the table; what is on sale now, and the plans a product can be
rated on."""

from __future__ import annotations

from functools import cache
from typing import Any

from opencounter.catalogue.records import CURRENT, CatalogueProduct
from opencounter.core.errors import InvalidInput

#: the kinds of fulfilment planned as an appointment: a visit at the customer's address, or a
#: parcel delivered in a window (or left at a pick-up point)
VISITS = ("engineer_visit", "installer_visit", "delivery")


def load_catalogue(document: dict[str, Any]) -> int:
    """Store every product of a catalogue version and make it the current one. Products that the
    new version no longer has leave the current catalogue; their version partitions stay."""
    version = document["version"]
    on_sale = {p.code for p in CatalogueProduct.query(CatalogueProduct.partition(CURRENT))}
    stale = on_sale - {p["code"] for p in document["products"]}
    with CatalogueProduct.batch_write() as batch:
        for partition in (version, CURRENT):
            for product in document["products"]:
                batch.save(CatalogueProduct(*CatalogueProduct.keys(partition, product["code"]), version=version,
                                            code=product["code"], kind=product["kind"], name=product["name"],
                                            names=product.get("names"), fulfilment=product.get("fulfilment"),
                                            plans=product["plans"]))
        for code in stale:
            batch.delete(CatalogueProduct(*CatalogueProduct.keys(CURRENT, code)))
    return len(document["products"])


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
    return {p.code: {"code": p.code, "kind": p.kind, "name": p.name, "plans": p.plans, "fulfilment": p.fulfilment}
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


def plans_to_rate(product_code: str, held_version: str, current_version: str) -> dict[str, dict[str, Any]]:
    """The plans a product held under `held_version` can be rated on: those on sale now, and
    the customer's own plans from the version they signed (a plan no longer sold still applies
    to those who hold it)."""
    return {**plans_of(product_code, held_version), **plans_of(product_code, current_version)}


def current_version() -> str:
    """The version of the catalogue in force (one item read)."""
    for product in CatalogueProduct.query(CatalogueProduct.partition(CURRENT), limit=1):
        return product.version
    raise LookupError("no catalogue is loaded")
