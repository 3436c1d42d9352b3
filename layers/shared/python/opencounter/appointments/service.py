"""What can be done with appointments: the windows still free for a visit at a postcode, and a
customer's visits planned, changed and cancelled, by themselves or by staff on their behalf.
Plain data in, plain data out: no HTTP here.

Booking writes the region's day plan (versioned) and the appointment in one transaction with its
event: of two customers taking the last place of a window, one write wins and the other reads
the plan again, finds the window full and is told so with the next free windows. A plan changed
meanwhile by a booking elsewhere on that day is read again and the booking tried once more."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from opencounter.appointments.capacity import (
    Booking,
    FieldService,
    PickupPoint,
    Region,
    Window,
    field_service,
    free_windows,
    technician_for,
    window_at,
)
from opencounter.appointments.records import Appointment, DayPlan
from opencounter.appointments.rules import change_deadline, customer_may_change, staff_may_change
from opencounter.appointments.views import COMING, appointment_view, window_view
from opencounter.catalogue.service import visit_needed
from opencounter.channels.status import CHANNELS, open_at, opening_hours
from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.core.errors import Conflict, Contended, InvalidInput, NotFound, require_version
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import Address, ProductHolding, Profile
from opencounter.customers.service import dutch_postcode
from opencounter.customers.views import address_view

#: the days a look for free windows shows, from the day asked
DAYS_SHOWN = 14
#: the free windows a refusal of a full one offers instead
NEXT_FREE_SHOWN = 5
#: how often a booking reads a day plan again that another booking changed first
PLAN_TRIES = 12
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: a visit planned, changed or cancelled: the event that says so
PLANNED, CHANGED, CANCELLED = "AppointmentPlanned", "AppointmentChanged", "AppointmentCancelled"
#: the one kind that can go to another address than the customer's, or to a pick-up point
DELIVERY = "delivery"
#: visits that ended without the work done: their product is to be planned again
ENDED_UNDONE = ("CANCELLED", "MISSED")


# ---------------------------------------------------------------- free windows


def _kind(model: FieldService, raw: str | None) -> str:
    if raw is None:
        raise InvalidInput("kind: is required", field="kind", reason="field_required")
    if raw not in model.kinds:
        raise InvalidInput(f"kind: {raw!r} is no kind of visit; one of {', '.join(model.kinds)}", field="kind",
                           reason="field_choice", choices=list(model.kinds))
    return raw


def _region(model: FieldService, postcode: str, field: str = "postcode") -> Region:
    region = model.region_of(postcode)
    if region is None:
        raise InvalidInput(f"{field}: {postcode} is outside the area our engineers, installers and couriers serve",
                           field=field, reason="postcode_outside_service_area", postcode=postcode)
    return region


def _from_day(model: FieldService, raw: str | None, today: date) -> date:
    if raw is None:
        return today
    try:
        day = date.fromisoformat(raw) if DAY.match(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(f"from: {raw!r} is not a day (YYYY-MM-DD)", field="from", reason="field_format")
    if day < today:
        raise InvalidInput(f"from: {raw} is in the past; give today or a later day", field="from",
                           reason="from_in_the_past")
    if day > today + timedelta(days=model.horizon_days):
        raise InvalidInput(f"from: {raw} is more than {model.horizon_days} days ahead", field="from",
                           reason="from_too_far", limit=model.horizon_days)
    return day


def _bookable(model: FieldService, window: Window, now: datetime) -> bool:
    """Whether a window can be booked now: far enough ahead for the customer to still change it,
    and within the horizon."""
    day = window.local_start.date()
    return window.start - model.lead > now and day <= now.astimezone(BUSINESS_TIME).date() + timedelta(
        days=model.horizon_days)


def _plans(region: Region, kind: str, first: date, last: date) -> dict[date, list[Booking]]:
    """The region's day plans of `kind` from `first` to `last`: one Query."""
    found = DayPlan.query(DayPlan.partition(region.code, kind), DayPlan.SK.between(
        DayPlan.sort_key(first.isoformat()), DayPlan.sort_key(last.isoformat())), consistent_read=True)
    return {date.fromisoformat(plan.day): plan.booked() for plan in found}


def _free(model: FieldService, region: Region, kind: str, first: date, days: int, now: datetime,
          after: datetime | None = None) -> list[tuple[date, list[Window]]]:
    last = first + timedelta(days=days - 1)
    plans = _plans(region, kind, first, last)
    return [(day, [w for w in free_windows(model, region, kind, day, plans.get(day, []), after)
                   if _bookable(model, w, now)])
            for day in (first + timedelta(days=n) for n in range(days))]


