"""Chargebacks: the payer's bank disputes a payment at the payment provider. Each is a dispute of
the customer's like the ones they file (source "provider"), linked to the invoice and the payment,
with steps the customer follows: the bank's dispute, the evidence sent to the bank, the bank's
decision. While the bank decides, what of the invoice is unpaid again is on hold (not due, never
reminded of): won, the money comes back and the invoice is paid again; lost, the customer owes it
again.

The provider's webhook events file and move the dispute, in the same transaction as the money they
move (billing.payments), in whatever order they arrive: the dispute follows the provider's object
as it is, only ever forward. What the business holds (who the customer is, what they signed, what
the invoice billed, what they used) goes to the bank from the bus (ChargebackFiled), once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opencounter.billing.invoices import payable_cents
from opencounter.billing.records import Invoice, Payment, UsageTotal
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import Address, ProductHolding, Profile
from opencounter.disputes.records import Dispute, DisputeLookup
from opencounter.disputes.service import WITH_PROVIDER, dispute_id_for, load_dispute
from opencounter.ports import payments as provider
from opencounter.pricing.money import euros
from opencounter.pricing.rating import UNITS, Period
from opencounter.signups.records import SignatureEvidence

PROVIDER = {"type": "system", "id": "payments"}
#: the payer's bank's reasons, as the reasons of a dispute
REASONS = {"fraudulent": "not_mine", "unrecognized": "not_mine", "debit_not_authorized": "not_mine",
           "duplicate": "charged_twice", "product_not_received": "not_delivered",
           "subscription_canceled": "billed_after_cancellation"}
#: a bank usually decides within this long of the dispute
BANK_DECIDES_WITHIN = timedelta(days=75)
DECIDED = {"won": "WON", "lost": "LOST"}
#: the evidence's free text is kept well within what a provider takes in all
TEXT_LIMIT = 20_000
RECORD_ATTEMPTS = 5


def dispute_id_of(customer_id: str, provider_dispute_id: str) -> str:
    """The dispute of a chargeback: the same however often, and in whatever order, it is reported."""
    return dispute_id_for(customer_id, f"chargeback/{provider_dispute_id}")


def _event(dispute: Dispute, detail_type: str, **data: Any) -> DomainEvent:
    return domain_event(detail_type, customer_id=dispute.customer_id, actor=PROVIDER, channel="system",
                        data={"dispute_id": dispute.dispute_id, "invoice_id": dispute.invoice_id,
                              "payment_id": dispute.subject["payment_id"], **data},
                        event_id=stable_id("chargeback", dispute.dispute_id, detail_type))


# ------------------------------------------------------------------ following the provider


def follow(invoice: Invoice, payment: Payment, chargeback: provider.Chargeback) -> tuple[
        list[Write], list[DomainEvent]]:
    """The writes and events that bring the dispute of a chargeback up to what the provider says
    (none when it says nothing new). Called once the payment's money is reconciled, with the
    invoice as that left it; puts the hold on the invoice or takes it off, and the caller writes
    the invoice."""
    dispute_id = dispute_id_of(invoice.customer_id, chargeback.dispute_id)
    try:
        dispute = Dispute.get(*Dispute.keys(invoice.customer_id, dispute_id))
    except Dispute.DoesNotExist:
        dispute, writes, events = _filed(invoice, payment, chargeback, dispute_id)
        _moved_on(dispute, invoice, chargeback, events)
        for write in writes:  # decided when first seen: the look-up is put with its retention
            if isinstance(write.model, DisputeLookup):
                write.model.schedule(dispute)
        return writes, events
    events = []
    decided = dispute.decided_on()
    if not _moved_on(dispute, invoice, chargeback, events):
        return [], []
    writes = [Write(dispute, conflict="the dispute changed meanwhile")]
    if dispute.decided_on() != decided:
        writes.append(DisputeLookup.retention(dispute))
    return writes, events


def _filed(invoice: Invoice, payment: Payment, chargeback: provider.Chargeback, dispute_id: str) -> tuple[
        Dispute, list[Write], list[DomainEvent]]:
    """A new dispute of a chargeback; what of it is unpaid now goes on hold while the bank decides."""
    now = isoformat(utcnow())
    customer_id = invoice.customer_id
    hold = min(chargeback.amount_cents, payable_cents(invoice)) \
        if chargeback.outcome is None and invoice.status in ("OPEN", "IN_ARRANGEMENT") else 0
    invoice.held_cents = int(invoice.held_cents) + hold
    dispute = Dispute(
        *Dispute.keys(customer_id, dispute_id), dispute_id=dispute_id, customer_id=customer_id,
        subject={"kind": "payment", "invoice_id": invoice.invoice_id, "payment_id": payment.payment_id,
                 "amount_cents": chargeback.amount_cents},
        invoice_id=invoice.invoice_id, reason=REASONS.get(chargeback.reason, "other"), explanation="",
        amount_cents=chargeback.amount_cents, held_cents=hold, status=WITH_PROVIDER, source="provider",
        filed_at=now, filed_channel="system", expected_decision_on=(business_today() + BANK_DECIDES_WITHIN).isoformat(),
        updated_at=now, steps=[{"at": now, "step": "charged_back", "held_cents": hold}],
        provider={"dispute_id": chargeback.dispute_id, "status": chargeback.status, "reason": chargeback.reason,
                  "evidence_due_by": chargeback.evidence_due_by, "evidence_submissions": 0})
    dispute.index()
    writes = [Write(dispute, Dispute.PK.does_not_exist(), conflict="the chargeback is filed already"),
              Write(DisputeLookup(*DisputeLookup.keys(dispute_id), customer_id=customer_id),
                    DisputeLookup.PK.does_not_exist(), conflict="the chargeback is filed already")]
    events = [_event(dispute, "ChargebackFiled", reason=dispute.reason, amount_cents=chargeback.amount_cents,
                     held_cents=hold)]
    return dispute, writes, events


def _moved_on(dispute: Dispute, invoice: Invoice, chargeback: provider.Chargeback, events: list[DomainEvent]) -> bool:
    """Move the dispute forward to what the provider says, never back: evidence it reports
    submitted, and its decision (the hold released). Whether anything changed."""
    known = dict(dispute.provider or {})
    changed = False
    if chargeback.stage > provider.STAGES.get(known.get("status", ""), 0):
        known["status"], changed = chargeback.status, True
    if chargeback.evidence_submissions > int(known.get("evidence_submissions") or 0):
        known["evidence_submissions"], changed = chargeback.evidence_submissions, True
        if not any(s["step"] == "evidence_sent" for s in dispute.steps):
            dispute.add_step("evidence_sent")
    if dispute.status == WITH_PROVIDER and chargeback.outcome is not None:
        invoice.held_cents = max(0, int(invoice.held_cents) - int(dispute.held_cents))
        dispute.status, dispute.held_cents = DECIDED[chargeback.outcome], 0
        dispute.expected_decision_on = business_today().isoformat()
        dispute.add_step("decided", outcome=chargeback.outcome)
        events.append(_event(dispute, "ChargebackDecided", outcome=chargeback.outcome,
                             amount_cents=int(dispute.amount_cents)))
        changed = True
    if changed:
        dispute.provider = known
        dispute.updated_at = isoformat(utcnow())
        dispute.index()
    return changed


# ------------------------------------------------------------------ answering the bank


def submit_evidence(customer_id: str, dispute_id: str) -> str:
    """Answer a chargeback at the provider with the evidence the business holds, once (an
    idempotency key per dispute): "submitted"; "accepted" when nothing is owed on the invoice (it
    is cancelled: there is nothing to contest); "not_needed" when the dispute is decided, answered
    already, or can no longer be answered."""
    dispute = load_dispute(customer_id, dispute_id)
    known = dispute.provider or {}
    if dispute.source != "provider" or dispute.status != WITH_PROVIDER or "answer" in known:
        return "not_needed"
    if not provider.chargeback(known["dispute_id"]).answerable:
        return "not_needed"  # answered at the provider by other means, or decided: its webhooks tell
    items = list(Item.query(customer_key(customer_id)))
    invoice = next(i for i in items if isinstance(i, Invoice) and i.invoice_id == dispute.invoice_id)
    if invoice.status == "VOID":
        after = provider.accept_chargeback(known["dispute_id"], key=f"chargeback-{dispute_id}-accept")
        _answered(customer_id, dispute_id, after, {"answer": "accepted"}, "accepted")
        return "accepted"
    evidence = evidence_of(dispute, invoice, items)
    after = provider.submit_chargeback_evidence(known["dispute_id"], evidence, key=f"chargeback-{dispute_id}-evidence")
    _answered(customer_id, dispute_id, after, {"answer": "evidence", "evidence": sorted(evidence)}, "evidence_sent")
    return "submitted"


def _answered(customer_id: str, dispute_id: str, after: provider.Chargeback, answer: dict[str, Any],
              step: str) -> None:
    """Keep how the chargeback was answered, and the step the customer sees (once: a webhook
    may have reported the submission first)."""
    for _ in range(RECORD_ATTEMPTS):
        dispute = load_dispute(customer_id, dispute_id)
        known = dict(dispute.provider or {})
        if "answer" in known:
            return
        known.update(answer)
        known["evidence_submissions"] = max(int(known.get("evidence_submissions") or 0), after.evidence_submissions)
        if after.stage > provider.STAGES.get(known.get("status", ""), 0):
            known["status"] = after.status
        dispute.provider = known
        if not any(s["step"] == step for s in dispute.steps):
            _answer_step(dispute, step)
        dispute.updated_at = isoformat(utcnow())
        try:
            commit([Write(dispute, conflict="the dispute changed meanwhile")], [])
            return
        except Conflict:
            continue  # a webhook moved it on meanwhile: read it again
    raise Conflict("the dispute kept changing; try again", reason="busy_try_again")


def _answer_step(dispute: Dispute, step: str) -> None:
    """The answer as a step, before the bank's decision when that came in first (the decision the
    answer set off may arrive while the answer is still being recorded)."""
    now = isoformat(utcnow())
    decided = next((n for n, s in enumerate(dispute.steps) if s["step"] == "decided"), None)
    if decided is None:
        dispute.add_step(step)
        return
    at = min(now, dispute.steps[decided]["at"])
    dispute.steps = [*dispute.steps[:decided], {"at": at, "step": step}, *dispute.steps[decided:]]


def evidence_of(dispute: Dispute, invoice: Invoice, items: list[Item]) -> dict[str, str]:
    """What the business holds about the disputed payment, as the provider's evidence fields: who
    the customer is, what the invoice billed and for when, and as free text the payment, the
    contract the customer signed online, the products and the use recorded in the invoice's month."""
    profile = next(i for i in items if isinstance(i, Profile))
    today = business_today().isoformat()
    homes = sorted((a for a in items if isinstance(a, Address) and a.effective_from <= today),
                   key=lambda a: a.effective_from)
    billed = {line.get("product_id") for line in invoice.lines}
    holdings = [h for h in items if isinstance(h, ProductHolding) and h.product_id in billed]
    lines = "; ".join(f"{line['description']} {euros(int(line['amount_cents']))}" for line in invoice.lines)
    evidence = {"customer_name": f"{profile.given_name} {profile.family_name}",
                "customer_email_address": profile.email,
                "product_description": f"Invoice {invoice.invoice_id} of {euros(int(invoice.total_cents))}: {lines}",
                "service_date": _service_dates(invoice)}
    if homes:
        evidence["billing_address"] = _address(homes[-1])
    text = [_payment_text(dispute, invoice, items)]
    signed = {h.signup_id for h in holdings if h.signup_id} | ({invoice.signup_id} if invoice.signup_id else set())
    signatures = []
    for signup_id in sorted(signed):
        try:
            signatures.append(SignatureEvidence.get(*SignatureEvidence.keys(signup_id)))
        except SignatureEvidence.DoesNotExist:
            continue
    # a product ordered by a customer who had an account: its order's signature is in their record
    ordered = {SignatureEvidence.order_keys(h.customer_id, h.order_id)[1] for h in holdings if h.order_id}
    signatures += sorted((i for i in items if isinstance(i, SignatureEvidence) and i.SK in ordered),
                         key=lambda i: i.SK)
    for signature in signatures:
        evidence.setdefault("customer_purchase_ip", signature.ip)
        text.append(_signature_text(signature))
    text += [_product_text(h) for h in holdings]
    if invoice.period:
        text += [t for t in (_usage_text(u, holdings) for u in items
                             if isinstance(u, UsageTotal) and u.period == invoice.period) if t]
    evidence["uncategorized_text"] = "\n\n".join(text)[:TEXT_LIMIT]
    return evidence


