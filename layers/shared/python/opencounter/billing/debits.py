"""Collecting invoices by direct debit, once, on the day announced, and what the bank answers.

The daily run (with the reminder run, early morning in Amsterdam) reads each billing shard's
invoices whose collection day has come (GSI1 `DEBITS#<shard>`, a day it missed included) a page at
a time and collects each: decided on the invoice and its mandate as they are at that moment, read
consistently. Nothing is collected of an invoice paid, cancelled or in an arrangement, of what is
on hold in a dispute, before its day, or without the mandate in force: such an invoice goes back to
being paid by hand (billing.mandates.by_hand).

Exactly once: the attempt is reserved on the invoice (version-checked: of two runs at once one
wins, the other reads the reservation) before the provider hears of it, and the debit is made
with the idempotency key `invoice-<id>-debit-<attempt>`: a run that comes again, or one that died
after the provider made the debit, makes it again with the same key and gets the same debit. The
debit's webhook knows the reservation (`pending_payment`) as ours even before the run stored it.

The bank's answer comes as the payment's webhooks (billing.payments): `processing`, then
`succeeded` (the invoice paid, as any payment) or `payment_failed` (a returned debit: the invoice
open again, the customer told why in their own words and offered to pay at once, reminded of as
any invoice). `follow` is what those events do to the invoice's debit, in their transaction."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from opencounter.billing.invoices import SETTLED, invoice_actions, payable_cents
from opencounter.billing.mandates import DEBITS, by_hand
from opencounter.billing.records import DebitDue, Invoice, Mandate, Payment
from opencounter.billing.reminders import due_page
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.settings import settings
from opencounter.ports import payments as provider
from opencounter.pricing.money import MIN_CHARGE_CENTS

ATTEMPTS = 5
#: how far a collection has come; the provider's events only move it on
STAGES = {"announced": 0, "collecting": 1, "processing": 2, "collected": 3, "returned": 3, "stopped": 3}
#: the bank's reasons for returning a debit that the customer is told in their own words; any other is "other"
RETURN_REASONS = ("insufficient_funds", "debit_not_authorized", "account_closed", "no_account",
                  "generic_could_not_process")


def collect_page(work: dict[str, Any]) -> tuple[Counter[str], dict[str, Any] | None]:
    """Collect one page of a shard's invoices due for collection up to the run's day (the reminder
    run's pages, `run` "debits"): what became of them, and the shard's next page (None after its last)."""
    day = date.fromisoformat(work["day"])
    due, following = due_page(DebitDue.partition(int(work["shard"])), work)
    return Counter(collect(e.customer_id, e.invoice_id, day) for e in due if isinstance(e, DebitDue)), following


def _refusal(invoice: Invoice, mandate: Mandate | None) -> str | None:
    """Why the invoice is not to be collected now, or None."""
    if invoice.status in SETTLED:
        return SETTLED[invoice.status]
    if mandate is None or mandate.status != "active" or not mandate.payment_method:
        return "no_mandate"
    if payable_cents(invoice) < MIN_CHARGE_CENTS:
        return "in_dispute" if int(invoice.held_cents) > 0 else "nothing_due"
    return None


def collect(customer_id: str, invoice_id: str, day: date) -> str:
    """Collect the invoice due on or before `day`, once. What became of it: "collected" (the debit is
    at the bank), "not_collected" (not to be collected: paid by hand now), "waiting" (a payment of the
    customer's own is on its way), "not_due" (its day comes later: the entry is put right) or
    "done" (nothing to collect any more)."""
    for _ in range(ATTEMPTS):
        try:
            invoice = Invoice.get(*Invoice.keys(customer_id, invoice_id), consistent_read=True)
        except Invoice.DoesNotExist:
            DebitDue(*DebitDue.keys(customer_id, invoice_id)).delete()
            return "done"
        plan = dict(invoice.debit or {})
        if plan.get("status") not in ("announced", "collecting"):
            DebitDue(*DebitDue.keys(customer_id, invoice_id)).delete()
            return "done"
        try:
            mandate: Mandate | None = Mandate.get(*Mandate.keys(customer_id, plan["mandate"]), consistent_read=True)
        except Mandate.DoesNotExist:
            mandate = None
        if plan["status"] == "announced":
            if plan["collect_on"] > day.isoformat():
                _entry(invoice, plan["collect_on"]).save()
                return "not_due"
            outcome = _reserve(invoice, plan, mandate, day)
            if outcome in ("reserved", "retry"):
                continue  # reserved: make the debit from it; changed meanwhile: read it again
            return outcome
        # collecting: the attempt is reserved; make (or find again, by its key) the debit at the provider,
        # on a mandate still in force (withdrawn after the reservation: nothing more is debited; a debit
        # made already is still known by its webhook, the attempt stays pending on the invoice)
        if mandate is None or mandate.status != "active" or not mandate.payment_method:
            try:
                commit(by_hand(invoice, "no_mandate", day), [])
            except Conflict:
                continue
            return "not_collected"
        checkout = provider.collect(customer_id=customer_id, invoice_id=invoice_id,
                                    amount_cents=int(plan["amount_cents"]), attempt=int(plan["attempt"]),
                                    provider_customer=mandate.provider_customer,
                                    payment_method=mandate.payment_method, mandate=mandate.mandate_id or "",
                                    description=f"Invoice {invoice_id}")
        now = isoformat(utcnow())
        invoice.open_payment, invoice.pending_payment = checkout.payment_id, None
        invoice.debit = {**plan, "status": "processing", "payment_id": checkout.payment_id}
        payment = Payment(*Payment.keys(customer_id, checkout.payment_id), payment_id=checkout.payment_id,
                          invoice_id=invoice_id, amount_cents=int(plan["amount_cents"]), status="PENDING",
                          method="sepa_debit", created_at=now, updated_at=now)
        try:
            commit([Write(invoice, conflict="the invoice changed meanwhile"),
                    Write(payment, Payment.PK.does_not_exist(), conflict="the debit is stored already"),
                    Write(DebitDue(*DebitDue.keys(customer_id, invoice_id)), delete=True)], [])
        except Conflict:
            # its webhook (or a run at the same moment) stored it first: this debit, or read again
            stored = Invoice.get(*Invoice.keys(customer_id, invoice_id), consistent_read=True)
            if (stored.debit or {}).get("payment_id") == checkout.payment_id:
                DebitDue(*DebitDue.keys(customer_id, invoice_id)).delete()
                return "collected"
            continue
        return "collected"
    raise Conflict("the invoice kept changing while it was collected; the page comes again", reason="busy_try_again")


def _reserve(invoice: Invoice, plan: dict[str, Any], mandate: Mandate | None, day: date) -> str:
    """Decide an announced invoice on its day: not collected (back to paying by hand), waiting for a
    payment of the customer's own, or the attempt reserved ("reserved"; "retry" when it changed)."""
    refusal = _refusal(invoice, mandate)
    if refusal is not None:
        try:
            commit(by_hand(invoice, refusal, day), [])
        except Conflict:
            return "retry"
        return "not_collected"
    if invoice.open_payment:
        current = provider.payment(invoice.open_payment)
        if current.status in provider.TAKING_MONEY:
            _entry(invoice, (day + timedelta(days=1)).isoformat()).save()  # its webhook decides; look again tomorrow
            return "waiting"
        if current.status in provider.UNFINISHED:
            provider.cancel_payment(current.payment_id)  # a payment the customer left unfinished
    amount = payable_cents(invoice)
    attempt = int(invoice.payment_attempts) + 1
    invoice.payment_attempts = attempt
    invoice.pending_payment = {"attempt": attempt, "amount_cents": amount, "methods": ["sepa_debit"]}
    invoice.debit = {**plan, "status": "collecting", "attempt": attempt, "amount_cents": amount,
                     "collected_on": day.isoformat()}
    try:
        commit([Write(invoice, conflict="the invoice changed meanwhile")], [])
    except Conflict:
        return "retry"
    return "reserved"


def _entry(invoice: Invoice, on: str) -> DebitDue:
    entry = DebitDue(*DebitDue.keys(invoice.customer_id, invoice.invoice_id), invoice_id=invoice.invoice_id,
                     customer_id=invoice.customer_id, collect_on=on)
    entry.index()
    return entry


# ------------------------------------------------------------------ what the bank answered


def follow(invoice: Invoice, payment: Payment, update: provider.PaymentUpdate) -> tuple[
        list[Write], list[DomainEvent]]:
    """What a debit's event does besides moving money (billing.payments applies that), in the same
    transaction: the invoice's collection moved on (at the bank; collected; returned, the customer
    told why and offered to pay at once, and the invoice reminded of as any other), the mandate's
    last collection noted (it is kept 14 months after it). Only ever forward: an event that comes
    late, twice or out of order changes nothing it should not."""
    plan = dict(invoice.debit or {})
    if plan.get("payment_id", payment.payment_id) != payment.payment_id or \
            int(plan.get("attempt") or 0) != int(update.attempt or plan.get("attempt") or 0):
        return [], []
    stage = STAGES.get(str(plan.get("status")), 0)
    if update.status == "SUCCEEDED" or (update.received_cents or 0) > 0:
        target = "collected"
    elif update.status == "FAILED":
        target = "returned"
    elif update.status is None:
        target = "processing"
    else:
        return [], []
    if STAGES[target] <= stage or plan.get("status") not in ("collecting", "processing"):
        return [], []
    today = business_today()
    invoice.debit = {**plan, "status": target, "payment_id": payment.payment_id}
    writes = [Write(invoice, conflict="the invoice changed meanwhile"),
              Write(DebitDue(*DebitDue.keys(invoice.customer_id, invoice.invoice_id)), delete=True)]
    events: list[DomainEvent] = []
    if target == "collected":
        try:
            mandate = Mandate.get(*Mandate.keys(invoice.customer_id, plan["mandate"]))
            mandate.last_collected_on = max(mandate.last_collected_on or "", today.isoformat())
            writes.append(Write(mandate, conflict="the mandate changed meanwhile"))
        except Mandate.DoesNotExist:
            pass
    if target == "returned":
        reason = update.message if update.message in RETURN_REASONS else "other"
        invoice.debit["returned"] = {"on": today.isoformat(), "reason": reason}
        # open again, paid by hand from now on: the reminders run as for any invoice
        writes = by_hand(invoice, "returned", today)
        invoice.debit = {**invoice.debit, "status": "returned"}
        link = f"{settings().required('portal_origin')}/#/invoices/{invoice.invoice_id}"
        events.append(domain_event(
            "DirectDebitReturned", customer_id=invoice.customer_id, actor=DEBITS, channel="system",
            data={"invoice_id": invoice.invoice_id, "payment_id": payment.payment_id,
                  "amount_cents": int(payment.amount_cents), "reason": reason, "link": link,
                  "pay_now": invoice_actions(invoice, None)["pay"]},
            event_id=stable_id("debit-returned", invoice.invoice_id, payment.payment_id)))
    return writes, events
