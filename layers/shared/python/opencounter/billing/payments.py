"""Paying invoices: starting a payment at the provider, and applying what its webhooks report.

Each webhook event is applied in one transaction with its receipt, so a duplicate delivery
(sequential or concurrent) has no second effect. Payments keep the provider's running totals
and only move them forward, so events arriving late or out of order change nothing they should
not; every movement of money is booked in the ledger under an id that names it. A chargeback
(the payer's bank disputing a payment) is also a dispute of the customer's (disputes.chargebacks),
filed and moved on in the same transaction as the money it moves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from opencounter.billing import debits, dunning, ledger
from opencounter.billing.invoices import amount_due_now, load_invoice, owed_cents, status_of
from opencounter.billing.records import Invoice, LedgerTransaction, Payment
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.receipts import receipt
from opencounter.core.settings import settings
from opencounter.core.table import customer_key
from opencounter.core.validation import validate_request
from opencounter.ports import payments as provider
from opencounter.pricing.money import MIN_CHARGE_CENTS

#: Stripe retries a webhook for three days; receipts are kept longer
RECEIPT_RETENTION = timedelta(days=7)
#: a payment and its invoice changing under a webhook (another event at the same moment):
#: read again and re-apply, this many times
APPLY_ATTEMPTS = 5
PROVIDER = {"type": "system", "id": "payments"}


def _checkout_view(checkout: provider.Checkout, invoice_id: str) -> dict[str, Any]:
    return {"payment_id": checkout.payment_id, "invoice_id": invoice_id, "status": checkout.status,
            "amount_cents": checkout.amount_cents, "currency": "EUR", "payment_method_types": list(checkout.methods),
            "client_secret": checkout.client_secret, "next_action": checkout.next_action,
            "checkout_url": provider.checkout_url(checkout)}


def _payable(invoice: Invoice) -> int:
    """What can be paid on the invoice now, in cents; Conflict when nothing, or too little to charge."""
    due = amount_due_now(invoice)
    if invoice.status in ("PAID", "VOID") or due <= 0:
        raise Conflict(f"status: the invoice is {status_of(invoice, business_today())}; nothing is due",
                       field="status", reason="nothing_due", status=status_of(invoice, business_today()))
    if due < MIN_CHARGE_CENTS:
        raise Conflict(f"amount: {due} cents is below the {MIN_CHARGE_CENTS} cents a payment can be; "
                       "it is added to your next invoice", field="amount",
                       reason="payment_too_small", amount_cents=due, minimum_cents=MIN_CHARGE_CENTS)
    return due


def send_payment_link(customer_id: str, invoice_id: str, *, actor: dict, channel: str) -> dict[str, Any]:
    """Staff send the customer a link to pay an invoice at once (at the counter, on the phone):
    to the invoice in the portal, where the customer signs in and pays in one step. Told by the
    customer's preferred channel (the notifier), and on the timeline as the agent's action."""
    invoice = load_invoice(customer_id, invoice_id)
    due = _payable(invoice)
    link = f"{settings().required('portal_origin')}/#/invoices/{invoice_id}"
    commit([], [domain_event("PaymentLinkSent", customer_id=customer_id, actor=actor, channel=channel,
                             data={"invoice_id": invoice_id, "amount_cents": due, "link": link})])
    return {"invoice_id": invoice_id, "amount_cents": due, "link": link}


def start_payment(customer_id: str, invoice_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Start paying what is due now on one of the customer's own invoices. Asking again while
    that payment is unfinished returns the same payment, never a second charge."""
    validate_request("payment", request)
    methods = [request["method"]] if "method" in request else ["ideal", "card"]
    for _ in range(APPLY_ATTEMPTS):
        invoice = load_invoice(customer_id, invoice_id)
        due = _payable(invoice)
        if (invoice.debit or {}).get("status") == "collecting":  # the direct debit is being made this moment
            raise Conflict("status: your direct debit is being collected; the invoice shows it in a moment",
                           field="status", reason="payment_processing")
        if invoice.open_payment:
            current = provider.payment(invoice.open_payment)
            if current.status in provider.TAKING_MONEY:
                # the money is on its way (its webhook has not come in yet): a second intent would
                # charge the customer twice
                raise Conflict("status: your payment is being processed; the invoice shows it paid in a moment",
                               field="status", reason="payment_processing", payment_id=current.payment_id)
            if current.status in provider.UNFINISHED and current.amount_cents == due and \
                    list(current.methods) == methods:
                return _checkout_view(current, invoice_id)
            if current.status in provider.UNFINISHED:
                provider.cancel_payment(current.payment_id)
        pending = invoice.pending_payment or {}
        if pending.get("amount_cents") == due and pending.get("methods") == methods:
            attempt = int(pending["attempt"])  # reserved before; its intent, if made, comes back for the same key
        else:
            # the attempt is on the invoice before the provider hears of it: a webhook about an
            # intent we made but could not store (the process died) is still known as ours
            attempt = int(invoice.payment_attempts) + 1
            invoice.payment_attempts = attempt
            invoice.pending_payment = {"attempt": attempt, "amount_cents": due, "methods": methods}
            try:
                commit([Write(invoice)], [])
            except Conflict:
                continue
            invoice = load_invoice(customer_id, invoice_id)
        checkout = provider.create_payment(customer_id=customer_id, invoice_id=invoice_id, amount_cents=due,
                                           attempt=attempt, methods=methods, description=f"Invoice {invoice_id}")
        now = isoformat(utcnow())
        invoice.open_payment, invoice.pending_payment = checkout.payment_id, None
        payment = Payment(*Payment.keys(customer_id, checkout.payment_id), payment_id=checkout.payment_id,
                          invoice_id=invoice_id, amount_cents=due, status="PENDING", method=request.get("method"),
                          created_at=now, updated_at=now)
        try:
            commit([Write(invoice), Write(payment, Payment.PK.does_not_exist())], [])
        except Conflict:
            # the invoice changed meanwhile: a request at the same moment stored this same attempt
            # (the provider gave both one intent), or a webhook (the old intent cancelled) moved it on
            if load_invoice(customer_id, invoice_id).open_payment == checkout.payment_id:
                return _checkout_view(checkout, invoice_id)
            continue
        return _checkout_view(checkout, invoice_id)
    raise Conflict("the invoice kept changing; try again", reason="busy_try_again")


