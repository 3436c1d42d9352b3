"""What is planned with a customer, as every channel shows it: the visits and deliveries still to
come and the call-backs still to be made, soonest first, from the items of a customer's partition
(for views that read it with one Query)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opencounter.appointments.views import planned_appointments
from opencounter.contacts.callbacks import planned_callbacks
from opencounter.core.table import Item


def planned_contacts(items: list[Item], now: datetime, *, staff: bool = False) -> list[dict[str, Any]]:
    """Visits, deliveries and call-backs to come among a partition's items, soonest first."""
    planned = [*planned_appointments(items, now, staff=staff), *planned_callbacks(items, now, staff=staff)]
    return sorted(planned, key=lambda p: p["window"]["start"])
