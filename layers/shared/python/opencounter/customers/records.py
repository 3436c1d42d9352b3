"""How the customer record is stored: one partition per customer (CUSTOMER#<id>), and who a
sender is on each channel (the customer's channel identities)."""

from __future__ import annotations

import hashlib

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from opencounter.core.table import CUSTOMER_PREFIX, Item, customer_key

#: customers' products are spread over this many GSI1 partitions for the billing run (no hot key,
#: and the run bills the shards side by side)
BILLING_SHARDS = 8


def billing_shard(customer_id: str) -> int:
    return int(hashlib.sha256(customer_id.encode()).hexdigest()[:8], 16) % BILLING_SHARDS


class Profile(Item, discriminator="CustomerProfile"):
    """SK PROFILE: who the customer is and how they want to be served. Versioned: every change
    is a conditional write on `version`, so concurrent edits never overwrite each other."""

    customer_id = UnicodeAttribute()
    given_name = UnicodeAttribute()
    family_name = UnicodeAttribute()
    birth_date = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    #: when the customer proved they hold `phone` (a code by text message); cleared when it changes
    phone_verified_at = UnicodeAttribute(null=True)
    language = UnicodeAttribute(default="nl")
    paperless_invoices = BooleanAttribute(default=True)
    preferred_channel = UnicodeAttribute(default="email")
    #: {channel: {purpose: {"granted": bool, "changed_at": iso}}}
    consents = MapAttribute(default=dict)  # type: ignore[var-annotated]
    segment = UnicodeAttribute(default="consumer")
    status = UnicodeAttribute(default="ACTIVE")
    household_size = NumberAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def keys(customer_id: str) -> tuple[str, str]:
        return customer_key(customer_id), "PROFILE"

    @staticmethod
    def email_lookup(email: str) -> str:
        """The GSI1 partition a profile is found in by its e-mail address (staff's look-up)."""
        return f"EMAIL#{email.strip().lower()}"

    def index_email(self) -> None:
        self.GSI1PK = self.email_lookup(self.email)
        self.GSI1SK = customer_key(self.customer_id)


class ContactCode(Item, discriminator="ContactCode"):
    """SK CODE#<phone|email>: the one-time code sent to prove the customer holds `address` (their
    phone number; a new e-mail address, pending until proven), kept as a digest, short-lived (TTL)."""

    kind = UnicodeAttribute()
    address = UnicodeAttribute()
    digest = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)

    @staticmethod
    def keys(customer_id: str, kind: str) -> tuple[str, str]:
        return customer_key(customer_id), f"CODE#{kind}"


class Address(Item, discriminator="CustomerAddress"):
    """SK ADDRESS#<effective_from>: where the customer lives from that day on. The address in
    force is the latest one that has started; a later-dated one is an upcoming move."""

    move_id = UnicodeAttribute()
    street = UnicodeAttribute()
    house_number = NumberAttribute()
    house_number_addition = UnicodeAttribute(null=True)
    postcode = UnicodeAttribute()
    city = UnicodeAttribute()
    country = UnicodeAttribute(default="NL")
    effective_from = UnicodeAttribute()
    registered_at = UnicodeAttribute()

    @staticmethod
    def keys(customer_id: str, effective_from: str) -> tuple[str, str]:
        return customer_key(customer_id), f"ADDRESS#{effective_from}"

    @staticmethod
    def area_lookup(area: str) -> str:
        """The GSI1 partition of everyone who lives or lived in a postcode area (its four digits:
        a neighbourhood, a few thousand addresses), sorted by the postcode's letters: staff's
        look-up by name and postcode reads one postcode of it, an outage every address of it."""
        return f"POSTCODE#{area}"

    @classmethod
    def postcode_lookup(cls, postcode: str) -> tuple[str, str]:
        """Where a postcode's addresses are on GSI1: the area's partition, and the prefix of their
        sort keys there."""
        plain = postcode.replace(" ", "").upper()
        return cls.area_lookup(plain[:4]), f"{plain[4:]}#"

    def index_postcode(self, customer_id: str) -> None:
        self.GSI1PK, letters = self.postcode_lookup(self.postcode)
        self.GSI1SK = f"{letters}{customer_key(customer_id)}#{self.SK}"

    @property
    def customer_id(self) -> str:
        return self.PK.removeprefix(CUSTOMER_PREFIX)


