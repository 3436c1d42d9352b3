"""The 360-degree view for staff: the record, products, invoices and payment state, contacts on
every channel (internal notes included) and those planned (visits at the customer's address), open
requests, disputes, complaints, NPS, the customer's value and segment, what the record lacks, what is coming,
and the next best action, read with one Query of the customer's partition. And the customer's own
overview: their record, the visits planned, what they could add and what is coming, with one Query
too."""

from __future__ import annotations

from datetime import date
from typing import Any

from opencounter.appointments.service import products_to_plan
from opencounter.appointments.views import planned_appointments
from opencounter.billing.invoices import invoice_view
from opencounter.billing.mandates import collection_view
from opencounter.billing.records import Invoice, Payment
from opencounter.complaints.records import Complaint
from opencounter.complaints.service import complaint_view, overdue
from opencounter.contacts.records import Contact, ServiceRequest
from opencounter.contacts.requests import request_view
from opencounter.contacts.service import contact_view
from opencounter.core.clock import business_today, utcnow
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import ProductHolding, Profile
from opencounter.customers.views import record_from
from opencounter.disputes.records import Dispute
from opencounter.disputes.service import dispute_view
from opencounter.feedback.records import FeedbackAnswer
from opencounter.ideas.records import IdeaLink
from opencounter.notifications.messages import recent_messages
from opencounter.overview.insights import acts_soon, coming_events, missing_data, value_and_segment
from opencounter.overview.planned import planned_contacts
from opencounter.quotes.service import quotes_in

RECENT_CONTACTS = 20
RECENT_DISPUTES = 10
RECENT_FEEDBACK = 10
RECENT_COMPLAINTS = 10


def net_promoter_score(scores: list[int]) -> int | None:
    """% promoters (9-10) minus % detractors (0-6), or None without answers."""
    if not scores:
        return None
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))


def customer_360(customer_id: str) -> dict[str, Any]:
    items = list(Item.query(customer_key(customer_id)))
    today, now = business_today(), utcnow()
    record = {**record_from(items, today), "appointments": planned_appointments(items, now)}
    invoices = sorted((i for i in items if isinstance(i, Invoice)), key=lambda i: i.invoice_id, reverse=True)
    payments = sorted((p for p in items if isinstance(p, Payment)), key=lambda p: p.created_at, reverse=True)
    contacts = sorted((c for c in items if isinstance(c, Contact)), key=lambda c: c.contact_id, reverse=True)
    requests = [r for r in items if isinstance(r, ServiceRequest)]
    disputes = sorted((d for d in items if isinstance(d, Dispute)), key=lambda d: d.filed_at, reverse=True)
    complaints = sorted((c for c in items if isinstance(c, Complaint)), key=lambda c: c.filed_at, reverse=True)
    running = next((i for i in invoices if i.status == "IN_ARRANGEMENT"), None)
    invoice_views = [invoice_view(i, today=today, detail=False, running=running) for i in invoices]
    scores = [int(c.nps) for c in contacts if c.nps is not None]
    to_plan = products_to_plan(items)
    missing, coming = _gaps_and_coming(record, items, today)
    return {
        **record,
        "invoices": invoice_views,
        "open_balance_cents": sum(v["balance_cents"] for v in invoice_views),
        "collection": (collection := collection_view(items)),
        "payments": [{"payment_id": p.payment_id, "invoice_id": p.invoice_id, "status": p.status.lower(),
                      "amount_cents": int(p.amount_cents), "method": p.method, "created_at": p.created_at}
                     for p in payments[:10]],
        "contacts": [contact_view(c, staff=True) for c in contacts[:RECENT_CONTACTS]],
        "planned_contacts": planned_contacts(items, now, staff=True),
        "to_plan": to_plan,
        "quotes": quotes_in(items, today, staff=True),
        "open_requests": [request_view(r, staff=True) for r in requests if r.status != "DONE"],
        "disputes": [dispute_view(d, for_staff=True) for d in disputes[:RECENT_DISPUTES]],
        "messages": recent_messages(items),
        "complaints": [complaint_view(c, staff=True) for c in complaints[:RECENT_COMPLAINTS]],
        "nps": {"responses": len(scores), "score": net_promoter_score(scores)},
        "feedback": _feedback(items),
        "value": value_and_segment(items, record, today),
        "missing_data": missing,
        "coming_events": coming,
        "next_best_actions": next_best_actions(record, invoices, contacts, requests, invoice_views, disputes,
                                               to_plan, missing, [e for e in coming if acts_soon(e, today)],
                                               overdue(complaints), collection),
    }


def customer_home(customer_id: str) -> dict[str, Any]:
    """The customer's own overview (GET /me): the record as every channel shows it today, the visits
    and call-backs planned, what they could add to it themselves, and what is coming; one Query."""
    items = list(Item.query(customer_key(customer_id)))
    today = business_today()
    now = utcnow()
    record = {**record_from(items, today), "appointments": planned_appointments(items, now),
              "planned_contacts": planned_contacts(items, now)}
    missing, coming = _gaps_and_coming(record, items, today)
    return {**record, "missing_data": [m for m in missing if m["customer"]], "coming_events": coming}


def _gaps_and_coming(record: dict[str, Any], items: list[Item], today: date) -> tuple[list[dict[str, Any]],
                                                                                      list[dict[str, Any]]]:
    """What the record lacks, and what is coming, of the items of the customer's partition."""
    profile = next(i for i in items if isinstance(i, Profile))
    return (missing_data(record, profile),
            coming_events(record, [i for i in items if isinstance(i, ProductHolding)], today))


