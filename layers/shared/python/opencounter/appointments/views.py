"""Appointments as every channel shows them: the window in Amsterdam time beside its moments in
UTC, until when the customer changes it themselves, and the customer's overview with the visits
planned (GET /me): the record and its appointments read with one Query. Plain data out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opencounter.appointments.capacity import Window
from opencounter.appointments.progress import UNDER_WAY as COMING
from opencounter.appointments.progress import eta_window, promised_window
from opencounter.appointments.records import Appointment
from opencounter.appointments.rules import change_deadline, customer_may_change, staff_may_change
from opencounter.core.clock import isoformat
from opencounter.core.table import Item

#: how long a parcel waits at a pick-up point to be collected
COLLECT_WITHIN = timedelta(days=7)


def window_view(window: Window) -> dict[str, Any]:
    """A window as read: its moments (UTC), and its day and times on the clock in Amsterdam, with
    the offset (the hour the clocks go back happens twice: the offset tells them apart)."""
    start, end = window.local_start, window.local_end
    offset = start.strftime("%z")
    return {"start": isoformat(window.start), "end": isoformat(window.end), "date": start.date().isoformat(),
            "from": f"{start:%H:%M}", "until": f"{end:%H:%M}", "utc_offset": f"{offset[:3]}:{offset[3:]}"}


def appointment_view(appointment: Appointment, now: datetime, *, staff: bool = False) -> dict[str, Any]:
    """An appointment as the customer (or, with `staff`, a member of staff) reads it: `changeable`
    says whether the reader can still move or cancel it now."""
    start = appointment.start
    planned = appointment.status == "PLANNED"
    may = staff_may_change if staff else customer_may_change
    return {
        "appointment_id": appointment.appointment_id,
        "kind": appointment.kind,
        "product_id": appointment.product_id,
        "status": appointment.status.lower(),
        "window": window_view(Window(start, appointment.end)),
        "address": appointment.address,
        "pickup_point": None if appointment.pickup_point is None else {
            **appointment.pickup_point, "ready_from": appointment.window_end,
            "collect_until": isoformat(appointment.end + COLLECT_WITHIN)},
        "change_until": isoformat(change_deadline(start)),
        "changeable": planned and may(start, now),
        "planned_at": appointment.planned_at,
        "planned_channel": appointment.planned_channel,
        "updated_at": appointment.updated_at,
        "version": int(appointment.version),
        **_progress(appointment),
    }


def _progress(appointment: Appointment) -> dict[str, Any]:
    """What the field service reported: the window narrowed by a carrier, the live ETA shown as
    a window around it while en route, and how the visit ended (a missed one with the windows
    offered instead)."""
    promised = promised_window(appointment)
    shown: dict[str, Any] = {}
    if (promised.start, promised.end) != (appointment.start, appointment.end):
        shown["promised_window"] = window_view(promised)
    if appointment.status == "EN_ROUTE" and appointment.eta:
        shown["eta_window"] = window_view(eta_window(promised, datetime.fromisoformat(appointment.eta)))
    if appointment.outcome:
        shown["outcome"] = appointment.outcome
    return shown


def _soonest_first(appointments: list[Appointment]) -> list[Appointment]:
    return sorted(appointments, key=lambda a: a.window_start)


def planned_appointments(items: list[Item], now: datetime, *, staff: bool = False) -> list[dict[str, Any]]:
    """The visits still to come among a partition's items, soonest first."""
    return [appointment_view(a, now, staff=staff) for a in _soonest_first(
        [i for i in items if isinstance(i, Appointment) and i.status in COMING and i.end > now])]
