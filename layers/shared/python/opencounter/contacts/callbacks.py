"""Planned call-backs: the customer books a call from us in a time slot of the coming days (also
when the phone is closed now), within the phone's service hours; slots of SLOT_MINUTES with room
for CAPACITY call-backs each. The booking is a phone contact, in the agents' queue from its
slot's start (the queue is read up to now: ADR 35); moved or cancelled by the customer until then;
found missed (not called within its slot and GRACE after) by the watch, which tells the customer
and puts it before staff as the next best action. No HTTP here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from opencounter.channels import status as channels
from opencounter.contacts import faq
from opencounter.contacts.records import (
    CALLBACK_SLOTS,
    CALLBACK_SLOTS_KEPT,
    QUEUE,
    CallbackPlan,
    CallbackSlot,
    Contact,
)
from opencounter.contacts.service import own_phone
from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.retention import moment
from opencounter.core.table import Item
from opencounter.core.validation import validate_request

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
#: call-backs planned in one slot at most: the share of the phone team's time kept for them
CAPACITY = 2
#: how far ahead a call-back can be planned (days, today counted)
HORIZON_DAYS = 7
#: a slot starts at least this long after it is booked (someone must see it coming)
LEAD = timedelta(minutes=15)
#: call-backs still to come one customer can have planned at once: the slots are for everyone
PER_CUSTOMER = 2
#: times a booking reads the customer's plan again when another booking changed it meanwhile
PLAN_ATTEMPTS = 3
#: past its slot's end plus this, a call-back nobody made is missed
GRACE = timedelta(minutes=15)
PHONE = channels.CHANNELS["phone"]
WATCH = {"type": "system", "id": "callbacks"}


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BUSINESS_TIME)


def _starts(day: date) -> list[datetime]:
    """Every slot's start on a day, within the phone's service hours (none on a day it is closed)."""
    hours = PHONE.hours.get(day.weekday())
    if not hours:
        return []
    start, end = datetime.combine(day, hours[0], BUSINESS_TIME), datetime.combine(day, hours[1], BUSINESS_TIME)
    found = []
    while start + SLOT <= end:
        found.append(start)
        start += SLOT
    return found


def _window(start: datetime) -> dict[str, str]:
    local = _local(start)
    return {"start": isoformat(start), "end": isoformat(start + SLOT), "date": local.date().isoformat(),
            "from": local.strftime("%H:%M"), "until": _local(start + SLOT).strftime("%H:%M")}


def _booked(first: datetime, last: datetime) -> dict[str, int]:
    """How many call-backs each slot from `first` to `last` holds (one Query of the counts)."""
    return {c.SK: int(c.booked) for c in CallbackSlot.query(
        CALLBACK_SLOTS, CallbackSlot.SK.between(isoformat(first), isoformat(last))) if isinstance(c, CallbackSlot)}


def _offered(now: datetime) -> list[datetime]:
    today = _local(now).date()
    starts = [s for n in range(HORIZON_DAYS) for s in _starts(today + timedelta(days=n))]
    return [s for s in starts if s >= now + LEAD]


def callback_slots(now: datetime | None = None) -> dict[str, Any]:
    """The slots a call-back can be booked in, per day, each with the places left: the coming
    HORIZON_DAYS days within the phone's service hours, from LEAD ahead."""
    now = now or utcnow()
    starts = _offered(now)
    booked = _booked(starts[0], starts[-1]) if starts else {}
    days: dict[str, list[dict[str, Any]]] = {}
    for start in starts:
        free = CAPACITY - booked.get(isoformat(start), 0)
        if free > 0:
            days.setdefault(_local(start).date().isoformat(), []).append({**_window(start), "free": free})
    return {"slot_minutes": SLOT_MINUTES, "capacity": CAPACITY,
            "days": [{"date": day, "slots": slots} for day, slots in days.items()]}


def _next_free(now: datetime, limit: int = 3) -> list[dict[str, Any]]:
    return [s for d in callback_slots(now)["days"] for s in d["slots"]][:limit]


