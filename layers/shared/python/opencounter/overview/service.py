"""The 360-degree view for staff: the record, products, invoices and payment state, contacts on
every channel (internal notes included) and those planned (visits at the customer's address), open
requests, disputes, NPS and the next best action, read with one Query of the customer's partition."""

from __future__ import annotations

from typing import Any

from opencounter.appointments.service import products_to_plan
from opencounter.appointments.views import planned_appointments
from opencounter.billing.invoices import invoice_view
from opencounter.billing.mandates import collection_view
from opencounter.billing.records import Invoice, Payment
from opencounter.contacts.records import Contact, ServiceRequest
from opencounter.contacts.requests import request_view
from opencounter.contacts.service import contact_view
from opencounter.core.clock import business_today, utcnow
from opencounter.core.table import Item, customer_key
from opencounter.customers.views import record_from
from opencounter.disputes.records import Dispute
from opencounter.disputes.service import dispute_view

RECENT_CONTACTS = 20
RECENT_DISPUTES = 10


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
    running = next((i for i in invoices if i.status == "IN_ARRANGEMENT"), None)
    invoice_views = [invoice_view(i, today=today, detail=False, running=running) for i in invoices]
    scores = [int(c.nps) for c in contacts if c.nps is not None]
    to_plan = products_to_plan(items)
    return {
        **record,
        "invoices": invoice_views,
        "open_balance_cents": sum(v["balance_cents"] for v in invoice_views),
        "collection": (collection := collection_view(items)),
        "payments": [{"payment_id": p.payment_id, "invoice_id": p.invoice_id, "status": p.status.lower(),
                      "amount_cents": int(p.amount_cents), "method": p.method, "created_at": p.created_at}
                     for p in payments[:10]],
        "contacts": [contact_view(c, staff=True) for c in contacts[:RECENT_CONTACTS]],
        "planned_contacts": planned_appointments(items, now, staff=True),
        "to_plan": to_plan,
        "open_requests": [request_view(r) for r in requests if r.status != "DONE"],
        "disputes": [dispute_view(d, for_staff=True) for d in disputes[:RECENT_DISPUTES]],
        "nps": {"responses": len(scores), "score": net_promoter_score(scores)},
        "next_best_actions": next_best_actions(record, invoices, contacts, requests, invoice_views, disputes,
                                               to_plan, collection),
    }


def next_best_actions(record: dict[str, Any], invoices: list[Invoice], contacts: list[Contact],
                      requests: list[ServiceRequest], invoice_views: list[dict[str, Any]],
                      disputes: list[Dispute] | None = None,
                      to_visit: list[dict[str, Any]] | None = None,
                      collection: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """What staff could best do for this customer now, most pressing first: each an `action`, the
    `params` a desk shows it with (in its own language), and `why` in English for logs."""
    actions: list[dict[str, Any]] = []

    def add(action: str, why: str, **params: Any) -> None:
        actions.append({"action": action, "why": why, "params": params})

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
    for contact in contacts:  # (a dispute's contact waits on the dispute: deciding it is its own action)
        if contact.status in ("QUEUED", "IN_PROGRESS") and contact.dispute_id is None:
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
    if not record["contact"]["phone"]:
        add("complete_profile", "no phone number")
    for move in record["upcoming_moves"]:
        add("confirm_move", f"moving on {move['effective_from']}", effective_from=move["effective_from"])
    return actions
