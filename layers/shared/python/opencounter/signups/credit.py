"""Instant validation: the credit decision on an application, with its reasons.

The rules, in the order they are checked:
1. the applicant is at least 18 on the day of the decision;
2. the plan's monthly fee is at most 10% of the declared net monthly income;
3. the credit bureau reports no negative registration;
4. neither the e-mail address nor the phone number is on the blocklist.
Every rule is checked (not only up to the first failure), so the reasons are complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pynamodb.attributes import UnicodeAttribute

from opencounter.core.clock import utcnow
from opencounter.core.retention import years_after
from opencounter.core.table import Item
from opencounter.ports.credit_bureau import credit_report

ADULT_AGE = 18
MAX_SHARE_OF_INCOME = 0.10
#: years an address stays on the blocklist: no law sets it; long enough to stop an applicant who
#: committed fraud with an earlier account from signing up again at once, then forgotten (they may
#: apply again, and are checked as anyone is)
BLOCKED_YEARS = 5


class Blocklisted(Item, discriminator="Blocklisted"):
    """PK BLOCKLIST#<kind>#<value>: an e-mail address or phone number we do not sign up, for
    BLOCKED_YEARS from when it was listed (`listed`)."""

    reason = UnicodeAttribute()

    @staticmethod
    def keys(kind: str, value: str) -> tuple[str, str]:
        return f"BLOCKLIST#{kind}#{value.strip().lower()}", "BLOCKLIST"

    @classmethod
    def listed(cls, kind: str, value: str, reason: str) -> Blocklisted:
        """Put an address on the blocklist, forgotten BLOCKED_YEARS from now."""
        entry = cls(*cls.keys(kind, value), reason=reason, expires_at=years_after(utcnow(), BLOCKED_YEARS))
        entry.save()
        return entry


@dataclass(frozen=True)
class CreditDecision:
    approved: bool
    reasons: list[str]
    bureau_reference: str


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def decide(applicant: dict, monthly_fee_cents: int, today: date) -> CreditDecision:
    reasons = []
    if _age_on(date.fromisoformat(applicant["birth_date"]), today) < ADULT_AGE:
        reasons.append(f"the applicant is younger than {ADULT_AGE}")
    if monthly_fee_cents > applicant["monthly_income_cents"] * MAX_SHARE_OF_INCOME:
        reasons.append(f"the plan costs more than {MAX_SHARE_OF_INCOME:.0%} of the declared monthly income")
    report = credit_report(applicant["family_name"], applicant["birth_date"], applicant["email"])
    if report.negative_registrations:
        reasons.append("the credit bureau reports a negative registration")
    keys = [Blocklisted.keys("EMAIL", applicant["email"]), Blocklisted.keys("PHONE", applicant["phone"])]
    if list(Blocklisted.batch_get(keys)):
        reasons.append("the e-mail address or phone number is on the blocklist")
    return CreditDecision(approved=not reasons, reasons=reasons, bureau_reference=report.reference)
