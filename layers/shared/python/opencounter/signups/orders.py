"""An existing customer orders another product: the same catalogue, the same instant validation
and the same signing as a sign-up, without identifying again (the customer was identified when
they became one). Placed by the customer, or by staff on their behalf (the code still goes to the
customer, who reads it out); signed with a one-time code mailed to the customer's proven address;
then active at once, or, where the catalogue says the product needs an engineer's visit or a
delivery first, signed and waiting for it. Plain data in, plain data out: no HTTP here."""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from opencounter.appointments.capacity import Window
from opencounter.appointments.records import Appointment
from opencounter.appointments.service import plan_with, window_free
from opencounter.appointments.views import window_view
from opencounter.billing.invoices import connection_invoice
from opencounter.catalogue.service import plan_on_sale, visit_needed
from opencounter.core import one_time_codes
from opencounter.core.actors import STAFF, seen_by_customer
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import ProductHolding
from opencounter.customers.service import new_holding
from opencounter.customers.views import load_profile
from opencounter.ports.messaging import masked
from opencounter.signups import signing
from opencounter.signups.records import ORDER_STEPS, Order, SignatureEvidence, SigningCode

#: kinds a customer holds once at their address, and why (a second would be a second connection)
ONCE_PER_ADDRESS = {"energy": "one energy supply per address", "internet": "one fibre connection per address"}
#: kinds whose first day the customer may choose (a switch of supplier on a day of their own)
CHOSEN_START = frozenset({"energy"})
START_HORIZON = timedelta(days=90)
#: an order nobody signs is forgotten after this long (TTL)
UNSIGNED_FORGOTTEN_AFTER = timedelta(days=30)
ACTIVATION = {"type": "system", "id": "order"}


def fulfilment_of(plan: dict[str, Any]) -> str | None:
    """What must happen at the customer's address before the product works (an engineer's visit,
    an installer's, a delivery): the kind the catalogue marks the plan's product with. None: the
    product works as soon as it is signed. A signed order that waits for its visit is activated by
    `activate` once that is done."""
    return visit_needed(plan["product_code"], plan["catalogue_version"])


def product_id_of(order_id: str) -> str:
    """The id the product an order brings is given when it is activated (and its visit names)."""
    return stable_id("order", order_id, "product")


# ---------------------------------------------------------------- reading


def _fulfilment(order: Order, visit: Appointment | None) -> dict[str, Any] | None:
    """The visit (or delivery) the order waits for: the window chosen when placed, booked when
    signed; once booked, as the appointment stands (moved, done)."""
    if order.fulfilment is None:
        return None
    if visit is None:
        return {"kind": order.fulfilment["kind"], "status": "chosen", "window": order.fulfilment["window"],
                "appointment_id": None}
    return {"kind": visit.kind, "status": visit.status.lower(), "window": window_view(Window(visit.start, visit.end)),
            "appointment_id": visit.appointment_id}


def _visit_of(order: Order) -> Appointment | None:
    booked = (order.fulfilment or {}).get("appointment_id")
    if not booked:
        return None
    try:
        return Appointment.get(*Appointment.keys(order.customer_id, booked))
    except Appointment.DoesNotExist:
        return None


def _view(order: Order, evidence: SignatureEvidence | None = None, visit: Appointment | None = None, *,
          staff: bool = False) -> dict[str, Any]:
    """An order as staff see it, or as the customer does: who placed and signed it, staff by role only."""
    seen = (lambda actor: actor) if staff else seen_by_customer
    steps = [{"name": name, **order.steps[name]} for name in ORDER_STEPS]
    plan = order.plan
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": order.status,
        "channel": order.channel,
        "placed_by": seen(order.placed_by),
        "product": {"code": plan["product_code"], "name": plan["product_name"], "kind": plan["kind"],
                    "plan_code": plan["code"], "plan": plan["name"],
                    "monthly_fee_cents": int(plan["monthly_fee_cents"]),
                    "connection_fee_cents": int(plan.get("connection_fee_cents") or 0),
                    "catalogue_version": plan["catalogue_version"]},
        "starts_on": order.starts_on,
        "fulfilment": _fulfilment(order, visit),
        "steps": steps,
        "next_step": next((s["name"] for s in steps if s["status"] in ("pending", "in_progress")), None),
        "product_id": order.product_id,
        "quote_id": order.quote_id,
        "version": int(order.version),
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "evidence": None if evidence is None else {
            **signing.evidence_view(evidence), "actor": seen(evidence.actor), "channel": evidence.channel},
    }


