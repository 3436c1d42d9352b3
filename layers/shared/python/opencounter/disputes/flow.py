"""The dispute workflow's steps (statemachines/dispute.asl.json): assess by the rules, wait for a
person with a deadline (escalated once, then decided for the customer), and apply the decision:
upheld is a credit note booked double-entry with the hold released, and what was paid too much
paid back; rejected releases the hold. Every step may run again (Step Functions retries a task
whose process died): each writes conditionally and finds its own work done the second time."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from opencounter.billing import ledger
from opencounter.billing.invoices import owed_cents, status_of
from opencounter.billing.records import CreditNote, Invoice, Payment, TariffCheck, UsageRecord, UsageTotal
from opencounter.billing.usage import record_cost, void_record
from opencounter.catalogue.service import plans_of
from opencounter.core.clock import business_today, isoformat, staff_window, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.workflows import answer_task
from opencounter.customers.records import ProductHolding
from opencounter.disputes import rules
from opencounter.disputes.records import Dispute, DisputeLookup
from opencounter.disputes.service import (
    ESCALATED_WORKING_DAYS,
    OPEN,
    STAFF_WORKING_DAYS,
    billed_usage,
    follow_contact,
    invoice_of,
    load_dispute,
)
from opencounter.ports import payments as provider
from opencounter.pricing.money import vat_included
from opencounter.signups.records import SignatureEvidence

FLOW = {"type": "system", "id": "disputes"}
DONE = "done"


def _event(dispute: Dispute, detail_type: str, **data: Any) -> DomainEvent:
    return domain_event(detail_type, customer_id=dispute.customer_id, actor=FLOW, channel="system",
                        data={"dispute_id": dispute.dispute_id, "invoice_id": dispute.invoice_id, **data},
                        event_id=stable_id("dispute", dispute.dispute_id, str(int(dispute.round)), detail_type))


# ------------------------------------------------------------------ assessing


def facts_of(dispute: Dispute) -> rules.Facts:
    """What the rules read, from the customer's record (one Query) and, for a line, the product's
    best-tariff comparison of the month; for a usage record, the records of its month."""
    items = list(Item.query(customer_key(dispute.customer_id)))
    subject = dispute.subject
    invoice = next((i for i in items if isinstance(i, Invoice) and i.invoice_id == dispute.invoice_id), None)
    record = twins = None
    line: dict[str, Any] | None
    if subject["kind"] == "usage_record":
        record = UsageRecord.get(*UsageRecord.keys(subject["record_id"]))
        twins = [{"record_id": r.record_id, "quantity": int(r.quantity), "occurred_at": r.occurred_at}
                 for r in UsageRecord.lookup.query(UsageRecord.month(dispute.customer_id, record.period))
                 if r.record_id != record.record_id and r.product_id == record.product_id and r.unit == record.unit
                 and r.voided_by is None]
        line = {"kind": "usage", "unit": record.unit, "product_id": record.product_id}
    else:
        line = invoice.lines[subject["line"]] if invoice and subject["kind"] == "invoice_line" else None
    period = invoice.period if invoice else subject.get("period")
    holding = next((i for i in items if isinstance(i, ProductHolding) and line
                    and i.product_id == line.get("product_id")), None)
    product = plan = signed = None
    usage: dict[str, int] = {}
    billed: set[str] = set()
    if holding is not None and line is not None:
        last_day = holding.ends_on or (holding.ended_at[:10] if holding.ended_at else None)
        product = {"status": holding.status, "started_at": holding.started_at, "last_day": last_day,
                   "plan_history": holding.plan_history, "kind": holding.kind}
        plan = plans_of(holding.product_code, holding.catalogue_version).get(line.get("plan_code") or "")
        signed = _signed(holding)
        unit = line.get("unit")
        usage = {i.period: int(getattr(i, unit, 0) or 0) for i in items
                 if isinstance(i, UsageTotal) and i.product_id == holding.product_id and unit in UsageTotal.UNITS}
        if period and line.get("plan_code"):
            billed = {c.billed_plan_code for c in TariffCheck.query(
                TariffCheck.partition(dispute.customer_id), TariffCheck.SK == f"{period}#{holding.product_id}")}
    today = business_today()
    payments = [{"payment_id": p.payment_id, "received_cents": int(p.received_cents),
                 "refunded_cents": int(p.refunded_cents), "disputed_cents": int(p.disputed_cents),
                 "kept_cents": p.kept_cents(), "created_at": p.created_at}
                for p in items if isinstance(p, Payment) and invoice and p.invoice_id == invoice.invoice_id]
    year_ago = isoformat(utcnow() - timedelta(days=rules.TRUST_WINDOW_DAYS))
    trusted = sum(1 for d in items if isinstance(d, Dispute) and d.dispute_id != dispute.dispute_id
                  and any(x and x.get("basis") == "trust" and x["at"] >= year_ago for x in [d.decision, *d.decisions]))
    return rules.Facts(
        reason=dispute.reason, amount_cents=int(dispute.amount_cents), kind=subject["kind"],
        invoice={"invoice_id": dispute.invoice_id, "period": period,
                 "total_cents": int(invoice.total_cents) if invoice else 0,
                 "credited_cents": int(invoice.credited_cents) if invoice else 0},
        line=line, product=product, plan=plan, usage_by_month=usage, payments=payments, billed_plans=billed,
        signed=signed, twins=twins or [],
        record={"record_id": record.record_id, "quantity": int(record.quantity), "occurred_at": record.occurred_at}
        if record else None,
        overdue_invoices=sum(1 for i in items if isinstance(i, Invoice) and i.invoice_id != dispute.invoice_id
                             and status_of(i, today) == "overdue"),
        trusted_recently=trusted)


def _signed(holding: ProductHolding) -> dict[str, Any] | None:
    """The contract signed online for a product: at the sign-up or with the order that brought
    it, if either did."""
    if holding.signup_id is not None:
        keys = SignatureEvidence.keys(holding.signup_id)
    elif holding.order_id is not None:
        keys = SignatureEvidence.order_keys(holding.customer_id, holding.order_id)
    else:
        return None
    try:
        evidence = SignatureEvidence.get(*keys)
    except SignatureEvidence.DoesNotExist:
        return None
    return {"accepted_at": evidence.accepted_at, "terms_version": evidence.terms_version}


def _waiting(dispute: Dispute) -> dict[str, Any]:
    """The workflow waits for a person until the deadline the dispute shows (the timer is derived
    from it, so the customer's date and the escalation are the same moment)."""
    deadline = datetime.fromisoformat(dispute.staff_deadline.replace("Z", "+00:00"))
    return {"outcome": "staff", "wait_seconds": max(1, math.ceil((deadline - utcnow()).total_seconds()))}


def assess(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """Run the rules and store what they found: the outcome "upheld" or "rejected" (decided here,
    applied by the next step), "staff" (a person decides: the dispute is queued with its deadline),
    or "done" (an earlier run of this step, or another execution, took it further)."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.status == "WITH_STAFF":
        return {**_waiting(dispute), "again": True}  # (a run before sent it to staff)
    if dispute.status != "ASSESSING":
        return {"outcome": DONE}
    if dispute.decision is not None:  # decided by an earlier run of this step: apply that
        return {"outcome": dispute.decision["outcome"]}
    now = utcnow()
    if int(dispute.round) == 1:
        assessment = rules.assess(facts_of(dispute))
        dispute.assessment = assessment.as_list()
        outcome, amount, basis = assessment.outcome, assessment.amount_cents, assessment.basis
    else:  # an appeal: a person looks again
        outcome, amount, basis = rules.PERSON, 0, "person"
    events = []
    if outcome == rules.PERSON:
        window = staff_window(now, STAFF_WORKING_DAYS)
        dispute.status, dispute.staff_deadline = "WITH_STAFF", isoformat(now + window)
        dispute.expected_decision_on = dispute.staff_deadline[:10]
        dispute.add_step("with_staff", expected_decision_on=dispute.expected_decision_on)
        events.append(_event(dispute, "DisputeWithStaff", expected_decision_on=dispute.expected_decision_on,
                             round=int(dispute.round)))
    else:
        dispute.decision = {"outcome": outcome, "basis": basis, "by": FLOW, "at": isoformat(now),
                            "reasons": None, "amount_cents": amount, "round": int(dispute.round)}
        dispute.add_step("assessed", outcome=outcome, basis=basis)
    dispute.index()
    commit([Write(dispute, conflict="the dispute changed meanwhile")], events)
    if outcome == rules.PERSON:
        return _waiting(dispute)
    return {"outcome": outcome}


# ------------------------------------------------------------------ waiting for a person


def await_staff(customer_id: str, dispute_id: str, token: str) -> None:
    """Keep the token the workflow waits on, for the decision to hand back; a decision taken
    before the token was kept is handed back at once."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.decision is None and dispute.status == "WITH_STAFF":
        dispute.task_token = token
        try:
            commit([Write(dispute, conflict="the dispute changed meanwhile")], [])
            return
        except Conflict:
            dispute = load_dispute(customer_id, dispute_id)  # decided meanwhile: hand that back
    hand_back(dispute, token)


def hand_back(dispute: Dispute, token: str | None = None) -> str:
    """Give the workflow waiting on the dispute its decision: "handed", "not_waiting" (no token
    kept, or the wait ended), or "undecided"."""
    token = token or dispute.task_token
    if dispute.decision is None:
        return "undecided"
    if not token:
        return "not_waiting"
    return "handed" if answer_task(token, {"outcome": dispute.decision["outcome"]}) else "not_waiting"


def decision_taken(customer_id: str, dispute_id: str) -> str:
    """DisputeDecisionTaken: hand the decision to the workflow waiting for it."""
    return hand_back(load_dispute(customer_id, dispute_id))


def escalate(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """The staff deadline passed: a decision taken meanwhile goes on; else the dispute is marked
    escalated (the dashboard and the queue show it) with a last deadline."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.decision is not None:
        return {"outcome": dispute.decision["outcome"]}
    if dispute.status != "WITH_STAFF":
        return {"outcome": DONE}
    if dispute.escalated:  # (a run before escalated it)
        return {**_waiting(dispute), "again": True}
    now = utcnow()
    dispute.escalated, dispute.task_token = True, None
    dispute.staff_deadline = isoformat(now + staff_window(now, ESCALATED_WORKING_DAYS))
    dispute.expected_decision_on = dispute.staff_deadline[:10]
    dispute.add_step("escalated", expected_decision_on=dispute.expected_decision_on)
    dispute.index()
    commit([Write(dispute, conflict="the dispute changed meanwhile")],
           [_event(dispute, "DisputeEscalated", expected_decision_on=dispute.expected_decision_on,
                   round=int(dispute.round))])
    return _waiting(dispute)


def lapse(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """Nobody decided by the last deadline: the customer gets the benefit of the doubt."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.decision is not None:  # a person decided at the last moment, or a run before lapsed it
        return {"outcome": dispute.decision["outcome"], "again": True}
    if dispute.status != "WITH_STAFF":
        return {"outcome": DONE}
    dispute.decision = {"outcome": rules.UPHELD, "basis": "lapsed", "by": FLOW, "at": isoformat(utcnow()),
                        "reasons": None, "amount_cents": int(dispute.amount_cents), "round": int(dispute.round)}
    commit([Write(dispute, conflict="the dispute changed meanwhile")], [])
    return {"outcome": rules.UPHELD}


# ------------------------------------------------------------------ applying the decision


def uphold(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """Apply an upheld decision once: the hold released, a credit note for an invoice line or a
    billed usage record (the customer owes that much less, booked double-entry), a usage record
    taken off the month's use, and what the customer paid beyond what they now owe paid back. Run
    again, it only asks the refunds again (the provider pays each once)."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.status == "UPHELD":
        _refund(dispute)
        return {"outcome": DONE}
    if dispute.decision is None or dispute.decision["outcome"] != rules.UPHELD:
        return {"outcome": DONE}
    amount = int(dispute.decision["amount_cents"])
    writes: list[Write] = []
    kind = dispute.subject["kind"]
    voided = None
    if kind == "usage_record":
        voided = UsageRecord.get(*UsageRecord.keys(dispute.subject["record_id"]))
        if dispute.invoice_id is None:  # billed since it was disputed: what it added to that bill goes
            billed, line = billed_usage(list(Item.query(customer_key(customer_id))), voided)
            if billed is not None:
                dispute.invoice_id, amount = billed.invoice_id, record_cost(voided, line)
                dispute.decision = {**dispute.decision, "amount_cents": amount}
    invoice = invoice_of(dispute)
    if invoice is not None:
        invoice.held_cents = max(0, int(invoice.held_cents) - int(dispute.held_cents))
        writes.append(Write(invoice, conflict="the invoice changed meanwhile"))
        if kind == "payment":  # what was taken too much goes back
            dispute.refund_cents = amount
        elif amount > 0:
            writes += _credit(dispute, invoice, amount)
    writes += _close(dispute, "UPHELD")
    if voided is not None:  # kept as long as the dispute that took it off
        writes += void_record(voided, dispute.dispute_id, dispute.kept_until())
    commit(writes, [_event(dispute, "DisputeDecided", outcome="upheld", basis=dispute.decision["basis"],
                           amount_cents=amount, refund_cents=int(dispute.refund_cents),
                           round=int(dispute.round))])
    _refund(dispute)
    return {"outcome": "upheld"}


def _credit(dispute: Dispute, invoice: Invoice, amount: int) -> list[Write]:
    """A credit note of `amount` on the disputed line's (or record's) invoice and its booking; sets
    what of it goes back (the customer paid more than the invoice now asks)."""
    subject = dispute.subject
    if subject["kind"] == "invoice_line":
        line = invoice.lines[subject["line"]]
        description = line["description"]
    else:
        line = {"product_id": subject["product_id"]}
        description = f"{subject['unit']} {subject['quantity']} ({subject['occurred_at']}): {subject['record_id']}"
    kind = _product_kind(dispute.customer_id, line)
    note_id = f"CN-{dispute.dispute_id[2:]}-{int(dispute.round)}"
    paid_beyond = max(0, int(invoice.paid_cents) - (owed_cents(invoice) - amount))
    refund = min(amount, paid_beyond)
    invoice.credited_cents = int(invoice.credited_cents) + amount
    if invoice.status in ("OPEN", "IN_ARRANGEMENT") and int(invoice.paid_cents) >= owed_cents(invoice):
        invoice.status = "PAID"
    vat = vat_included(amount)
    note = CreditNote(*CreditNote.keys(dispute.customer_id, note_id), credit_note_id=note_id,
                      invoice_id=invoice.invoice_id, issued_on=business_today().isoformat(), amount_cents=amount,
                      vat_cents=vat, reason="dispute_upheld", dispute_id=dispute.dispute_id, refund_cents=refund,
                      lines=[{"description": description, "amount_cents": amount, "kind": kind}])
    dispute.credit_note_id, dispute.refund_cents = note_id, refund
    booking = ledger.posting(dispute.customer_id, f"{note_id}:credited", "credit_note", invoice.invoice_id,
                             [(ledger.RECEIVABLE, -amount), (ledger.revenue(kind), amount - vat),
                              (ledger.VAT_PAYABLE, vat)])
    return [Write(note, CreditNote.PK.does_not_exist(), conflict="the credit note is issued already"), booking]


def _product_kind(customer_id: str, line: dict[str, Any]) -> str:
    try:
        return ProductHolding.get(*ProductHolding.keys(customer_id, line["product_id"])).kind
    except (ProductHolding.DoesNotExist, KeyError):
        return "other"


def _refund(dispute: Dispute) -> None:
    """Ask the provider to pay back `refund_cents` from the invoice's payments, newest first, once
    per dispute round (the provider's idempotency key); the refunds are booked when its webhooks
    confirm them."""
    left = int(dispute.refund_cents)
    if left <= 0:
        return
    payments = [p for p in Payment.query(customer_key(dispute.customer_id), Payment.SK.startswith(Payment.SK_PREFIX))
                if p.invoice_id == dispute.invoice_id]
    if dispute.subject["kind"] == "payment":
        payments = [p for p in payments if p.payment_id == dispute.subject["payment_id"]]
    for payment in sorted(payments, key=lambda p: p.created_at, reverse=True):
        kept = payment.kept_cents()
        part = min(left, kept)
        if part > 0:
            provider.refund(payment.payment_id, part, reason_key=f"dispute-{dispute.dispute_id}-{int(dispute.round)}")
            left -= part
        if left <= 0:
            return


def reject(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """Apply a rejection once: the hold released, the reasons and evidence kept for the customer."""
    dispute = load_dispute(customer_id, dispute_id)
    if dispute.status not in OPEN or dispute.decision is None:
        return {"outcome": DONE}
    invoice = invoice_of(dispute)
    writes = []
    if invoice is not None:
        invoice.held_cents = max(0, int(invoice.held_cents) - int(dispute.held_cents))
        writes.append(Write(invoice, conflict="the invoice changed meanwhile"))
    writes += _close(dispute, "REJECTED")
    commit(writes,
           [_event(dispute, "DisputeDecided", outcome="rejected", basis=dispute.decision["basis"], amount_cents=0,
                   refund_cents=0, round=int(dispute.round))])
    return {"outcome": "rejected"}


def _close(dispute: Dispute, status: str) -> list[Write]:
    """The dispute decided, and its contact in the customer's history resolved with the reasons
    staff gave (the decision itself is on the dispute's page)."""
    dispute.status, dispute.task_token, dispute.held_cents = status, None, 0
    dispute.expected_decision_on = business_today().isoformat()
    dispute.add_step("decided", outcome=status.lower(), basis=dispute.decision["basis"])
    dispute.index()
    return [Write(dispute, conflict="the dispute changed meanwhile"), DisputeLookup.retention(dispute),
            *follow_contact(dispute, resolved=True, note=dispute.decision.get("reasons"))]
