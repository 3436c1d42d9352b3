"""What customers and staff do with disputes: file one on an invoice line or a payment (the amount
goes on hold at once), follow it, appeal a rejection once; staff list what waits for them and
decide. Plain data in and out; no HTTP here. The workflow's steps are in opencounter.disputes.flow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opencounter.billing.invoices import invoice_view, payable_cents
from opencounter.billing.records import CreditNote, Invoice, Payment, UsageRecord
from opencounter.billing.usage import record_cost
from opencounter.contacts.records import Contact
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, Forbidden, InvalidInput, NotFound, require_version
from opencounter.core.ids import stable_id
from opencounter.core.outbox import Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import Profile
from opencounter.disputes.records import Dispute, DisputeEvidence, DisputeLookup

#: staff decide within this many working days, and as many again once escalated; after that the
#: dispute is decided for the customer (no dispute waits without an end)
STAFF_WORKING_DAYS = 5
ESCALATED_WORKING_DAYS = 5
#: where a customer goes when the appeal is rejected too: the sector's disputes committee
EXTERNAL_ROUTE = {"name": "De Geschillencommissie", "url": "https://www.degeschillencommissie.nl/"}
#: how long an evidence upload link works; one asked for and not checked within the grace after
#: its link ended is let go
UPLOAD_SECONDS = 600
CHECK_GRACE_SECONDS = 900
#: who the customer disputes with, as the file names it
COMPANY = "OpenCounter"
OPEN = ("ASSESSING", "WITH_STAFF")
#: a chargeback (source "provider"): the payer's bank decides, then the payment stands (WON) or
#: the bank gave the money back (LOST)
WITH_PROVIDER = "WITH_PROVIDER"
STATUSES = ("ASSESSING", "WITH_STAFF", "UPHELD", "REJECTED", WITH_PROVIDER, "WON", "LOST")


def dispute_id_for(customer_id: str, basis: str) -> str:
    """The id of the dispute of one transaction: the same however often it is disputed."""
    return "D-" + stable_id("dispute", customer_id, basis).replace("-", "")[:12].upper()


# ------------------------------------------------------------------ reading


def let_go(entry: dict[str, Any], now: datetime) -> bool:
    """An upload asked for whose link ended long ago, never checked: nothing more comes of it."""
    asked = datetime.fromisoformat(entry["asked_at"].replace("Z", "+00:00"))
    return entry["status"] == "pending" and now > asked + timedelta(seconds=UPLOAD_SECONDS + CHECK_GRACE_SECONDS)


def evidence_view(entry: dict[str, Any]) -> dict[str, Any]:
    """A file as the customer and staff see it: what it is and what became of it, never where it is kept."""
    return {"evidence_id": entry["evidence_id"], "name": entry["name"], "content_type": entry["content_type"],
            "size_bytes": int(entry["size_bytes"]), "round": int(entry["round"]), "status": entry["status"],
            "asked_at": entry["asked_at"], "uploaded_at": entry.get("uploaded_at"), "refusal": entry.get("refusal")}


def evidence_views(dispute_id: str) -> list[dict[str, Any]]:
    """The dispute's files, oldest first: accepted, refused (and why), and uploads under way."""
    try:
        record = DisputeEvidence.get(*DisputeEvidence.keys(dispute_id))
    except DisputeEvidence.DoesNotExist:
        return []
    now = utcnow()
    return [evidence_view(e) for e in record.files if not let_go(e, now)]