def _ours(invoice: Invoice, update: provider.PaymentUpdate) -> Payment | None:
    """The payment this event is about, if this system started it, for the amount it started;
    None for any other (a payment made at the provider by other means, with an invoice's number
    in its metadata, pays nothing here)."""
    try:
        payment = Payment.get(*Payment.keys(invoice.customer_id, update.payment_id))
    except Payment.DoesNotExist:
        # the intent was made but the process died before storing it: the attempt reserved on
        # the invoice beforehand says so, with its amount
        pending = invoice.pending_payment or {}
        if not pending or update.attempt != int(pending["attempt"]) or update.amount_cents != pending["amount_cents"]:
            return None
        now = isoformat(utcnow())
        methods = pending.get("methods") or []
        payment = Payment(*Payment.keys(invoice.customer_id, update.payment_id), payment_id=update.payment_id,
                          invoice_id=invoice.invoice_id, amount_cents=int(pending["amount_cents"]),
                          method=methods[0] if len(methods) == 1 else None,
                          status="PENDING", created_at=now, updated_at=now)
        invoice.open_payment, invoice.pending_payment = update.payment_id, None
    if update.amount_cents is not None and update.amount_cents != int(payment.amount_cents):
        return None
    if (update.received_cents or 0) > int(payment.amount_cents):
        return None
    return payment


#: what a chargeback's event does besides moving money: the writes and events that file or move on
#: the dispute it is (disputes.chargebacks.follow), given the invoice and payment as reconciled
ChargebackFollower = Callable[[Invoice, Payment, provider.Chargeback], tuple[list[Write], list[DomainEvent]]]


