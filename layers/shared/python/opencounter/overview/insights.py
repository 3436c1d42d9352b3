"""What the record says about a customer beyond what it holds (docs/adr/0037-value-missing-data-coming-events.md):
their value to the business and the segment it puts them in, what the record lacks, and what is
coming. Pure functions over the items of the customer's partition, read with the view's one Query:
derived again on every read, so a change to any of their inputs shows at once and nothing is kept
that could fall behind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from opencounter.billing.dunning import STEPS
from opencounter.billing.invoices import status_of
from opencounter.billing.records import Invoice, Payment
from opencounter.catalogue.service import price_changes, version_shown
from opencounter.core import retention
from opencounter.core.clock import BUSINESS_TIME
from opencounter.customers.products import fixed_until
from opencounter.customers.records import ProductHolding, Profile

#: the year revenue and payment behaviour are taken over
YEAR = timedelta(days=365)
#: months a customer is new for, and from which they are loyal
NEW_MONTHS, LOYAL_MONTHS = 3, 24
#: a year's revenue (cents, VAT included), or products held, that make a customer of high value
HIGH_VALUE_CENTS, HIGH_VALUE_PRODUCTS = 120_000, 3
#: the segments, in the order they are decided: the first that fits is the customer's
SEGMENTS = ("at_risk", "new", "high_value", "loyal", "standard")
#: how far ahead a coming event is shown, and how far ahead it asks staff to act
AHEAD = timedelta(days=90)
ACT_WITHIN = timedelta(days=60)
#: the purposes a customer is asked to choose about: unsaid, the answer is no (customers.views)
ASKED_PURPOSES = ("marketing",)


def _months_between(first: date, last: date) -> int:
    return max(0, (last.year - first.year) * 12 + last.month - first.month - (last.day < first.day))


def _paid_on_time(invoice: Invoice, payments: list[Payment]) -> bool:
    """Paid with no reminder needed and no money arriving after the due day (Amsterdam's: the due
    day is the business's; a payment from before the moment was kept counts from its last change)."""
    reminded = any(step in (invoice.reminders or {}) for step in STEPS)
    late = any(p.status == "SUCCEEDED" and _business_day(p.succeeded_at or p.updated_at) > invoice.due_on
               for p in payments)
    return not reminded and not late


def _business_day(moment: str) -> str:
    return retention.moment(moment).astimezone(BUSINESS_TIME).date().isoformat()


def payment_behaviour(invoices: list[Invoice], payments: list[Payment], today: date) -> dict[str, Any]:
    """How the invoices due in the last year were paid: on time, late (after a reminder or the due
    day), in an arrangement, or overdue now; and in a word: arrears (overdue now), late (any paid
    late), good (all on time), or none (nothing was due yet)."""
    since = (today - YEAR).isoformat()
    by_invoice: dict[str, list[Payment]] = {}
    for payment in payments:
        by_invoice.setdefault(payment.invoice_id, []).append(payment)
    counts = {"on_time": 0, "late": 0, "in_arrangement": 0, "overdue": 0}
    for invoice in invoices:
        if invoice.status == "VOID" or not since <= invoice.due_on <= today.isoformat():
            continue
        status = status_of(invoice, today)
        if status == "overdue":
            counts["overdue"] += 1
        elif status == "in_arrangement":
            counts["in_arrangement"] += 1
        elif status == "paid":
            counts["on_time" if _paid_on_time(invoice, by_invoice.get(invoice.invoice_id, [])) else "late"] += 1
    if counts["overdue"]:
        word = "arrears"
    elif counts["late"] or counts["in_arrangement"]:
        word = "late"
    elif counts["on_time"]:
        word = "good"
    else:
        word = "none"
    return {"behaviour": word, **counts}


def value_and_segment(items: list[Any], record: dict[str, Any], today: date) -> dict[str, Any]:
    """Revenue over the last year (invoiced, less what was credited, VAT included), tenure in whole
    months, products held, payment behaviour; and the segment they put the customer in, with why."""
    profile = next(i for i in items if isinstance(i, Profile))
    invoices = [i for i in items if isinstance(i, Invoice)]
    payments = [p for p in items if isinstance(p, Payment)]
    since = (today - YEAR).isoformat()
    revenue = sum(int(i.total_cents) - int(i.credited_cents) for i in invoices
                  if i.status != "VOID" and i.issued_on >= since)
    starts = [profile.created_at[:10], *(p["started_at"][:10] for p in record["products"])]
    customer_since = min(starts)
    tenure = _months_between(date.fromisoformat(customer_since), today)
    held = [p for p in record["products"] if p["status"] in ("ACTIVE", "SCHEDULED")]
    leaving = bool(held) and all(p["ends_on"] for p in held)
    payment = payment_behaviour(invoices, payments, today)
    if payment["behaviour"] == "arrears" or leaving:
        segment, why = "at_risk", "an invoice is overdue" if payment["behaviour"] == "arrears" else \
            "every product held is cancelled"
    elif tenure < NEW_MONTHS:
        segment, why = "new", f"a customer for {tenure} months"
    elif revenue >= HIGH_VALUE_CENTS or len(held) >= HIGH_VALUE_PRODUCTS:
        segment, why = "high_value", f"{revenue} cents in a year, {len(held)} products"
    elif tenure >= LOYAL_MONTHS:
        segment, why = "loyal", f"a customer for {tenure} months"
    else:
        segment, why = "standard", "none of the other segments fits"
    return {"revenue_12m_cents": revenue, "customer_since": customer_since, "tenure_months": tenure,
            "products_held": len(held), "payment": payment, "segment": segment, "why": why}


def missing_data(record: dict[str, Any], profile: Profile) -> list[dict[str, Any]]:
    """What the record lacks, most useful first: each an `item`, and whether the customer can give it
    themselves in the portal (`customer`) or only staff can ask for it."""
    missing: list[dict[str, Any]] = []

    def lacks(item: str, *, customer: bool = True) -> None:
        missing.append({"item": item, "customer": customer})

    contact = record["contact"]
    if not contact["phone"]:
        lacks("phone")
    elif not contact["phone_verified"]:
        lacks("phone_unproven")
    if contact["pending_email"]:
        lacks("email_unconfirmed")
    said = {(c["channel"], c["purpose"]) for c in record["consents"]}
    if not any(purpose == asked for _, purpose in said for asked in ASKED_PURPOSES):
        lacks("consent_choice")
    if profile.household_size is None:
        lacks("household_size")
    return missing


def coming_events(record: dict[str, Any], holdings: list[ProductHolding], today: date) -> list[dict[str, Any]]:
    """What is coming for the customer in the next AHEAD days, soonest first: a fixed price ending, a
    price rise announced (with the monthly fee before and after), a product ending (cancelled), a
    move, a visit or a delivery; each with its day and what it is about."""
    horizon = (today + AHEAD).isoformat()
    events: list[dict[str, Any]] = []
    views = {p["product_id"]: p for p in record["products"]}
    catalogue = version_shown() if holdings else None
    for holding in holdings:
        view = views.get(holding.product_id)
        if view is None or view["status"] not in ("ACTIVE", "SCHEDULED"):
            continue
        for change in price_changes(holding.product_code, holding.plan_code, holding.catalogue_version,
                                    catalogue, today=today) if catalogue else []:
            if change["prices_from"] <= horizon and not (view["ends_on"] and view["ends_on"] < change["prices_from"]):
                events.append({**_event("price_change", change["prices_from"], view),
                               "old_fee_cents": int(change["old"].get("monthly_fee_cents") or 0),
                               "new_fee_cents": int(change["new"].get("monthly_fee_cents") or 0)})
        ends = fixed_until(holding)
        if ends and today.isoformat() <= ends.isoformat() <= horizon and not (
                view["ends_on"] and view["ends_on"] < ends.isoformat()):
            events.append(_event("fixed_price_ends", ends.isoformat(), view))
        if view["ends_on"] and today.isoformat() <= view["ends_on"] <= horizon:
            events.append(_event("product_ends", view["ends_on"], view))
    for move in record["upcoming_moves"]:
        if move["effective_from"] <= horizon:
            events.append(_event("move", move["effective_from"], None,
                                 f"{move['street']} {move['house_number']}, {move['city']}"))
    for visit in record["appointments"]:
        if visit["window"]["date"] <= horizon:
            events.append(_event(visit["kind"], visit["window"]["date"], views.get(visit["product_id"])))
    return sorted(events, key=lambda e: (e["on"], e["kind"]))


def _event(kind: str, on: str, product: dict[str, Any] | None, name: str | None = None) -> dict[str, Any]:
    """A coming event on a day, about a product (its codes and names) or, for a move, the new address."""
    about = product or {}
    return {"kind": kind, "on": on, "product_id": about.get("product_id"), "product_code": about.get("product_code"),
            "plan_code": about.get("plan_code"), "name": about.get("name", name), "plan": about.get("plan")}


def acts_soon(event: dict[str, Any], today: date) -> bool:
    """Whether a coming event is near enough for staff to act on it now."""
    return event["on"] <= (today + ACT_WITHIN).isoformat()
