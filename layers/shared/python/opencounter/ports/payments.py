"""Payments port: Stripe PaymentIntents (iDEAL and cards), refunds, chargebacks (Stripe's
Disputes: answered with evidence, or accepted), SEPA Direct Debit (a SetupIntent the customer
gives a mandate with, and PaymentIntents collected off-session on it), and the signed webhooks
that report what became of them. Every call that creates or submits something carries an idempotency key, so a retried
call never charges, refunds or submits twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opencounter.core.clock import isoformat
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


#: the events of a chargeback; each carries the Dispute as it is then, which is all that is read
DISPUTE_EVENTS = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                  "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated")
#: a chargeback the business can still answer with evidence
ANSWERABLE = ("needs_response", "warning_needs_response")
#: how far a chargeback has come: answerable, with the bank, decided (it only moves forward)
STAGES = {"warning_needs_response": 0, "needs_response": 0, "warning_under_review": 1, "under_review": 1,
          "appeal_needs_response": 1, "appeal_under_review": 1, "won": 2, "lost": 2, "warning_closed": 2,
          "prevented": 2}
#: decided chargebacks: won (the payment stands: decided for the business, an inquiry closed or
#: prevented) or lost (the payer's bank took the money back)
OUTCOMES = {"won": "won", "warning_closed": "won", "prevented": "won", "lost": "lost"}


@dataclass(frozen=True)
class Chargeback:
    """A payment disputed by the payer's bank, as the provider reports it now. The amounts are
    what the dispute took from the business so far and what it gave back (running totals)."""

    dispute_id: str
    status: str
    reason: str
    amount_cents: int
    withdrawn_cents: int
    reinstated_cents: int
    evidence_due_by: str | None
    evidence_submissions: int

    @property
    def outcome(self) -> str | None:
        """Won or lost once decided; None while the bank decides."""
        return OUTCOMES.get(self.status)

    @property
    def stage(self) -> int:
        return STAGES.get(self.status, 0)

    @property
    def answerable(self) -> bool:
        """Evidence can still be submitted."""
        return self.status in ANSWERABLE and self.evidence_submissions == 0


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
    #: what a chargeback decided for the business gave back
    reinstated_cents: int | None = None
    method: str | None = None
    message: str | None = None
    #: what the intent was made for: its amount, and the invoice's attempt it was made in
    amount_cents: int | None = None
    attempt: int | None = None
    #: the chargeback an event of a dispute is about
    chargeback: Chargeback | None = None


@dataclass(frozen=True)
class MandateUpdate:
    """What a webhook event says about a SEPA Direct Debit mandate: given (the SetupIntent
    succeeded) or its status changed. The IBAN is never here: only its country and last four digits."""

    event_id: str
    event_type: str
    #: Stripe's mandate; ours (metadata of the SetupIntent) where the event tells it
    mandate_id: str
    status: str  # active | inactive | pending
    customer_id: str | None = None
    setup_id: str | None = None
    payment_method: str | None = None
    iban_country: str | None = None
    iban_last4: str | None = None
    bank_code: str | None = None
    accepted_at: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Setup:
    """What a client needs to give a mandate (with Stripe.js, or the test bank's mandate page locally)."""

    setup_id: str
    client_secret: str
    status: str


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


def _chargeback(dispute: dict[str, Any]) -> Chargeback:
    """A Stripe Dispute as a Chargeback: what moved is read from its balance transactions (an
    inquiry, warning_*, moves nothing); an object without them (older API versions) took the
    amount when made and gave it back when won."""
    status, amount = str(dispute.get("status") or ""), int(dispute.get("amount") or 0)
    moved = [int(t.get("amount") or 0) for t in dispute.get("balance_transactions") or [] if isinstance(t, dict)]
    withdrawn, reinstated = -sum(a for a in moved if a < 0), sum(a for a in moved if a > 0)
    if not moved and not status.startswith("warning_") and status != "prevented":
        withdrawn, reinstated = amount, amount if status == "won" else 0
    details = dispute.get("evidence_details") or {}
    due_by = details.get("due_by")
    return Chargeback(dispute["id"], status, str(dispute.get("reason") or "general"), amount, withdrawn, reinstated,
                      isoformat(datetime.fromtimestamp(int(due_by), UTC)) if due_by else None,
                      int(details.get("submission_count") or 0))


def chargeback(dispute_id: str) -> Chargeback:
    return _chargeback(stripe_client().v1.disputes.retrieve(dispute_id).to_dict())


def submit_chargeback_evidence(dispute_id: str, evidence: dict[str, str], *, key: str) -> Chargeback:
    """Submit the business's evidence to the payer's bank, once per key (Stripe takes one
    submission); text fields as Stripe names them (customer_name, product_description, ...)."""
    result = stripe_client().v1.disputes.update(dispute_id, params={"evidence": evidence, "submit": True},
                                                options={"idempotency_key": key})
    return _chargeback(result.to_dict())


def accept_chargeback(dispute_id: str, *, key: str) -> Chargeback:
    """Accept a chargeback: the payer's bank keeps the money, nothing is contested."""
    return _chargeback(stripe_client().v1.disputes.close(dispute_id, options={"idempotency_key": key}).to_dict())


def payment_customer(customer_id: str, *, email: str | None) -> str:
    """The customer at the provider (who mandates belong to), made once per customer: the same id
    returned for the same customer (the idempotency key)."""
    made = stripe_client().v1.customers.create(
        params={"metadata": {"customer_id": customer_id}, **({"email": email} if email else {})},
        options={"idempotency_key": f"customer-{customer_id}"})
    return str(made.id)


def start_mandate(*, customer_id: str, provider_customer: str, key: str) -> Setup:
    """A SetupIntent for a SEPA Direct Debit mandate, to be used off-session, once per key."""
    setup = stripe_client().v1.setup_intents.create(
        params={"customer": provider_customer, "payment_method_types": ["sepa_debit"], "usage": "off_session",
                "metadata": {"customer_id": customer_id}},
        options={"idempotency_key": key}).to_dict()
    return Setup(setup["id"], setup["client_secret"], setup["status"])


def end_mandate(payment_method: str) -> None:
    """Stop debiting with this payment method: detached from the customer, its mandate is inactive
    at the provider. One detached already stays so."""
    import stripe  # deferred, as in stripe_api

    try:
        stripe_client().v1.payment_methods.detach(payment_method)
    except stripe.InvalidRequestError:
        pass


def collect(*, customer_id: str, invoice_id: str, amount_cents: int, attempt: int, provider_customer: str,
            payment_method: str, mandate: str, description: str) -> Checkout:
    """Debit an invoice on the customer's mandate, off-session: the same attempt of the same
    invoice is the same debit (the idempotency key), never a second one."""
    intent = stripe_client().v1.payment_intents.create(
        params={"amount": amount_cents, "currency": "eur", "payment_method_types": ["sepa_debit"],
                "customer": provider_customer, "payment_method": payment_method, "mandate": mandate,
                "off_session": True, "confirm": True, "description": description,
                "metadata": {"customer_id": customer_id, "invoice_id": invoice_id, "attempt": str(attempt)}},
        options={"idempotency_key": f"invoice-{invoice_id}-debit-{attempt}"})
    return _checkout(intent)


def setup_url(setup: Setup) -> str | None:
    """Where a browser gives the mandate when no Stripe.js page of our own is used (the local
    cloud's test bank); None in AWS."""
    return checkout_url(Checkout(setup.setup_id, setup.client_secret, setup.status, 0, ("sepa_debit",), None))


def _mandate_update(event_id: str, kind: str, mandate: dict[str, Any], **found: Any) -> MandateUpdate:
    accepted = (mandate.get("customer_acceptance") or {}).get("accepted_at")
    reference = ((mandate.get("payment_method_details") or {}).get("sepa_debit") or {}).get("reference")
    return MandateUpdate(event_id, kind, mandate["id"], str(mandate.get("status") or "pending"),
                         payment_method=mandate.get("payment_method"), reference=reference,
                         accepted_at=isoformat(datetime.fromtimestamp(int(accepted), UTC)) if accepted else None,
                         **found)


def checkout_url(checkout: Checkout) -> str | None:
    """Where a browser completes the payment when no Stripe.js page of our own is used: the
    local cloud's test bank; in AWS the client confirms with Stripe.js and this is None."""
    template = settings().payment_checkout_url
    if not template:
        return None
    return template.format(payment_id=checkout.payment_id, client_secret=checkout.client_secret)


def payment_update(payload: bytes, signature: str | None) -> PaymentUpdate | MandateUpdate | None:
    """The payment news in a signed webhook delivery, or None for an event we do not act on.
    A bad or stale signature raises InvalidInput."""
    event = verified_event(payload, signature, "payments_webhook_secret")
    obj, kind, event_id = event["data"]["object"], event["type"], event["id"]
    if kind == "setup_intent.succeeded" and obj.get("mandate"):
        # the mandate and the account it debits, as they are now (the mandate may have ended meanwhile)
        client = stripe_client()
        mandate = client.v1.mandates.retrieve(obj["mandate"]).to_dict()
        account = (client.v1.payment_methods.retrieve(obj["payment_method"]).to_dict().get("sepa_debit") or {})
        return _mandate_update(event_id, kind, mandate, customer_id=(obj.get("metadata") or {}).get("customer_id"),
                               setup_id=obj["id"], iban_country=account.get("country"),
                               iban_last4=account.get("last4"), bank_code=account.get("bank_code") or None)
    if kind == "mandate.updated":
        return _mandate_update(event_id, kind, obj)
    if kind.startswith("payment_intent."):
        metadata = obj.get("metadata") or {}
        attempt = str(metadata.get("attempt") or "")
        common = {"event_id": event_id, "event_type": kind, "payment_id": obj["id"],
                  "customer_id": metadata.get("customer_id"), "invoice_id": metadata.get("invoice_id"),
                  "amount_cents": int(obj["amount"]) if obj.get("amount") is not None else None,
                  "attempt": int(attempt) if attempt.isdigit() else None}
        sepa = obj.get("payment_method_types") == ["sepa_debit"]  # a direct debit, collected on a mandate
        if kind == "payment_intent.succeeded":
            return PaymentUpdate(**common, status="SUCCEEDED", received_cents=int(obj.get("amount_received") or 0),
                                 method="sepa_debit" if sepa else None)
        if kind == "payment_intent.payment_failed":
            error = obj.get("last_payment_error") or {}
            # a returned debit keeps the bank's reason code (told to the customer in their own words)
            return PaymentUpdate(**common, status="FAILED", method="sepa_debit" if sepa else None,
                                 message=error.get("code") if sepa else error.get("message") or error.get("code"))
        if kind == "payment_intent.canceled":
            return PaymentUpdate(**common, status="CANCELED")
        if kind == "payment_intent.processing":  # a debit on its way: nothing moved yet, the intent known as ours
            return PaymentUpdate(**common, method="sepa_debit" if sepa else None)
        return None
    if kind == "charge.refunded":
        metadata = obj.get("metadata") or {}
        details = obj.get("payment_method_details") or {}
        return PaymentUpdate(event_id, kind, obj["payment_intent"], metadata.get("customer_id"),
                             metadata.get("invoice_id"), received_cents=int(obj.get("amount_captured") or 0),
                             refunded_cents=int(obj.get("amount_refunded") or 0), method=details.get("type"))
    if kind in DISPUTE_EVENTS and obj.get("payment_intent"):
        # a dispute does not carry the intent's metadata: ask the provider whose payment it is
        intent = stripe_client().v1.payment_intents.retrieve(obj["payment_intent"]).to_dict()
        metadata = intent.get("metadata") or {}
        disputed = _chargeback(obj)
        return PaymentUpdate(event_id, kind, obj["payment_intent"], metadata.get("customer_id"),
                             metadata.get("invoice_id"), disputed_cents=disputed.withdrawn_cents,
                             reinstated_cents=disputed.reinstated_cents, message=obj.get("reason"),
                             chargeback=disputed)
    return None
