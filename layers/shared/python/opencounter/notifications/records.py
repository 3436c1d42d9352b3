"""How notices are stored: the message sent about each event (so a redelivered event sends none),
what it was about and what came of it (delivered, bounced, opened, answered, clicked through). The
messages sent are part of the customer's record, in its partition (ADR 36): the 360-degree view
reads them with the rest in its one Query, and erasing the record erases them. The notices held
for the night keep a partition of their own (NOTICES#<customer>). And mailings, with how each went."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.pagination import ResultIterator

from opencounter.core.retention import after, years_after
from opencounter.core.table import Item, customer_key

#: how long the record of a notice is kept: longer than the bus's archive keeps the event it was
#: about (EventArchive, 90 days), so an event replayed from there sends nothing twice; and a year,
#: to answer "did you tell me?" about a notice the law requires (an invoice, a decision)
NOTICES_KEPT = timedelta(days=366)
#: years a mailing is kept after it was sent (what it said, who sent it, how it went; to whom: the
#: notices, NOTICES_KEPT): to answer a complaint about an offer or a question about consent
MAILINGS_KEPT_YEARS = 2


class Notification(Item, discriminator="Notification"):
    """PK CUSTOMER#<customer_id>, SK NOTICE#<event_id>: the message sent about an event (so a
    redelivery sends none), where it went, what it was about and what came of it. On GSI1 under
    MESSAGE#<the provider's message id>, so a provider's report on it is found with one Query.
    Forgotten NOTICES_KEPT after it was sent."""

    SK_PREFIX = "NOTICE#"
    MESSAGE_PREFIX = "MESSAGE#"

    #: "email", "sms", "whatsapp"; "none": not sent, for want of consent
    channel = UnicodeAttribute()
    sent_to = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    message_id = UnicodeAttribute()
    #: what it was about: the event's detail type, or "Mailing" (with `mailing`)
    about = UnicodeAttribute(null=True)
    #: a mailing's {"mailing_id", "name"}
    mailing = JSONAttribute(null=True)
    #: its subject line, in the language it was sent in
    subject = UnicodeAttribute(null=True)
    # what came of it (UTC, ISO), each the first moment it was known, never undone
    delivered_at = UnicodeAttribute(null=True)
    failed_at = UnicodeAttribute(null=True)
    #: "bounced" (the receiving server refused it) or "failed" (the provider could not send it)
    failure = UnicodeAttribute(null=True)
    #: an e-mail opened, a WhatsApp message read
    opened_at = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    clicked_at = UnicodeAttribute(null=True)
    #: the portal's route the click led to ("#/invoices"), where the link was the portal's
    journey = UnicodeAttribute(null=True)
    #: what a WhatsApp message was about (its event's data), kept with it: should WhatsApp report it
    #: failed after it was handed over, it is told by e-mail instead
    data = JSONAttribute(null=True)

    @classmethod
    def keys(cls, customer_id: str, event_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{event_id}"

    @classmethod
    def of_customer(cls, customer_id: str, **query: Any) -> ResultIterator[Notification]:
        """The customer's notices: the NOTICE# items of their record."""
        return cls.query(customer_key(customer_id), cls.SK.startswith(cls.SK_PREFIX), **query)

    @classmethod
    def by_message(cls, message_id: str) -> str:
        """The GSI1 partition a provider's message id finds its notice under."""
        return f"{cls.MESSAGE_PREFIX}{message_id}"

    def index(self) -> None:
        if self.message_id:
            self.GSI1PK, self.GSI1SK = self.by_message(self.message_id), self.SK

    def kept_until(self) -> datetime:
        return after(self.sent_at, NOTICES_KEPT)


#: how long a notice held for the night is kept past the morning it was to go in: the release runs
#: every few minutes, so one still here a week later was never sent (and the event is old news)
HELD_KEPT = timedelta(days=7)


class HeldNotice(Item, discriminator="HeldNotice"):
    """PK NOTICES#<customer_id>, SK HELD#<event_id>: a notice that would have buzzed the customer's
    phone (WhatsApp, a text) in the quiet hours, held with its event until they end (in a partition
    of its own: it is an event waiting, not a message sent, and the release reads it by GSI1). On GSI1 under
    HELD by that moment, for the release; deleted once sent (its Notification says where it went)."""

    LIST = "HELD"

    detail_type = UnicodeAttribute()
    #: the event's detail, as the bus delivered it
    detail = JSONAttribute()
    #: the moment the quiet hours end (UTC, ISO): it goes then, on the channel the customer prefers then
    release_at = UnicodeAttribute()

    @staticmethod
    def partition(customer_id: str) -> str:
        return f"NOTICES#{customer_id}"

    @classmethod
    def keys(cls, customer_id: str, event_id: str) -> tuple[str, str]:
        return cls.partition(customer_id), f"HELD#{event_id}"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.LIST, f"{self.release_at}#{self.PK}#{self.SK}"

    def kept_until(self) -> datetime:
        return after(self.release_at, HELD_KEPT)


class Mailing(Item, discriminator="Mailing"):
    """PK MAILING#<mailing_id>, SK MAILING: a message operations send to every customer (of a
    product kind) who consented to offers by e-mail; listed on GSI1, newest first."""

    LIST = "MAILINGS"

    mailing_id = UnicodeAttribute()
    name = UnicodeAttribute()
    #: {"nl": ..., "en": ...}
    subject = JSONAttribute()
    body = JSONAttribute()
    #: only customers holding a product of this kind; None: every customer with an active product
    product_kind = UnicodeAttribute(null=True)
    #: who sent it: {"type": "agent", "id", "name"}
    sent_by = JSONAttribute()
    started_at = UnicodeAttribute()

    @staticmethod
    def keys(mailing_id: str) -> tuple[str, str]:
        return f"MAILING#{mailing_id}", "MAILING"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.LIST, f"{self.started_at}#{self.mailing_id}"

    def kept_until(self) -> datetime:
        return years_after(self.started_at, MAILINGS_KEPT_YEARS)


class MailingCount(Item, discriminator="MailingCount"):
    """PK MAILING#<mailing_id>, SK COUNT: how it went, customer by customer (atomic additions:
    every page of customers adds at once, never in a transaction). Forgotten MAILINGS_KEPT_YEARS
    after its last addition (set with each)."""

    SHARED_COUNTER = True

    sent = NumberAttribute(default=0)
    #: customers who had not consented to offers by e-mail: nothing sent
    not_consented = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    #: pages of customers handled, of each billing shard's
    pages = NumberAttribute(default=0)

    @staticmethod
    def keys(mailing_id: str) -> tuple[str, str]:
        return f"MAILING#{mailing_id}", "COUNT"