def _slot_asked(raw: str, now: datetime) -> datetime:
    """The slot asked for, checked: on the grid of the phone's hours, not begun (and LEAD ahead),
    within the horizon; else 400 naming `slot`."""
    try:  # (what a caller sends: a day alone is no moment here)
        start = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("slot: not a moment", field="slot", reason="field_format") from None
    if start.tzinfo is None:
        raise InvalidInput("slot: give the moment with its offset", field="slot", reason="field_format")
    if start < now + LEAD:
        raise InvalidInput(f"slot: {raw} has begun or is less than {int(LEAD.total_seconds() // 60)} minutes "
                           "ahead; choose a later one", field="slot", reason="callback_slot_past")
    if _local(start).date() >= _local(now).date() + timedelta(days=HORIZON_DAYS):
        raise InvalidInput(f"slot: {raw} is more than {HORIZON_DAYS} days ahead", field="slot",
                           reason="callback_slot_too_far", limit=HORIZON_DAYS)
    if start not in _starts(_local(start).date()):
        raise InvalidInput(f"slot: {raw} is no call-back slot; choose one of those offered", field="slot",
                           reason="callback_slot_unknown")
    return start


def _take(start: datetime) -> Write:
    """One place more in the slot, refused (the write's condition) when it is full."""
    slot = CallbackSlot(*CallbackSlot.keys(isoformat(start)))
    return Write(slot, (CallbackSlot.booked < CAPACITY) | CallbackSlot.booked.does_not_exist(),
                 conflict="the slot is full", actions=[
                     Item.entity.set(CallbackSlot), CallbackSlot.start.set(isoformat(start)),
                     CallbackSlot.booked.add(1), Item.expires_at.set(start + CALLBACK_SLOTS_KEPT)])


def _give_back(start: str) -> Write:
    return Write(CallbackSlot(*CallbackSlot.keys(start)), actions=[CallbackSlot.booked.add(-1)])


def _full(start: datetime, now: datetime) -> Conflict:
    return Conflict(f"slot: {isoformat(start)} is full; choose another", field="slot", reason="callback_slot_full",
                    next_free=_next_free(now))


def _event(detail_type: str, contact: Contact, actor: dict, channel: str, **data: Any) -> DomainEvent:
    planned = contact.planned or {}
    return domain_event(detail_type, customer_id=contact.customer_id, actor=actor, channel=channel, data={
        "contact_id": contact.contact_id, "window": _window(moment(planned["start"])), **data})


def planned_view(contact: Contact, now: datetime, *, staff: bool = False) -> dict[str, Any]:
    """A planned call-back as the customer and staff see it among the planned contacts."""
    planned = contact.planned or {}
    start = moment(planned["start"])
    return {"kind": "callback", "contact_id": contact.contact_id, "status": contact.status.lower(),
            "subject": contact.subject, "callback_to": contact.callback_to, "window": _window(start),
            "missed": contact.missed_at is not None, "changeable": contact.status == "QUEUED" and now < start,
            **({"customer_id": contact.customer_id} if staff else {})}


def planned_callbacks(items: Iterable[Item], now: datetime, *, staff: bool = False) -> list[dict[str, Any]]:
    """The call-backs still to be made among a partition's items, soonest first."""
    found = [i for i in items if isinstance(i, Contact) and i.planned and i.status == "QUEUED"]
    return [planned_view(c, now, staff=staff) for c in sorted(found, key=lambda c: c.planned["start"])]


def _plan(customer_id: str) -> CallbackPlan:
    try:
        return CallbackPlan.get(*CallbackPlan.keys(customer_id), consistent_read=True)
    except CallbackPlan.DoesNotExist:
        return CallbackPlan(*CallbackPlan.keys(customer_id))


def _plan_write(plan: CallbackPlan) -> Write:
    return Write(plan, conflict="the customer's planned call-backs changed meanwhile")


def _keyed_id(customer_id: str, key: str, start: datetime) -> str:
    """A call-back's id derived from the customer's Idempotency-Key, so the booking sent again is
    the same contact; it starts with the slot's time (contacts sort by time) and the slot is part
    of what it is derived from."""
    return f"{start.astimezone(UTC):%Y%m%dT%H%M%S}-{stable_id('callback', customer_id, key, isoformat(start))[:8]}"


