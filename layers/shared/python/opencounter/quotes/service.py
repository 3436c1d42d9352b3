"""Quotes: a product of the catalogue, or another plan of a product held, offered to a customer at
the prices the catalogue states when the quote is made (monthly fee and one-off fees, VAT
included), valid until a day. Made by staff for the customer (who is told) or by the customer
themselves; accepted online by the customer, which orders it as any order is ordered (signed with
the mailed code, then active) or changes the plan as any plan change does, at the quote's prices
even where the catalogue changed meanwhile. Declined by the customer, withdrawn by staff. Plain
data in, plain data out: no HTTP here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from opencounter.catalogue.service import plan_on_sale, visit_needed
from opencounter.core.actors import STAFF, seen_by_customer
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.products import plan_change, plan_offered
from opencounter.customers.records import ProductHolding
from opencounter.customers.views import product_view
from opencounter.pricing.money import VAT_RATE_PERCENT
from opencounter.quotes.records import Quote
from opencounter.signups.orders import Orderer, order_from, order_of, orderer, require_not_held
from opencounter.signups.records import Order

#: how long a quote is valid when nobody chooses: the customer's own quotes always
VALID_DAYS = 30
#: what staff may choose (the request schema holds the same bounds)
VALID_DAYS_MIN, VALID_DAYS_MAX = 1, 60
CURRENCY = "EUR"


# ---------------------------------------------------------------- reading


def status_of(quote: Quote, today: date) -> str:
    """open, expired (open, but past its last valid day), accepted, declined, withdrawn."""
    if quote.status == "OPEN" and today.isoformat() > quote.valid_until:
        return "expired"
    return quote.status.lower()


def one_off_cents(quote: Quote) -> int:
    """What a quote asks once: the connection fee of a new product (a plan change has none)."""
    return int(quote.plan.get("connection_fee_cents") or 0) if quote.kind == "product" else 0


def quote_view(quote: Quote, today: date, *, staff: bool = False) -> dict[str, Any]:
    """A quote as staff see it, or as the customer does: who made and decided it, staff by role only."""
    plan = quote.plan
    decided = quote.decided if staff or quote.decided is None else {
        **quote.decided, "by": seen_by_customer(quote.decided.get("by"))}
    one_off = one_off_cents(quote)
    return {
        "quote_id": quote.quote_id,
        "customer_id": quote.customer_id,
        "kind": quote.kind,
        "status": status_of(quote, today),
        "product": {"code": plan["product_code"], "name": plan["product_name"], "kind": plan["kind"],
                    "plan_code": plan["code"], "plan": plan["name"], "product_id": quote.product_id,
                    "from_plan": quote.from_plan, "catalogue_version": plan["catalogue_version"]},
        "prices": {"monthly_fee_cents": int(plan["monthly_fee_cents"]), "one_off_cents": one_off,
                   "fixed_term_months": plan.get("fixed_term_months"), "includes_vat": True,
                   "vat_rate_percent": VAT_RATE_PERCENT, "currency": CURRENCY},
        "fulfilment": quote.fulfilment,
        "valid_until": quote.valid_until,
        "made_by": quote.made_by if staff else seen_by_customer(quote.made_by),
        "channel": quote.channel,
        "created_at": quote.created_at,
        "decided": decided,
        "order_id": quote.order_id,
        "version": int(quote.version),
    }


def quotes_in(items: Iterable[Item], today: date, *, staff: bool = False) -> list[dict[str, Any]]:
    """The quotes among a customer's items (the partition read once), newest first."""
    quotes = sorted((q for q in items if isinstance(q, Quote)), key=lambda q: (q.created_at, q.quote_id),
                    reverse=True)
    return [quote_view(q, today, staff=staff) for q in quotes]


def quotes_of(customer_id: str, *, staff: bool = False) -> dict[str, Any]:
    """The customer's quotes, newest first (one Query of the quotes' range of the partition)."""
    items = list(Quote.query(customer_key(customer_id), Quote.SK.startswith(Quote.SK_PREFIX)))
    return {"items": quotes_in(items, business_today(), staff=staff)}


def customer_quote(customer_id: str, quote_id: str) -> Quote:
    """The customer's own quote, asked before anything of the request is read: NotFound for one
    that is not theirs (its key is in another partition)."""
    try:
        return Quote.get(*Quote.keys(customer_id, quote_id), consistent_read=True)
    except Quote.DoesNotExist:
        raise NotFound("no such quote", reason="quote_not_found") from None


def quote_of(customer_id: str, quote_id: str) -> dict[str, Any]:
    return quote_view(customer_quote(customer_id, quote_id), business_today())


# ---------------------------------------------------------------- making


def _valid_days(request: dict[str, Any], staff: bool) -> int:
    days = request.get("valid_days")
    if days is None:
        return VALID_DAYS
    if not staff:
        raise InvalidInput(f"valid_days: a quote you make yourself is valid {VALID_DAYS} days; leave it out",
                           field="valid_days", reason="quote_validity_by_staff", days=VALID_DAYS)
    return int(days)


