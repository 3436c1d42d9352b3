"""What is planned with a customer, as every channel shows it: the visits and deliveries still to
come and the call-backs still to be made, soonest first; and the customer's own overview with
them (GET /me), read with one Query of their partition."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opencounter.appointments.views import planned_appointments
from opencounter.contacts.callbacks import planned_callbacks
from opencounter.core.clock import business_today, utcnow
from opencounter.core.table import Item, customer_key
from opencounter.customers.views import record_from


def planned_contacts(items: list[Item], now: datetime, *, staff: bool = False) -> list[dict[str, Any]]:
    """Visits, deliveries and call-backs to come among a partition's items, soonest first."""
    planned = [*planned_appointments(items, now, staff=staff), *planned_callbacks(items, now, staff=staff)]
    return sorted(planned, key=lambda p: p["window"]["start"])


def customer_overview(customer_id: str) -> dict[str, Any]:
    """The customer's record as every channel shows it today, with the visits planned and the
    contacts planned (visits and call-backs): one Query."""
    items = list(Item.query(customer_key(customer_id)))
    now = utcnow()
    return {**record_from(items, business_today()), "appointments": planned_appointments(items, now),
            "planned_contacts": planned_contacts(items, now)}