def _load(customer_id: str, order_id: str) -> tuple[Order, SignatureEvidence | None]:
    """The customer's order and the evidence of its signature, if any (one Query). An order of
    someone else is not found: its key is in their partition."""
    order_key = Order.keys(customer_id, order_id)[1]
    order = evidence = None
    for item in Item.query(customer_key(customer_id), Item.SK.startswith(order_key)):
        if isinstance(item, Order) and item.SK == order_key:
            order = item
        elif isinstance(item, SignatureEvidence) and item.SK == SignatureEvidence.order_keys(customer_id, order_id)[1]:
            evidence = item
    if order is None:
        raise NotFound("no such order", reason="order_not_found")
    return order, evidence


def order_of(customer_id: str, order_id: str, *, staff: bool = False) -> dict[str, Any]:
    order, evidence = _load(customer_id, order_id)
    return _view(order, evidence, _visit_of(order), staff=staff)


def orders_of(customer_id: str, *, staff: bool = False) -> dict[str, Any]:
    """The customer's orders, newest first (one Query of the orders' range of the partition)."""
    orders: list[Order] = []
    evidence: dict[str, SignatureEvidence] = {}
    for item in Item.query(customer_key(customer_id), Item.SK.startswith(Order.SK_PREFIX)):
        if isinstance(item, Order):
            orders.append(item)
        elif isinstance(item, SignatureEvidence):
            evidence[item.SK] = item
    orders.sort(key=lambda o: (o.created_at, o.order_id), reverse=True)
    visits: dict[str, Appointment] = {}
    if any((o.fulfilment or {}).get("appointment_id") for o in orders):  # one Query more
        visits = {a.appointment_id: a for a in Appointment.query(
            customer_key(customer_id), Appointment.SK.startswith(Appointment.SK_PREFIX))}
    return {"items": [_view(o, evidence.get(SignatureEvidence.order_keys(customer_id, o.order_id)[1]),
                            visits.get((o.fulfilment or {}).get("appointment_id") or ""), staff=staff)
                      for o in orders]}


# ---------------------------------------------------------------- placing


@dataclass(frozen=True)
class Orderer:
    """A customer who may order: their account is open; the products they hold, and those signed
    for that wait for their visit (held as soon as it is done)."""

    customer_id: str
    holdings: list[ProductHolding]
    waiting: list[Order]


def orderer(customer_id: str) -> Orderer:
    """The customer an order is for, asked before anything of the request is read: NotFound for
    no such customer, Conflict for a closed account."""
    profile = load_profile(customer_id)
    if profile.status == "CLOSED":
        raise Conflict("status: the account is closed; call us to open it again", field="status",
                       reason="account_closed")
    partition = customer_key(customer_id)
    return Orderer(customer_id,
                   list(ProductHolding.query(partition, ProductHolding.SK.startswith(ProductHolding.SK_PREFIX))),
                   [o for o in Order.query(partition, Order.SK.startswith(Order.SK_PREFIX), Order.status == "SIGNED")
                    if isinstance(o, Order)])


def _starts_on(raw: str | None, plan: dict[str, Any]) -> str | None:
    if raw is None:
        return None
    if plan["kind"] not in CHOSEN_START:
        raise InvalidInput(f"starts_on: {plan['product_name']} starts when it is signed; leave the date out",
                           field="starts_on", reason="starts_on_not_chosen")
    chosen, today = date.fromisoformat(raw), business_today()
    if chosen < today:
        raise InvalidInput(f"starts_on: {raw} is in the past", field="starts_on", reason="starts_on_past")
    if chosen > today + START_HORIZON:
        raise InvalidInput(f"starts_on: {raw} is more than {START_HORIZON.days} days ahead", field="starts_on",
                           reason="starts_on_too_far", days=START_HORIZON.days)
    return chosen.isoformat()


def require_not_held(customer: Orderer, plan: dict[str, Any], starts_on: str | None) -> None:
    """A kind held once per address may not be ordered while one is held on the first day of the
    new one (a cancelled one that ends before then does not count), or signed for and waiting for
    its visit."""
    why = ONCE_PER_ADDRESS.get(plan["kind"])
    if why is None:
        return
    first_day = starts_on or business_today().isoformat()
    held = next((h.name for h in customer.holdings if h.kind == plan["kind"] and h.status == "ACTIVE"
                 and (h.ends_on is None or h.ends_on >= first_day)), None) or next(
        (o.plan["product_name"] for o in customer.waiting if o.plan["kind"] == plan["kind"]), None)
    if held is not None:
        raise Conflict(f"product_code: the customer holds {held} already ({why})", field="product_code",
                       reason="product_held_already", product=held)