def _offer(customer: Orderer, request: dict[str, Any]) -> tuple[str, dict[str, Any], str | None, dict | None]:
    """What is offered: the kind, the plan as the catalogue sells it now (with its product's name,
    kind and catalogue version), the product held (a plan change) and the plan it is on."""
    product_id = request.get("product_id")
    if product_id:
        holding, plan, version = plan_offered(customer.customer_id, product_id, request["plan_code"])
        offered = {**plan, "product_code": holding.product_code, "product_name": holding.name,
                   "kind": holding.kind, "catalogue_version": version}
        return "plan_change", offered, product_id, {
            "code": holding.plan_code, "name": holding.plan, "monthly_fee_cents": int(holding.monthly_fee_cents)}
    if not request.get("product_code"):
        raise InvalidInput("product_code: name the product offered, or product_id for another plan of one held",
                           field="product_code", reason="field_required")
    plan = plan_on_sale(request["product_code"], request["plan_code"])
    require_not_held(customer, plan, None)
    return "product", plan, None, None


def _made_already(customer_id: str, quote_id: str, asked: str, staff: bool) -> dict[str, Any] | None:
    """The quote a repeated request (the same key) made already, or None when there is none; the
    same key with another request is a Conflict, as on every keyed route."""
    try:
        quote = Quote.get(*Quote.keys(customer_id, quote_id), consistent_read=True)
    except Quote.DoesNotExist:
        return None
    if quote.asked != asked:
        raise Conflict("Idempotency-Key: already used for a different request", field="Idempotency-Key",
                       reason="idempotency_key_reused")
    return quote_view(quote, business_today(), staff=staff)


def make_quote(customer: Orderer, request: dict[str, Any], *, actor: dict, channel: str,
               staff: bool = False, key: str | None = None) -> dict[str, Any]:
    """A quote for the customer at the catalogue's prices now, valid VALID_DAYS (staff choose from
    VALID_DAYS_MIN to VALID_DAYS_MAX): checked as an order or a plan change is, so what cannot be
    ordered is not offered. QuoteMade tells the customer of one staff made. With `key` (the
    request's Idempotency-Key) the quote's id is derived from it, so the same request sent again,
    or twice at once, is the same quote, made once."""
    validate_request("quote-request", request)
    customer_id = customer.customer_id
    quote_id = stable_id("quote", customer_id, key) if key else str(uuid.uuid4())
    asked = json.dumps(request, sort_keys=True) if key else None
    if asked is not None and (made := _made_already(customer_id, quote_id, asked, staff)) is not None:
        return made
    days = _valid_days(request, staff)
    kind, plan, product_id, from_plan = _offer(customer, request)
    now = utcnow()
    valid_until = (business_today() + timedelta(days=days)).isoformat()
    fulfilment = visit_needed(plan["product_code"], plan["catalogue_version"]) if kind == "product" else None
    quote = Quote(*Quote.keys(customer_id, quote_id), quote_id=quote_id, customer_id=customer_id, status="OPEN",
                  kind=kind, plan=plan, product_id=product_id, from_plan=from_plan, fulfilment=fulfilment,
                  valid_until=valid_until, made_by=actor, channel=channel, created_at=isoformat(now),
                  updated_at=isoformat(now), asked=asked)
    one_off = one_off_cents(quote)
    event = domain_event("QuoteMade", customer_id=customer_id, actor=actor, channel=channel, data={
        "quote_id": quote_id, "kind": kind, "product_code": plan["product_code"], "plan_code": plan["code"],
        "name": plan["product_name"], "plan": plan["name"], "product_id": product_id,
        "monthly_fee_cents": int(plan["monthly_fee_cents"]), "one_off_cents": one_off, "valid_until": valid_until})
    try:
        commit([Write(quote, Quote.PK.does_not_exist(), conflict="the quote exists already")], [event])
    except WriteConflict:
        made = _made_already(customer_id, quote_id, asked, staff) if asked is not None else None
        if made is None:
            raise
        return made  # the same request, sent twice at the same moment
    return quote_view(quote, business_today(), staff=staff)


# ---------------------------------------------------------------- deciding


def _require_open(quote: Quote) -> None:
    """Only an open quote within its last valid day can be decided on."""
    if quote.status == "ACCEPTED":
        raise Conflict("status: the quote is accepted already", field="status", reason="quote_accepted_already",
                       order_id=quote.order_id)
    if quote.status == "DECLINED":
        raise Conflict("status: the quote was declined", field="status", reason="quote_declined")
    if quote.status == "WITHDRAWN":
        raise Conflict("status: the quote was withdrawn", field="status", reason="quote_withdrawn")
    if status_of(quote, business_today()) == "expired":
        raise Conflict(f"valid_until: the quote was valid until {quote.valid_until}; ask for a new one",
                       field="valid_until", reason="quote_expired", valid_until=quote.valid_until)


def _decided(quote: Quote, status: str, actor: dict, channel: str) -> None:
    now = isoformat(utcnow())
    quote.status, quote.updated_at = status, now
    quote.decided = {"status": status.lower(), "at": now, "by": actor, "channel": channel}


