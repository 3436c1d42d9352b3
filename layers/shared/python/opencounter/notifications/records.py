"""How notices are stored: the message sent about each event, so a redelivered event sends none.
Each customer's notices are a partition of their own (NOTICES#<customer>), beside their record
rather than in it (they grow with every invoice and visit, and no screen reads them whole), so
erasing a customer finds every address a notice went to with one Query."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from opencounter.core.table import Item


class Notification(Item, discriminator="Notification"):
    """PK NOTICES#<customer_id>, SK EVENT#<event_id>: the message sent about an event (so a
    redelivery sends none), and where it went."""

    channel = UnicodeAttribute()
    sent_to = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    message_id = UnicodeAttribute()

    @staticmethod
    def partition(customer_id: str) -> str:
        return f"NOTICES#{customer_id}"

    @classmethod
    def keys(cls, customer_id: str, event_id: str) -> tuple[str, str]:
        return cls.partition(customer_id), f"EVENT#{event_id}"
