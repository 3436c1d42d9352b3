"""How outages are stored: the incident in its own partition (listed on GSI1 while active, and once
resolved), its figures as a shared counter, and in each affected customer's partition what they
were told (the banner they see, the all-clear they are owed, the contacts they made about it)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, VersionAttribute

from opencounter.core.table import Item, customer_key


class Incident(Item, discriminator="Incident"):
    """PK INCIDENT#<incident_id>, SK INCIDENT. Versioned: resolving it twice at once resolves it once."""

    ACTIVE, RESOLVED = "INCIDENTS#ACTIVE", "INCIDENTS#RESOLVED"

    incident_id = UnicodeAttribute()
    #: the kind of product it hits: internet, mobile or energy
    product_kind = UnicodeAttribute()
    #: postcode areas (four digits) from and to, both included
    area_from = UnicodeAttribute()
    area_to = UnicodeAttribute()
    #: what customers read: {"nl": ..., "en": ...}
    description = JSONAttribute()
    started_at = UnicodeAttribute()
    expected_end = UnicodeAttribute()
    #: ACTIVE | RESOLVED
    status = UnicodeAttribute()
    resolved_at = UnicodeAttribute(null=True)
    reported_by = JSONAttribute()
    version = VersionAttribute()

    @staticmethod
    def keys(incident_id: str) -> tuple[str, str]:
        return f"INCIDENT#{incident_id}", "INCIDENT"

    def index(self) -> None:
        if self.status == "ACTIVE":
            self.GSI1PK, self.GSI1SK = self.ACTIVE, f"{self.started_at}#{self.incident_id}"
        else:
            self.GSI1PK, self.GSI1SK = self.RESOLVED, f"{self.resolved_at}#{self.incident_id}"


class IncidentCount(Item, discriminator="IncidentCount"):
    """PK INCIDENT#<incident_id>, SK COUNT: customers told, all-clears sent, contacts made about it
    (atomic additions, never in a transaction)."""

    SHARED_COUNTER = True

    told = NumberAttribute(default=0)
    cleared = NumberAttribute(default=0)
    contacts = NumberAttribute(default=0)

    @staticmethod
    def keys(incident_id: str) -> tuple[str, str]:
        return f"INCIDENT#{incident_id}", "COUNT"


class OutageNotice(Item, discriminator="OutageNotice"):
    """SK OUTAGE#<incident_id>: that the customer was told of an outage affecting them (the
    portal's banner while it lasts), and whether the all-clear followed."""

    SK_PREFIX = "OUTAGE#"

    incident_id = UnicodeAttribute()
    told_at = UnicodeAttribute()
    cleared_at = UnicodeAttribute(null=True)
    #: the contacts the customer made while it lasted (a set: a contact counted again counts once)
    contacts = UnicodeSetAttribute(null=True)

    @classmethod
    def keys(cls, customer_id: str, incident_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{incident_id}"
