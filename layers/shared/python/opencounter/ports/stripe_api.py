"""The one place that makes a Stripe client. STRIPE_API_BASE points it at the local cloud's
Stripe stand-in; in AWS it is empty and the library talks to Stripe itself.

The stripe library is imported where it is first used, on purpose: it is a heavy import, and
most routes of the functions that hold these ports never call Stripe."""

from __future__ import annotations

from typing import Any

from opencounter.core.errors import InvalidInput
from opencounter.core.secrets import secret
from opencounter.core.settings import settings

#: seconds to connect, and to wait for an answer: with one retry, a call gives up well within the
#: function's 10 s (the library's own default waits 80 s, or for ever over urllib)
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 1.5, 2.5


def stripe_client() -> Any:
    import stripe

    base, key = settings().stripe_api_base or None, secret("stripe", "secret_key")
    if base:
        settings().sandbox(f"Stripe at {base}")
    if not key.startswith(("sk_live_", "rk_live_")):
        settings().sandbox("a Stripe test-mode key")
    return stripe.StripeClient(key, max_network_retries=1,
                               http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)),
                               base_addresses={"api": base} if base else None)


def verified_event(payload: bytes, signature: str | None, signing_secret: str) -> Any:
    """The Stripe event in a webhook delivery, if its Stripe-Signature is valid and at most
    300 s old; otherwise InvalidInput naming the header (nothing may be written for it).
    `signing_secret` names the endpoint's secret in the Stripe secret."""
    import stripe

    try:
        return stripe.Webhook.construct_event(payload, signature, secret("stripe", signing_secret), tolerance=300)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidInput(f"Stripe-Signature: {error}", field="Stripe-Signature", reason="signature_invalid") from None