def _same_booking(customer_id: str, contact_id: str, subject: str, now: datetime) -> dict[str, Any] | None:
    """The call-back booked earlier with the same Idempotency-Key, if any, as it is now (moved
    since, its slot now); 409 when the key was used for another one."""
    try:
        earlier = Contact.get(*Contact.keys(customer_id, contact_id), consistent_read=True)
    except Contact.DoesNotExist:
        return None
    if not earlier.planned or earlier.messages[0]["text"] != subject:
        raise Conflict("Idempotency-Key: used for another call-back", field="Idempotency-Key",
                       reason="idempotency_key_reused")
    return planned_view(earlier, now)


def book_callback(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str,
                  key: str | None = None) -> dict[str, Any]:
    """Book a call from us in a slot: a phone contact to call `callback_to` (else the customer's
    own number), in the queue from the slot's start. With an Idempotency-Key the same key is the
    same call-back: sent again (or twice at once), the one booked the first time. 409
    callback_slot_full, with the next free slots, when it filled meanwhile; 409 callback_limit when
    the customer has PER_CUSTOMER call-backs to come already (their plan, written in the same
    transaction with its version the condition, keeps two bookings at once from both passing)."""
    validate_request("callback-booking", request)
    now = utcnow()
    start = _slot_asked(request["slot"], now)
    subject = request["subject"].strip()
    contact_id = _keyed_id(customer_id, key, start) if key else Contact.new_id(now)
    if key and (earlier := _same_booking(customer_id, contact_id, subject, now)):
        return earlier
    number = request.get("callback_to") or own_phone(customer_id)
    reason, _ = faq.matching(subject, "nl")
    for _ in range(PLAN_ATTEMPTS):
        plan = _plan(customer_id)
        coming = {c: s for c, s in plan.coming.items() if s > isoformat(now)}
        if len(coming) >= PER_CUSTOMER:
            raise Conflict(f"slot: {PER_CUSTOMER} call-backs are planned already; move or cancel one first",
                           field="slot", reason="callback_limit", limit=PER_CUSTOMER)
        plan.coming = coming
        plan.hold(contact_id, isoformat(start))
        contact = Contact(*Contact.keys(customer_id, contact_id), contact_id=contact_id, customer_id=customer_id,
                          channel="phone", subject=subject[:120], reason=reason, status="QUEUED",
                          started_at=isoformat(now), queued_at=isoformat(start), callback_to=number,
                          planned={"start": isoformat(start), "end": isoformat(start + SLOT)},
                          messages=[{"at": isoformat(now), "from": "customer", "channel": channel, "text": subject}])
        contact.queue()
        try:
            commit([Write(contact, Contact.PK.does_not_exist()), _take(start), _plan_write(plan)],
                   [_event("CallbackBooked", contact, actor, channel, subject=contact.subject)])
        except WriteConflict as conflict:
            if key and (earlier := _same_booking(customer_id, contact_id, subject, now)):
                return earlier  # the same booking, sent twice at once: the twin's answer
            if isinstance(conflict.write.model, CallbackSlot):
                raise _full(start, now) from None
            if not isinstance(conflict.write.model, CallbackPlan):
                raise
            continue  # another booking of the customer's at this moment: count again
        return planned_view(contact, now)
    raise Conflict("the customer's planned call-backs kept changing; try again", reason="busy_try_again")


def customer_callback(customer_id: str, contact_id: str) -> Contact:
    """The customer's own planned call-back, asked before anything of the request is read."""
    try:
        contact = Contact.get(*Contact.keys(customer_id, contact_id), consistent_read=True)
    except Contact.DoesNotExist:
        raise NotFound("no such contact", reason="contact_not_found") from None
    if not contact.planned:
        raise NotFound("no such planned call-back", reason="contact_not_found")
    return contact


def _require_changeable(contact: Contact, now: datetime) -> None:
    if contact.status != "QUEUED":
        raise Conflict(f"status: the call-back is {contact.status.lower()}", field="status",
                       reason="callback_not_planned", status=contact.status.lower())
    if now >= moment(contact.planned["start"]):
        raise Conflict("slot: the call-back's slot has begun; it can no longer be moved or cancelled", field="slot",
                       reason="callback_too_late")


