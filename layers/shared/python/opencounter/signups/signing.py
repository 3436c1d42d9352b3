"""Signing, as a sign-up and an order both sign: the terms in force named by version and
fingerprint, a one-time code mailed to the signer's proven address, the number a product is
reached by once it is active, and the evidence shown back."""

from __future__ import annotations

import uuid
from typing import Any

from opencounter.catalogue.terms import terms
from opencounter.core import one_time_codes
from opencounter.core.errors import Conflict, InvalidInput
from opencounter.ports.messaging import send_email

#: codes mailed for one contract at most: more means something is wrong, and a person helps
CODES_PER_CONTRACT = 5
SUBJECT = "Your signing code"


def terms_in_force(request: dict[str, Any]) -> dict[str, Any]:
    """The terms in force, if they are the ones the request accepts; else Conflict (terms_changed)."""
    current = terms()
    if (request["terms_version"], request["terms_sha256"]) != (current["version"], current["sha256"]):
        raise Conflict(f"terms_sha256: these are not the terms in force (version {current['version']}, "
                       f"fingerprint {current['sha256']}); read them again", field="terms_sha256",
                       reason="terms_changed", version=current["version"])
    return current


def require_another_code(sent: int) -> None:
    if sent >= CODES_PER_CONTRACT:
        raise Conflict(f"signing: {CODES_PER_CONTRACT} codes were sent already; call us to continue",
                       field="signing", reason="signing_codes_used_up", limit=CODES_PER_CONTRACT)


def mail_code(email: str, product_name: str, code: str) -> dict[str, str]:
    """Mail the code that signs the agreement of `product_name`; the terms it signs."""
    current = terms()
    send_email(email, SUBJECT, (
        f"Your code to sign the {product_name} agreement is {code}.\n"
        f"It is valid for {one_time_codes.LIFETIME_MINUTES} minutes.\n"
        f"Terms: version {current['version']}, fingerprint {current['sha256']}.\n"), language="en")
    return {k: current[k] for k in ("version", "sha256")}


def identifier(kind: str, seed: str) -> str:
    """The number, connection or account a product is reached by, assigned at activation and
    derived from `seed` (a UUID: the sign-up, the order), so a retried activation assigns the same."""
    digits = str(uuid.UUID(seed).int)
    if kind == "mobile":
        return f"+316{digits[-8:]}"
    if kind == "energy":
        return f"8716{digits[-14:]}"
    return f"FTTH-{digits[-10:]}"


def evidence_view(evidence: Any) -> dict[str, Any]:
    return {"terms_version": evidence.terms_version, "terms_sha256": evidence.terms_sha256,
            "accepted_at": evidence.accepted_at, "ip": evidence.ip, "user_agent": evidence.user_agent,
            "code_check": evidence.code_check}


def slot_asked(raw: str | None, plan: dict[str, Any], kind: str | None) -> str | None:
    """The window asked for, as an order and a sign-up both take it: required for a product that
    needs a visit or a delivery (`kind`), refused for one that needs none (400 naming `slot`)."""
    if kind is not None and raw is None:
        raise InvalidInput(f"slot: {plan['product_name']} needs a {kind.replace('_', ' ')}; choose a window",
                           field="slot", reason="field_required")
    if kind is None and raw is not None:
        raise InvalidInput(f"slot: {plan['product_name']} needs no visit or delivery; leave the window out",
                           field="slot", reason="slot_not_needed", product=plan["product_name"])
    return raw
