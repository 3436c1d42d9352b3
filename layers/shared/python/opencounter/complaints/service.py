"""A complaint, handled as the complaints procedure promises: acknowledged at once with the day it
will be answered by (TERM_DAYS working days: no weekends, no public holidays), extendable once
with notice, handled by a staff member who keeps notes (for the customer to read, or internal),
answered, and closed by the customer (satisfied), by staff, or once the customer let the time to
reopen it pass. A complaint whose term passes unanswered is escalated to the complaints lead's
queue, once. Every change is an event on the customer's timeline; what staff and the escalation
do is told to the customer (the bus's StatusChanged rule). Plain data in and out; no HTTP here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from opencounter.billing.records import Invoice
from opencounter.complaints.records import (
    ANSWERED,
    ESCALATED,
    OPEN,
    WAITING,
    Complaint,
    new_complaint_id,
)
from opencounter.contacts.records import Contact
from opencounter.core.clock import BUSINESS_TIME, WORKING_DAY_ENDS, add_working_days, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.retention import moment
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import ProductHolding

#: working days a complaint is answered within, and the once it can be extended by
TERM_DAYS = 10
EXTENSION_DAYS = 10
#: how long after the answer the customer may reopen it (not satisfied); then it closes
REOPEN_PERIOD = timedelta(days=14)
#: what staff are to the customer: their role, never their name
HANDLER_ROLE, LEAD_ROLE = "complaints_officer", "complaints_lead"
#: complaints a queue read shows at most
QUEUE_PAGE = 100
#: what a reference names, and the kind of item it must be in the customer's record
REFERENCES: dict[str, tuple[type[Item], Any]] = {
    "invoice": (Invoice, Invoice.keys), "product": (ProductHolding, ProductHolding.keys),
    "contact": (Contact, Contact.keys)}


def term_end(day: date) -> str:
    """The moment a term ending on `day` passes: the end of that working day (17:00 Amsterdam)."""
    return isoformat(datetime.combine(day, WORKING_DAY_ENDS, BUSINESS_TIME))


def _today(now: datetime) -> date:
    return now.astimezone(BUSINESS_TIME).date()


# ------------------------------------------------------------------ views


def complaint_view(complaint: Complaint, *, staff: bool) -> dict[str, Any]:
    """A complaint as the customer sees it (the notes for them, staff by their role), or as staff
    do (every note, who wrote it, who handles it)."""
    now = isoformat(utcnow())
    view: dict[str, Any] = {
        "complaint_id": complaint.complaint_id, "customer_id": complaint.customer_id, "about": complaint.about,
        "text": complaint.text, "reference": complaint.reference, "status": complaint.status.lower(),
        "channel": complaint.channel, "filed_by": complaint.filed_by, "filed_at": complaint.filed_at,
        "deadline_on": complaint.deadline_on, "extended": bool(complaint.extended),
        "extension_reason": complaint.extension_reason,
        "overdue": complaint.status in WAITING and now > complaint.deadline_at,
        "escalated": complaint.escalated_at is not None,
        "handler_role": complaint.handler_role, "answer": complaint.answer, "answered_at": complaint.answered_at,
        "reopen_until": complaint.reopen_until if complaint.status == "ANSWERED" else None,
        "closed_at": complaint.closed_at, "updated_at": complaint.updated_at, "version": int(complaint.version),
        "notes": [{k: n[k] for k in ("at", "text", *(("by", "for_customer") if staff else ()))}
                  | ({} if staff else {"by": "customer" if n["by"] == "customer" else "staff"})
                  for n in complaint.notes if staff or n["for_customer"]]}
    if staff:
        view |= {"handler": complaint.handler, "escalated_at": complaint.escalated_at,
                 "closed_by": complaint.closed_by}
    return view


def list_complaints(customer_id: str) -> dict[str, Any]:
    items = Complaint.query(customer_key(customer_id), Complaint.SK.startswith(Complaint.SK_PREFIX))
    return {"items": [complaint_view(c, staff=False)
                      for c in sorted(items, key=lambda c: c.filed_at, reverse=True)]}


def load_complaint(customer_id: str, complaint_id: str, *, consistent: bool = False) -> Complaint:
    """The customer's complaint; another customer's is not found (404), as one that does not exist."""
    try:
        return Complaint.get(*Complaint.keys(customer_id, complaint_id), consistent_read=consistent)
    except Complaint.DoesNotExist:
        raise NotFound("no such complaint", reason="complaint_not_found") from None


# ------------------------------------------------------------------ filing


def _reference(customer_id: str, reference: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the complaint is about, checked to be in the customer's own record (400 otherwise)."""
    if reference is None:
        return None
    kind, keys = REFERENCES[reference["kind"]]
    try:
        kind.get(*keys(customer_id, reference["id"]))
    except kind.DoesNotExist:
        raise InvalidInput(f"reference: no {reference['kind']} {reference['id']} of yours", field="reference",
                           reason="complaint_reference_unknown") from None
    return {"kind": reference["kind"], "id": reference["id"]}


