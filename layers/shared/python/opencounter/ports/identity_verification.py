"""Identity verification port: Stripe Identity (an identity document and a matching selfie).
The customer completes the check on the provider's page; the result arrives by signed webhook."""

from __future__ import annotations

from dataclasses import dataclass

from opencounter.ports.stripe_api import stripe_client, verified_event

VERIFIED = "identity.verification_session.verified"
REQUIRES_INPUT = "identity.verification_session.requires_input"


@dataclass(frozen=True)
class VerificationStarted:
    session_id: str
    url: str


@dataclass(frozen=True)
class VerificationOutcome:
    session_id: str
    signup_id: str
    verified: bool
    reason: str | None
    event_id: str


def start_verification(signup_id: str, email: str, attempt: int) -> VerificationStarted:
    """Open a verification session; a retried call for the same attempt returns the same session."""
    session = stripe_client().v1.identity.verification_sessions.create(
        params={"type": "document", "metadata": {"signup_id": signup_id},
                "options": {"document": {"require_matching_selfie": True}}, "provided_details": {"email": email}},
        options={"idempotency_key": f"signup-{signup_id}-identity-{attempt}"})
    return VerificationStarted(session.id, session.url)


def verification_outcome(payload: bytes, signature: str | None) -> VerificationOutcome | None:
    """The outcome a signed webhook delivery reports, or None for an event we do not act on."""
    event = verified_event(payload, signature, "identity_webhook_secret")
    if event["type"] not in (VERIFIED, REQUIRES_INPUT):
        return None
    session = event["data"]["object"]
    signup_id = (session.get("metadata") or {}).get("signup_id")
    if not signup_id:
        return None
    error = session.get("last_error") or {}
    return VerificationOutcome(session_id=session["id"], signup_id=signup_id, verified=event["type"] == VERIFIED,
                               reason=error.get("reason") or error.get("code"), event_id=event["id"])


def redact_verification(session_id: str) -> str:
    """Ask Stripe to redact an identity check: the session and everything of it (the document,
    the selfie, the verification reports, its events and request logs) keep only "[redacted]"
    where personal data was. "redacted" (asked now, or done before: a retried step finds it
    redacted already), or "absent" when Stripe knows no such session."""
    import stripe  # deferred, as in stripe_api

    client = stripe_client()
    try:
        session = client.v1.identity.verification_sessions.retrieve(session_id).to_dict()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return "absent"
        raise
    if (session.get("redaction") or {}).get("status") in ("processing", "redacted"):
        return "redacted"
    client.v1.identity.verification_sessions.redact(session_id)
    return "redacted"
