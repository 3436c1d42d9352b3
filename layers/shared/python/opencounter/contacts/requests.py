"""Service requests: what a customer asked for that takes more than one contact. Started on any
channel, continued on any other (signed in, or with the request's resume code read out on the
phone or at the office); every channel sees its current state at once."""

from __future__ import annotations

import uuid
from typing import Any

from opencounter.contacts.records import RequestResumeCode, ServiceRequest
from opencounter.core import resume_codes
from opencounter.core.actors import STAFF, staff_seen_by_customer
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict, NotFound
from opencounter.core.outbox import Write, commit, domain_event
from opencounter.core.resume_codes import code_digest
from opencounter.core.table import customer_key
from opencounter.core.validation import validate_request

STATUSES = ("OPEN", "IN_PROGRESS", "WAITING_FOR_CUSTOMER", "DONE")


def request_view(request: ServiceRequest, *, staff: bool = False) -> dict[str, Any]:
    """A request as staff see it, or as the customer does: who handles it and took each step,
    staff by role only."""
    return {"request_id": request.request_id, "kind": request.kind, "subject": request.subject,
            "status": request.status.lower(), "next_step": request.next_step,
            "handler": request.handler if staff else staff_seen_by_customer(request.handler),
            "steps": request.steps if staff else [{**step, "by": staff_seen_by_customer(step.get("by"))}
                                                  for step in request.steps],
            "started_channel": request.started_channel, "created_at": request.created_at,
            "updated_at": request.updated_at, "version": int(request.version)}


def list_requests(customer_id: str) -> dict[str, Any]:
    items = ServiceRequest.query(customer_key(customer_id), ServiceRequest.SK.startswith(ServiceRequest.SK_PREFIX))
    views = sorted((request_view(r) for r in items), key=lambda r: r["updated_at"], reverse=True)
    return {"items": views}


def load_request(customer_id: str, request_id: str) -> ServiceRequest:
    try:
        return ServiceRequest.get(*ServiceRequest.keys(customer_id, request_id))
    except ServiceRequest.DoesNotExist:
        raise NotFound("no such request", reason="request_not_found") from None


def start_request(customer_id: str, body: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """Open a request; the answer carries its resume code (shown once)."""
    validate_request("service-request", body)
    now = isoformat(utcnow())
    request_id = f"R-{uuid.uuid4().hex[:10].upper()}"
    code = resume_codes.new_code()
    request = ServiceRequest(*ServiceRequest.keys(customer_id, request_id), request_id=request_id,
                             kind=body["kind"], subject=body["subject"].strip(), status="OPEN",
                             next_step="an agent picks it up", started_channel=channel, created_at=now,
                             updated_at=now, resume_code_digest=code_digest(code),
                             steps=[{"at": now, "channel": channel, "by": actor["type"], "text": body["text"].strip()}])
    resume = RequestResumeCode.of(request, customer_id)
    event = domain_event("ServiceRequestUpdated", customer_id=customer_id, actor=actor, channel=channel,
                         data={"request_id": request_id, "subject": request.subject, "status": "open",
                               "step": body["text"].strip()[:200]})
    commit([Write(request, ServiceRequest.PK.does_not_exist()), Write(resume, RequestResumeCode.PK.does_not_exist())],
           [event])
    return {**request_view(request, staff=actor["type"] == STAFF), "resume_code": code}


def continue_request(customer_id: str, request_id: str, body: dict[str, Any], *, actor: dict,
                     channel: str) -> dict[str, Any]:
    """Add a step from any channel. Staff may also set the status, handler and next step; the
    version read must still be current (409 otherwise), so two channels never overwrite each other."""
    validate_request("request-step", body)
    if "channel" in body and actor["type"] != "agent":
        raise Conflict("channel: only staff say which channel a step came in on", field="channel",
                       reason="staff_only_field")
    channel = body.get("channel", channel)
    request = load_request(customer_id, request_id)
    if int(request.version) != body["version"]:
        raise Conflict(f"version: the request is at version {int(request.version)}, not {body['version']}; "
                       "read it again", field="version", reason="request_changed")
    if request.status == "DONE" and actor["type"] != "agent":
        raise Conflict("status: the request is done; start a new one", field="status", reason="request_done")
    staff_fields = {k for k in ("status", "next_step") if k in body}
    if staff_fields and actor["type"] != "agent":
        raise Conflict(f"{sorted(staff_fields)[0]}: only staff set this", field=sorted(staff_fields)[0],
                       reason="staff_only_field")
    now, was_done = isoformat(utcnow()), request.status == "DONE"
    request.steps = [*request.steps, {"at": now, "channel": channel, "by": actor["type"] if actor["type"] != "agent"
                                      else actor["id"], "text": body["text"].strip()}]
    if actor["type"] == "agent":
        request.handler = actor["id"]
        request.status = body.get("status", "in_progress").upper()
        request.next_step = body.get("next_step", request.next_step)
    elif request.status == "WAITING_FOR_CUSTOMER":
        request.status, request.next_step = "IN_PROGRESS", "the agent continues with your answer"
    request.updated_at = now
    event = domain_event("ServiceRequestUpdated", customer_id=customer_id, actor=actor, channel=channel,
                         data={"request_id": request_id, "subject": request.subject, "status": request.status.lower(),
                               "step": body["text"].strip()[:200]})
    writes = [Write(request, conflict="version: the request changed meanwhile; read it again")]
    if request.status == "DONE" or was_done:  # done (a later step moves its moment), or opened again
        writes.append(Write(RequestResumeCode.of(request, customer_id)))  # forgotten with the request
    commit(writes, [event])
    return request_view(request, staff=actor["type"] == STAFF)


def request_by_code(code: str) -> tuple[str, dict[str, Any]]:
    """The request a resume code continues, and whose it is (for staff on the phone, the office)."""
    try:
        found = RequestResumeCode.get(*RequestResumeCode.keys(code_digest(code)))
    except RequestResumeCode.DoesNotExist:
        raise NotFound("resume_code: no request goes with this code", field="resume_code",
                       reason="resume_code_unknown") from None
    return found.customer_id, request_view(load_request(found.customer_id, found.request_id), staff=True)
