"""How notices are stored: the message sent about each event, so a redelivered event sends none."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from opencounter.core.table import Item


class Notification(Item, discriminator="Notification"):
    """PK NOTIFICATION#<event_id>: the message sent about an event (so a redelivery sends none)."""

    channel = UnicodeAttribute()
    sent_to = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    message_id = UnicodeAttribute()

    @staticmethod
    def keys(event_id: str) -> tuple[str, str]:
        return f"NOTIFICATION#{event_id}", "SENT"