class ProductHolding(Item, discriminator="ProductHolding"):
    """SK PRODUCT#<product_id>: a product instance the customer holds. Versioned (plan changes
    and cancellations are conditional writes), and indexed on GSI1 by billing shard so the
    monthly billing run finds every customer without a scan."""

    SK_PREFIX = "PRODUCT#"

    product_id = UnicodeAttribute()
    product_code = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()
    plan = UnicodeAttribute()
    plan_code = UnicodeAttribute()
    catalogue_version = UnicodeAttribute()
    #: [{"plan_code", "plan_name", "from", "why", "by"}], oldest first: what billing prorates a changed
    #: month by, and the product's history as its holder and staff see it. `why` is how the plan came:
    #: signup, order, customer, advice (the customer took the plan the best-tariff advice named) or staff
    #: (changed on the customer's behalf, `by` then their role); entries from before `why` was kept have
    #: only "plan_code" and "from"
    plan_history = JSONAttribute(default=list)
    status = UnicodeAttribute()
    identifier = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    monthly_fee_cents = NumberAttribute(default=0)
    signup_id = UnicodeAttribute(null=True)
    #: the order that brought it, when an existing customer ordered it (signups.records.Order)
    order_id = UnicodeAttribute(null=True)
    #: the visit or delivery the product came with (its catalogue's fulfilment kind), when it was activated
    #: before that was done: while none is planned or done, the portal and the desk ask to plan it
    awaiting = UnicodeAttribute(null=True)
    #: a cancellation at the end of a period: the last day the product is held
    ends_on = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    end_reason = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def keys(customer_id: str, product_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{ProductHolding.SK_PREFIX}{product_id}"

    @staticmethod
    def billing_partition(shard: int) -> str:
        """The GSI1 partition the billing run reads a shard's products from."""
        return f"BILLING#{shard}"

    def index_for_billing(self, customer_id: str) -> None:
        self.GSI1PK = self.billing_partition(billing_shard(customer_id))
        self.GSI1SK = f"{customer_key(customer_id)}#PRODUCT#{self.product_id}"

    @property
    def customer_id(self) -> str:
        """Whose product this is (the holding's partition is its customer's record)."""
        return self.PK.removeprefix(CUSTOMER_PREFIX)


class ChannelIdentity(Item, discriminator="ChannelIdentity"):
    """PK IDENTITY#<kind>#<address>: who a sender is (an e-mail address, a phone number also used
    for WhatsApp, a Messenger or X user id). Only a verified identity links contacts by itself.
    On GSI1 under IDENTITIES#<customer>, so a customer's identities are one Query (where to
    answer them on Messenger, say)."""

    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    verified = BooleanAttribute()
    verified_by = UnicodeAttribute(null=True)
    verified_at = UnicodeAttribute(null=True)

    @staticmethod
    def keys(kind: str, address: str) -> tuple[str, str]:
        return f"IDENTITY#{kind}#{address.strip().lower()}", "IDENTITY"

    @staticmethod
    def customer_partition(customer_id: str) -> str:
        """The GSI1 partition of a customer's identities."""
        return f"IDENTITIES#{customer_id}"

    @classmethod
    def of(cls, customer_id: str, kind: str, address: str, *, verified: bool, verified_by: str | None = None,
           verified_at: str | None = None) -> ChannelIdentity:
        """The identity `address` on channel kind `kind`, the customer's, indexed under them."""
        identity = cls(*cls.keys(kind, address), customer_id=customer_id, kind=kind, address=address,
                       verified=verified, verified_by=verified_by, verified_at=verified_at)
        identity.GSI1PK, identity.GSI1SK = cls.customer_partition(customer_id), identity.PK
        return identity