def dispute_view(dispute: Dispute, *, for_staff: bool = False) -> dict[str, Any]:
    """A dispute as the customer follows it (every step, the assessment's findings, the decision and
    why, what they can still do); staff see who decided and the customer it belongs to."""
    decision = dispute.decision
    status = dispute.status.lower()
    can_appeal = appealable(dispute)
    view: dict[str, Any] = {
        "dispute_id": dispute.dispute_id, "status": status, "source": dispute.source,
        "transaction": dispute.subject, "invoice_id": dispute.invoice_id, "reason": dispute.reason,
        "explanation": dispute.explanation, "amount_cents": int(dispute.amount_cents),
        "held_cents": int(dispute.held_cents) if dispute.status in (*OPEN, WITH_PROVIDER) else 0,
        "filed_at": dispute.filed_at, "expected_decision_on": dispute.expected_decision_on,
        "round": int(dispute.round), "escalated": bool(dispute.escalated),
        "steps": dispute.steps, "assessment": dispute.assessment or [],
        "decision": _decision_view(decision, for_staff) if decision and status in ("upheld", "rejected") else None,
        "earlier_decisions": [_decision_view(d, for_staff) for d in dispute.decisions],
        "credit_note_id": dispute.credit_note_id, "refund_cents": int(dispute.refund_cents),
        "appeal": {"at": dispute.appeal["at"], "explanation": dispute.appeal["explanation"]}
        if dispute.appeal else None,
        "actions": {"appeal": can_appeal},
        "external_route": EXTERNAL_ROUTE if dispute.status == "REJECTED" and not can_appeal else None,
        "updated_at": dispute.updated_at, "version": int(dispute.version),
    }
    if for_staff:
        view.update(customer_id=dispute.customer_id, staff_deadline=dispute.staff_deadline,
                    pending_decision=_decision_view(decision, True) if decision and status in
                    ("assessing", "with_staff") else None, chargeback=_chargeback_view(dispute.provider))
    return view


def _chargeback_view(known: dict[str, Any] | None) -> dict[str, Any] | None:
    if not known:
        return None
    return {"provider_dispute_id": known["dispute_id"], "status": known["status"], "reason": known["reason"],
            "evidence_due_by": known.get("evidence_due_by"),
            "evidence_submissions": int(known.get("evidence_submissions") or 0),
            "answer": known.get("answer"), "evidence": list(known.get("evidence") or [])}


def appealable(dispute: Dispute) -> bool:
    """A rejection of the customer's own dispute can be appealed, once."""
    return dispute.status == "REJECTED" and int(dispute.round) == 1 and dispute.source == "customer"


def _decision_view(decision: dict[str, Any], for_staff: bool) -> dict[str, Any]:
    by = decision.get("by") or {}
    return {"outcome": decision["outcome"], "basis": decision["basis"], "at": decision["at"],
            "reasons": decision.get("reasons"), "amount_cents": int(decision.get("amount_cents") or 0),
            "round": int(decision.get("round") or 1),
            "by": by if for_staff else {"type": by.get("type", "system")}}


def list_disputes(customer_id: str) -> dict[str, Any]:
    """The customer's disputes, newest first: one Query of their record."""
    disputes = Dispute.query(customer_key(customer_id), Dispute.SK.startswith(Dispute.SK_PREFIX))
    return {"items": sorted((dispute_view(d) for d in disputes), key=lambda d: d["filed_at"], reverse=True)}


def load_dispute(customer_id: str, dispute_id: str) -> Dispute:
    try:
        return Dispute.get(*Dispute.keys(customer_id, dispute_id))
    except Dispute.DoesNotExist:
        raise NotFound("no such dispute", reason="dispute_not_found") from None


def invoice_of(dispute: Dispute) -> Invoice | None:
    """The invoice a dispute is about (None: use not billed when it was disputed)."""
    if dispute.invoice_id is None:
        return None
    return Invoice.get(*Invoice.keys(dispute.customer_id, dispute.invoice_id))


