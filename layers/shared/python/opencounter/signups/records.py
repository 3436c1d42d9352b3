"""How a sign-up is stored: its own partition SIGNUP#<id>, a look-up item per resume code, and,
while staff review it, queued on GSI1 by its deadline, soonest first. An existing customer's order
of another product lives in the customer's partition (ORDER#<id>), its signing code and signature
evidence beside it: the same kinds of item a sign-up signs with, keyed by the order."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.resume_codes import code_digest
from opencounter.core.retention import after
from opencounter.core.table import Item, customer_key, signup_key

#: the steps of a sign-up, in the order the customer meets them
STEPS = ("application", "identification", "validation", "signing", "provisioning", "verification")
#: an application nobody continues is forgotten after this long (TTL)
ABANDONED_AFTER = timedelta(days=30)
#: an application declined, or a sign-up rolled back, is kept this long after the decision, with
#: its evidence and why: long enough for the applicant to ask for the decision to be looked at
#: again by a person (GDPR art. 22(3)) and to complain about it; after that its personal data
#: (the application, an income, a date of birth) serves no purpose
DECIDED_AGAINST_KEPT = timedelta(days=90)
#: where a sign-up stands once it is decided against, and the step that decided it
DECIDED_AGAINST = {"DECLINED": "validation", "ROLLED_BACK": "verification"}
#: a sign-up that made a customer: it is how the contract came about, kept with the customer's record
SIGNED = ("ACTIVE", "IN_REVIEW", "VERIFIED")
#: the steps of an order: the customer is identified already, so it is signed and activated
ORDER_STEPS = ("order", "signing", "activation")


ORDER_PREFIX = "ORDER#"


def _order_key(order_id: str) -> str:
    return f"{ORDER_PREFIX}{order_id}"


class Signup(Item, discriminator="Signup"):
    """SK SIGNUP: the application and where each step stands. Versioned, so two channels
    continuing the same sign-up at once, or two staff members deciding it, cannot both move it on."""

    signup_id = UnicodeAttribute()
    status = UnicodeAttribute()
    channel = UnicodeAttribute()
    applicant = JSONAttribute()
    plan = JSONAttribute()
    consents = JSONAttribute()
    steps = JSONAttribute()
    resume_code_digest = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute(null=True)
    #: the visit or delivery the product needs, chosen with the application and booked when it is
    #: signed: {"kind", "slot" (as asked), "window", "status" (chosen | planned | cancelled),
    #: "appointment_id" (once booked)}; None for a product that needs none
    fulfilment = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    #: while a person decides (IN_REVIEW): {"unfinished": [check], "checks": [{"check", "passed",
    #: "reason"}], "since", "deadline", "escalated"}; kept afterwards as what was reviewed
    review = JSONAttribute(null=True)
    #: how a review ended: {"outcome": "verify" | "roll_back", "basis": "staff" | "recheck" |
    #: "lapsed", "by", "at", "reasons"}
    decision = JSONAttribute(null=True)
    #: the task token the verification workflow waits on while staff decide
    task_token = UnicodeAttribute(null=True)
    #: every identity check opened at the provider for this sign-up, one per attempt (erasing the
    #: customer asks the provider to redact each)
    identity_sessions = JSONAttribute(default=list)
    version = VersionAttribute()

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return signup_key(signup_id), "SIGNUP"

    @staticmethod
    def queue(status: str) -> str:
        """The GSI1 partition staff list sign-ups of a status from (IN_REVIEW: those waiting for them)."""
        return f"SIGNUPS#{status}"

    def kept_until(self) -> datetime | None:
        """ABANDONED_AFTER its application until it is signed; DECIDED_AGAINST_KEPT after it was
        declined or rolled back; once signed, with the customer's record (no TTL)."""
        if self.status in DECIDED_AGAINST:
            decided = self.steps.get(DECIDED_AGAINST[self.status], {}).get("at") or self.updated_at
            return after(decided, DECIDED_AGAINST_KEPT)
        if self.status in SIGNED:
            return None
        return after(self.created_at, ABANDONED_AFTER)

    def index(self) -> None:
        """Queued while in review, by its deadline, soonest first; out of the queue once decided."""
        if self.status == "IN_REVIEW" and self.review:
            self.GSI1PK, self.GSI1SK = self.queue(self.status), f"{self.review['deadline']}#{self.signup_id}"
        else:
            self.GSI1PK = self.GSI1SK = None


