"""The single table: one base model, the key scheme, and the discriminator that tells entities apart.

Every entity subclasses `Item` with `discriminator="<Entity>"` and builds its own keys from the
helpers below, so one Query over a partition returns ready-typed objects. The access patterns
are listed in docs/access-patterns.md.
"""

from __future__ import annotations

import hashlib

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


# Key scheme: one partition per customer for the record, one for their timeline.
def customer_key(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def timeline_key(customer_id: str) -> str:
    return f"TIMELINE#{customer_id}"


def email_lookup_key(email: str) -> str:
    return f"EMAIL#{email.strip().lower()}"


#: customers are spread over this many GSI1 partitions for the billing run (no hot key, and the
#: run bills the shards side by side)
BILLING_SHARDS = 8


def billing_shard(customer_id: str) -> int:
    return int(hashlib.sha256(customer_id.encode()).hexdigest()[:8], 16) % BILLING_SHARDS


def billing_shard_key(shard: int) -> str:
    return f"BILLING#{shard}"
