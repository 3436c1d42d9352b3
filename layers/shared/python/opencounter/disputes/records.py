"""How disputes are stored: in the customer's partition (the record and the 360-degree view read
them with everything else), found by id through a look-up item, and queued for staff on GSI1 by
status, soonest deadline first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.expressions.update import Action

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import Write
from opencounter.core.retention import after_fiscal_years, years_after
from opencounter.core.table import Item, customer_key

#: a dispute's statuses once it is decided (a rejection of the customer's own may still be appealed:
#: that opens it again)
DECIDED = ("UPHELD", "REJECTED", "WON", "LOST")
#: years the files sent as evidence are kept after the decision: long enough for the customer to take
#: the decision further (a disputes committee takes a complaint within a year of it being made to
#: us); the decision, its reasons and a credit note stay as long as the administration
FILES_KEPT_YEARS = 2


class Dispute(Item, discriminator="Dispute"):
    """SK DISPUTE#<dispute_id>. Versioned: every step and decision is a conditional write, so two
    staff members deciding at once cannot both win. Its id is derived from the transaction
    disputed, so one transaction is disputed once however often the customer asks."""

    SK_PREFIX = "DISPUTE#"

    dispute_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    #: {"kind": "invoice_line", "invoice_id", "line", "product_id", "description", "amount_cents"} or
    #: {"kind": "payment", "invoice_id", "payment_id", "amount_cents"} or
    #: {"kind": "usage_record", "invoice_id" (None: not billed yet), "record_id", "product_id", "unit",
    #: "quantity", "occurred_at", "period", "amount_cents" (what it added to the bill)}
    subject = JSONAttribute()
    #: the invoice disputed; None for a usage record of a month not billed when it was disputed
    invoice_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    explanation = UnicodeAttribute()
    amount_cents = NumberAttribute()
    #: what was put on hold on the invoice (what of the amount was still unpaid)
    held_cents = NumberAttribute(default=0)
    #: ASSESSING | WITH_STAFF | UPHELD | REJECTED; a chargeback: WITH_PROVIDER (the payer's bank
    #: decides) | WON (the payment stands) | LOST (the bank gave the money back to the payer)
    status = UnicodeAttribute()
    #: "customer" (the portal, staff on their behalf) or "provider" (a chargeback)
    source = UnicodeAttribute(default="customer")
    #: a chargeback: {"dispute_id" (the provider's), "status", "reason", "evidence_due_by",
    #: "evidence_submissions"} as last reported, and "evidence": the fields the business submitted
    provider = JSONAttribute(null=True)
    filed_at = UnicodeAttribute()
    filed_channel = UnicodeAttribute()
    expected_decision_on = UnicodeAttribute()
    #: [{"at", "step", ...}]: what happened, in order, as the customer sees it
    steps = JSONAttribute(default=list)
    #: [{"rule", "outcome", "amount_cents", "evidence"}] of the last assessment
    assessment = JSONAttribute(null=True)
    #: {"outcome", "basis", "by", "at", "reasons", "amount_cents", "round"}: the decision in force
    decision = JSONAttribute(null=True)
    #: earlier decisions (the first, once appealed)
    decisions = JSONAttribute(default=list)
    #: 1 for the first assessment, 2 once appealed
    round = NumberAttribute(default=1)
    appeal = JSONAttribute(null=True)
    #: the task token the workflow waits on while staff decide
    task_token = UnicodeAttribute(null=True)
    staff_deadline = UnicodeAttribute(null=True)
    escalated = BooleanAttribute(default=False)
    #: the contact in the customer's history that follows this dispute
    contact_id = UnicodeAttribute(null=True)
    credit_note_id = UnicodeAttribute(null=True)
    refund_cents = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, dispute_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{dispute_id}"

    @staticmethod
    def queue(status: str) -> str:
        """The GSI1 partition staff list disputes of a status from."""
        return f"DISPUTES#{status}"

    def add_step(self, step: str, **details: Any) -> None:
        """A step of the dispute as the customer follows it, now."""
        now = isoformat(utcnow())
        self.steps = [*self.steps, {"at": now, "step": step, **details}]
        self.updated_at = now

    def index(self) -> None:
        """Queued by status; those with staff by their deadline, soonest first, the rest by when filed."""
        self.GSI1PK = self.queue(self.status)
        self.GSI1SK = f"{self.staff_deadline or self.filed_at}#{self.dispute_id}"

    def decided_on(self) -> date | None:
        """The day it was decided (when the decision was applied), None while it is open."""
        return date.fromisoformat(self.expected_decision_on[:10]) if self.status in DECIDED else None

    def kept_until(self) -> datetime | None:
        """Once decided: the fiscal years of the year it was decided in, as the credit note it may
        have made and the invoice's hold it released (AWR art. 52(4)); while open, kept."""
        decided = self.decided_on()
        return after_fiscal_years(decided) if decided else None

    def files_due(self) -> date | None:
        """When the files sent as evidence go (the retention sweep deletes them), None while open."""
        decided = self.decided_on()
        return years_after(decided, FILES_KEPT_YEARS).date() if decided else None


