"""Data-subject requests: received (one open request of a kind per customer at a time), taken in
hand, done or refused; listed for the customer and, by legal deadline, for the privacy officer.

What a request sets going (the export is built, the erasure workflow started) is told by its
event (DataRequestReceived), written in the same transaction as the request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.core.errors import NotFound
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.pricing.rating import add_months
from opencounter.privacy.records import DataRequest

KINDS = ("export", "erasure")
#: the legal time to answer (GDPR art. 12(3)): a month from receipt
ANSWER_WITHIN_MONTHS = 1
CLOSED = ("DONE", "REFUSED")


class OpenDataRequest(Item, discriminator="OpenDataRequest"):
    """SK DATAREQUEST-OPEN#<kind>: which request of a kind is open, so a second one asked for
    meanwhile (a double click, two devices) finds it rather than starting another."""

    request_id = UnicodeAttribute()

    @staticmethod
    def keys(customer_id: str, kind: str) -> tuple[str, str]:
        return customer_key(customer_id), f"DATAREQUEST-OPEN#{kind}"


def due_on(received: datetime) -> str:
    """The legal deadline of a request received at `received`: a month later, Amsterdam days."""
    return add_months(received.astimezone(BUSINESS_TIME).date(), ANSWER_WITHIN_MONTHS).isoformat()


def view(request: DataRequest) -> dict[str, Any]:
    return {"request_id": request.request_id, "kind": request.kind, "status": request.status,
            "received_at": request.received_at, "due_on": request.due_on, "channel": request.channel,
            "done_at": request.done_at, "outcome": request.outcome}


def receive(customer_id: str, kind: str, *, actor: dict, channel: str,
            along: list[Write] | None = None, events: list[DomainEvent] | None = None) -> tuple[DataRequest, bool]:
    """Record a request of `kind` (export or erasure), with its DataRequestReceived event and the
    caller's own writes and events, in one transaction: (the request, True). While one of that
    kind is open, nothing is written: (the open one, False)."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = utcnow()
    request = DataRequest(*DataRequest.keys(customer_id, request_id := str(uuid.uuid4())), request_id=request_id,
                          customer_id=customer_id, kind=kind, status="RECEIVED", received_at=isoformat(now),
                          due_on=due_on(now), channel=channel, actor=actor)
    request.index()
    marker = OpenDataRequest(*OpenDataRequest.keys(customer_id, kind), request_id=request_id)
    received = domain_event("DataRequestReceived", customer_id=customer_id, actor=actor, channel=channel,
                            data={"request_id": request_id, "kind": kind, "due_on": request.due_on})
    try:
        commit([Write(marker, OpenDataRequest.PK.does_not_exist(), conflict="data_request_open"), Write(request),
                *(along or [])], [received, *(events or [])])
    except WriteConflict as error:
        if error.write.model is not marker:
            raise
        return load(customer_id, OpenDataRequest.get(*OpenDataRequest.keys(customer_id, kind)).request_id), False
    return request, True


def load(customer_id: str, request_id: str) -> DataRequest:
    try:
        return DataRequest.get(*DataRequest.keys(customer_id, request_id), consistent_read=True)
    except DataRequest.DoesNotExist:
        raise NotFound("no such request", reason="data_request_not_found") from None


def start(request: DataRequest) -> DataRequest:
    """Taken in hand (the export being built, the erasure under way); a closed request stays closed."""
    if request.status == "RECEIVED":
        request.status = "IN_PROGRESS"
        request.index()
        commit([Write(request)], [])
    return request


def close(request: DataRequest, status: str, outcome: dict[str, Any], *, along: list[Write] | None = None,
          events: list[DomainEvent] | None = None) -> DataRequest:
    """Done or refused, with what came of it (no personal data), and the kind open to ask again,
    in one transaction with the caller's writes and events. Closing a closed request changes nothing."""
    if status not in CLOSED:
        raise ValueError(status)
    if request.status in CLOSED:
        return request
    request.status, request.outcome, request.done_at = status, outcome, isoformat(utcnow())
    request.index()
    marker = OpenDataRequest(*OpenDataRequest.keys(request.customer_id, request.kind))
    commit([Write(request), Write(marker, delete=True), *(along or [])], list(events or []))
    return request


def customer_requests(customer_id: str) -> list[dict[str, Any]]:
    """The customer's requests, newest first."""
    found = DataRequest.query(customer_key(customer_id), DataRequest.SK.startswith(DataRequest.SK_PREFIX))
    return sorted((view(r) for r in found), key=lambda r: r["received_at"], reverse=True)


def open_requests(limit: int = 100) -> list[dict[str, Any]]:
    """Open requests of every customer, soonest legal deadline first (the privacy officer's list)."""
    found = DataRequest.lookup.query(DataRequest.OPEN, limit=limit)
    return [{**view(r), "customer_id": r.customer_id} for r in found]


def done_requests(limit: int = 100) -> list[dict[str, Any]]:
    """Requests answered, most recent first."""
    found = DataRequest.lookup.query(DataRequest.DONE, scan_index_forward=False, limit=limit)
    return [{**view(r), "customer_id": r.customer_id} for r in found]
