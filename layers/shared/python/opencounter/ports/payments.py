"""Payments port: Stripe PaymentIntents (iDEAL and cards), refunds, and the signed webhooks that
report what became of them. Every call that creates something carries an idempotency key, so a
retried call never charges or refunds twice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opencounter.core.settings import settings
from opencounter.ports.stripe_api import stripe_client, verified_event

#: intents that can still be paid: reusing one spares the customer a second payment
UNFINISHED = ("requires_payment_method", "requires_confirmation", "requires_action")
#: a payment whose money is taken or being taken
TAKING_MONEY = ("processing", "requires_capture", "succeeded")


@dataclass(frozen=True)
class Checkout:
    """What a client needs to complete a payment (with Stripe.js, or the test bank locally)."""

    payment_id: str
    client_secret: str
    status: str
    amount_cents: int
    methods: tuple[str, ...]
    next_action: dict | None


@dataclass(frozen=True)
class PaymentUpdate:
    """What a webhook event says about a payment. Amounts are the provider's running totals
    (None where the event does not tell), so applying them is safe in any order."""

    event_id: str
    event_type: str
    payment_id: str
    customer_id: str | None
    invoice_id: str | None
    status: str | None = None  # SUCCEEDED | FAILED | CANCELED
    received_cents: int | None = None
    refunded_cents: int | None = None
    disputed_cents: int | None = None
    method: str | None = None
    message: str | None = None
    #: what the intent was made for: its amount, and the invoice's attempt it was made in
    amount_cents: int | None = None
    attempt: int | None = None


def _checkout(intent: Any) -> Checkout:
    data = intent.to_dict()
    return Checkout(data["id"], data["client_secret"], data["status"], int(data["amount"]),
                    tuple(data.get("payment_method_types") or ()), data.get("next_action"))


def create_payment(*, customer_id: str, invoice_id: str, amount_cents: int, attempt: int, methods: list[str],
                   description: str) -> Checkout:
    """A PaymentIntent for an invoice; the same attempt of the same invoice returns the same one."""
    intent = stripe_client().v1.payment_intents.create(
        params={"amount": amount_cents, "currency": "eur", "payment_method_types": methods,
                "description": description,
                "metadata": {"customer_id": customer_id, "invoice_id": invoice_id, "attempt": str(attempt)}},
        options={"idempotency_key": f"invoice-{invoice_id}-payment-{attempt}"})
    return _checkout(intent)


def payment(payment_id: str) -> Checkout:
    return _checkout(stripe_client().v1.payment_intents.retrieve(payment_id))


def cancel_payment(payment_id: str) -> None:
    """Withdraw an intent that will not be used (a new amount is due); one that meanwhile
    succeeded or was cancelled stays as it is."""
    import stripe  # deferred, as in stripe_api

    try:
        stripe_client().v1.payment_intents.cancel(payment_id)
    except stripe.InvalidRequestError:
        pass


def refund(payment_id: str, amount_cents: int, *, reason_key: str) -> str:
    """Pay back part or all of a payment, once per reason_key."""
    result = stripe_client().v1.refunds.create(
        params={"payment_intent": payment_id, "amount": amount_cents, "reason": "requested_by_customer",
                "metadata": {"reason": reason_key}},
        options={"idempotency_key": f"refund-{payment_id}-{reason_key}"})
    return result.id


def checkout_url(checkout: Checkout) -> str | None:
    """Where a browser completes the payment when no Stripe.js page of our own is used: the
    local cloud's test bank; in AWS the client confirms with Stripe.js and this is None."""
    template = settings().payment_checkout_url
    if not template:
        return None
    return template.format(payment_id=checkout.payment_id, client_secret=checkout.client_secret)


def payment_update(payload: bytes, signature: str | None) -> PaymentUpdate | None:
    """The payment news in a signed webhook delivery, or None for an event we do not act on.
    A bad or stale signature raises InvalidInput."""
    event = verified_event(payload, signature, "payments_webhook_secret")
    obj, kind, event_id = event["data"]["object"], event["type"], event["id"]
    if kind.startswith("payment_intent."):
        metadata = obj.get("metadata") or {}
        attempt = str(metadata.get("attempt") or "")
        common = {"event_id": event_id, "event_type": kind, "payment_id": obj["id"],
                  "customer_id": metadata.get("customer_id"), "invoice_id": metadata.get("invoice_id"),
                  "amount_cents": int(obj["amount"]) if obj.get("amount") is not None else None,
                  "attempt": int(attempt) if attempt.isdigit() else None}
        if kind == "payment_intent.succeeded":
            return PaymentUpdate(**common, status="SUCCEEDED", received_cents=int(obj.get("amount_received") or 0))
        if kind == "payment_intent.payment_failed":
            error = obj.get("last_payment_error") or {}
            return PaymentUpdate(**common, status="FAILED", message=error.get("message") or error.get("code"))
        if kind == "payment_intent.canceled":
            return PaymentUpdate(**common, status="CANCELED")
        return None
    if kind == "charge.refunded":
        metadata = obj.get("metadata") or {}
        details = obj.get("payment_method_details") or {}
        return PaymentUpdate(event_id, kind, obj["payment_intent"], metadata.get("customer_id"),
                             metadata.get("invoice_id"), received_cents=int(obj.get("amount_captured") or 0),
                             refunded_cents=int(obj.get("amount_refunded") or 0), method=details.get("type"))
    if kind == "charge.dispute.created":
        # a dispute does not carry the intent's metadata: ask the provider whose payment it is
        intent = stripe_client().v1.payment_intents.retrieve(obj["payment_intent"]).to_dict()
        metadata = intent.get("metadata") or {}
        return PaymentUpdate(event_id, kind, obj["payment_intent"], metadata.get("customer_id"),
                             metadata.get("invoice_id"), disputed_cents=int(obj.get("amount") or 0),
                             message=obj.get("reason"))
    return None
