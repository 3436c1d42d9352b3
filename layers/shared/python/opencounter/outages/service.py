"""Outages: operations report an incident (a kind of product, postcode areas from and to, when it
began, when it should end, what customers read); every customer living in the area with an active
product of that kind is told on their preferred channel before they ask (OutageStarted on their
record, and so on the bus to the notifier), sees it in the portal while it lasts, and gets the
all-clear (OutageResolved) when it is resolved. Contacts they make while it lasts are counted
against it.

Customers are found the way a mailing finds them, at any number: each postcode area of the
incident is a page (or more) on the outage queue, read from the address index (GSI1
POSTCODE#<area>). A customer is told once: what they were told is an item in their partition
(OutageNotice), written with its event in one transaction, only if absent; the all-clear likewise
only once, and only to those told."""

from __future__ import annotations

import uuid
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from opencounter.core import queues
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import Write, WriteConflict, commit, domain_event
from opencounter.core.settings import settings
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import Address, ProductHolding
from opencounter.outages.records import Incident, IncidentCount, OutageNotice

#: postcode areas one incident may span (a region of the country; more is two incidents)
MAX_AREAS = 100
#: addresses read per page (one message, one invocation)
PAGE_SIZE = 100
SYSTEM = {"type": "system", "id": "outage-notices"}
STARTED, RESOLVED = "started", "resolved"


