"""The one place that makes a Stripe client, and the one that checks Stripe's webhook signatures.
STRIPE_API_BASE points the client at the local cloud's Stripe stand-in; in AWS it is empty and
the library talks to Stripe itself.

The stripe library is imported where it is first used, on purpose: it is a heavy import, and
most routes of the functions that hold these ports never call Stripe. A webhook delivery is
checked without it, with the same check (docs/adr/0015-cold-starts-under-the-goal.md)."""

from __future__ import annotations

import json
from typing import Any

from opencounter.core.errors import InvalidInput
from opencounter.core.secrets import secret
from opencounter.core.settings import settings
from opencounter.ports import signatures

HEADER = "Stripe-Signature"

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


def verified_event(payload: bytes, signature: str | None, signing_secret: str) -> dict[str, Any]:
    """The Stripe event in a webhook delivery, if its Stripe-Signature is valid and at most
    300 s old; otherwise InvalidInput naming the header (nothing may be written for it).
    `signing_secret` names the endpoint's secret in the Stripe secret."""
    return signed_event(payload, signature, secret("stripe", signing_secret))


TOLERANCE_S = signatures.TOLERANCE_S


def signed_event(payload: bytes, header: str | None, endpoint_secret: str, *,
                 tolerance_s: int = TOLERANCE_S) -> dict[str, Any]:
    """The event (Stripe's JSON object) in `payload` if `header` signs it with `endpoint_secret`.

    The check (ports.signatures) is the stripe library's (stripe.WebhookSignature.verify_header,
    to which tests/unit/test_stripe_signatures.py holds it): the header's `t` and its `v1`
    signatures; an HMAC-SHA256 of "<t>.<payload>" with the secret, compared in constant time with
    each `v1` (during a rotation of the secret Stripe sends one per secret); refused when none
    matches or when `t` is more than `tolerance_s` old. An empty secret refuses everything."""
    text = signatures.signed_text(payload, header, endpoint_secret, header_name=HEADER, tolerance_s=tolerance_s)

    def refused(why: str) -> InvalidInput:
        return InvalidInput(f"{HEADER}: {why}", field=HEADER, reason="signature_invalid")

    try:
        event = json.loads(text)
    except ValueError:
        raise refused("the payload is not JSON") from None
    if not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("type"), str) \
            or not isinstance(event.get("id"), str) or not isinstance((event.get("data") or {}).get("object"), dict):
        raise refused("the payload is not a Stripe event")
    return event
