"""The day itself, as the field service and the carriers report it: one update at a time
(planned, en route with an ETA, arrived, done, missed), moving an appointment forward only:
PLANNED -> EN_ROUTE -> ARRIVED -> DONE | MISSED. Plain data in and out: the webhook's signature
is checked at the edge before anything here runs.

An update is taken in once: the same event_id again, or one that happened before what is
already known (an older one arriving late), answers as taken and writes nothing. An update for
an appointment the reference's customer does not hold writes nothing (404); one for a cancelled
appointment is refused (409). A missed visit offers the first free windows at once, in its event
and on the customer's screen; the product it was for is to be planned again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opencounter.appointments import service
from opencounter.appointments.capacity import Window, field_service
from opencounter.appointments.progress import NARROWEST, RANK, REPEATED, STATUS_OF, eta_window, promised_window
from opencounter.appointments.records import Appointment
from opencounter.appointments.views import window_view
from opencounter.core.clock import isoformat
from opencounter.core.errors import Conflict, Contended, InvalidInput, NotFound
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit
from opencounter.core.settings import settings
from opencounter.core.validation import validate_request

EN_ROUTE, ARRIVED, DONE, MISSED = "AppointmentEnRoute", "AppointmentArrived", "AppointmentDone", "AppointmentMissed"
FIELD_SERVICE = {"type": "system", "id": "field-service"}
TRIES = 5


def now() -> datetime:
    """The appointments' one clock (the service's, which tests set)."""
    return service.utcnow()


def _moment(raw: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"{field}: {raw!r} is not a moment with an offset", field=field, reason="field_format")
    return moment.astimezone(UTC)


def _narrowed(appointment: Appointment, raw: dict[str, str]) -> dict[str, str]:
    """A carrier's narrower window: at most NARROWEST, inside the window promised so far (the
    original, or an earlier narrowing): a promise is never widened."""
    start, end = _moment(raw["start"], "window.start"), _moment(raw["end"], "window.end")
    promised = promised_window(appointment)
    if not (promised.start <= start < end <= promised.end) or end - start > NARROWEST:
        raise InvalidInput(f"window: {raw['start']} - {raw['end']} is not a window of at most "
                           f"{int(NARROWEST.total_seconds() // 60)} minutes inside the promised one "
                           f"({isoformat(promised.start)} - {isoformat(promised.end)})", field="window",
                           reason="window_not_within", promised=window_view(promised))
    return {"start": isoformat(start), "end": isoformat(end)}


def _is_news(appointment: Appointment, kind: str, occurred: datetime) -> bool:
    """Whether an update moves the appointment on: forward, or at the same stage with newer news."""
    now, then = RANK[appointment.status], RANK[STATUS_OF[kind]]
    if then != now:
        return then > now
    latest = max((_moment(u["occurred_at"], "occurred_at") for u in appointment.field_updates
                  if u["type"] == kind), default=None)
    return kind in REPEATED and (latest is None or occurred > latest)


def first_free(appointment: Appointment, moment: datetime) -> list[dict[str, Any]]:
    """The first free windows for the same kind of visit at the same address, from `moment`."""
    model = field_service()
    region = service._region(model, appointment.address["postcode"])
    return service._next_free(model, region, appointment.kind, Window(moment, moment), moment)


def appointments_page() -> str:
    """The portal's appointments page: where the customer changes a visit or picks a new window."""
    return f"{settings().required('portal_origin')}/#/appointments"


def missed(appointment: Appointment, reason: str, at: datetime, *, actor: dict[str, Any],
           channel: str) -> DomainEvent:
    """Mark the appointment MISSED (in memory) and the event saying so, with the windows offered
    and the page to pick one on."""
    offered = first_free(appointment, now())
    appointment.status = "MISSED"
    appointment.outcome = {"result": "missed", "reason": reason, "at": isoformat(at), "next_free": offered}
    return service._event(MISSED, appointment, actor=actor, channel=channel, reason=reason, next_free=offered,
                          link=appointments_page())


def _apply(appointment: Appointment, update: dict[str, Any], occurred: datetime) -> list[DomainEvent]:
    """Change the appointment (in memory) as the update says; the events to commit with it."""
    kind, before = update["type"], appointment.status
    entry = {"event_id": update["event_id"], "type": kind, "occurred_at": isoformat(occurred),
             "received_at": isoformat(now())}
    events: list[DomainEvent] = []
    if kind == "planned" and update.get("window"):
        entry["window"] = _narrowed(appointment, update["window"])
    if kind == "en_route":
        if not update.get("eta"):
            raise InvalidInput("eta: is required when en route", field="eta", reason="field_required")
        eta = _moment(update["eta"], "eta")
        appointment.eta = entry["eta"] = isoformat(eta)
        if before != "EN_ROUTE":  # a later ETA is shown live; the customer is told once
            shown = eta_window(promised_window(appointment), eta)
            events.append(service._event(EN_ROUTE, appointment, actor=FIELD_SERVICE, channel="system",
                                 eta=isoformat(eta), eta_window=window_view(shown)))
    if kind == "missed":
        if not update.get("reason"):
            raise InvalidInput("reason: is required when missed", field="reason", reason="field_required")
        events.append(missed(appointment, update["reason"], occurred, actor=FIELD_SERVICE, channel="system"))
    appointment.status = STATUS_OF[kind]
    if kind == "arrived":
        events.append(service._event(ARRIVED, appointment, actor=FIELD_SERVICE, channel="system"))
    if kind == "done":
        appointment.outcome = {"result": "done", "at": isoformat(occurred)}
        events.append(service._event(DONE, appointment, actor=FIELD_SERVICE, channel="system",
                                     order_id=appointment.order_id))
    appointment.field_updates = [*appointment.field_updates, entry]
    appointment.updated_at = entry["received_at"]
    return events


def take_update(update: dict[str, Any]) -> dict[str, Any]:
    """Take in one update of the field service or a carrier. Answers what became of it:
    `applied` (with the status now), `duplicate` or `stale` (nothing written)."""
    validate_request("field-update", update)
    reference = update["reference"]
    occurred = _moment(update["occurred_at"], "occurred_at")
    for _ in range(TRIES):
        try:
            appointment = Appointment.get(*Appointment.keys(reference["customer_id"], reference["appointment_id"]),
                                          consistent_read=True)
        except Appointment.DoesNotExist:
            raise NotFound("reference: the customer holds no such appointment", field="reference",
                           reason="appointment_not_found") from None
        answer = {"appointment_id": appointment.appointment_id, "status": appointment.status.lower()}
        if any(u["event_id"] == update["event_id"] for u in appointment.field_updates):
            return {"result": "duplicate", **answer}
        if appointment.status == "CANCELLED":
            raise Conflict("reference: the appointment is cancelled", field="reference",
                           reason="appointment_cancelled")
        if not _is_news(appointment, update["type"], occurred):
            return {"result": "stale", **answer}
        events = _apply(appointment, update, occurred)
        try:
            commit([Write(appointment, conflict="the appointment changed meanwhile")], events)
        except WriteConflict:
            continue  # another update at the same moment: read it again
        return {"result": "applied", "appointment_id": appointment.appointment_id,
                "status": appointment.status.lower()}
    raise Contended("the appointment is being updated by many updates right now; send this again",
                    reason="busy_try_again")