def _load(incident_id: str) -> Incident:
    try:
        return Incident.get(*Incident.keys(incident_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such incident", reason="incident_not_found") from None


def _count(incident_id: str) -> dict[str, int]:
    try:
        count = IncidentCount.get(*IncidentCount.keys(incident_id), consistent_read=True)
    except DoesNotExist:
        return {"told": 0, "cleared": 0, "contacts": 0}
    return {"told": int(count.told), "cleared": int(count.cleared), "contacts": int(count.contacts)}


def public_view(incident: Incident) -> dict[str, Any]:
    """What anyone may read of an incident: where, what, since when and until when."""
    return {"incident_id": incident.incident_id, "product_kind": incident.product_kind,
            "area": {"from": incident.area_from, "to": incident.area_to}, "description": incident.description,
            "started_at": incident.started_at, "expected_end": incident.expected_end,
            "status": incident.status.lower(), "resolved_at": incident.resolved_at}


def _staff_view(incident: Incident) -> dict[str, Any]:
    return {**public_view(incident), "version": int(incident.version), "reported_by": incident.reported_by,
            "counts": _count(incident.incident_id)}


def report(body: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """Record an incident and its IncidentReported event (which sets the notices going), at once."""
    validate_request("incident-report", body)
    low, high = body["area"]["from"], body["area"]["to"]
    if low > high:
        raise InvalidInput("area.to: comes before area.from", field="area.to", reason="area_reversed")
    if int(high) - int(low) >= MAX_AREAS:
        raise InvalidInput(f"area.to: more than {MAX_AREAS} postcode areas", field="area.to",
                           reason="area_too_large", limit=MAX_AREAS)
    started = body.get("started_at") or isoformat(utcnow())
    if body["expected_end"] <= started:
        raise InvalidInput("expected_end: not after the start", field="expected_end", reason="end_before_start")
    incident_id = f"I-{uuid.uuid4().hex[:12].upper()}"
    incident = Incident(*Incident.keys(incident_id), incident_id=incident_id, product_kind=body["product_kind"],
                        area_from=low, area_to=high, description=body["description"], started_at=started,
                        expected_end=body["expected_end"], status="ACTIVE", reported_by=actor)
    incident.index()
    reported = domain_event("IncidentReported", customer_id=None, about="operations", actor=actor, channel="agent",
                            data={"incident_id": incident_id, "phase": STARTED})
    commit([Write(incident, Incident.PK.does_not_exist())], [reported])
    return _staff_view(incident)


def change(incident_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new expected end: the banner shows it at once (customers are not told again)."""
    validate_request("incident-change", body)
    incident = _load(incident_id)
    if int(incident.version) != body["version"]:
        raise Conflict(f"version: the incident is at version {int(incident.version)}; read it again",
                       field="version", reason="record_changed")
    if incident.status != "ACTIVE":
        raise Conflict("status: the incident is resolved", field="status", reason="incident_resolved")
    if body["expected_end"] <= incident.started_at:
        raise InvalidInput("expected_end: not after the start", field="expected_end", reason="end_before_start")
    incident.expected_end = body["expected_end"]
    commit([Write(incident)], [])
    return _staff_view(incident)


def resolve(incident_id: str, *, actor: dict) -> dict[str, Any]:
    """Resolved, with its IncidentResolved event (which sends the all-clear); once."""
    incident = _load(incident_id)
    if incident.status != "ACTIVE":
        raise Conflict("status: the incident is resolved already", field="status", reason="incident_resolved")
    incident.status, incident.resolved_at = "RESOLVED", isoformat(utcnow())
    incident.index()
    resolved = domain_event("IncidentResolved", customer_id=None, about="operations", actor=actor, channel="agent",
                            data={"incident_id": incident_id, "phase": RESOLVED})
    commit([Write(incident)], [resolved])
    return _staff_view(incident)


def incident(incident_id: str) -> dict[str, Any]:
    return _staff_view(_load(incident_id))


def incidents(resolved_limit: int = 20) -> dict[str, Any]:
    """Active incidents, newest first, and the last ones resolved, with their figures."""
    active = [i for i in Incident.lookup.query(Incident.ACTIVE, scan_index_forward=False) if isinstance(i, Incident)]
    done = [i for i in Incident.lookup.query(Incident.RESOLVED, scan_index_forward=False, limit=resolved_limit)
            if isinstance(i, Incident)]
    return {"active": [_staff_view(i) for i in active], "resolved": [_staff_view(i) for i in done]}


def public_outages() -> dict[str, Any]:
    """Every active incident, as anyone may read it (is there an outage where I live?)."""
    return {"items": [public_view(i) for i in Incident.lookup.query(Incident.ACTIVE, scan_index_forward=False)
                      if isinstance(i, Incident)]}


def customer_outages(customer_id: str) -> dict[str, Any]:
    """The outages the customer was told of and that still last: the portal's banner."""
    told = [n for n in OutageNotice.query(customer_key(customer_id), OutageNotice.SK.startswith(OutageNotice.SK_PREFIX))
            if n.cleared_at is None]
    found = [i for i in Incident.batch_get([Incident.keys(n.incident_id) for n in told])] if told else []
    return {"items": sorted((public_view(i) for i in found if i.status == "ACTIVE"), key=lambda i: i["started_at"])}


# ------------------------------------------------------------------ telling the customers


def first_pages(incident_id: str, phase: str) -> list[dict[str, Any]]:
    """A page for each postcode area of the incident, to put on the outage queue."""
    incident_ = _load(incident_id)
    return [{"incident_id": incident_id, "phase": phase, "area": str(area), "cursor": None}
            for area in range(int(incident_.area_from), int(incident_.area_to) + 1)]


def enqueue(works: list[dict[str, Any]]) -> None:
    queues.enqueue("outage_queue_url", works)


def tell_page(work: dict[str, Any]) -> dict[str, Any] | None:
    """Tell the customers of one page of an area's addresses (or send them the all-clear); the
    area's next page, or None when this was its last."""
    incident_ = _load(work["incident_id"])
    found = Item.lookup.query(Address.area_lookup(work["area"]), limit=PAGE_SIZE,
                              last_evaluated_key=work["cursor"] or None)
    customers = list(dict.fromkeys(a.customer_id for a in found if isinstance(a, Address)))
    following = found.last_evaluated_key
    tell = _start if work["phase"] == STARTED else _clear
    done = sum(1 for customer_id in customers if tell(incident_, customer_id))
    field = IncidentCount.told if work["phase"] == STARTED else IncidentCount.cleared
    if done:
        IncidentCount.counted(incident_.incident_id, field.add(done))
    return {**work, "cursor": following} if following else None


def affected(incident_: Incident, customer_id: str) -> bool:
    """Whether the customer lives in the incident's area today and holds an active product of its kind."""
    items = list(Item.query(customer_key(customer_id)))
    today = business_today().isoformat()
    started = sorted((i for i in items if isinstance(i, Address) and i.effective_from <= today),
                     key=lambda a: a.effective_from)
    area = started[-1].postcode.replace(" ", "")[:4] if started else None
    return area is not None and incident_.area_from <= area <= incident_.area_to and any(
        isinstance(i, ProductHolding) and i.status == "ACTIVE" and i.kind == incident_.product_kind for i in items)


def _link() -> str:
    return f"{settings().required('portal_origin')}/#/"


def _start(incident_: Incident, customer_id: str) -> bool:
    """Tell one customer, if affected and not told before: whether they were told now."""
    if incident_.status != "ACTIVE" or not affected(incident_, customer_id):
        return False
    notice = OutageNotice(*OutageNotice.keys(customer_id, incident_.incident_id), incident_id=incident_.incident_id,
                          told_at=isoformat(utcnow()))
    event = domain_event("OutageStarted", customer_id=customer_id, actor=SYSTEM, channel="system",
                         event_id=stable_id("outage", incident_.incident_id, STARTED, customer_id),
                         data={**_event_data(incident_), "expected_end": incident_.expected_end,
                               "description": incident_.description, "link": _link()})
    return _once(notice, OutageNotice.PK.does_not_exist(), event)


def _clear(incident_: Incident, customer_id: str) -> bool:
    """The all-clear to one customer who was told and has not had it: whether it went now."""
    try:
        notice = OutageNotice.get(*OutageNotice.keys(customer_id, incident_.incident_id), consistent_read=True)
    except DoesNotExist:
        return False
    if notice.cleared_at is not None:
        return False
    notice.cleared_at = incident_.resolved_at or isoformat(utcnow())
    event = domain_event("OutageResolved", customer_id=customer_id, actor=SYSTEM, channel="system",
                         event_id=stable_id("outage", incident_.incident_id, RESOLVED, customer_id),
                         data={**_event_data(incident_), "resolved_at": notice.cleared_at, "link": _link()})
    return _once(notice, OutageNotice.cleared_at.does_not_exist(), event)


def _event_data(incident_: Incident) -> dict[str, Any]:
    return {"incident_id": incident_.incident_id, "product_kind": incident_.product_kind,
            "started_at": incident_.started_at}


def _once(notice: OutageNotice, condition: Any, event: Any) -> bool:
    try:
        commit([Write(notice, condition, conflict="already told")], [event])
    except WriteConflict:
        return False  # told at the same moment by a copy of the page
    return True


def count_contact(customer_id: str, contact_id: str) -> int:
    """A contact the customer made, counted against every outage they were told of that still
    lasts, once however often it is counted: how many outages it was counted against now."""
    told = [n for n in OutageNotice.query(customer_key(customer_id), OutageNotice.SK.startswith(OutageNotice.SK_PREFIX))
            if n.cleared_at is None]
    counted = 0
    for notice in told:
        try:
            notice.update(actions=[OutageNotice.contacts.add({contact_id})],
                          condition=~OutageNotice.contacts.contains(contact_id))
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            continue
        IncidentCount.counted(notice.incident_id, IncidentCount.contacts.add(1))
        counted += 1
    return counted