def _same(order: Order, plan: dict[str, Any], starts_on: str | None, slot: str | None) -> bool:
    return (order.plan["product_code"], order.plan["code"], order.starts_on, (order.fulfilment or {}).get("slot")) == (
        plan["product_code"], plan["code"], starts_on, slot)


def _again(customer_id: str, order_id: str, plan: dict[str, Any], starts_on: str | None,
           slot: str | None, staff: bool) -> dict[str, Any] | None:
    """The order a repeated request (the same key) placed already, or None when there is none."""
    try:
        order, evidence = _load(customer_id, order_id)
    except NotFound:
        return None
    if not _same(order, plan, starts_on, slot):
        raise Conflict("key: already used for another order", reason="idempotency_key_reused")
    return _view(order, evidence, _visit_of(order), staff=staff)


def place_order(customer: Orderer, request: dict[str, Any], *, actor: dict, channel: str,
                key: str | None = None) -> dict[str, Any]:
    """Order a product of the catalogue for a customer: validated at once, and the order to sign.
    With `key` (the request's idempotency key) the order's id is derived from it, so the same
    request sent again is the same order, placed once."""
    customer_id, staff = customer.customer_id, actor["type"] == STAFF
    validate_request("product-order", request)
    plan = plan_on_sale(request["product_code"], request["plan_code"])
    starts_on = _starts_on(request.get("starts_on"), plan)
    kind = fulfilment_of(plan)
    slot = signing.slot_asked(request.get("slot"), plan, kind)
    order_id = stable_id("order", customer_id, key) if key else str(uuid.uuid4())
    if key and (placed := _again(customer_id, order_id, plan, starts_on, slot, staff)) is not None:
        return placed
    order, event = _placed(customer, plan, starts_on, kind, slot, order_id=order_id, actor=actor, channel=channel)
    try:
        commit([Write(order, Order.PK.does_not_exist(), conflict="the order exists already")], [event])
    except WriteConflict:
        placed = _again(customer_id, order_id, plan, starts_on, slot, staff) if key else None
        if placed is None:
            raise
        return placed  # the same request, sent twice at the same moment
    return _view(order, staff=staff)


def order_from(customer: Orderer, plan: dict[str, Any], request: dict[str, Any], *, order_id: str, actor: dict,
               channel: str, quote_id: str | None = None) -> tuple[Order, DomainEvent]:
    """The order of `plan` as given (a quote's, its prices frozen when it was made), validated as a
    placed one is (`starts_on`, `slot`, a kind held once per address), for the caller to commit
    with what it writes beside it; signed and activated as any order."""
    starts_on = _starts_on(request.get("starts_on"), plan)
    kind = fulfilment_of(plan)
    slot = signing.slot_asked(request.get("slot"), plan, kind)
    return _placed(customer, plan, starts_on, kind, slot, order_id=order_id, actor=actor, channel=channel,
                   quote_id=quote_id)


def _placed(customer: Orderer, plan: dict[str, Any], starts_on: str | None, kind: str | None, slot: str | None, *,
            order_id: str, actor: dict, channel: str, quote_id: str | None = None) -> tuple[Order, DomainEvent]:
    customer_id = customer.customer_id
    require_not_held(customer, plan, starts_on)
    # the window is free now; it is booked when the order is signed (ADR 19)
    fulfilment = None if kind is None or slot is None else {
        "kind": kind, "slot": slot, "window": window_free(customer_id, kind, slot), "appointment_id": None}
    now = utcnow()
    steps: dict[str, dict[str, Any]] = {name: {"status": "pending"} for name in ORDER_STEPS}
    steps["order"] = {"status": "passed", "at": isoformat(now)}
    order = Order(*Order.keys(customer_id, order_id), order_id=order_id, customer_id=customer_id, status="PLACED",
                  channel=channel, placed_by=actor, plan=plan, starts_on=starts_on, fulfilment=fulfilment,
                  steps=steps, quote_id=quote_id, created_at=isoformat(now), updated_at=isoformat(now),
                  expires_at=now + UNSIGNED_FORGOTTEN_AFTER)
    event = domain_event("ProductOrdered", customer_id=customer_id, actor=actor, channel=channel, data={
        "order_id": order_id, "product_code": plan["product_code"], "plan_code": plan["code"],
        "name": plan["product_name"], "plan": plan["name"], "starts_on": starts_on})
    return order, event


