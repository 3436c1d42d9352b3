"""The product catalogue: products and their plans, loaded from a versioned catalogue file
(catalogue/products.json) into the table, one partition per catalogue version."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from opencounter.table import Item


class CatalogueProduct(Item, discriminator="CatalogueProduct"):
    """PK CATALOGUE#<version>, SK PRODUCT#<code>."""

    version = UnicodeAttribute()
    code = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    plans = JSONAttribute()

    @staticmethod
    def keys(version: str, code: str) -> tuple[str, str]:
        return f"CATALOGUE#{version}", f"PRODUCT#{code}"


def load_catalogue(document: dict[str, Any]) -> int:
    """Store every product of a catalogue version; loading the same version again rewrites it."""
    with CatalogueProduct.batch_write() as batch:
        for product in document["products"]:
            batch.save(CatalogueProduct(*CatalogueProduct.keys(document["version"], product["code"]),
                                        version=document["version"], code=product["code"], kind=product["kind"],
                                        name=product["name"], plans=product["plans"]))
    return len(document["products"])


def plan(version: str, product_code: str, plan_code: str) -> dict[str, Any]:
    product = CatalogueProduct.get(*CatalogueProduct.keys(version, product_code))
    return next(p for p in product.plans if p["code"] == plan_code) | {"product_name": product.name,
                                                                          "kind": product.kind}