def _replanned(contact: Contact, start: str | None) -> list[Write]:
    """The customer's plan with the call-back at its new slot (None: cancelled), to write with it."""
    plan = _plan(contact.customer_id)
    if contact.contact_id not in plan.coming:
        return []
    if start:
        plan.hold(contact.contact_id, start)
    else:
        plan.let_go(contact.contact_id)
    return [_plan_write(plan)]


def move_callback(contact: Contact, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """Another slot for a call-back not begun yet: the old slot's place given back and the new one
    taken in one transaction with the contact (its version the condition)."""
    validate_request("callback-move", request)
    now = utcnow()
    _require_changeable(contact, now)
    start = _slot_asked(request["slot"], now)
    old = contact.planned["start"]
    if old == isoformat(start):
        return planned_view(contact, now)
    contact.planned = {"start": isoformat(start), "end": isoformat(start + SLOT)}
    contact.queued_at, contact.missed_at = isoformat(start), None
    contact.queue()
    try:
        commit([Write(contact, conflict="the call-back changed meanwhile; read it again"), _give_back(old),
                _take(start), *_replanned(contact, isoformat(start))],
               [_event("CallbackMoved", contact, actor, channel, previous=_window(moment(old)))])
    except WriteConflict as conflict:
        if isinstance(conflict.write.model, CallbackSlot):
            raise _full(start, now) from None
        raise
    return planned_view(contact, now)


def cancel_callback(contact: Contact, *, actor: dict, channel: str) -> dict[str, Any]:
    """The customer needs no call after all: out of the queue, its place given back; cancelled
    again, the same answer."""
    now = utcnow()
    if contact.status == "CANCELLED":
        return planned_view(contact, now)
    _require_changeable(contact, now)
    contact.status, contact.resolved_at, contact.solution = "CANCELLED", isoformat(now), "call-back cancelled"
    contact.unqueue()
    commit([Write(contact, conflict="the call-back changed meanwhile; read it again"),
            _give_back(contact.planned["start"]), *_replanned(contact, None)],
           [_event("CallbackCancelled", contact, actor, channel)])
    return planned_view(contact, now)


def cancel_for_erasure(items: Iterable[Item]) -> int:
    """The call-backs still to be made among an erased customer's items: each cancelled and out of
    the queue, and the place of one whose slot is still to come given back, in one transaction with
    the contact (its version the condition), so a step run again gives nothing back twice. Nobody
    is told: the erasure's own mail is the last. How many places were given back."""
    now, given = utcnow(), 0
    for contact in (i for i in items if isinstance(i, Contact) and i.planned and i.status == "QUEUED"):
        start = contact.planned["start"]
        contact.status, contact.resolved_at, contact.solution = "CANCELLED", isoformat(now), "customer erased"
        contact.unqueue()
        to_come = now < moment(start)
        commit([Write(contact, conflict="the call-back changed meanwhile"),
                *([_give_back(start)] if to_come else [])], [])
        given += to_come
    return given


def watch_missed(now: datetime | None = None) -> dict[str, int]:
    """Every few minutes: the planned call-backs still waiting after their slot and GRACE are
    missed; each is marked once (its version the condition) with CallbackMissed, which tells the
    customer. It stays in the queue: staff still call, first (it has waited longest)."""
    now = now or utcnow()
    before = f"{isoformat(now - SLOT - GRACE)}~"
    missed = 0
    for contact in Contact.lookup.query(QUEUE, Contact.GSI1SK < before):
        if not isinstance(contact, Contact) or not contact.planned or contact.missed_at is not None:
            continue
        if moment(contact.planned["end"]) + GRACE > now:
            continue
        contact.missed_at = isoformat(now)
        try:
            commit([Write(contact, conflict="the call-back changed meanwhile")],
                   [_event("CallbackMissed", contact, WATCH, "system")])
        except WriteConflict:
            continue  # taken or moved at this moment: no longer missed, or marked by a twin run
        missed += 1
    return {"missed": missed}


def missed_callbacks(items: Iterable[Item]) -> list[Contact]:
    """The planned call-backs of a partition we missed and have not made yet."""
    return [i for i in items if isinstance(i, Contact) and i.planned and i.missed_at and i.status == "QUEUED"]
