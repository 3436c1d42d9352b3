"""What customers said to being written to, in figures for the privacy officer: per channel and
purpose, how many granted, withdrew, or never said (and so how many are written to), without
reading every customer's record on a request.

The figures are counters kept from the table's stream: every write of a customer's profile
(registered by a sign-up or otherwise, changed by the customer or by staff, erased) comes by with
its image before and after, and what was said before and after is added to the counters
(functions/consent_figures). One receipt per stream record in a transaction makes a record handed
over twice count once; the counters are shared, so they are added to after it (core.outbox.commit:
a process dying in between leaves a figure one short, never counted twice)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute

from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.receipts import receipt
from opencounter.core.table import Item
from opencounter.customers.views import UNLESS_WITHDRAWN

#: the channels and purposes a customer says yes or no to (requests/customer-update.schema.json)
CHANNELS = ("email", "sms", "phone", "post", "whatsapp", "app_push")
PURPOSES = ("service", "marketing", "advice", "research")
#: a stream record counted is recognised for as long as the stream may hand it over again (24 h)
RECEIPT_KEPT = timedelta(days=2)


class ConsentFigure(Item, discriminator="ConsentFigure"):
    """PK CONSENT_FIGURES, SK <channel>#<purpose>: customers who said yes and who said no; SK
    CUSTOMERS: every customer with a profile. Counters many changes add to at once."""

    SHARED_COUNTER: ClassVar[bool] = True
    PARTITION = "CONSENT_FIGURES"
    TOTAL = "CUSTOMERS"

    granted = NumberAttribute(null=True)
    withdrawn = NumberAttribute(null=True)
    customers = NumberAttribute(null=True)

    @classmethod
    def keys(cls, channel: str, purpose: str) -> tuple[str, str]:
        return cls.PARTITION, f"{channel}#{purpose}"


def said(profile: dict[str, Any] | None) -> dict[tuple[str, str], bool]:
    """What a profile (a stream image, as plain data) says: (channel, purpose) -> granted."""
    consents = (profile or {}).get("consents") or {}
    return {(channel, purpose): bool(entry.get("granted")) for channel, purposes in consents.items()
            for purpose, entry in (purposes or {}).items() if isinstance(entry, dict) and "granted" in entry}


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> Counter[tuple[str, str, str]]:
    """What a profile write adds to the figures: ((channel, purpose) or the total, figure) -> delta."""
    delta: Counter[tuple[str, str, str]] = Counter()
    if (before is None) != (after is None):
        delta[(ConsentFigure.PARTITION, ConsentFigure.TOTAL, "customers")] += 1 if after is not None else -1
    old, new = said(before), said(after)
    for key in old.keys() | new.keys():
        if old.get(key) == new.get(key):
            continue
        for held, step in ((old.get(key), -1), (new.get(key), 1)):
            if held is not None:
                delta[(*ConsentFigure.keys(*key), "granted" if held else "withdrawn")] += step
    return Counter({key: n for key, n in delta.items() if n})


def count(record_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    """Add a profile write (the stream record `record_id`) to the figures, once: False when it
    changed none, or was counted before."""
    delta = changes(before, after)
    if not delta:
        return False
    counters = []
    for (pk, sk), figures in _grouped(delta).items():
        item = ConsentFigure(pk, sk)
        counters.append(Write(item, actions=[Item.entity.set(ConsentFigure),
                                             *(getattr(ConsentFigure, name).add(n) for name, n in figures.items())]))
    try:
        commit([receipt("table-stream", record_id, event_type="CustomerProfile", outcome="counted",
                        kept=RECEIPT_KEPT, conflict="counted before")], [], counters=counters)
    except WriteConflict:
        return False
    return True


def _grouped(delta: Counter[tuple[str, str, str]]) -> dict[tuple[str, str], dict[str, int]]:
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    for (pk, sk, name), n in delta.items():
        grouped.setdefault((pk, sk), {})[name] = n
    return grouped


def figures() -> dict[str, Any]:
    """Per channel and purpose: granted, withdrawn, never said, and written to (a yes, or never
    said to what is sent until withdrawn: customers.views.UNLESS_WITHDRAWN). One Query."""
    kept = {item.SK: item for item in ConsentFigure.query(ConsentFigure.PARTITION)}
    # a figure is never below nothing (a profile erased before it was counted in)
    customers = max(0, int(getattr(kept.get(ConsentFigure.TOTAL), "customers", None) or 0))
    items = []
    for channel in CHANNELS:
        for purpose in PURPOSES:
            item = kept.get(ConsentFigure.keys(channel, purpose)[1])
            granted = max(0, int(getattr(item, "granted", None) or 0))
            withdrawn = max(0, int(getattr(item, "withdrawn", None) or 0))
            unsaid = max(0, customers - granted - withdrawn)
            items.append({"channel": channel, "purpose": purpose, "granted": granted, "withdrawn": withdrawn,
                          "unsaid": unsaid, "written_to": granted + (unsaid if purpose in UNLESS_WITHDRAWN else 0),
                          "unless_withdrawn": purpose in UNLESS_WITHDRAWN})
    return {"customers": customers, "items": items}