def available_slots(postcode: str | None, kind: str | None, from_day: str | None) -> dict[str, Any]:
    """The 30-minute windows a visit of `kind` at `postcode` can still be planned in, per day,
    for DAYS_SHOWN days from `from_day` (today when not given)."""
    model, now = field_service(), utcnow()
    if postcode is None:
        raise InvalidInput("postcode: is required", field="postcode", reason="field_required")
    postcode = dutch_postcode(postcode)
    region = _region(model, postcode)
    kind = _kind(model, kind)
    first = _from_day(model, from_day, now.astimezone(BUSINESS_TIME).date())
    days = _free(model, region, kind, first, DAYS_SHOWN, now)
    return {"postcode": postcode, "region": {"code": region.code, "name": region.name}, "kind": kind,
            "window_minutes": int(model.window.total_seconds() // 60), "from": first.isoformat(),
            "days": [{"date": day.isoformat(), "slots": [window_view(w) for w in windows]} for day, windows in days]}


def pickup_points(postcode: str | None) -> dict[str, Any]:
    """The pick-up points a parcel for `postcode` can be left at instead: those of its region."""
    model = field_service()
    if postcode is None:
        raise InvalidInput("postcode: is required", field="postcode", reason="field_required")
    postcode = dutch_postcode(postcode)
    region = _region(model, postcode)
    return {"postcode": postcode, "region": {"code": region.code, "name": region.name},
            "items": [_point_view(p) for p in model.pickup_points_in(region)]}


def _point_view(point: PickupPoint) -> dict[str, Any]:
    return {"id": point.point_id, "name": point.name, "address": point.address, "opening_hours": point.opening_hours}


def _next_free(model: FieldService, region: Region, kind: str, after: Window, now: datetime) -> list[dict[str, Any]]:
    days = _free(model, region, kind, after.local_start.date(), DAYS_SHOWN, now, after.start)
    return [window_view(w) for _, windows in days for w in windows][:NEXT_FREE_SHOWN]


# ---------------------------------------------------------------- a customer's appointments


def _partition(customer_id: str) -> list[Item]:
    items = list(Item.query(customer_key(customer_id)))
    if not any(isinstance(i, Profile) for i in items):
        raise NotFound("no such customer", reason="customer_not_found")
    return items


def _appointments(items: list[Item]) -> list[Appointment]:
    return [i for i in items if isinstance(i, Appointment)]


def own_appointment(customer_id: str, appointment_id: str) -> Appointment:
    """The customer's appointment, or NotFound: another customer's is none of theirs."""
    try:
        return Appointment.get(*Appointment.keys(customer_id, appointment_id))
    except Appointment.DoesNotExist:
        raise NotFound("no such appointment", reason="appointment_not_found") from None


def products_to_plan(items: list[Item]) -> list[dict[str, Any]]:
    """Products the customer holds that wait for the visit or delivery they came with (activated
    before it was done) and have none planned or done: never planned, or cancelled or missed; and
    products an order brings whose visit was cancelled or missed (not on the record until one is
    done). A product held since before appointments were planned here waits for nothing: it was
    connected or delivered long ago."""
    visited = {a.product_id for a in _appointments(items) if a.status not in ENDED_UNDONE}
    held = [p for p in items if isinstance(p, ProductHolding)]
    waiting = [{"product_id": p.product_id, "product_code": p.product_code, "name": p.name, "kind": p.awaiting}
               for p in held if p.status == "ACTIVE" and not p.ends_on and p.awaiting and p.product_id not in visited]
    to_come = {a.product_id for a in _appointments(items) if a.order_id and a.product}
    to_come -= visited | {p.product_id for p in held}
    for product_id in sorted(to_come):
        earlier = _ordered(items, product_id)
        assert earlier is not None
        waiting.append({"product_id": product_id, "product_code": earlier.product["code"],
                        "name": earlier.product["name"], "kind": earlier.kind})
    return waiting


def appointments_of(customer_id: str, *, staff: bool = False) -> dict[str, Any]:
    """Every appointment of the customer, those still to come first (soonest first), then the
    rest (newest first); and the products still waiting for a visit to be planned. One Query."""
    items, now = _partition(customer_id), utcnow()
    mine = _appointments(items)
    coming = sorted((a for a in mine if a.status in COMING and a.end > now), key=lambda a: a.window_start)
    rest = sorted((a for a in mine if a not in coming), key=lambda a: a.window_start, reverse=True)
    return {"items": [appointment_view(a, now, staff=staff) for a in coming + rest],
            "to_plan": products_to_plan(items)}


def _window(model: FieldService, kind: str, raw: str, now: datetime) -> Window:
    """The window a request names by its start (a moment with an offset), or 400 naming `slot`."""
    try:
        start = datetime.fromisoformat(raw.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):  # a moment outside the years a clock can show
        raise InvalidInput(f"slot: {raw} is no moment we can plan", field="slot", reason="field_format") from None
    if start <= now:
        raise InvalidInput(f"slot: {raw} has begun or is past", field="slot", reason="slot_in_the_past")
    if start > now + timedelta(days=model.horizon_days + 1):
        raise InvalidInput(f"slot: {raw} is more than {model.horizon_days} days ahead", field="slot",
                           reason="slot_too_far", limit=model.horizon_days)
    window = window_at(model, kind, start)
    if window is None:
        raise InvalidInput(f"slot: no window of a {kind} starts at {raw}", field="slot", reason="slot_unknown")
    if window.start - model.lead <= now:
        raise InvalidInput(f"slot: {raw} is less than {model.lead} ahead", field="slot", reason="slot_too_soon",
                           hours=int(model.lead.total_seconds() // 3600))
    if not _bookable(model, window, now):
        raise InvalidInput(f"slot: {raw} is more than {model.horizon_days} days ahead", field="slot",
                           reason="slot_too_far", limit=model.horizon_days)
    return window


def _address_on(customer_id: str, day: date, items: list[Item] | None = None) -> dict[str, Any]:
    """The customer's address in force on `day` (a move registered for before it counts)."""
    addresses = [i for i in items if isinstance(i, Address)] if items is not None else list(
        Address.query(customer_key(customer_id), Address.SK.startswith("ADDRESS#")))
    started = sorted((a for a in addresses if a.effective_from <= day.isoformat()), key=lambda a: a.effective_from)
    if not started:
        raise Conflict(f"address: there is no address on record for {day}", field="address",
                       reason="address_missing", day=day.isoformat())
    view = address_view(started[-1])
    return {k: view[k] for k in ("street", "house_number", "house_number_addition", "postcode", "city")}


def _served(model: FieldService, kind: str, window: Window, postcode: str, field: str = "postcode") -> Region:
    region = _region(model, postcode, field)
    if not model.technicians(region, kind, window.local_start.date()):
        raise InvalidInput(f"slot: no {kind} in {region.name} on {window.local_start.date()}", field="slot",
                           reason="slot_unknown")
    return region


def _ordered(items: list[Item], product_id: str) -> Appointment | None:
    """The latest visit an order planned for a product to come (not on the record until a visit of
    it is done), or None."""
    return max((a for a in _appointments(items) if a.product_id == product_id and a.order_id and a.product),
               key=lambda a: a.planned_at, default=None)


def _product_for(items: list[Item], product_id: str, kind: str) -> tuple[ProductHolding | None, Appointment | None]:
    """The product a visit is planned for: the customer's, active, needing this kind of visit, and
    without a visit planned for it already; or a product an order brings whose visit was cancelled
    or missed (then the visit before, whose order and product the new one carries)."""
    holding = next((p for p in items if isinstance(p, ProductHolding) and p.product_id == product_id), None)
    earlier = _ordered(items, product_id) if holding is None else None
    if holding is not None:
        name, needed = holding.name, visit_needed(holding.product_code, holding.catalogue_version)
    elif earlier is not None:
        name, needed = earlier.product["name"], earlier.kind
    else:
        raise NotFound("product_id: no such product of this customer", field="product_id",
                       reason="product_not_found")
    if needed != kind:
        raise InvalidInput(f"kind: {name} needs {needed or 'no visit'}, not a {kind}", field="kind",
                           reason="visit_not_needed", product=name)
    if holding is not None and (holding.status != "ACTIVE" or holding.ends_on):
        raise Conflict(f"product_id: {holding.name} is {holding.status.lower()}", field="product_id",
                       reason="product_not_active", status=holding.status.lower())
    planned = next((a for a in _appointments(items) if a.product_id == product_id and a.status not in ENDED_UNDONE),
                   None)
    if planned is not None:
        raise Conflict(f"product_id: a visit for {name} is planned already ({planned.appointment_id})",
                       field="product_id", reason="appointment_already_planned",
                       appointment_id=planned.appointment_id)
    return holding, earlier


def _delivery_only(kind: str, request: dict[str, Any]) -> None:
    """A visit is at the address in force on its day (a move moves it); only a parcel goes to
    another address, or to a pick-up point: one or the other."""
    for field in ("address", "pickup_point"):
        if field in request and kind != DELIVERY:
            raise InvalidInput(f"{field}: only a delivery goes elsewhere; a visit is at your address on its day",
                               field=field, reason="delivery_only")
    if "address" in request and "pickup_point" in request:
        raise InvalidInput("pickup_point: give an address or a pick-up point, not both", field="pickup_point",
                           reason="address_or_pickup_point")


def _given_address(raw: dict[str, Any]) -> dict[str, Any]:
    """An address a parcel is sent to instead of the customer's own: Dutch, in its standard form."""
    return {"street": raw["street"].strip(), "house_number": raw["house_number"],
            "house_number_addition": raw.get("house_number_addition"),
            "postcode": dutch_postcode(raw["postcode"], "address.postcode"), "city": raw["city"].strip()}


def _pickup(model: FieldService, point_id: str) -> dict[str, Any]:
    point = model.pickup_point(point_id)
    if point is None:
        raise InvalidInput(f"pickup_point: {point_id!r} is no pick-up point of ours", field="pickup_point",
                           reason="pickup_point_unknown")
    return _point_view(point)


def _where(address: dict[str, Any], pickup: dict[str, Any] | None, request: dict[str, Any]) -> tuple[str, str]:
    """The postcode the courier or technician goes to, and the field of the request that named it
    (the customer's own address in force is the `postcode` asked for)."""
    if pickup is not None:
        return pickup["address"]["postcode"], "pickup_point"
    return address["postcode"], "address.postcode" if "address" in request else "postcode"


def _day_plan(region: str, kind: str, day: date) -> DayPlan:
    try:
        return DayPlan.get(*DayPlan.keys(region, kind, day.isoformat()), consistent_read=True)
    except DayPlan.DoesNotExist:
        return DayPlan(*DayPlan.keys(region, kind, day.isoformat()), region=region, kind=kind, day=day.isoformat(),
                       bookings=[])


def _booking(appointment_id: str, kind: str, technician: int, window: Window, model: FieldService) -> dict[str, Any]:
    return {"appointment_id": appointment_id, "kind": kind, "technician": technician,
            "start": isoformat(window.start), "until": isoformat(window.start + model.busy_for(kind))}


def _taken(model: FieldService, region: Region, kind: str, window: Window, now: datetime,
           reason: str = "slot_taken") -> Conflict:
    return Conflict(f"slot: every {kind.replace('_', ' ')} of {region.name} is busy from {isoformat(window.start)}",
                    field="slot", reason=reason, next_free=_next_free(model, region, kind, window, now))


def _committed(plans: Iterable[DayPlan], writes: list[Write], events: list[DomainEvent]) -> bool:
    """Write the day plans with the rest, in one transaction: False when a plan was changed
    meanwhile by another booking (read it again and try again), any other conflict raised."""
    plans = list(plans)
    try:
        commit([*(Write(p, conflict="the day's plan changed meanwhile") for p in plans), *writes], events)
    except WriteConflict as conflict:
        if any(conflict.write.model is p for p in plans):
            return False
        raise
    return True


def _busy() -> Contended:
    """A day's plan changed by other bookings at every one of PLAN_TRIES tries."""
    return Contended("the day's plan is being changed by many bookings right now; send this again",
                     reason="busy_try_again")


def _event(detail_type: str, appointment: Appointment, *, actor: dict, channel: str, **data: Any) -> Any:
    return domain_event(detail_type, customer_id=appointment.customer_id, actor=actor, channel=channel, data={
        "appointment_id": appointment.appointment_id, "kind": appointment.kind, "product_id": appointment.product_id,
        "window": window_view(Window(appointment.start, appointment.end)),
        "postcode": appointment.address["postcode"],
        "pickup_point": {k: appointment.pickup_point[k] for k in ("id", "name")} if appointment.pickup_point else None,
        **data})


def _step(action: str, window: Window, *, actor: dict, channel: str, at: str) -> dict[str, Any]:
    return {"at": at, "action": action, "by": actor, "channel": channel,
            "window": {"start": isoformat(window.start), "end": isoformat(window.end)}}


def _planned_before(customer_id: str, appointment_id: str, request: dict[str, Any],
                    now: datetime) -> dict[str, Any] | None:
    """The appointment a repeated request (the same idempotency key) planned already, or None;
    409 when the key was used to plan another visit."""
    try:
        planned = own_appointment(customer_id, appointment_id)
    except NotFound:
        return None
    try:  # the first window asked for, as a moment (astimezone reads one without an offset as local)
        slot = datetime.fromisoformat(request["slot"].upper().replace("Z", "+00:00")).astimezone(UTC)
        same = slot == datetime.fromisoformat(planned.history[0]["window"]["start"]).astimezone(UTC)
    except (ValueError, OverflowError):
        same = False
    if not same or (planned.kind, planned.product_id) != (request["kind"], request.get("product_id")):
        raise Conflict("key: already used for another appointment", reason="idempotency_key_reused")
    return appointment_view(planned, now)


def plan_appointment(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str,
                     key: str | None = None) -> dict[str, Any]:
    """Plan a visit at the customer's address (in force on the day) in the window starting at
    `slot`, for a product they hold when `product_id` is given. 409 slot_taken, with the next
    free windows, when every technician is busy then. With `key` (the request's idempotency key)
    the appointment's id is derived from it: the same request sent again is the same visit,
    planned once."""
    validate_request("appointment-booking", request)
    model, now = field_service(), utcnow()
    kind = request["kind"]
    appointment_id = f"A-{stable_id('appointment', customer_id, key).replace('-', '')[:12].upper()}" if key \
        else f"A-{uuid.uuid4().hex[:12].upper()}"
    if key and (planned := _planned_before(customer_id, appointment_id, request, now)) is not None:
        return planned
    items = _partition(customer_id)
    _delivery_only(kind, request)
    holding, earlier = _product_for(items, request["product_id"], kind) if request.get("product_id") else (None, None)
    window = _window(model, kind, request["slot"], now)
    address = _given_address(request["address"]) if "address" in request else _address_on(
        customer_id, window.local_start.date(), items)
    pickup = _pickup(model, request["pickup_point"]) if "pickup_point" in request else None
    region = _served(model, kind, window, *_where(address, pickup, request))
    # the product's version taken with the place: of two planning a visit for it at once, one plans it
    along: Callable[[Appointment], tuple[list[Write], list[DomainEvent]]] | None = None if holding is None else (
        lambda _: ([Write(holding, conflict="product_id: a visit for the product was planned meanwhile")], []))
    try:
        appointment = _book(model, Booked(customer_id, appointment_id, kind, window, region, address, pickup,
                                          request.get("product_id"), order_id=earlier.order_id if earlier else None,
                                          product=earlier.product if earlier else None),
                            actor=actor, channel=channel, now=now, along=along)
    except WriteConflict as conflict:
        if key and (planned := _planned_before(customer_id, appointment_id, request, now)) is not None:
            return planned  # the same request, sent twice at the same moment
        if holding is not None and conflict.write.model is holding:  # says which visit was planned first
            _product_for(_partition(customer_id), holding.product_id, kind)
        raise
    return appointment_view(appointment, now)


@dataclass(frozen=True)
class Booked:
    """What a booking takes a place for: whose, which, of what kind, when, where (an address, or a
    pick-up point that takes no courier), for which product, and what brought it."""

    customer_id: str
    appointment_id: str
    kind: str
    window: Window
    region: Region
    address: dict[str, Any]
    pickup: dict[str, Any] | None = None
    product_id: str | None = None
    order_id: str | None = None
    signup_id: str | None = None
    #: a product an order brings, not on the record yet: {"code", "name"}
    product: dict[str, Any] | None = None


def _book(model: FieldService, booked: Booked, *, actor: dict, channel: str, now: datetime,
          along: Callable[[Appointment], tuple[list[Write], list[DomainEvent]]] | None = None) -> Appointment:
    """Take the place and write the appointment, in one transaction with its event and what the
    caller adds (`along`, asked again on every try). The day's plan is the condition: of two taking
    the last place one wins, the other reads the plan again and is told 409 slot_taken with the next
    free windows. A plan changed by a booking of another window is read again and tried again
    (PLAN_TRIES times, then busy_try_again). Any other conflict is raised, nothing written."""
    window, kind, region = booked.window, booked.kind, booked.region
    for _ in range(PLAN_TRIES):
        plans = []
        if booked.pickup is None:  # a parcel for a pick-up point takes no courier of the timed round
            plan = _day_plan(region.code, kind, window.local_start.date())
            technician = technician_for(model, region, kind, window, plan.booked())
            if technician is None:
                raise _taken(model, region, kind, window, now)
            plan.bookings = [*plan.bookings, _booking(booked.appointment_id, kind, technician, window, model)]
            plan.updated_at = isoformat(utcnow())
            plans.append(plan)
        at = isoformat(utcnow())
        appointment = Appointment(
            *Appointment.keys(booked.customer_id, booked.appointment_id), appointment_id=booked.appointment_id,
            customer_id=booked.customer_id, kind=kind, product_id=booked.product_id, order_id=booked.order_id,
            product=booked.product,
            signup_id=booked.signup_id, status="PLANNED", region=region.code, window_start=isoformat(window.start),
            window_end=isoformat(window.end), address=booked.address, pickup_point=booked.pickup, planned_at=at,
            planned_channel=channel, updated_at=at, history=[_step("planned", window, actor=actor, channel=channel,
                                                                   at=at)])
        writes, events = along(appointment) if along else ([], [])
        if _committed(plans, [Write(appointment, Appointment.PK.does_not_exist(),
                                    conflict="the appointment exists already"), *writes],
                      [*events, _event(PLANNED, appointment, actor=actor, channel=channel,
                                       change_until=isoformat(change_deadline(window.start)))]):
            return appointment
    raise _busy()


def _phone(now: datetime) -> dict[str, Any]:
    """The channel that can still change an appointment the customer no longer can: the phone."""
    phone = CHANNELS["phone"]
    is_open, opens = open_at(phone, now)
    return {"channel": "phone", "opening_hours": opening_hours(phone), "open_now": is_open,
            "opens_at": isoformat(opens) if opens else None}


def _require_changeable(appointment: Appointment, now: datetime, *, staff: bool) -> None:
    if appointment.status != "PLANNED":
        raise Conflict(f"status: the appointment is {appointment.status.lower()}", field="status",
                       reason="appointment_not_planned", status=appointment.status.lower())
    if staff and not staff_may_change(appointment.start, now):
        raise Conflict("the appointment's window has begun; the field service reports how it went",
                       reason="appointment_started")
    if not staff and not customer_may_change(appointment.start, now):
        deadline = change_deadline(appointment.start)
        raise Conflict(f"an appointment is changed or cancelled online until 24 hours before its window starts "
                       f"({isoformat(deadline)}); call us and we change it for you", reason="change_too_late",
                       deadline=isoformat(deadline), channels=[_phone(now)])


def _reread(appointment: Appointment) -> Appointment:
    return Appointment.get(appointment.PK, appointment.SK, consistent_read=True)


def change_appointment(appointment: Appointment, request: dict[str, Any], *, actor: dict, channel: str,
                       staff: bool = False) -> dict[str, Any]:
    """Move a planned visit to another window, and a delivery also to another address or a pick-up
    point: the customer until 24 hours before the current window starts, staff until it starts.
    Its place in the old window is given back in the same transaction that takes the new one. A
    delivery sent elsewhere keeps its window where a courier of the new address is free then;
    otherwise 409 slot_taken offers the next free windows there, and nothing changes."""
    validate_request("appointment-change", request)
    model, now = field_service(), utcnow()
    for _ in range(PLAN_TRIES):
        current = _reread(appointment)
        require_version(request["version"], int(current.version), "appointment")
        _require_changeable(current, now, staff=staff)
        _delivery_only(current.kind, request)
        before = Window(current.start, current.end)
        window = _window(model, current.kind, request["slot"], now) if "slot" in request else before
        pickup = (_pickup(model, request["pickup_point"]) if "pickup_point" in request
                  else None if "address" in request else current.pickup_point)
        if current.kind == DELIVERY:
            address = _given_address(request["address"]) if "address" in request else current.address
        else:
            address = _address_on(current.customer_id, window.local_start.date())
        if (window.start, address, pickup) == (before.start, current.address, current.pickup_point):
            field = "slot" if "slot" in request else "address" if "address" in request else "pickup_point"
            raise InvalidInput(f"{field}: the appointment is so already", field=field, reason="slot_is_current")
        region = _served(model, current.kind, window, *_where(address, pickup, request))
        plans: dict[tuple[str, date], DayPlan] = {}
        if current.pickup_point is None:  # its technician's or courier's place is given back
            old = _day_plan(current.region, current.kind, before.local_start.date())
            old.bookings = [b for b in old.bookings if b["appointment_id"] != current.appointment_id]
            plans[(old.region, before.local_start.date())] = old
        if pickup is None:
            day = window.local_start.date()
            new = plans.get((region.code, day)) or _day_plan(region.code, current.kind, day)
            plans[(region.code, day)] = new
            technician = technician_for(model, region, current.kind, window, new.booked())
            if technician is None:  # sent elsewhere in its own window: the windows free there instead
                raise _taken(model, region, current.kind, window, now,
                             "slot_taken" if "slot" in request else "window_full_at_address")
            new.bookings = [*new.bookings, _booking(current.appointment_id, current.kind, technician, window, model)]
        at = isoformat(utcnow())
        for plan in plans.values():
            plan.updated_at = at
        current.window_start, current.window_end = isoformat(window.start), isoformat(window.end)
        current.region, current.address, current.pickup_point, current.updated_at = region.code, address, pickup, at
        current.history = [*current.history, _step("changed", window, actor=actor, channel=channel, at=at)]
        event = _event(CHANGED, current, actor=actor, channel=channel, previous_window=window_view(before),
                       change_until=isoformat(change_deadline(window.start)))
        if _committed(plans.values(), [Write(current, conflict="version: the appointment changed meanwhile; read it "
                                                              "again")], [event]):
            return appointment_view(current, now, staff=staff)
    raise _busy()


def _cancelling(current: Appointment, plans: dict[tuple[str, str, str], DayPlan], at: str) -> None:
    """Give a visit's place in its day plan back (read into `plans`, by region, kind and day, once)."""
    if current.pickup_point is not None:  # a parcel for a pick-up point holds no place to give back
        return
    day = Window(current.start, current.end).local_start.date()
    key = (current.region, current.kind, day.isoformat())
    plan = plans.get(key) or _day_plan(current.region, current.kind, day)
    plan.bookings = [b for b in plan.bookings if b["appointment_id"] != current.appointment_id]
    plan.updated_at = at
    plans[key] = plan


def _cancel_step(current: Appointment, *, actor: dict, channel: str, at: str) -> DomainEvent:
    """The visit cancelled: its status and history, and the event that says so."""
    window = Window(current.start, current.end)
    current.status, current.updated_at = "CANCELLED", at
    current.history = [*current.history, _step("cancelled", window, actor=actor, channel=channel, at=at)]
    return _event(CANCELLED, current, actor=actor, channel=channel)


def cancel_appointment(appointment: Appointment, *, actor: dict, channel: str, staff: bool = False) -> dict[str, Any]:
    """Cancel a planned visit (the customer until 24 hours before, staff until it starts): its
    place in the day's plan is free again at once."""
    now = utcnow()
    for _ in range(PLAN_TRIES):
        current = _reread(appointment)
        _require_changeable(current, now, staff=staff)
        at = isoformat(utcnow())
        plans: dict[tuple[str, str, str], DayPlan] = {}
        _cancelling(current, plans, at)
        event = _cancel_step(current, actor=actor, channel=channel, at=at)
        if _committed(plans.values(), [Write(current, conflict="the appointment changed meanwhile; read it again")],
                      [event]):
            return appointment_view(current, now, staff=staff)
    raise _busy()


# ---------------------------------------------------------------- a visit that comes with an order


def _customer_address(customer_id: str) -> Callable[[date], tuple[dict[str, Any], str]]:
    """Where a customer's visit is: their address in force on its day (the `postcode` asked for)."""
    return lambda day: (_address_on(customer_id, day), "postcode")


def _given(address: dict[str, Any], field: str) -> Callable[[date], tuple[dict[str, Any], str]]:
    """Where the visit of someone not yet a customer is: the address they gave, named by `field`."""
    where = {k: address.get(k) for k in ("street", "house_number", "house_number_addition", "city")}
    where["postcode"] = dutch_postcode(address["postcode"], field)
    return lambda _day: (where, field)


def _chosen(model: FieldService, kind: str, raw: str, now: datetime,
            where: Callable[[date], tuple[dict[str, Any], str]]) -> tuple[Window, dict[str, Any], Region]:
    """The window chosen for a visit of `kind` (or a delivery) at the address `where` gives for its
    day, validated as plan_appointment validates one: 400 naming `slot`, or the address."""
    window = _window(model, kind, raw, now)
    address, field = where(window.local_start.date())
    return window, address, _served(model, kind, window, address["postcode"], field)


def _free_at(kind: str, slot: str, where: Callable[[date], tuple[dict[str, Any], str]]) -> dict[str, Any]:
    model, now = field_service(), utcnow()
    kind = _kind(model, kind)
    window, _, region = _chosen(model, kind, slot, now, where)
    plan = _day_plan(region.code, kind, window.local_start.date())
    if technician_for(model, region, kind, window, plan.booked()) is None:
        raise _taken(model, region, kind, window, now)
    return window_view(window)


def window_free(customer_id: str, kind: str, slot: str) -> dict[str, Any]:
    """The window starting at `slot` as read, when a visit of `kind` can be planned in it at the
    customer's address now; else the same refusals as plan_appointment (409 slot_taken with the
    next free windows). Nothing is booked: an order books it when it is signed."""
    return _free_at(kind, slot, _customer_address(customer_id))


def window_free_at(address: dict[str, Any], kind: str, slot: str, *, field: str = "postcode") -> dict[str, Any]:
    """As window_free, at an address given rather than a customer's on record (an applicant, not a
    customer yet); `field` names its postcode in the refusals. Nothing is booked: a sign-up books it
    when it is signed."""
    return _free_at(kind, slot, _given(address, field))


def plan_with(customer_id: str, kind: str, slot: str, *, product_id: str, actor: dict, channel: str,
              product: dict[str, Any] | None = None,
              along: Callable[[Appointment], tuple[list[Write], list[DomainEvent]]], order_id: str | None = None,
              signup_id: str | None = None, address: dict[str, Any] | None = None,
              address_field: str = "postcode") -> dict[str, Any]:
    """Plan the visit an order (`order_id`) or a sign-up (`signup_id`) brings, in one transaction
    with the caller's writes and events (`along`, given the appointment to write and asked again on
    every try): the appointment names the product to come and what brought it. It is at the
    customer's address in force on its day, or at `address` where given (a sign-up's: the customer
    is made in the same transaction). Its id derives from the order or the sign-up: booked once.
    Of two taking the last place, one wins; the other is told 409 slot_taken with the next free
    windows, and nothing of either is written. A conflict of the caller's writes is raised."""
    model, now = field_service(), utcnow()
    kind = _kind(model, kind)
    where = _customer_address(customer_id) if address is None else _given(address, address_field)
    window, address, region = _chosen(model, kind, slot, now, where)
    brought_by = ("order", order_id) if order_id is not None else ("signup", signup_id or "")
    appointment_id = f"A-{stable_id('appointment', *brought_by).replace('-', '')[:12].upper()}"
    booked = Booked(customer_id, appointment_id, kind, window, region, address, product_id=product_id,
                    order_id=order_id, signup_id=signup_id, product=product)
    return appointment_view(_book(model, booked, actor=actor, channel=channel, now=now, along=along), now)


def coming_for(customer_id: str, product_id: str) -> list[Appointment]:
    """The product's visits (or deliveries) still to come: those a product ended early gives back."""
    return [a for a in Appointment.query(customer_key(customer_id), Appointment.SK.startswith(Appointment.SK_PREFIX),
                                         consistent_read=True)
            if isinstance(a, Appointment) and a.product_id == product_id and a.status in COMING]


def cancel_with(appointments: list[Appointment], *, actor: dict, channel: str,
                along: Callable[[], tuple[list[Write], list[DomainEvent]]]) -> None:
    """Cancel `appointments` whatever the 24-hour rule (what they were planned for is undone), their
    places in the day plans given back, in one transaction with the caller's writes and events
    (`along`, asked again on every try). A plan changed meanwhile by a booking is read again."""
    for _ in range(PLAN_TRIES):
        at = isoformat(utcnow())
        plans: dict[tuple[str, str, str], DayPlan] = {}
        cancelled, events = [], []
        for appointment in appointments:
            current = _reread(appointment)
            if current.status not in COMING:
                continue  # ended meanwhile (cancelled by the customer, reported done)
            _cancelling(current, plans, at)
            cancelled.append(current)
            events.append(_cancel_step(current, actor=actor, channel=channel, at=at))
        writes, theirs = along()
        if _committed(plans.values(), [*(Write(a, conflict="the appointment changed meanwhile") for a in cancelled),
                                       *writes], [*theirs, *events]):
            return
    raise _busy()
