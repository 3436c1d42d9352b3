"""How a quote is stored: one item in the customer's partition, so the 360-degree view reads the
customer's quotes with the rest of the record in its one Query."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.retention import after
from opencounter.core.table import Item, customer_key

#: a quote not accepted (expired, declined, withdrawn) is kept this long after its last valid day:
#: long enough to answer a question about what was offered, then it is of no use
UNACCEPTED_KEPT = timedelta(days=90)


class Quote(Item, discriminator="Quote"):
    """SK QUOTE#<id> in the customer's partition: a product of the catalogue (or another plan of a
    product held) offered at prices frozen when it was made, valid until a day. OPEN until the
    customer accepts or declines it, or staff withdraw it; past `valid_until` it can no longer be
    accepted. Versioned: two acceptances at once accept once. Accepted, it is kept with the record
    (what the customer agreed to pay); else forgotten UNACCEPTED_KEPT after its last valid day."""

    SK_PREFIX = "QUOTE#"

    quote_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    #: OPEN, ACCEPTED, DECLINED (by the customer), WITHDRAWN (by staff); expired is read from `valid_until`
    status = UnicodeAttribute()
    #: "product" (another product, ordered when accepted) or "plan_change" (of the product held, `product_id`)
    kind = UnicodeAttribute()
    #: the plan as the catalogue sold it when the quote was made (catalogue.service.plan_on_sale): its
    #: prices, including VAT, are the quote's
    plan = JSONAttribute()
    product_id = UnicodeAttribute(null=True)
    #: what must happen at home before a product ordered works (catalogue's `fulfilment`: a visit, a
    #: delivery), as the catalogue said when the quote was made; None: nothing (or a plan change)
    fulfilment = UnicodeAttribute(null=True)
    #: for a plan change: the plan held when the quote was made {"code", "name", "monthly_fee_cents"}
    from_plan = JSONAttribute(null=True)
    #: the last day it can be accepted (Amsterdam)
    valid_until = UnicodeAttribute()
    made_by = JSONAttribute()
    channel = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    #: when it was accepted, declined or withdrawn, by whom, on which channel
    decided = JSONAttribute(null=True)
    #: the order its acceptance placed (kind "product")
    order_id = UnicodeAttribute(null=True)
    #: with an Idempotency-Key, the request that made it (canonical JSON): a retry with the same
    #: key must ask the same to get this quote again
    asked = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, quote_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{quote_id}"

    def kept_until(self) -> datetime | None:
        if self.status == "ACCEPTED":
            return None
        return after(self.valid_until, UNACCEPTED_KEPT + timedelta(days=1))
