"""The deeper checks after activation.

- Document authenticity: the verification report Stripe Identity made of the document and
  selfie (through the stripe library; the local cloud's stand-in answers for it).
- Sanctions and PEP screening, and the address registry (BAG): sandbox adapters that answer
  deterministically from test data until a provider is contracted: an e-mail address tagged
  `+pep` is a politically exposed person, the family name "Sanctioned" is on a sanctions list,
  and "Nergensstraat" is a street the registry does not know. In production they refuse to
  answer (the check stays unfinished, and the sign-up is not verified) until a provider is wired.
"""

from __future__ import annotations

from dataclasses import dataclass

from opencounter.core.settings import settings
from opencounter.ports.stripe_api import stripe_client


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"check": self.check, "passed": self.passed, "reason": self.reason}


def document_check(session_id: str) -> CheckResult:
    client = stripe_client().v1.identity
    session = client.verification_sessions.retrieve(session_id)
    report_id = session.last_verification_report
    if not report_id:
        return CheckResult("document", False, "no verification report for the identity check")
    document = client.verification_reports.retrieve(report_id).to_dict().get("document") or {}
    if document.get("status") == "verified":
        return CheckResult("document", True)
    error = document.get("error") or {}
    return CheckResult("document", False, error.get("reason") or "the identity document could not be confirmed")


def sanctions_check(family_name: str, email: str) -> CheckResult:
    settings().sandbox("sanctions and PEP screening")
    if "+pep" in email.split("@")[0]:
        return CheckResult("sanctions", False, "listed as a politically exposed person; needs enhanced due diligence")
    if family_name.strip().lower() == "sanctioned":
        return CheckResult("sanctions", False, "on a sanctions list")
    return CheckResult("sanctions", True)


def address_check(address: dict) -> CheckResult:
    settings().sandbox("the address registry")
    if address["street"].strip().lower() == "nergensstraat":
        return CheckResult("address", False, "the address is not in the address registry")
    return CheckResult("address", True)
