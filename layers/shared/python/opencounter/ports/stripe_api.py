"""The one place that makes a Stripe client. STRIPE_API_BASE points it at the local cloud's
Stripe stand-in; in AWS it is empty and the library talks to Stripe itself."""

from __future__ import annotations

import os
from typing import Any


def stripe_client() -> Any:
    import stripe

    base = os.environ.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(os.environ["STRIPE_SECRET_KEY"], max_network_retries=2,
                               base_addresses={"api": base} if base else None)


def verified_event(payload: bytes, signature: str | None, secret_variable: str) -> Any:
    """The Stripe event in a webhook delivery, if its Stripe-Signature is valid and at most
    300 s old; otherwise InvalidInput naming the header (nothing may be written for it)."""
    import stripe

    from opencounter.errors import InvalidInput

    try:
        return stripe.Webhook.construct_event(payload, signature, os.environ[secret_variable], tolerance=300)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise InvalidInput(f"Stripe-Signature: {error}", field="Stripe-Signature") from None
