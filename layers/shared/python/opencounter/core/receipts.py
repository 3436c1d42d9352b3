"""Receipts of deliveries from outside (a payment provider's webhook event, a message from a
messaging channel): one item per provider event id, written in the same transaction as the
event's effect, so a redelivered event is recognised and has no second effect."""

from __future__ import annotations

from datetime import timedelta

from pynamodb.attributes import UnicodeAttribute

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import Write
from opencounter.core.table import Item


class ProviderEventReceipt(Item, discriminator="ProviderEventReceipt"):
    """PK PROVIDER_EVENT#<provider>#<event_id>: an event already processed. Kept as long as the
    provider may deliver it again, then removed by the table's TTL."""

    event_type = UnicodeAttribute()
    processed_at = UnicodeAttribute()
    outcome = UnicodeAttribute()

    @staticmethod
    def keys(provider: str, event_id: str) -> tuple[str, str]:
        return f"PROVIDER_EVENT#{provider}#{event_id}", "RECEIPT"


def receipt(provider: str, event_id: str, *, event_type: str, outcome: str, kept: timedelta,
            conflict: str) -> Write:
    """The write that records an event as processed, once: it fails (WriteConflict with
    `conflict`) when the event was processed before."""
    now = utcnow()
    return Write(ProviderEventReceipt(*ProviderEventReceipt.keys(provider, event_id), event_type=event_type,
                                      processed_at=isoformat(now), outcome=outcome, expires_at=now + kept),
                 ProviderEventReceipt.PK.does_not_exist(), conflict=conflict)
