"""How complaints are stored. A complaint lives in its customer's partition (the record, the
360-degree view and an erasure take it with the rest); while it waits for an answer it is on GSI1
under the queue it is in (`COMPLAINTS#OPEN`, or `COMPLAINTS#ESCALATED` once its term passed), by
the moment its term ends, and once answered under `COMPLAINTS#ANSWERED` by the moment the customer
can no longer reopen it. A closed complaint is on no queue."""

from __future__ import annotations

import uuid
from datetime import datetime

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute, VersionAttribute

from opencounter.contacts.records import CLOSED_KEPT_YEARS as CONTACT_KEPT_YEARS
from opencounter.core.ids import stable_id
from opencounter.core.retention import years_after
from opencounter.core.table import Item, customer_key

#: what a complaint can be about
ABOUT = ("service", "staff", "outage", "delay", "invoice", "other")
#: received -> in_progress -> answered -> closed; reopened (by the customer, after an answer) is
#: handled as in_progress is
STATUSES = ("RECEIVED", "IN_PROGRESS", "REOPENED", "ANSWERED", "CLOSED")
WAITING = frozenset({"RECEIVED", "IN_PROGRESS", "REOPENED"})
#: the queues on GSI1
OPEN, ESCALATED, ANSWERED = "COMPLAINTS#OPEN", "COMPLAINTS#ESCALATED", "COMPLAINTS#ANSWERED"
#: years a complaint is kept once closed: as long as a contact, which covers the year in which the
#: disputes committee takes a complaint the customer brings to it
CLOSED_KEPT_YEARS = CONTACT_KEPT_YEARS


def new_complaint_id(*about: str) -> str:
    """A new complaint's id: random, or derived from `about` (the customer and an Idempotency-Key)
    so a filing sent twice makes one complaint. Nothing of the customer can be read back from it."""
    seed = stable_id("complaint", *about) if about else str(uuid.uuid4())
    return f"K-{seed.replace('-', '')[:10].upper()}"


class Complaint(Item, discriminator="Complaint"):
    """SK COMPLAINT#<complaint_id>: what the customer complains about, its term, who handles it,
    the notes (for the customer, or internal), the answer and how it ended. Versioned: two staff
    members (or staff and the escalation run) changing it at once cannot overwrite each other."""

    SK_PREFIX = "COMPLAINT#"

    complaint_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    about = UnicodeAttribute()
    text = UnicodeAttribute()
    #: what it is about, where the customer named it: {"kind": contact|invoice|product, "id"}
    reference = JSONAttribute(null=True)
    status = UnicodeAttribute()
    #: where it came in, and by whom (the customer, or staff registering it from a call)
    channel = UnicodeAttribute()
    filed_by = UnicodeAttribute()
    filed_at = UnicodeAttribute()
    #: the term: the last working day (and the moment, 17:00 Amsterdam) it is to be answered by
    deadline_on = UnicodeAttribute()
    deadline_at = UnicodeAttribute()
    extended = BooleanAttribute(default=False)
    extension_reason = UnicodeAttribute(null=True)
    #: the staff member handling it (their username), and their role as customers are told it
    handler = UnicodeAttribute(null=True)
    handler_role = UnicodeAttribute(null=True)
    escalated_at = UnicodeAttribute(null=True)
    #: [{"at", "by", "text", "for_customer"}]: "by" is the staff member's username, or "customer"
    notes = JSONAttribute(default=list)
    answer = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    #: until when the customer may reopen it after the answer
    reopen_until = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, complaint_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{complaint_id}"

    def queue(self) -> None:
        """Put it on the queue its status says (none once closed)."""
        if self.status in WAITING:
            self.GSI1PK = ESCALATED if self.escalated_at else OPEN
            self.GSI1SK = f"{self.deadline_at}#{self.complaint_id}"
        elif self.status == "ANSWERED":
            self.GSI1PK, self.GSI1SK = ANSWERED, f"{self.reopen_until}#{self.complaint_id}"
        else:
            self.GSI1PK = self.GSI1SK = None

    def kept_until(self) -> datetime | None:
        """Kept CLOSED_KEPT_YEARS once closed; while open, kept."""
        return years_after(self.closed_at, CLOSED_KEPT_YEARS) if self.status == "CLOSED" and self.closed_at else None