def dispute_detail(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """One dispute as the customer follows it, with the evidence they sent."""
    return {**dispute_view(load_dispute(customer_id, dispute_id)), "evidence": evidence_views(dispute_id)}


def dispute_file(customer_id: str, dispute_id: str) -> dict[str, Any]:
    """The whole file of a dispute, as one document to keep or hand to the disputes committee:
    who disputed what and why, every step, what the rules found, every decision with its reasons,
    the appeal, the evidence sent (each file downloads from the dispute), the invoice as it stands
    with its credit notes and payments, the conversation in the contact history, and where to go
    next."""
    items = list(Item.query(customer_key(customer_id)))
    dispute = next((i for i in items if isinstance(i, Dispute) and i.dispute_id == dispute_id), None)
    if dispute is None:
        raise NotFound("no such dispute", reason="dispute_not_found")
    profile = next((i for i in items if isinstance(i, Profile)), None)
    contact = next((i for i in items if isinstance(i, Contact) and i.contact_id == dispute.contact_id), None)
    invoice = None
    if dispute.invoice_id is not None:
        found = next(i for i in items if isinstance(i, Invoice) and i.invoice_id == dispute.invoice_id)
        invoice = invoice_view(found, [p for p in items if isinstance(p, Payment) and p.invoice_id == found.invoice_id],
                               credit_notes=[n for n in items if isinstance(n, CreditNote)
                                             and n.invoice_id == found.invoice_id])
    return {
        "made_at": isoformat(utcnow()), "company": COMPANY,
        "customer": {"customer_id": customer_id,
                     "name": f"{profile.given_name} {profile.family_name}" if profile else None},
        "dispute": {**dispute_view(dispute), "evidence": evidence_views(dispute_id)}, "invoice": invoice,
        "conversation": sorted([{k: m.get(k) for k in ("at", "from", "channel", "text")} for m in contact.messages]
                               + [{"at": n["at"], "from": "agent", "channel": contact.channel, "text": n["text"]}
                                  for n in contact.notes if n.get("for_customer")],
                               key=lambda m: m["at"]) if contact else [],
        "external_route": EXTERNAL_ROUTE,
    }


def find_dispute(dispute_id: str) -> Dispute:
    """A dispute by its id alone (staff)."""
    try:
        lookup = DisputeLookup.get(*DisputeLookup.keys(dispute_id))
    except DisputeLookup.DoesNotExist:
        raise NotFound("no such dispute", reason="dispute_not_found") from None
    return load_dispute(lookup.customer_id, dispute_id)


def staff_dispute(dispute_id: str) -> dict[str, Any]:
    """A dispute as staff decide it, with the customer's evidence."""
    return {**dispute_view(find_dispute(dispute_id), for_staff=True), "evidence": evidence_views(dispute_id)}


def staff_queue(status: str | None, limit: int) -> dict[str, Any]:
    """Disputes of a status for staff (those waiting for a person by default), those with staff
    soonest deadline first: one Query of GSI1."""
    wanted = (status or "with_staff").upper()
    if wanted not in STATUSES:
        raise InvalidInput(f"status: one of {', '.join(s.lower() for s in STATUSES)}", field="status",
                           reason="status_unknown")
    items = Dispute.lookup.query(Dispute.queue(wanted), limit=limit)
    return {"status": wanted.lower(), "items": [dispute_view(d, for_staff=True) for d in items]}


# ------------------------------------------------------------------ filing


def _transaction(customer_id: str, items: list[Item], transaction: dict[str, Any], asked: int | None) -> tuple[
        str, Invoice | None, dict[str, Any]]:
    """The transaction disputed, found in the customer's own record: its basis (for the id), its
    invoice (None for use not billed yet), and the subject as stored. InvalidInput naming the field
    when it is not theirs."""
    invoices = {i.invoice_id: i for i in items if isinstance(i, Invoice)}
    invoice: Invoice | None
    if transaction["kind"] == "invoice_line":
        invoice = invoices.get(transaction["invoice_id"])
        if invoice is None:
            raise InvalidInput("transaction.invoice_id: you have no such invoice", field="transaction.invoice_id",
                               reason="transaction_unknown")
        if transaction["line"] >= len(invoice.lines):
            raise InvalidInput(f"transaction.line: invoice {invoice.invoice_id} has {len(invoice.lines)} lines",
                               field="transaction.line", reason="transaction_unknown")
        line = invoice.lines[transaction["line"]]
        subject = {"kind": "invoice_line", "invoice_id": invoice.invoice_id, "line": transaction["line"],
                   "product_id": line.get("product_id"), "description": line["description"],
                   "amount_cents": int(line["amount_cents"])}
        basis = f"{invoice.invoice_id}/line/{transaction['line']}"
    elif transaction["kind"] == "usage_record":
        # (only this record's own dispute takes it off: disputing it again meets that dispute)
        record = usage_record_of(customer_id, transaction["record_id"])
        invoice, line = billed_usage(items, record)
        subject = {"kind": "usage_record", "invoice_id": invoice.invoice_id if invoice else None,
                   "record_id": record.record_id, "product_id": record.product_id, "unit": record.unit,
                   "quantity": int(record.quantity), "occurred_at": record.occurred_at, "period": record.period,
                   "amount_cents": record_cost(record, line)}
        basis = f"usage/{record.record_id}"
    else:
        payment = next((p for p in items if isinstance(p, Payment) and p.payment_id == transaction["payment_id"]),
                       None)
        if payment is None or payment.invoice_id not in invoices:
            raise InvalidInput("transaction.payment_id: you made no such payment", field="transaction.payment_id",
                               reason="transaction_unknown")
        if int(payment.received_cents) <= 0:
            raise InvalidInput("transaction.payment_id: no money was taken for this payment",
                               field="transaction.payment_id", reason="payment_not_received")
        if int(payment.disputed_cents) > 0:
            raise Conflict("transaction.payment_id: your bank disputes this payment already; follow that dispute",
                           field="transaction.payment_id", reason="payment_charged_back")
        invoice = invoices[payment.invoice_id]
        subject = {"kind": "payment", "invoice_id": invoice.invoice_id, "payment_id": payment.payment_id,
                   "amount_cents": int(payment.received_cents)}
        basis = f"payment/{payment.payment_id}"
    if invoice is not None and invoice.status == "VOID":
        raise Conflict(f"transaction: invoice {invoice.invoice_id} is cancelled; nothing of it is owed",
                       field="transaction", reason="invoice_void")
    if asked is not None and asked > subject["amount_cents"]:
        raise InvalidInput(f"amount_cents: the transaction is {subject['amount_cents']} cents", field="amount_cents",
                           reason="amount_above_transaction", most=subject["amount_cents"])
    # a usage record is disputed for what it counts, even where it costs nothing (yet)
    if subject["amount_cents"] <= 0 and subject["kind"] != "usage_record":
        raise InvalidInput("transaction: there is no amount to dispute on it", field="transaction",
                           reason="nothing_to_dispute")
    return basis, invoice, subject


def usage_record_of(customer_id: str, record_id: str) -> UsageRecord:
    """One of the customer's own usage records; InvalidInput naming the field for anyone else's."""
    try:
        record = UsageRecord.get(*UsageRecord.keys(record_id))
    except UsageRecord.DoesNotExist:
        record = None
    if record is None or record.customer_id != customer_id:
        raise InvalidInput("transaction.record_id: you have no such usage record", field="transaction.record_id",
                           reason="transaction_unknown")
    return record


def billed_usage(items: list[Item], record: UsageRecord) -> tuple[Invoice | None, dict[str, Any] | None]:
    """The monthly invoice that billed a record's month, if issued, and its line for what the
    record's product used beyond the bundle in the record's unit."""
    invoice = next((i for i in items if isinstance(i, Invoice) and i.kind == "monthly" and i.period == record.period
                    and i.status != "VOID"), None)
    if invoice is None:
        return None, None
    line = next((ln for ln in invoice.lines if ln.get("kind") == "usage" and ln.get("unit") == record.unit
                 and ln.get("product_id") == record.product_id), None)
    return invoice, line


def file_dispute(customer_id: str, body: dict[str, Any], *, actor: dict, channel: str) -> tuple[dict[str, Any], bool]:
    """Dispute a transaction of the customer's own: what of it is unpaid goes on hold at once and
    the assessment starts (DisputeFiled starts the workflow). Filing the same again answers the
    dispute filed (False: nothing new); a dispute of the same transaction with other words, or one
    decided, is refused."""
    validate_request("dispute-filing", body)
    for _ in range(3):
        items = list(Item.query(customer_key(customer_id)))
        basis, invoice, subject = _transaction(customer_id, items, body["transaction"], body.get("amount_cents"))
        dispute_id = dispute_id_for(customer_id, basis)
        existing = next((d for d in items if isinstance(d, Dispute) and d.dispute_id == dispute_id), None)
        if existing is not None:
            return _again(existing, body), False
        amount = int(body.get("amount_cents") or subject["amount_cents"])
        hold = min(amount, payable_cents(invoice)) \
            if invoice is not None and invoice.status in ("OPEN", "IN_ARRANGEMENT") else 0
        if invoice is not None:
            invoice.held_cents = int(invoice.held_cents) + hold
        moment = utcnow()
        now = isoformat(moment)
        contact = dispute_contact(customer_id, dispute_id, subject["kind"], body["explanation"].strip(),
                                  channel=channel, moment=moment)
        dispute = Dispute(*Dispute.keys(customer_id, dispute_id), dispute_id=dispute_id, customer_id=customer_id,
                          contact_id=contact.contact_id,
                          subject=subject, invoice_id=invoice.invoice_id if invoice else None, reason=body["reason"],
                          explanation=body["explanation"].strip(), amount_cents=amount, held_cents=hold,
                          status="ASSESSING", filed_at=now, filed_channel=channel,
                          expected_decision_on=business_today().isoformat(), updated_at=now,
                          steps=[{"at": now, "step": "filed", "channel": channel, "held_cents": hold}])
        dispute.index()
        event = domain_event("DisputeFiled", customer_id=customer_id, actor=actor, channel=channel, data={
            "dispute_id": dispute_id, "invoice_id": dispute.invoice_id, "transaction": subject["kind"],
            "reason": body["reason"], "amount_cents": amount, "held_cents": hold})
        writes = [Write(dispute, Dispute.PK.does_not_exist(), conflict="the transaction is disputed already"),
                  Write(DisputeLookup(*DisputeLookup.keys(dispute_id), customer_id=customer_id),
                        DisputeLookup.PK.does_not_exist(), conflict="the transaction is disputed already"),
                  Write(contact, Contact.PK.does_not_exist(), conflict="the contact exists already")]
        if hold and invoice is not None:
            writes.append(Write(invoice, conflict="the invoice changed meanwhile"))
        try:
            commit(writes, [event])
        except WriteConflict:
            continue  # filed at the same moment, or the invoice was paid meanwhile: read again
        return dispute_view(dispute), True
    raise Conflict("the invoice kept changing; try again", reason="busy_try_again")


#: the contact reason a dispute is counted under, by what is disputed (the FAQ's reasons)
CONTACT_REASONS = {"invoice_line": "invoice", "payment": "payment", "usage_record": "usage"}


def dispute_contact(customer_id: str, dispute_id: str, kind: str, explanation: str, *, channel: str,
                    moment: datetime) -> Contact:
    """The contact a dispute is in the customer's history as: what they wrote, open until decided."""
    contact_id = Contact.new_id(moment)
    subject = " ".join(explanation.split())
    return Contact(*Contact.keys(customer_id, contact_id), contact_id=contact_id, customer_id=customer_id,
                   channel=channel, subject=subject[:120],
                   reason=CONTACT_REASONS[kind], status="IN_PROGRESS", started_at=isoformat(moment),
                   answered_at=isoformat(moment), dispute_id=dispute_id, authenticated=True,
                   messages=[{"at": isoformat(moment), "from": "customer", "channel": channel, "text": explanation}])


def follow_contact(dispute: Dispute, *, text: str | None = None, resolved: bool = False,
                   note: str | None = None) -> list[Write]:
    """The dispute's contact brought up to date: the customer's words added (an appeal reopens
    it), or resolved with the decision (by the rules: served without a person)."""
    if dispute.contact_id is None:
        return []
    try:
        contact = Contact.get(*Contact.keys(dispute.customer_id, dispute.contact_id))
    except Contact.DoesNotExist:
        return []
    now = isoformat(utcnow())
    if text:
        contact.messages = [*contact.messages, {"at": now, "from": "customer", "channel": contact.channel,
                                                "text": text}]
        contact.status, contact.resolved_at = "IN_PROGRESS", None
    if resolved:
        by = (dispute.decision or {}).get("by") or {}
        contact.status = "RESOLVED" if by.get("type") == "agent" else "SELF_SERVED"
        contact.resolved_at, contact.handler = now, by.get("id") if by.get("type") == "agent" else None
    if note:
        contact.notes = [*contact.notes, {"at": now, "by": (dispute.decision or {}).get("by", {}).get("id"),
                                          "text": note, "for_customer": True}]
    return [Write(contact, conflict="the contact changed meanwhile")]


def _again(existing: Dispute, body: dict[str, Any]) -> dict[str, Any]:
    if existing.reason == body["reason"] and existing.explanation == body["explanation"].strip():
        return dispute_view(existing)
    if existing.status in OPEN:
        raise Conflict(f"transaction: it is disputed already ({existing.dispute_id}); add to that dispute",
                       field="transaction", reason="dispute_open", dispute_id=existing.dispute_id)
    raise Conflict(f"transaction: its dispute {existing.dispute_id} is decided; appeal that decision instead",
                   field="transaction", reason="dispute_decided", dispute_id=existing.dispute_id)


# ------------------------------------------------------------------ appeal and decisions


def appeal(customer_id: str, dispute_id: str, body: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """Appeal a rejected dispute once, with what the decision missed: a person decides, not the
    one who decided before; the amount is on hold again meanwhile."""
    validate_request("dispute-appeal", body)
    dispute = load_dispute(customer_id, dispute_id)
    if not appealable(dispute):
        raise Conflict("status: only a rejected dispute can be appealed, once", field="status",
                       reason="appeal_not_possible", status=dispute.status.lower())
    invoice = invoice_of(dispute)
    hold = min(int(dispute.amount_cents), payable_cents(invoice)) if invoice is not None \
        and invoice.status in ("OPEN", "IN_ARRANGEMENT") and dispute.subject["kind"] != "payment" else 0
    if invoice is not None:
        invoice.held_cents = int(invoice.held_cents) + hold
    now = isoformat(utcnow())
    dispute.decisions = [*dispute.decisions, dispute.decision]
    dispute.decision, dispute.round, dispute.status = None, 2, "ASSESSING"
    dispute.held_cents, dispute.escalated, dispute.updated_at = hold, False, now
    dispute.appeal = {"at": now, "explanation": body["explanation"].strip(), "channel": channel}
    dispute.steps = [*dispute.steps, {"at": now, "step": "appealed", "channel": channel, "held_cents": hold}]
    dispute.index()
    event = domain_event("DisputeAppealed", customer_id=customer_id, actor=actor, channel=channel,
                         data={"dispute_id": dispute_id, "invoice_id": dispute.invoice_id, "held_cents": hold})
    writes = [Write(dispute, conflict="the dispute changed meanwhile; read it again"),
              DisputeLookup.retention(dispute),  # open again: kept, its files too
              *follow_contact(dispute, text=body["explanation"].strip())]
    if hold and invoice is not None:
        writes.append(Write(invoice, conflict="the invoice changed meanwhile; try again"))
    commit(writes, [event])
    return dispute_view(dispute)


def decide(dispute_id: str, body: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """A member of staff decides a dispute that waits for a person. The decision is stored with
    who, when and why; the workflow applies it (DisputeDecisionTaken hands it the decision). Two
    deciding at once: one wins, the other gets 409. An appeal is never decided by the one who
    decided the dispute before."""
    validate_request("dispute-decision", body)
    dispute = find_dispute(dispute_id)
    if dispute.status != "WITH_STAFF" or dispute.decision is not None:
        raise Conflict(f"status: the dispute is {dispute.status.lower()}; it does not wait for a decision",
                       field="status", reason="dispute_not_waiting", status=dispute.status.lower())
    require_version(body["version"], dispute.version, "dispute")
    earlier = {d["by"].get("id") for d in dispute.decisions if (d.get("by") or {}).get("type") == "agent"}
    if actor["id"] in earlier:
        raise Forbidden("you decided this dispute before; a colleague decides the appeal",
                        reason="another_decider_needed")
    amount = int(body.get("amount_cents") or dispute.amount_cents)
    if amount > int(dispute.amount_cents):
        raise InvalidInput(f"amount_cents: at most the {int(dispute.amount_cents)} cents disputed",
                           field="amount_cents", reason="amount_above_dispute", most=int(dispute.amount_cents))
    now = isoformat(utcnow())
    dispute.decision = {"outcome": body["outcome"], "basis": "staff", "by": actor, "at": now,
                        "reasons": body["reasons"].strip(),
                        "amount_cents": amount if body["outcome"] == "upheld" else 0,
                        "round": int(dispute.round)}
    dispute.updated_at = now
    event = domain_event("DisputeDecisionTaken", customer_id=dispute.customer_id, actor=actor, channel="agent",
                         data={"dispute_id": dispute_id, "outcome": body["outcome"]})
    commit([Write(dispute, conflict="the dispute changed meanwhile: someone else decided it")], [event])
    return dispute_view(dispute, for_staff=True)
