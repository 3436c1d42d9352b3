"""The single table: one base model, the key scheme, and the discriminator that tells entities apart.

Every entity subclasses `Item` with `discriminator="<Entity>"` and builds its own keys from the
helpers below, so one Query over a partition returns ready-typed objects. The access patterns
are listed in docs/access-patterns.md.
"""

from __future__ import annotations

from typing import ClassVar

from pynamodb.attributes import DiscriminatorAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection, TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from opencounter.core.settings import settings


class Lookup(GlobalSecondaryIndex):
    """GSI1: find an entity by something other than its owner (e-mail address, postcode...)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


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
    entity = DiscriminatorAttribute()
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    lookup = Lookup()

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