class ResumeCode(Item, discriminator="ResumeCode"):
    """PK RESUME#<digest>: which sign-up a resume code continues."""

    signup_id = UnicodeAttribute()

    @classmethod
    def keys(cls, code: str) -> tuple[str, str]:
        return cls.keys_of_digest(code_digest(code))

    @staticmethod
    def keys_of_digest(digest: str) -> tuple[str, str]:
        return f"RESUME#{digest}", "RESUME"


class SigningCode(Item, discriminator="SigningCode"):
    """SK SIGNING_CODE: the one-time code that signs, kept as a digest, short-lived (TTL)."""

    digest = UnicodeAttribute()
    sent_to = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return signup_key(signup_id), "SIGNING_CODE"

    @staticmethod
    def order_keys(customer_id: str, order_id: str) -> tuple[str, str]:
        """The code that signs an order, beside the order in the customer's partition."""
        return customer_key(customer_id), f"{_order_key(order_id)}#SIGNING_CODE"


class SignatureEvidence(Item, discriminator="SignatureEvidence"):
    """SK EVIDENCE#SIGNATURE: what was accepted, when, from where and how the signer was
    recognised. Written once (a condition forbids overwriting) and never changed. An order's
    evidence also says who acted (the customer, or staff on their behalf) and on which channel."""

    terms_version = UnicodeAttribute()
    terms_sha256 = UnicodeAttribute()
    accepted_at = UnicodeAttribute()
    ip = UnicodeAttribute()
    user_agent = UnicodeAttribute()
    code_check = JSONAttribute()
    #: who typed the code, and where (an order; a sign-up is always the applicant's own)
    actor = JSONAttribute(null=True)
    channel = UnicodeAttribute(null=True)

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return signup_key(signup_id), "EVIDENCE#SIGNATURE"

    @staticmethod
    def order_keys(customer_id: str, order_id: str) -> tuple[str, str]:
        """The evidence of an order's signature, beside the order in the customer's partition."""
        return customer_key(customer_id), f"{_order_key(order_id)}#EVIDENCE#SIGNATURE"


class Order(Item, discriminator="Order"):
    """SK ORDER#<id> in the customer's partition: another product ordered by a customer who has
    an account (or by staff on their behalf), validated when placed, then signed with a one-time
    code and activated. Versioned, so a retried or doubled signature activates once. An order
    nobody signs is forgotten after a while (TTL); a signed one is kept: it is evidence."""

    SK_PREFIX = ORDER_PREFIX

    order_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    #: PLACED (to be signed), SIGNED (signed, waiting for its fulfilment), ACTIVE
    status = UnicodeAttribute()
    channel = UnicodeAttribute()
    #: who placed it: the customer, or a member of staff
    placed_by = JSONAttribute()
    #: the plan as the catalogue sold it (catalogue.service.plan_on_sale)
    plan = JSONAttribute()
    #: the first day the product is held, when the customer chose one (else the day it is signed)
    starts_on = UnicodeAttribute(null=True)
    #: what must happen before the product works, where the catalogue says so (an engineer's
    #: visit, a delivery): {"kind", "status", ...}; None: it works as soon as it is signed
    fulfilment = JSONAttribute(null=True)
    steps = JSONAttribute()
    product_id = UnicodeAttribute(null=True)
    #: the quote whose acceptance placed it, at the prices the quote froze
    quote_id = UnicodeAttribute(null=True)
    #: the digest of the code it was signed with: the same request sent again is told it is done
    signed_with = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, order_id: str) -> tuple[str, str]:
        return customer_key(customer_id), _order_key(order_id)


class RollbackAudit(Item, discriminator="RollbackAudit"):
    """SK AUDIT#ROLLBACK: why a sign-up was undone and what was undone. Written once, kept as
    long as the sign-up it undid (DECIDED_AGAINST_KEPT)."""

    at = UnicodeAttribute()
    reasons = JSONAttribute()
    undone = JSONAttribute()
    checks = JSONAttribute()

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return signup_key(signup_id), "AUDIT#ROLLBACK"

    def kept_until(self) -> datetime:
        return after(self.at, DECIDED_AGAINST_KEPT)
