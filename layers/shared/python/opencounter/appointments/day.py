"""An appointment followed through its day by a workflow (statemachines/appointment.asl.json):
it asks what is next, waits until then, and acts if it is still due. What is next is a plain
function of the appointment as it stands and the moment (unit-tested without a table):

- a reminder REMINDER_LEAD before the 24-hour change deadline, with the way to change it, once
  per window; skipped when the appointment was made or moved after that moment;
- CHECK_AFTER the window ended, a visit nobody reported on is MISSED (not_reported), and the
  customer is offered the first free windows;
- a cancelled, done or missed appointment ends the execution. A moved one is followed by its own
  execution (started by AppointmentChanged); the one following the old window ends.

And what the field service is told of a job: the appointment as it stands, with its version, so
that telling it twice, or late, changes nothing there."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from opencounter.appointments import service
from opencounter.appointments.field import appointments_page, missed, now
from opencounter.appointments.progress import UNDER_WAY, promised_window
from opencounter.appointments.records import Appointment
from opencounter.appointments.rules import change_deadline
from opencounter.appointments.views import window_view
from opencounter.core.aws import aws_client
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import NotFound
from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.settings import settings

#: the reminder goes this long before the change deadline (so 48 hours before the window)
REMINDER_LEAD = timedelta(hours=24)
#: a visit nobody reported on this long after its window is taken as missed
CHECK_AFTER = timedelta(hours=2)
REMINDER = "AppointmentReminder"
NOT_REPORTED = "not_reported"
SYSTEM = {"type": "system", "id": "appointment-workflow"}


def _made_at(appointment: Appointment) -> datetime:
    """When the appointment got its current window: planned, or last moved."""
    steps = [s for s in appointment.history if s["action"] in ("planned", "changed")]
    return datetime.fromisoformat(steps[-1]["at"] if steps else appointment.planned_at)


def reminded(appointment: Appointment) -> bool:
    """Whether the customer was reminded of the appointment's current window."""
    return any(s["action"] == "reminded" and s["window"]["start"] == appointment.window_start
               for s in appointment.history)


def reminder_at(appointment: Appointment) -> datetime:
    return change_deadline(appointment.start) - REMINDER_LEAD


def check_at(appointment: Appointment) -> datetime:
    return appointment.end + CHECK_AFTER


def next_step(appointment: Appointment, followed: str, now: datetime) -> dict[str, Any]:
    """What the workflow following the window starting at `followed` does next:
    {"action": "remind"|"check", "at"} or {"action": "end", "why"}."""
    if appointment.status not in UNDER_WAY:
        return {"action": "end", "why": appointment.status.lower()}
    if appointment.window_start != followed:
        return {"action": "end", "why": "moved"}
    remind = reminder_at(appointment)
    if (appointment.status == "PLANNED" and not reminded(appointment) and _made_at(appointment) <= remind
            and now < change_deadline(appointment.start)):
        return {"action": "remind", "at": isoformat(remind)}
    return {"action": "check", "at": isoformat(check_at(appointment))}


def due(appointment: Appointment, followed: str, now: datetime, action: str) -> bool:
    """Whether `action` is still what is next, and its moment has come."""
    step = next_step(appointment, followed, now)
    return step["action"] == action and datetime.fromisoformat(step["at"]) <= now


# ---------------------------------------------------------------- the workflow's steps


def _appointment(customer_id: str, appointment_id: str) -> Appointment:
    try:
        return Appointment.get(*Appointment.keys(customer_id, appointment_id), consistent_read=True)
    except Appointment.DoesNotExist:
        raise NotFound("no such appointment", reason="appointment_not_found") from None


def what_next(customer_id: str, appointment_id: str, followed: str) -> dict[str, Any]:
    """The workflow's question: what is next for the appointment as it stands now."""
    moment = now()
    step = next_step(_appointment(customer_id, appointment_id), followed, moment)
    if "at" in step:  # the Wait counts the time left on the appointments' clock (in AWS: the same moment)
        step["wake_at"] = isoformat(utcnow() + (datetime.fromisoformat(step["at"]) - moment))
    return step


def act(customer_id: str, appointment_id: str, followed: str, action: str) -> dict[str, Any]:
    """Remind or check, if still due; {"done": what was done, or "nothing"}. Run again, it
    finds the work done (the reminder recorded, the status moved) and does nothing."""
    for _ in range(5):
        appointment, moment = _appointment(customer_id, appointment_id), now()
        if not due(appointment, followed, moment, action):
            return {"done": "nothing"}
        at = isoformat(moment)
        if action == "remind":
            appointment.history = [*appointment.history, {
                "at": at, "action": "reminded", "by": SYSTEM, "channel": "system",
                "window": {"start": appointment.window_start, "end": appointment.window_end}}]
            event = service._event(REMINDER, appointment, actor=SYSTEM, channel="system",
                           change_until=isoformat(change_deadline(appointment.start)),
                           link=appointments_page())
        else:
            event = missed(appointment, NOT_REPORTED, moment, actor=SYSTEM, channel="system")
        appointment.updated_at = at
        try:
            commit([Write(appointment, conflict="the appointment changed meanwhile")], [event])
        except WriteConflict:
            continue
        return {"done": "reminded" if action == "remind" else "missed"}
    return {"done": "nothing"}


# ---------------------------------------------------------------- telling the field service


def job(appointment: Appointment) -> dict[str, Any]:
    """The job as the field service is told it: planned, moved or cancelled, with its version."""
    moved = any(s["action"] == "changed" for s in appointment.history)
    status = "cancelled" if appointment.status == "CANCELLED" else "moved" if moved else "planned"
    return {"job_id": appointment.appointment_id, "version": int(appointment.version), "status": status,
            "kind": appointment.kind, "window": window_view(promised_window(appointment)),
            "address": appointment.address,
            "reference": {"customer_id": appointment.customer_id, "appointment_id": appointment.appointment_id}}


def job_of(customer_id: str, appointment_id: str) -> dict[str, Any]:
    return job(_appointment(customer_id, appointment_id))


# ---------------------------------------------------------------- starting the workflow


def follow(detail_type: str, detail: dict[str, Any]) -> str:
    """Start the workflow following an appointment's (new) window. Its name is the appointment's
    id for the planned window and the event's id for a move: a repeated event starts nothing
    twice, and every window its own run."""
    data = detail["data"]
    name = data["appointment_id"] if detail_type == "AppointmentPlanned" else \
        f"{data['appointment_id']}-{detail['event_id']}"
    sfn = aws_client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=settings().required("appointment_workflow_arn"), name=name,
                            input=json.dumps({"customer_id": detail["customer_id"],
                                              "appointment_id": data["appointment_id"],
                                              "followed": data["window"]["start"]}))
    except sfn.exceptions.ExecutionAlreadyExists:
        return "already_started"
    return "started"