# ---------------------------------------------------------------- signing


def _scope(order_id: str) -> str:
    return f"order-signing:{order_id}"


def _step(order: Order, name: str, status: str, **detail: Any) -> None:
    order.steps = {**order.steps, name: {"status": status, "at": isoformat(utcnow()), **detail}}
    order.updated_at = isoformat(utcnow())


def _require_placed(order: Order) -> None:
    if order.status != "PLACED":
        raise Conflict(f"status: the order is {order.status.lower()}; it is signed already", field="status",
                       reason="order_signed_already", status=order.status.lower())


def send_order_code(customer_id: str, order_id: str) -> dict[str, Any]:
    """Mail the customer a one-time code that signs the order; a new code replaces the previous
    one. It goes to the customer's own proven address, whoever placed the order."""
    order, _ = _load(customer_id, order_id)
    _require_placed(order)
    sent = int(order.steps["signing"].get("codes_sent", 0))
    signing.require_another_code(sent)
    profile = load_profile(customer_id)
    code, now = one_time_codes.new_code(), utcnow()
    _step(order, "signing", "in_progress", codes_sent=sent + 1)
    record = SigningCode(*SigningCode.order_keys(customer_id, order_id),
                         digest=one_time_codes.digest(_scope(order_id), code), sent_to=masked(profile.email),
                         sent_at=isoformat(now), attempts=0, expires_at=now + one_time_codes.LIFETIME)
    commit([Write(order, conflict="the order changed meanwhile; read it again"), Write(record)], [])
    signed = signing.mail_code(profile.email, order.plan["product_name"], code)
    return {"sent_to": masked(profile.email), "expires_at": isoformat(now + one_time_codes.LIFETIME),
            "terms": signed}


def activate(order: Order) -> tuple[list[Write], list[DomainEvent]]:
    """The writes and events that make a signed order's product active, for the caller to commit
    with the order: the product on the record with its number, and its connection fee invoiced
    where the plan has one. Its id and number derive from the order: a retry makes the same."""
    plan, customer_id = order.plan, order.customer_id
    product_id = product_id_of(order.order_id)
    number = signing.identifier(plan["kind"], product_id)
    writes, events, _ = new_holding(customer_id, {
        "product_id": product_id, "product_code": plan["product_code"], "name": plan["product_name"],
        "kind": plan["kind"], "plan": plan["name"], "plan_code": plan["code"],
        "catalogue_version": plan["catalogue_version"], "identifier": number,
        "started_at": order.starts_on or business_today().isoformat(), "monthly_fee_cents": plan["monthly_fee_cents"],
        "order_id": order.order_id}, actor=ACTIVATION, channel=order.channel)
    invoice_writes, invoice_events = connection_invoice(
        customer_id, {"product_id": product_id, "name": plan["product_name"], "kind": plan["kind"]}, plan,
        channel=order.channel)
    order.status, order.product_id = "ACTIVE", product_id
    _step(order, "activation", "passed", product_id=product_id, identifier=number)
    return writes + invoice_writes, events + invoice_events


def _signed_before(order: Order, code: str) -> bool:
    """Whether the order was signed with this very code (the same request, sent again)."""
    return order.signed_with is not None and hmac.compare_digest(order.signed_with,
                                                                 one_time_codes.digest(_scope(order.order_id), code))


def customer_order(customer_id: str, order_id: str) -> Order:
    """The customer's own order, asked before anything of the request is read: NotFound for one
    that is not theirs (its key is in another partition)."""
    try:
        return Order.get(*Order.keys(customer_id, order_id))
    except Order.DoesNotExist:
        raise NotFound("no such order", reason="order_not_found") from None


