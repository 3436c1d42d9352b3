"""Credit bureau port: asks whether a person has negative credit registrations.

The sandbox bureau answers at once and deterministically from test data: an e-mail address
tagged `+bkr` (e.g. eva+bkr@example.nl) has a negative registration, as do the test persons
listed below. A real bureau (BKR in the Netherlands) is reached through an adapter with the
same function. In production the sandbox refuses to answer: a sign-up is not accepted on test
data."""

from __future__ import annotations

from dataclasses import dataclass

from opencounter.core.settings import settings

#: (family name, birth date) of sandbox test persons with a registration
SANDBOX_REGISTERED = {("wanbetaler", "1980-01-01")}


@dataclass(frozen=True)
class BureauReport:
    negative_registrations: int
    reference: str


def credit_report(family_name: str, birth_date: str, email: str) -> BureauReport:
    settings().sandbox("the credit bureau")
    tagged = "+bkr" in email.split("@")[0]
    registered = tagged or (family_name.strip().lower(), birth_date) in SANDBOX_REGISTERED
    return BureauReport(negative_registrations=1 if registered else 0, reference=f"sandbox-{birth_date}")
