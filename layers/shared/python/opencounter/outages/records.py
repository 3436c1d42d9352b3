"""How outages are stored: the incident in its own partition (listed on GSI1 while active, and once
resolved), its figures as a shared counter, and in each affected customer's partition what they
were told (the banner they see, the all-clear they are owed, the contacts they made about it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, VersionAttribute

from opencounter.core.clock import utcnow
from opencounter.core.retention import years_after
from opencounter.core.table import Item, customer_key

#: years an outage is kept once resolved (the incident, its figures, whom it was told to): as long as
#: the contacts made about it, to answer a complaint or a claim for the time without service
OUTAGES_KEPT_YEARS = 2


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

    def kept_until(self) -> datetime | None:
        """OUTAGES_KEPT_YEARS once resolved; kept while it lasts."""
        return years_after(self.resolved_at, OUTAGES_KEPT_YEARS) if self.status == "RESOLVED" and self.resolved_at \
            else None

    def index(self) -> None:
        if self.status == "ACTIVE":
            self.GSI1PK, self.GSI1SK = self.ACTIVE, f"{self.started_at}#{self.incident_id}"
        else:
            self.GSI1PK, self.GSI1SK = self.RESOLVED, f"{self.resolved_at}#{self.incident_id}"


class IncidentCount(Item, discriminator="IncidentCount"):
    """PK INCIDENT#<incident_id>, SK COUNT: customers told, all-clears sent, contacts made about it
    (atomic additions, never in a transaction). Kept OUTAGES_KEPT_YEARS after its last addition
    (`counted`): the all-clears, sent when the incident is resolved."""

    SHARED_COUNTER = True

    told = NumberAttribute(default=0)
    cleared = NumberAttribute(default=0)
    contacts = NumberAttribute(default=0)

    @staticmethod
    def keys(incident_id: str) -> tuple[str, str]:
        return f"INCIDENT#{incident_id}", "COUNT"

    @classmethod
    def counted(cls, incident_id: str, *actions: Any) -> None:
        """Add to the figures (one atomic update), forgotten OUTAGES_KEPT_YEARS after this addition."""
        cls(*cls.keys(incident_id)).update(actions=[*actions, cls.expires_at.set(
            years_after(utcnow(), OUTAGES_KEPT_YEARS))])


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

    def kept_until(self) -> datetime | None:
        """OUTAGES_KEPT_YEARS after the all-clear; kept while the outage lasts (the banner)."""
        return years_after(self.cleared_at, OUTAGES_KEPT_YEARS) if self.cleared_at else None