#: what of staff's words an event carries (the notice quotes it; the portal shows it whole)
EXCERPT = 500


def _excerpt(text: str) -> str:
    """`text`, or its first EXCERPT characters cut at a word, with an ellipsis."""
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rsplit(" ", 1)[0] + "…"


def _event(detail_type: str, complaint: Complaint, actor: dict, channel: str, **data: Any) -> DomainEvent:
    return domain_event(detail_type, customer_id=complaint.customer_id, actor=actor, channel=channel,
                        data={"complaint_id": complaint.complaint_id, "about": complaint.about,
                              "status": complaint.status.lower(), "deadline_on": complaint.deadline_on, **data})


def file_complaint(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str,
                   key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A new complaint, acknowledged at once (ComplaintFiled: the customer is told its number and
    the day it will be answered by). With an Idempotency-Key the same key is the same complaint:
    sent again, the complaint filed the first time. Returns the complaint and whether it is new."""
    validate_request("complaint-filing", request)
    reference = _reference(customer_id, request.get("reference"))
    now = utcnow()
    complaint_id = new_complaint_id(customer_id, key) if key else new_complaint_id()
    deadline = add_working_days(_today(now), TERM_DAYS)
    complaint = Complaint(
        *Complaint.keys(customer_id, complaint_id), complaint_id=complaint_id, customer_id=customer_id,
        about=request["about"], text=request["text"].strip(), reference=reference, status="RECEIVED",
        channel=channel, filed_by="customer" if actor["type"] == "customer" else "staff", filed_at=isoformat(now),
        deadline_on=deadline.isoformat(), deadline_at=term_end(deadline), notes=[], updated_at=isoformat(now))
    complaint.queue()
    try:
        commit([Write(complaint, Complaint.PK.does_not_exist(), conflict="filed already")],
               [_event("ComplaintFiled", complaint, actor, channel)])
    except WriteConflict:
        earlier = load_complaint(customer_id, complaint_id, consistent=True)
        if (earlier.about, earlier.text, earlier.reference) != (complaint.about, complaint.text, complaint.reference):
            raise Conflict("Idempotency-Key: used for another complaint", field="Idempotency-Key",
                           reason="idempotency_key_reused") from None
        return complaint_view(earlier, staff=actor["type"] == "agent"), False
    return complaint_view(complaint, staff=actor["type"] == "agent"), True


# ------------------------------------------------------------------ handling


def _role(complaint: Complaint) -> str:
    """Who handles the complaint, as the customer is told: the complaints lead once it is escalated."""
    return LEAD_ROLE if complaint.escalated_at else HANDLER_ROLE


def _current(customer_id: str, complaint_id: str, version: int) -> Complaint:
    complaint = load_complaint(customer_id, complaint_id, consistent=True)
    if int(complaint.version) != version:
        raise Conflict(f"version: the complaint is at version {int(complaint.version)}, not {version}; read it again",
                       field="version", reason="complaint_changed")
    return complaint


def _save(complaint: Complaint, events: list[DomainEvent]) -> None:
    complaint.updated_at = isoformat(utcnow())
    complaint.queue()
    commit([Write(complaint, conflict="version: the complaint changed meanwhile; read it again")], events)


def _waiting(complaint: Complaint, what: str) -> None:
    if complaint.status not in WAITING:
        raise Conflict(f"status: the complaint is {complaint.status.lower()}; it cannot be {what}", field="status",
                       reason="complaint_not_open", status=complaint.status.lower())


def assign(customer_id: str, complaint_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """A staff member takes the complaint (or gives it to a colleague, `handler`): it is in
    progress, and the customer is told who handles it by role."""
    validate_request("complaint-handler", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    _waiting(complaint, "taken")
    complaint.handler = request.get("handler") or agent["id"]
    complaint.handler_role = _role(complaint)
    if complaint.status == "RECEIVED":
        complaint.status = "IN_PROGRESS"
    _save(complaint, [_event("ComplaintUpdated", complaint, agent, "agent", change="taken")])
    return complaint_view(complaint, staff=True)


def add_note(customer_id: str, complaint_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """A note on the complaint: for the customer (a follow-up they read, and are told of) or
    internal (staff only: no event, nothing on the customer's timeline)."""
    validate_request("complaint-note", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    if complaint.status == "CLOSED":
        raise Conflict("status: the complaint is closed", field="status", reason="complaint_not_open",
                       status="closed")
    text, for_customer = request["text"].strip(), bool(request["for_customer"])
    complaint.notes = [*complaint.notes, {"at": isoformat(utcnow()), "by": agent["id"], "text": text,
                                          "for_customer": for_customer}]
    if complaint.status == "RECEIVED":
        complaint.status, complaint.handler = "IN_PROGRESS", complaint.handler or agent["id"]
        complaint.handler_role = complaint.handler_role or _role(complaint)
    events = [_event("ComplaintUpdated", complaint, agent, "agent", change="follow_up", text=_excerpt(text))] \
        if for_customer else []
    _save(complaint, events)
    return complaint_view(complaint, staff=True)


def extend(customer_id: str, complaint_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """The term extended once, by EXTENSION_DAYS working days, with the reason told to the customer
    before it passes (an extension after the term is no notice: 409)."""
    validate_request("complaint-extension", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    _waiting(complaint, "extended")
    if complaint.extended:
        raise Conflict("extended: the term was extended once already", field="extended",
                       reason="complaint_extended_already")
    if isoformat(utcnow()) > complaint.deadline_at:
        raise Conflict("deadline_on: the term has passed; it can no longer be extended", field="deadline_on",
                       reason="complaint_term_passed")
    deadline = add_working_days(date.fromisoformat(complaint.deadline_on), EXTENSION_DAYS)
    complaint.extended, complaint.extension_reason = True, request["reason"].strip()
    complaint.deadline_on, complaint.deadline_at = deadline.isoformat(), term_end(deadline)
    _save(complaint, [_event("ComplaintUpdated", complaint, agent, "agent", change="extended",
                             text=_excerpt(complaint.extension_reason))])
    return complaint_view(complaint, staff=True)


def answer(customer_id: str, complaint_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """The answer: the customer reads it, is told it, and may accept it (closed) or reopen the
    complaint within REOPEN_PERIOD; after that it closes."""
    validate_request("complaint-answer", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    _waiting(complaint, "answered")
    now = utcnow()
    complaint.status, complaint.answer, complaint.answered_at = "ANSWERED", request["text"].strip(), isoformat(now)
    complaint.reopen_until = isoformat(now + REOPEN_PERIOD)
    complaint.handler = complaint.handler or agent["id"]
    complaint.handler_role = complaint.handler_role or _role(complaint)
    _save(complaint, [_event("ComplaintUpdated", complaint, agent, "agent", change="answered",
                             text=_excerpt(complaint.answer))])
    return complaint_view(complaint, staff=True)


def _close(complaint: Complaint, actor: dict, channel: str) -> None:
    now = isoformat(utcnow())
    complaint.status, complaint.closed_at = "CLOSED", now
    complaint.closed_by = actor["type"] if actor["type"] != "agent" else actor["id"]
    _save(complaint, [_event("ComplaintClosed", complaint, actor, channel)])


def close(customer_id: str, complaint_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """Staff close an answered complaint (the customer said so on the phone, say)."""
    validate_request("complaint-closing", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    if complaint.status != "ANSWERED":
        raise Conflict("status: only an answered complaint is closed", field="status", reason="complaint_not_answered",
                       status=complaint.status.lower())
    _close(complaint, agent, "agent")
    return complaint_view(complaint, staff=True)


def react(customer_id: str, complaint_id: str, request: dict[str, Any], *, actor: dict,
          channel: str) -> dict[str, Any]:
    """The customer's word on the answer: satisfied (closed), or not (reopened, with why, while the
    time to reopen it lasts; its term starts again: TERM_DAYS working days from today)."""
    validate_request("complaint-reaction", request)
    complaint = _current(customer_id, complaint_id, request["version"])
    if complaint.status != "ANSWERED":
        raise Conflict("status: the complaint has no answer to react to", field="status",
                       reason="complaint_not_answered", status=complaint.status.lower())
    now = utcnow()
    if request["satisfied"]:
        _close(complaint, actor, channel)
        return complaint_view(complaint, staff=False)
    text = (request.get("text") or "").strip()
    if not text:
        raise InvalidInput("text: say what is not right yet", field="text", reason="field_required")
    if isoformat(now) > (complaint.reopen_until or ""):
        raise Conflict("reopen_until: the time to reopen this complaint has passed; file a new one",
                       field="reopen_until", reason="complaint_reopen_passed")
    deadline = add_working_days(_today(now), TERM_DAYS)
    complaint.status, complaint.reopen_until, complaint.escalated_at = "REOPENED", None, None
    complaint.deadline_on, complaint.deadline_at = deadline.isoformat(), term_end(deadline)
    complaint.notes = [*complaint.notes, {"at": isoformat(now), "by": "customer", "text": text,
                                          "for_customer": True}]
    # why stays on the complaint, for staff to read; the bus carries no words of the customer's
    _save(complaint, [_event("ComplaintUpdated", complaint, actor, channel, change="reopened")])
    return complaint_view(complaint, staff=False)


# ------------------------------------------------------------------ the queues and the deadlines


def queue(name: str) -> dict[str, Any]:
    """The complaints of a queue for the desk: `open` (waiting for an answer, in term), `escalated`
    (their term passed: the complaints lead's), soonest term first; and how many wait in each."""
    partition = {"open": OPEN, "escalated": ESCALATED}[name]
    items = [c for c in Complaint.lookup.query(partition, limit=QUEUE_PAGE) if isinstance(c, Complaint)]
    return {"queue": name, "items": [complaint_view(c, staff=True) for c in items], "figures": figures()}


def figures() -> dict[str, int]:
    """Complaints waiting for an answer, and of them how many past their term."""
    now = isoformat(utcnow())
    in_term = Complaint.lookup.count(OPEN)
    late_unescalated = Complaint.lookup.count(OPEN, Complaint.GSI1SK < now)
    escalated = Complaint.lookup.count(ESCALATED)
    return {"open": in_term + escalated, "overdue": late_unescalated + escalated}


def days_to_close(complaint: dict[str, Any]) -> float:
    """Days from filing to closing, to a tenth (the dashboard's median time to close)."""
    return round((moment(complaint["closed_at"]) - moment(complaint["filed_at"])) / timedelta(days=1), 1)


SYSTEM = {"type": "system", "id": "complaint-deadlines"}


def run_deadlines() -> dict[str, Any]:
    """The scheduled run: every complaint whose term passed unanswered is escalated to the
    complaints lead's queue (told to the customer), and every answered complaint whose time to
    reopen passed is closed. Each once: a complaint escalated is on another queue, and a change
    is written only over the version read, so a second run (or two at once) does nothing again."""
    now = isoformat(utcnow())
    escalated, closed = 0, []
    for found in Complaint.lookup.query(OPEN, Complaint.GSI1SK < now):
        complaint = load_complaint(found.customer_id, found.complaint_id, consistent=True)
        if complaint.status not in WAITING or complaint.escalated_at or complaint.deadline_at >= now:
            continue
        complaint.escalated_at, complaint.handler_role = now, LEAD_ROLE
        try:
            _save(complaint, [_event("ComplaintUpdated", complaint, SYSTEM, "system", change="escalated")])
        except WriteConflict:
            continue  # changed meanwhile (answered, or escalated by another run): the next run looks again
        escalated += 1
    for found in Complaint.lookup.query(ANSWERED, Complaint.GSI1SK < now):
        complaint = load_complaint(found.customer_id, found.complaint_id, consistent=True)
        if complaint.status != "ANSWERED" or (complaint.reopen_until or "") >= now:
            continue
        try:
            _close(complaint, SYSTEM, "system")
        except WriteConflict:
            continue
        closed.append(days_to_close(complaint_view(complaint, staff=True)))
    return {"escalated": escalated, "closed": len(closed), "days_to_close": closed, **figures()}


def overdue(complaints: list[Complaint]) -> list[Complaint]:
    """The complaints of a record that wait for an answer past their term."""
    at = isoformat(utcnow())
    return [c for c in complaints if c.status in WAITING and at > c.deadline_at]