def apply_payment_update(update: provider.PaymentUpdate, follow_chargeback: ChargebackFollower) -> str:
    """Apply one webhook event: "applied", "no_change", "duplicate" (processed before) or
    "not_ours" (a payment this system did not start, or for another amount). A chargeback's
    event also files or moves on the dispute it is (`follow_chargeback`), in the same transaction."""
    if not update.customer_id or not update.invoice_id:
        return "not_ours"
    for _ in range(APPLY_ATTEMPTS):
        try:
            invoice = Invoice.get(*Invoice.keys(update.customer_id, update.invoice_id))
        except Invoice.DoesNotExist:
            return "not_ours"
        adopting = invoice.pending_payment
        payment = _ours(invoice, update)
        if payment is None:
            return "not_ours"
        writes, events, outcome = _reconcile(invoice, payment, update)
        held_before = int(invoice.held_cents)
        if update.chargeback is not None:
            filed, filed_events = follow_chargeback(invoice, payment, update.chargeback)
            if filed:
                writes, events, outcome = writes + filed, events + filed_events, "applied"
        if (update.method or payment.method) == "sepa_debit" and invoice.debit:
            # a direct debit: the invoice's collection moved on with it (returned: the customer told)
            followed, followed_events = debits.follow(invoice, payment, update)
            writes += [w for w in followed if not (w.model is invoice and any(x.model is invoice for x in writes))]
            events += followed_events
            outcome = "applied" if followed else outcome
        adopted = bool(adopting and invoice.pending_payment is None)
        if adopted and not any(w.model is payment for w in writes):
            # made here for an event that moves nothing yet (a debit processing): stored all the same
            writes.append(Write(payment, Payment.PK.does_not_exist(), conflict="the payment is stored already"))
        invoice_changed = adopted or int(invoice.held_cents) != held_before
        if invoice_changed and not any(w.model is invoice for w in writes):
            writes.append(Write(invoice, conflict="the invoice changed meanwhile"))
        receipt_write = receipt("stripe", update.event_id, event_type=update.event_type, outcome=outcome,
                                kept=RECEIPT_RETENTION, conflict="event processed already")
        try:
            commit([receipt_write, *writes], events)
        except WriteConflict as conflict:
            if conflict.write is receipt_write:
                return "duplicate"
            continue  # the payment, its invoice or its dispute changed meanwhile: read them again
        except Conflict:
            continue
        kept = payment.kept_cents()
        if invoice.status == "VOID" and kept > 0 and update.chargeback is None:
            # money for a cancelled invoice (paid while a sign-up was being undone) goes back
            provider.refund(payment.payment_id, kept, reason_key="invoice-void")
        return outcome
    raise Conflict("the payment kept changing while this event was applied; deliver it again", reason="busy_try_again")


def _reconcile(invoice: Invoice, payment: Payment, update: provider.PaymentUpdate) -> tuple[
        list[Write], list[DomainEvent], str]:
    """The writes and events that bring our payment and invoice up to what the provider says."""
    customer_id, pi = invoice.customer_id, payment.payment_id
    before = (int(payment.received_cents), int(payment.refunded_cents), int(payment.disputed_cents),
              int(payment.reinstated_cents))
    received = max(before[0], update.received_cents or 0)
    refunded = max(before[1], update.refunded_cents or 0)
    disputed = max(before[2], update.disputed_cents or 0)
    reinstated = max(before[3], update.reinstated_cents or 0)
    writes: list[Write] = []
    events: list[DomainEvent] = []

    def event(detail_type: str, **data: Any) -> None:
        events.append(domain_event(detail_type, customer_id=customer_id, actor=PROVIDER, channel="system",
                                   data={"invoice_id": invoice.invoice_id, "payment_id": pi, **data}))

    status = payment.status
    if received > 0 or update.status == "SUCCEEDED":
        status = "SUCCEEDED"
    elif update.status in ("FAILED", "CANCELED") and payment.status != "SUCCEEDED":
        status = update.status
    if update.status == "FAILED" and status == "FAILED":
        payment.last_error = update.message or "the payment was refused"
        if update.method != "sepa_debit":  # a returned debit is told by its own notice (billing.debits)
            event("PaymentFailed", reason=payment.last_error)
    if received > before[0]:
        writes.append(ledger.posting(customer_id, f"{pi}:received:{received}", "payment_received", invoice.invoice_id,
                                     [(ledger.PAYMENT_PROVIDER, received - before[0]),
                                      (ledger.RECEIVABLE, -(received - before[0]))]))
        event("PaymentReceived", amount_cents=received - before[0], method=update.method or payment.method)
    for kind, now_total, then_total, detail_type in (("refunded", refunded, before[1], "PaymentRefunded"),
                                                      ("disputed", disputed, before[2], "PaymentDisputed")):
        if now_total > then_total:
            writes.append(ledger.posting(customer_id, f"{pi}:{kind}:{now_total}", f"payment_{kind}",
                                         invoice.invoice_id, [(ledger.PAYMENT_PROVIDER, -(now_total - then_total)),
                                                              (ledger.RECEIVABLE, now_total - then_total)]))
            extra = {"reason": update.message or "disputed"} if kind == "disputed" else {}
            event(detail_type, amount_cents=now_total - then_total, **extra)
    if reinstated > before[3]:  # a chargeback decided for the business: the money is back
        writes.append(ledger.posting(customer_id, f"{pi}:reinstated:{reinstated}", "payment_reinstated",
                                     invoice.invoice_id, [(ledger.PAYMENT_PROVIDER, reinstated - before[3]),
                                                          (ledger.RECEIVABLE, -(reinstated - before[3]))]))
        event("PaymentReinstated", amount_cents=reinstated - before[3])
    changed = (received, refunded, disputed, reinstated) != before or status != payment.status or bool(events)
    if not changed:
        return [], [], "no_change"
    payment.status, payment.received_cents = status, received
    payment.refunded_cents, payment.disputed_cents, payment.reinstated_cents = refunded, disputed, reinstated
    payment.method = update.method or payment.method
    payment.updated_at = isoformat(utcnow())
    if status == "SUCCEEDED" and payment.succeeded_at is None:
        payment.succeeded_at = payment.updated_at
    writes.append(Write(payment, conflict="the payment changed meanwhile"))
    net = received - before[0] - (refunded - before[1]) - (disputed - before[2]) + (reinstated - before[3])
    writes += _settle_invoice(invoice, net, pi if status in ("SUCCEEDED", "CANCELED") else None, events)
    return writes, events, "applied"