def _feedback(items: list[Item]) -> dict[str, Any]:
    """Feedback beside the NPS: the answers to the question after a journey, and the ideas the
    customer took part in (posted, voted on, commented or followed), newest first."""
    answers = sorted((a for a in items if isinstance(a, FeedbackAnswer)), key=lambda a: a.answered_at, reverse=True)
    ideas = sorted((i for i in items if isinstance(i, IdeaLink)), key=lambda i: i.at, reverse=True)
    return {"answers": [{"journey": a.journey, "channel": a.channel, "scale": a.scale, "score": int(a.score),
                         "comment": a.comment, "answered_at": a.answered_at} for a in answers[:RECENT_FEEDBACK]],
            "ideas": [{"idea_id": i.idea_id, "at": i.at} for i in ideas[:RECENT_FEEDBACK]]}


def next_best_actions(record: dict[str, Any], invoices: list[Invoice], contacts: list[Contact],
                      requests: list[ServiceRequest], invoice_views: list[dict[str, Any]],
                      disputes: list[Dispute] | None = None,
                      to_visit: list[dict[str, Any]] | None = None, missing: list[dict[str, Any]] | None = None,
                      coming: list[dict[str, Any]] | None = None,
                      late_complaints: list[Complaint] | None = None,
                      collection: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """What staff could best do for this customer now, most pressing first: each an `action`, the
    `params` a desk shows it with (in its own language), and `why` in English for logs."""
    actions: list[dict[str, Any]] = []

    def add(action: str, why: str, **params: Any) -> None:
        actions.append({"action": action, "why": why, "params": params})

    for complaint in late_complaints or []:
        add("handle_overdue_complaint", f"complaint {complaint.complaint_id} was due by {complaint.deadline_on}",
            complaint_id=complaint.complaint_id, deadline=complaint.deadline_on)
    for dispute in disputes or []:
        if dispute.status == "WITH_STAFF" and dispute.decision is None:
            add("decide_dispute", f"dispute {dispute.dispute_id} waits for a decision by {dispute.staff_deadline}",
                dispute_id=dispute.dispute_id, deadline=dispute.staff_deadline)
    for view in invoice_views:
        if view["status"] == "overdue":
            add("offer_payment_arrangement",
                f"invoice {view['invoice_id']} is overdue ({view['balance_cents']} cents open)",
                invoice_id=view["invoice_id"], balance_cents=view["balance_cents"])
    for request in requests:
        if request.status == "WAITING_FOR_CUSTOMER":
            add("follow_up_request", f"request {request.request_id} waits for the customer",
                request_id=request.request_id)
    for contact in contacts:  # a planned call-back we missed: made first, with an apology
        if contact.planned and contact.missed_at and contact.status == "QUEUED":
            add("call_back_missed", f"the call-back planned at {contact.planned['start']} was not made",
                at=contact.planned["start"], number=contact.callback_to)
    for contact in contacts:  # (a dispute's contact waits on the dispute; a planned call-back, on its slot)
        if contact.status in ("QUEUED", "IN_PROGRESS") and contact.dispute_id is None and not (
                contact.planned and contact.status == "QUEUED"):
            add("answer_open_contact", f"{contact.channel} contact '{contact.subject}' is {contact.status.lower()}",
                channel=contact.channel, subject=contact.subject)
    for contact in contacts:
        if contact.status == "ABANDONED" and contact.sender != "anonymous" and not any(
                later.started_at > contact.started_at for later in contacts):
            at = contact.ended_at or contact.started_at
            add("call_back", f"hung up waiting on the {contact.channel} at {at}", channel=contact.channel, at=at)
    latest = invoices[0] if invoices else None
    for tariff in (latest.best_tariff or []) if latest else []:
        if tariff["billed_plan"] != tariff["current_plan"] and tariff["saving_cents"] > 0:
            add("offer_plan_switch",
                f"{tariff['billed_plan']} was cheaper for last month's use than {tariff['current_plan']}",
                billed_plan=tariff["billed_plan"], current_plan=tariff["current_plan"],
                saving_cents=tariff["saving_cents"])
    if collection is not None and collection["mandate"] is None and any((i.reminders or {}).get("reminder")
                                                                       for i in invoices):
        add("offer_direct_debit", "pays by hand and was reminded of an invoice; no mandate")
    for product in to_visit or []:
        add("plan_visit", f"{product['name']} needs a {product['kind'].replace('_', ' ')}; none is planned",
            product_id=product["product_id"], kind=product["kind"])
    for event in coming or []:
        if event["kind"] == "fixed_price_ends":
            add("offer_after_fixed_price", f"the fixed price of {event['name']} ends on {event['on']}",
                product_id=event["product_id"], plan=event["plan"], on=event["on"])
        elif event["kind"] == "price_change":
            add("explain_price_change", f"the price of {event['name']} rises on {event['on']}",
                product_id=event["product_id"], plan=event["plan"], on=event["on"],
                old_fee_cents=event["old_fee_cents"], new_fee_cents=event["new_fee_cents"])
        elif event["kind"] == "product_ends":
            add("ask_before_leaving", f"{event['name']} ends on {event['on']}", product_id=event["product_id"],
                name=event["name"], on=event["on"])
    for gap in missing or []:
        add("complete_profile", f"the record lacks: {gap['item']}", item=gap["item"])
    for move in record["upcoming_moves"]:
        add("confirm_move", f"moving on {move['effective_from']}", effective_from=move["effective_from"])
    return actions
