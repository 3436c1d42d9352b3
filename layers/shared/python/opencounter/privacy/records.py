"""How data-subject requests are stored: in the customer's partition (the record lists them), and
on GSI1 while open, soonest legal deadline first, for the privacy officer."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.retention import years_after
from opencounter.core.table import Item, customer_key

#: years a request is kept once answered (done or refused): what was asked, when, and what came of
#: it, to show the supervisory authority that requests are answered in time (GDPR art. 5(2), the
#: accountability principle); no law sets the period
ANSWERED_KEPT_YEARS = 3


class DataRequest(Item, discriminator="DataRequest"):
    """SK DATAREQUEST#<request_id>: a request under the GDPR (art. 15/20: a copy of one's data;
    art. 17: erasure), answered within a month of its receipt (art. 12(3))."""

    SK_PREFIX = "DATAREQUEST#"
    #: the GSI1 partitions requests are listed from, by state
    OPEN, DONE = "DATAREQUESTS#OPEN", "DATAREQUESTS#DONE"

    request_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    #: "export" (access and portability) or "erasure"
    kind = UnicodeAttribute()
    #: RECEIVED | IN_PROGRESS | DONE | REFUSED
    status = UnicodeAttribute()
    received_at = UnicodeAttribute()
    #: the legal deadline: one month after receipt
    due_on = UnicodeAttribute()
    #: the channel it came in on, and who took it (the customer, or staff on their behalf)
    channel = UnicodeAttribute()
    actor = JSONAttribute()
    done_at = UnicodeAttribute(null=True)
    #: what came of it, without personal data: {"reason"} when refused, the export's size, the
    #: erasure's receipt id
    outcome = JSONAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, request_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{request_id}"

    def kept_until(self) -> datetime | None:
        """Kept while open; ANSWERED_KEPT_YEARS once done or refused (also when the rest of the
        customer's record was erased: it is the proof of that erasure)."""
        if self.status in ("DONE", "REFUSED"):
            return years_after(self.done_at or self.received_at, ANSWERED_KEPT_YEARS)
        return None

    def index(self) -> None:
        """Open ones by their deadline; done ones by when they were done, for the officer's record."""
        if self.status in ("DONE", "REFUSED"):
            self.GSI1PK, self.GSI1SK = self.DONE, f"{self.done_at}#{self.request_id}"
        else:
            self.GSI1PK, self.GSI1SK = self.OPEN, f"{self.due_on}#{self.request_id}"


class ErasureReceipt(Item, discriminator="ErasureReceipt"):
    """PK ERASURE#<request_id>, SK RECEIPT: what an erasure did, without personal data: when it
    was asked and done, the steps that ran, how much of each kind of item it erased (as found when
    it began), what it kept and until when. Whose it was is only a digest of the customer id (the
    `subject`), enough to answer "was I erased?" for someone who still has their customer id. On
    GSI1 under ERASURES, most recent first, for the privacy officer. Kept without end: it holds
    nothing of the person."""

    LIST = "ERASURES"

    request_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    received_at = UnicodeAttribute()
    done_at = UnicodeAttribute()
    #: who asked: "customer" or "staff" (on the customer's behalf), and on which channel
    asked_by = UnicodeAttribute()
    channel = UnicodeAttribute()
    #: [{"step", "at"}]: the steps that ran, in order
    steps = JSONAttribute()
    #: kind of item or object -> how many were erased
    erased = JSONAttribute()
    #: what the law made us keep: {"invoices", "payments", "credit_notes", "ledger_entries", "requests", "until"}
    kept = JSONAttribute()
    #: the customer's last e-mail before their address went: "sent" or "no_address"
    confirmation = UnicodeAttribute()
    #: what a last look after the late events' window still found (and erased)
    swept = NumberAttribute(default=0)

    @staticmethod
    def keys(request_id: str) -> tuple[str, str]:
        return f"ERASURE#{request_id}", "RECEIPT"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.LIST, f"{self.done_at}#{self.request_id}"


class ErasedSubject(Item, discriminator="ErasedSubject"):
    """PK ERASED#<subject>, SK RECEIPT: the receipt of the erasure of the customer whose id has
    this digest (someone asking again whether they were erased)."""

    request_id = UnicodeAttribute()

    @staticmethod
    def keys(subject: str) -> tuple[str, str]:
        return f"ERASED#{subject}", "RECEIPT"