def _address(home: Address) -> str:
    number = f"{int(home.house_number)}{' ' + home.house_number_addition if home.house_number_addition else ''}"
    return f"{home.street} {number}, {home.postcode} {home.city}, {home.country}"


def _service_dates(invoice: Invoice) -> str:
    if not invoice.period:
        return invoice.issued_on
    month = Period.parse(invoice.period)
    return f"{month.first_day:%B %Y} ({month.first_day} to {month.last_day})"


def _payment_text(dispute: Dispute, invoice: Invoice, items: list[Item]) -> str:
    payment = next((p for p in items if isinstance(p, Payment) and p.payment_id == dispute.subject["payment_id"]),
                   None)
    paid = f" Paid on {payment.created_at[:10]} by {payment.method or 'card'} ({payment.payment_id})." \
        if payment else ""
    return (f"Invoice {invoice.invoice_id}, issued {invoice.issued_on}, due {invoice.due_on}: "
            f"{euros(int(invoice.total_cents))} including VAT {euros(int(invoice.vat_cents))}.{paid}")


def _signature_text(signature: SignatureEvidence) -> str:
    check = signature.code_check or {}
    return (f"The customer signed the contract online on {signature.accepted_at} from IP address {signature.ip} "
            f"({signature.user_agent}): terms version {signature.terms_version}, SHA-256 {signature.terms_sha256}. "
            f"The signature was confirmed with a one-time code sent to {check.get('sent_to')} at "
            f"{check.get('sent_at')} and entered at {check.get('verified_at')}.")


def _product_text(holding: ProductHolding) -> str:
    return (f"{holding.name} ({holding.plan}{', ' + holding.identifier if holding.identifier else ''}): "
            f"delivered since {holding.started_at[:10]}, {holding.status.lower()}.")


def _usage_text(total: UsageTotal, holdings: list[ProductHolding]) -> str | None:
    holding = next((h for h in holdings if h.product_id == total.product_id), None)
    used = [f"{amount:,} {UNITS[unit]}" for unit, amount in total.used().items() if amount]
    if holding is None or not used:
        return None
    records = int(total.records)
    return (f"Use of {holding.name} recorded in {total.period} ({records} record{'' if records == 1 else 's'}): "
            f"{', '.join(used)}.")