class DisputeLookup(Item, discriminator="DisputeLookup"):
    """PK DISPUTE#<dispute_id>: whose dispute this is (staff reach a dispute by its id alone).
    Once the dispute is decided it also carries the dispute's retention: forgotten with it (TTL),
    and on GSI1 under FILES_DUE by the day its evidence files go, for the retention sweep (which
    takes it off GSI1 once the files are gone); an appeal takes both off again."""

    #: the GSI1 partition of decided disputes whose evidence files are still kept, by the day they go
    FILES_DUE = "RETENTION#DisputeEvidence"

    customer_id = UnicodeAttribute()

    @staticmethod
    def keys(dispute_id: str) -> tuple[str, str]:
        return f"DISPUTE#{dispute_id}", "LOOKUP"

    @classmethod
    def retention(cls, dispute: Dispute) -> Write:
        """The update that gives the look-up its dispute's retention as it stands now (decided: its
        TTL and the day its files go; open again: none), for the transaction that decides or
        reopens the dispute."""
        scheduled = cls(*cls.keys(dispute.dispute_id))
        scheduled.schedule(dispute)
        actions: list[Action]
        if scheduled.expires_at is None:
            actions = [cls.expires_at.remove(), cls.GSI1PK.remove(), cls.GSI1SK.remove()]
        else:
            actions = [cls.expires_at.set(scheduled.expires_at), cls.GSI1PK.set(scheduled.GSI1PK),
                       cls.GSI1SK.set(scheduled.GSI1SK)]
        return Write(scheduled, cls.PK.exists(), actions=actions, conflict="the dispute's look-up is missing")

    def schedule(self, dispute: Dispute) -> None:
        """The same, on a look-up being put (a chargeback reported decided when first seen)."""
        due, self.expires_at = dispute.files_due(), dispute.kept_until()
        self.GSI1PK, self.GSI1SK = (self.FILES_DUE, f"{due.isoformat()}#{dispute.dispute_id}") if due else (None, None)


class DisputeEvidence(Item, discriminator="DisputeEvidence"):
    """PK DISPUTE#<dispute_id>, SK EVIDENCE: the files sent as evidence for a dispute, in one
    versioned item (a handful a round), so the limit per round holds however many are asked for
    at once. Beside the dispute's look-up, not in the customer's partition: the record's reads
    never carry it. The files themselves are in the evidence bucket; the retention sweep deletes
    them and this item FILES_KEPT_YEARS after the decision (found through the look-up)."""

    customer_id = UnicodeAttribute()
    #: [{"evidence_id", "name", "content_type", "size_bytes", "round", "status", "asked_at",
    #:   "uploaded_at", "refusal"}]: status pending (a link given out), accepted or refused
    files = JSONAttribute(default=list)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def keys(dispute_id: str) -> tuple[str, str]:
        return f"DISPUTE#{dispute_id}", "EVIDENCE"