def sign_order(order: Order, request: dict[str, Any], *, actor: dict, channel: str, ip: str,
               user_agent: str) -> dict[str, Any]:
    """Accept the terms in force with the code mailed to the customer: the evidence is written
    once (who typed the code, on which channel, from where) and the product is active at once, or,
    where it needs a visit or a delivery, that is booked in the window chosen (or in `slot`, another
    one chosen now) and the product waits for it. One transaction: the same request sent again (a
    lost answer) is answered with the order as it stands, and activates or books nothing twice."""
    customer_id, order_id, staff = order.customer_id, order.order_id, actor["type"] == STAFF
    validate_request("order-signature", request)
    if _signed_before(order, request["code"]):
        return order_of(customer_id, order_id, staff=staff)
    _require_placed(order)
    if order.fulfilment is None:
        signing.slot_asked(request.get("slot"), order.plan, None)
    current = signing.terms_in_force(request)
    try:
        code = SigningCode.get(*SigningCode.order_keys(customer_id, order_id))
    except SigningCode.DoesNotExist:
        again, evidence = _load(customer_id, order_id)
        if _signed_before(again, request["code"]):
            # the same request, signed by its twin a moment ago
            return _view(again, evidence, _visit_of(again), staff=staff)
        raise Conflict("code: ask for a signing code first", field="code", reason="code_not_requested") from None
    one_time_codes.check(code, _scope(order_id), request["code"])
    # the account may have closed, or another order of a kind held once been activated, meanwhile
    require_not_held(orderer(customer_id), order.plan, order.starts_on)

    now = isoformat(utcnow())
    evidence = SignatureEvidence(
        *SignatureEvidence.order_keys(customer_id, order_id), terms_version=current["version"],
        terms_sha256=current["sha256"], accepted_at=now, ip=ip, user_agent=user_agent[:500], actor=actor,
        channel=channel,
        code_check={"method": "email_one_time_code", "sent_to": code.sent_to, "sent_at": code.sent_at,
                    "verified_at": now, "wrong_attempts": int(code.attempts)})
    order.signed_with, order.expires_at = code.digest, None
    order.status = "SIGNED"
    _step(order, "signing", "passed", terms_version=current["version"])
    signed = [Write(order, conflict="the order changed meanwhile; read it again"),
              Write(evidence, SignatureEvidence.PK.does_not_exist(), conflict="the order is signed already"),
              Write(SigningCode(*SigningCode.order_keys(customer_id, order_id)), delete=True)]
    events = [domain_event("OrderSigned", customer_id=customer_id, actor=actor, channel=channel, data={
        "order_id": order_id, "terms_version": current["version"], "terms_sha256": current["sha256"]})]
    visit: Appointment | None = None
    try:
        if order.fulfilment is None:
            writes, activated = activate(order)
            commit([*signed, *writes], events + activated)
        else:
            visit = _book(order, request.get("slot") or order.fulfilment["slot"], signed, events, actor=actor,
                          channel=channel)
    except WriteConflict:
        again, evidence_now = _load(customer_id, order_id)
        if _signed_before(again, request["code"]):
            # the same request, sent twice at the same moment
            return _view(again, evidence_now, _visit_of(again), staff=staff)
        raise
    return _view(order, evidence, visit, staff=staff)


def _book(order: Order, slot: str, signed: list[Write], events: list[DomainEvent], *, actor: dict,
          channel: str) -> Appointment:
    """Book the order's visit (or delivery) in the transaction that signs it; the product waits
    for it. 409 slot_taken with the next free windows when the window filled meanwhile: nothing is
    written, and the same code signs with another window sent as `slot`."""
    kind = order.fulfilment["kind"]
    _step(order, "activation", "pending", waiting_for=kind)
    booked: list[Appointment] = []

    def along(visit: Appointment) -> tuple[list[Write], list[DomainEvent]]:
        booked[:] = [visit]
        # `slot` stays the one the order was placed with: the same placing sent again is the same order
        order.fulfilment = {**order.fulfilment, "window": window_view(Window(visit.start, visit.end)),
                            "appointment_id": visit.appointment_id}
        return signed, events
    plan_with(order.customer_id, kind, slot, product_id=product_id_of(order.order_id), order_id=order.order_id,
              product={"code": order.plan["product_code"], "name": order.plan["product_name"]}, actor=actor,
              channel=channel, along=along)
    return booked[0]


# ---------------------------------------------------------------- the visit done


def visit_done(customer_id: str, order_id: str) -> str:
    """A visit (or delivery) an order waited for is done: its product becomes active, in one
    transaction with the order. The visit booked at signing, or one planned again for the product
    after that was cancelled or missed (it carries the order too). Once: a repeated report finds the
    order active and leaves it; an order that is not signed (never signed, cancelled, active
    already) is left as it is. Says what it did."""
    try:
        order = Order.get(*Order.keys(customer_id, order_id), consistent_read=True)
    except Order.DoesNotExist:
        return "no_such_order"
    if order.status != "SIGNED":
        return f"left_{order.status.lower()}"
    writes, events = activate(order)
    try:
        commit([Write(order, conflict="the order changed meanwhile"), *writes], events)
    except WriteConflict:
        again = Order.get(*Order.keys(customer_id, order_id), consistent_read=True)
        if again.status == "ACTIVE":
            return "left_active"  # the same report, taken in twice at the same moment
        raise
    return "activated"
