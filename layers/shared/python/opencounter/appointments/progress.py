"""How far a visit has come on its day, as pure functions of the appointment: the stages the
field service reports (forward only), the window the customer was promised (narrowed by a
carrier) and the window shown around a live ETA. Nothing here reads a clock or the table."""

from __future__ import annotations

from datetime import datetime, timedelta

from opencounter.appointments.capacity import Window
from opencounter.appointments.records import Appointment

#: how far an appointment has come: an update that would move it back is an old one arriving late
RANK = {"PLANNED": 0, "EN_ROUTE": 1, "ARRIVED": 2, "DONE": 3, "MISSED": 3}
STATUS_OF = {"planned": "PLANNED", "en_route": "EN_ROUTE", "arrived": "ARRIVED", "done": "DONE", "missed": "MISSED"}
#: updates that may come again with news at the same stage (a carrier's window, a live ETA)
REPEATED = ("planned", "en_route")
#: visits still to come or under way: the field service may still report on them
UNDER_WAY = ("PLANNED", "EN_ROUTE", "ARRIVED")
#: the longest window a carrier may narrow the promised one to
NARROWEST = timedelta(minutes=30)
#: the customer sees the ETA as a window this far either side of it (inside the promised one)
ETA_MARGIN = timedelta(minutes=10)


def promised_window(appointment: Appointment) -> Window:
    """The window the customer was promised, narrowed by the carrier's latest `planned` update."""
    narrowed = [u["window"] for u in appointment.field_updates if u.get("window")]
    if not narrowed:
        return Window(appointment.start, appointment.end)
    latest = narrowed[-1]
    return Window(datetime.fromisoformat(latest["start"]), datetime.fromisoformat(latest["end"]))


def eta_window(promised: Window, eta: datetime) -> Window:
    """The window the customer sees around an ETA: ETA_MARGIN either side, inside the promised
    window (an ETA outside it is shown at its nearest edge)."""
    centre = min(max(eta, promised.start), promised.end)
    return Window(max(promised.start, centre - ETA_MARGIN), min(promised.end, centre + ETA_MARGIN))
