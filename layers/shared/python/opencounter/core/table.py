"""The single table: one base model, the key scheme, and the discriminator that tells entities apart.

Every entity subclasses `Item` with `discriminator="<Entity>"` and builds its own keys from the
helpers below, so one Query over a partition returns ready-typed objects. The access patterns
are listed in docs/access-patterns.md.

DynamoDB refuses a write that meets another request on one of its items at the same moment: a
transaction is cancelled (reason TransactionConflict), a single write refused while a transaction
holds its item (TransactionConflictException), nothing written either way, and the SDK does not
try again. Every write of the layer goes through `retried`, which does, a few times.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from datetime import datetime
from types import EllipsisType
from typing import Any, ClassVar

from pynamodb.attributes import DiscriminatorAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from opencounter.core.errors import Contended
from opencounter.core.settings import settings

#: a write refused for another request on one of its items is tried this many times in all,
#: waiting a random time up to CONTENDED_BACKOFF_S, then twice that, ... before each next try:
#: at most 0.3 s of waiting, well within a function's time
CONTENDED_TRIES = 5
CONTENDED_BACKOFF_S = 0.02


def contended(error: Exception) -> bool:
    """Whether DynamoDB refused a write only because another request held one of its items at
    that moment (not for a failed condition: that is the domain's own answer)."""
    if isinstance(error, TransactWriteError):
        codes = {reason.code for reason in error.cancellation_reasons or [] if reason is not None}
        return "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes
    return isinstance(error, PynamoDBException) and error.cause_response_code == "TransactionConflictException"


def retried[T](write: Callable[[], T]) -> T:
    """`write()`, tried again after a jittered, doubling wait while DynamoDB refuses it for
    another request on one of its items; after CONTENDED_TRIES, Contended (409, try again).
    Any other failure, a failed condition first, is raised at once."""
    tries = 0
    while True:
        try:
            return write()
        except PynamoDBException as error:
            tries += 1
            if not contended(error):
                raise
            if tries == CONTENDED_TRIES:
                raise Contended("the record is being changed by other requests right now; send this again",
                                reason="busy_try_again") from error
            time.sleep(random.uniform(0, CONTENDED_BACKOFF_S * 2 ** (tries - 1)))


class Lookup(GlobalSecondaryIndex):
    """GSI1: find an entity by something other than its owner (e-mail address, postcode...)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


#: every module that defines a kind of item: a function imports only the kinds it works with, yet
#: reading a customer's partition meets them all (tests/unit/test_table_kinds.py holds it complete)
RECORD_MODULES = (
    "opencounter.appointments.records", "opencounter.billing.records", "opencounter.catalogue.records",
    "opencounter.channels.records", "opencounter.contacts.records", "opencounter.core.access_log",
    "opencounter.core.outbox",
    "opencounter.core.receipts", "opencounter.customers.records", "opencounter.customers.timeline",
    "opencounter.disputes.records", "opencounter.notifications.records", "opencounter.outages.records",
    "opencounter.privacy.consents",
    "opencounter.privacy.records", "opencounter.privacy.requests", "opencounter.signups.credit",
    "opencounter.signups.records",
    "opencounter.feedback.records", "opencounter.ideas.records", "opencounter.complaints.records",
    "opencounter.quotes.records",
)


class Kinds(DiscriminatorAttribute):
    """The `entity` of an item: which class it is read as. A kind this process has not imported
    yet (a Query of a customer's partition meets every kind) is imported on first sight."""

    def deserialize(self, value: Any) -> type:
        try:
            return super().deserialize(value)
        except ValueError:
            for module in RECORD_MODULES:
                importlib.import_module(module)
            return super().deserialize(value)


class _FromSettings(type):
    """The table's name and region, read from the settings when a connection is made, not when
    this module is imported (a process may import the layer before its settings are final)."""

    @property
    def table_name(cls) -> str:
        return settings().table_name

    @property
    def region(cls) -> str:
        return settings().region


class Item(Model):
    """Base of every entity in the table."""

    class Meta(metaclass=_FromSettings):
        pass

    #: an item many changes add to at once (a channel's figures): never in a transaction
    SHARED_COUNTER: ClassVar[bool] = False

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    entity = Kinds()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    lookup = Lookup()

    def kept_until(self) -> datetime | None | EllipsisType:
        """When this item is to be forgotten, read from its own state: a kind whose retention
        follows from what it holds (a contact closed, an invoice's fiscal year) says so here, and
        `expires_at` (the table's TTL) is set to it on every put, so no write path can forget it.
        None: kept (no TTL). The default, ...: the writer sets `expires_at` itself (a code's few
        minutes, an item whose end another write decides). The periods: privacy/retention.py."""
        return ...

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        kept = self.kept_until()
        if kept is not ...:
            self.expires_at = kept
        return super().serialize(null_check=null_check)

    def save(self, *args: Any, **kwargs: Any) -> Any:
        return retried(lambda: super(Item, self).save(*args, **kwargs))

    def update(self, *args: Any, **kwargs: Any) -> Any:
        return retried(lambda: super(Item, self).update(*args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return retried(lambda: super(Item, self).delete(*args, **kwargs))

    @classmethod
    def _get_connection(cls) -> TableConnection:
        # pynamodb keeps a connection (and a botocore client) per model class; every entity
        # shares the base model's, so a process makes one client (about 0.1 s of a cold start)
        if cls is Item:
            return super()._get_connection()
        return Item._get_connection()


def connection() -> Connection:
    """The connection the models use, for transactions across entities (one client per process)."""
    return Item._get_connection().connection


CUSTOMER_PREFIX = "CUSTOMER#"


def customer_key(customer_id: str) -> str:
    """The partition of a customer's record: every entity that is part of the record (profile,
    addresses, products, invoices, contacts, requests...) builds its keys in it, so the record, a
    screen of it, or the 360-degree view is one Query."""
    return f"{CUSTOMER_PREFIX}{customer_id}"


def signup_key(signup_id: str) -> str:
    """The partition of a sign-up: its own items, and what staff read of it before there is a
    customer (core.access_log), so it is shared as the customer's is."""
    return f"SIGNUP#{signup_id}"