def _accepted(quote: Quote) -> dict[str, Any]:
    """What an accepted quote brought: its order as it stands, or the product on its new plan."""
    today = business_today()
    answer: dict[str, Any] = {"quote": quote_view(quote, today), "order": None, "product": None}
    if quote.order_id:
        answer["order"] = order_of(quote.customer_id, quote.order_id)
    elif quote.product_id:
        holding = ProductHolding.get(*ProductHolding.keys(quote.customer_id, quote.product_id))
        answer["product"] = product_view(holding, today)
    return answer


def _plan_change(quote: Quote, request: dict[str, Any], *, actor: dict,
                 channel: str) -> tuple[list[Write], list[DomainEvent], dict[str, Any]]:
    if request.get("slot") is not None:
        raise InvalidInput("slot: a plan change needs no visit or delivery; leave the window out", field="slot",
                           reason="slot_not_needed", product=quote.plan["product_name"])
    if request.get("starts_on") is not None:
        raise InvalidInput("starts_on: a plan change starts today; leave the date out", field="starts_on",
                           reason="starts_on_not_chosen")
    try:
        holding = ProductHolding.get(*ProductHolding.keys(quote.customer_id, quote.product_id or ""))
    except ProductHolding.DoesNotExist:
        raise NotFound("no such product", reason="product_not_found") from None
    # the plan as the quote froze it, of the catalogue version it was made from: its price holds
    writes, event, answer = plan_change(quote.customer_id, holding, quote.plan, quote.plan["catalogue_version"],
                                        actor=actor, channel=channel)
    return writes, [event], answer


def accept_quote(quote: Quote, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """The customer accepts an open quote before its last valid day ends: a product is ordered at
    the quote's prices (the order then signed with the mailed code as any order; `slot` and
    `starts_on` as an order takes them), or the plan changed from today at the quote's price, in
    one transaction with the quote. Accepted once: the same acceptance sent again, or two at once,
    is answered with what the first brought (the same order)."""
    validate_request("quote-acceptance", request)
    if quote.status == "ACCEPTED":
        return _accepted(quote)
    _require_open(quote)
    customer_id = quote.customer_id
    product: dict[str, Any] | None = None
    if quote.kind == "product":
        # the order's id derives from the quote: a second acceptance can only find the first's order
        order_id = stable_id("quote", quote.quote_id, "order")
        order, ordered = order_from(orderer(customer_id), quote.plan, request, order_id=order_id, actor=actor,
                                    channel=channel, quote_id=quote.quote_id)
        writes = [Write(order, Order.PK.does_not_exist(), conflict="the quote is accepted already")]
        events = [ordered]
        quote.order_id = order_id
    else:
        writes, events, product = _plan_change(quote, request, actor=actor, channel=channel)
    _decided(quote, "ACCEPTED", actor, channel)
    accepted = domain_event("QuoteAccepted", customer_id=customer_id, actor=actor, channel=channel, data={
        "quote_id": quote.quote_id, "kind": quote.kind, "order_id": quote.order_id, "product_id": quote.product_id,
        "monthly_fee_cents": int(quote.plan["monthly_fee_cents"])})
    try:
        commit([Write(quote, conflict="the quote changed meanwhile; read it again"), *writes], [*events, accepted])
    except WriteConflict:
        again = customer_quote(customer_id, quote.quote_id)
        if again.status == "ACCEPTED":
            return _accepted(again)  # accepted at the same moment elsewhere: the same order
        raise
    if quote.order_id:
        return {"quote": quote_view(quote, business_today()), "order": order_of(customer_id, quote.order_id),
                "product": None}
    return {"quote": quote_view(quote, business_today()), "order": None, "product": product}


def _close(quote: Quote, status: str, event_type: str, *, actor: dict, channel: str) -> dict[str, Any]:
    if quote.status == status:
        return quote_view(quote, business_today(), staff=actor["type"] == STAFF)  # the same request, sent again
    if quote.status != "OPEN":  # an expired one may still be declined or withdrawn: the record says so
        _require_open(quote)
    _decided(quote, status, actor, channel)
    event = domain_event(event_type, customer_id=quote.customer_id, actor=actor, channel=channel,
                         data={"quote_id": quote.quote_id, "kind": quote.kind})
    try:
        commit([Write(quote, conflict="the quote changed meanwhile; read it again")], [event])
    except WriteConflict:
        again = customer_quote(quote.customer_id, quote.quote_id)
        if again.status == status:
            return quote_view(again, business_today(), staff=actor["type"] == STAFF)
        _require_open(again)
        raise
    return quote_view(quote, business_today(), staff=actor["type"] == STAFF)


def decline_quote(quote: Quote, *, actor: dict, channel: str) -> dict[str, Any]:
    """The customer says no: the quote can no longer be accepted. Declined again: the same answer."""
    return _close(quote, "DECLINED", "QuoteDeclined", actor=actor, channel=channel)


def withdraw_quote(quote: Quote, *, actor: dict, channel: str) -> dict[str, Any]:
    """Staff take an open quote back (a mistake, a price no longer offered): it can no longer be
    accepted. Withdrawn again: the same answer; an accepted one stays accepted (409)."""
    return _close(quote, "WITHDRAWN", "QuoteWithdrawn", actor=actor, channel=channel)
