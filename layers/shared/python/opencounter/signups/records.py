"""How a sign-up is stored: its own partition SIGNUP#<id>, a look-up item per resume code, and,
while staff review it, queued on GSI1 by its deadline, soonest first."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.resume_codes import code_digest
from opencounter.core.table import Item

#: the steps of a sign-up, in the order the customer meets them
STEPS = ("application", "identification", "validation", "signing", "provisioning", "verification")


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
    version = VersionAttribute()

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return f"SIGNUP#{signup_id}", "SIGNUP"

    @staticmethod
    def queue(status: str) -> str:
        """The GSI1 partition staff list sign-ups of a status from (IN_REVIEW: those waiting for them)."""
        return f"SIGNUPS#{status}"

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
        return f"SIGNUP#{signup_id}", "SIGNING_CODE"


class SignatureEvidence(Item, discriminator="SignatureEvidence"):
    """SK EVIDENCE#SIGNATURE: what was accepted, when, from where and how the signer was
    recognised. Written once (a condition forbids overwriting) and never changed."""

    terms_version = UnicodeAttribute()
    terms_sha256 = UnicodeAttribute()
    accepted_at = UnicodeAttribute()
    ip = UnicodeAttribute()
    user_agent = UnicodeAttribute()
    code_check = JSONAttribute()

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return f"SIGNUP#{signup_id}", "EVIDENCE#SIGNATURE"


class RollbackAudit(Item, discriminator="RollbackAudit"):
    """SK AUDIT#ROLLBACK: why a sign-up was undone and what was undone. Written once."""

    at = UnicodeAttribute()
    reasons = JSONAttribute()
    undone = JSONAttribute()
    checks = JSONAttribute()

    @staticmethod
    def keys(signup_id: str) -> tuple[str, str]:
        return f"SIGNUP#{signup_id}", "AUDIT#ROLLBACK"