def _settle_invoice(invoice: Invoice, net_change: int, finished_payment: str | None,
                    events: list[DomainEvent]) -> list[Write]:
    """The invoice after money came in or went back: paid in full, or open again."""
    if not net_change and finished_payment != invoice.open_payment:
        return []
    invoice.paid_cents = int(invoice.paid_cents) + net_change
    if finished_payment and invoice.open_payment == finished_payment:
        invoice.open_payment = None
    was_paid = invoice.status == "PAID"
    if invoice.status != "VOID":
        if int(invoice.paid_cents) >= owed_cents(invoice):
            invoice.status = "PAID"
            if not was_paid:
                events.append(domain_event("InvoicePaid", customer_id=invoice.customer_id, actor=PROVIDER,
                                           channel="system", data={"invoice_id": invoice.invoice_id,
                                                                   "total_cents": int(invoice.total_cents),
                                                                   "paid_cents": int(invoice.paid_cents)}))
        elif was_paid:
            invoice.status = "IN_ARRANGEMENT" if invoice.arrangement else "OPEN"
    # paid: no reminder is sent from this moment on (the run's entry goes with this transaction);
    # due again (a chargeback): reminded of again from the start
    reminders: list[Write] = []
    if invoice.status == "PAID":
        reminders = dunning.stop(invoice, "paid", business_today())
    elif was_paid and invoice.status == "OPEN":
        reminders = dunning.restart(invoice, business_today())
    return [Write(invoice, conflict="the invoice changed meanwhile"), *reminders]


def refund_everything(customer_id: str, invoice_ids: set[str], reason_key: str) -> list[str]:
    """Ask the provider to pay back what came in for these invoices (the refunds arrive as
    webhooks and are booked then). Returns what was asked, for the record."""
    asked = []
    for payment in Payment.query(customer_key(customer_id), Payment.SK.startswith(Payment.SK_PREFIX)):
        left = payment.kept_cents()
        if payment.invoice_id in invoice_ids and left > 0:
            provider.refund(payment.payment_id, left, reason_key=reason_key)
            asked.append(f"payment {payment.payment_id} of {left} cents refunded")
    return asked


def void_invoice(invoice: Invoice, reason: str, *, actor: dict) -> tuple[list[Write], list[DomainEvent]]:
    """Cancel an invoice: nothing is owed on it any more, and its booking is reversed exactly."""
    issued = LedgerTransaction.get(*LedgerTransaction.keys(invoice.customer_id, f"{invoice.invoice_id}:issued"))
    reversal = ledger.posting(invoice.customer_id, f"{invoice.invoice_id}:voided", "invoice_voided",
                              invoice.invoice_id, [(e["account"], -e["amount_cents"]) for e in issued.entries])
    invoice.status, invoice.voided_at, invoice.void_reason = "VOID", isoformat(utcnow()), reason
    event = domain_event("InvoiceVoided", customer_id=invoice.customer_id, actor=actor, channel="system",
                         data={"invoice_id": invoice.invoice_id, "reason": reason,
                               "total_cents": int(invoice.total_cents)})
    return [Write(invoice, conflict="the invoice changed meanwhile"), reversal,
            *dunning.stop(invoice, "void", business_today())], [event]

