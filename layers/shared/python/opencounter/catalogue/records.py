"""How the catalogue is stored: each version in its own partition (what a contract was signed
against stays readable), and the version in force copied to CATALOGUE#CURRENT (the shop window
is one Query)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from opencounter.core.table import Item

#: the partition holding a copy of the version in force
CURRENT = "CURRENT"


class CatalogueProduct(Item, discriminator="CatalogueProduct"):
    """PK CATALOGUE#<version>, SK PRODUCT#<code>."""

    version = UnicodeAttribute()
    code = UnicodeAttribute()
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    #: {"nl": ..., "en": ...}: the name in each language the portal speaks
    names = JSONAttribute(null=True)
    #: {"kind": "engineer_visit" | "installer_visit" | "delivery"}: how the product reaches the customer
    fulfilment = JSONAttribute(null=True)
    plans = JSONAttribute()
    #: the version that was in force when this one was loaded (None: the first, or loaded before
    #: versions named their predecessor): rating walks back along it to the version a product holds
    previous_version = UnicodeAttribute(null=True)
    #: {plan_code: "YYYY-MM-DD"}: the day each plan's prices reach those holding it under an older
    #: version (a rise: the version's announced `prices_from`; a drop or a new plan: the day loaded)
    prices_from = JSONAttribute(null=True)

    @staticmethod
    def partition(version: str) -> str:
        """A catalogue version's partition (CURRENT: the version in force, copied)."""
        return f"CATALOGUE#{version}"

    @classmethod
    def keys(cls, version: str, code: str) -> tuple[str, str]:
        return cls.partition(version), f"PRODUCT#{code}"
