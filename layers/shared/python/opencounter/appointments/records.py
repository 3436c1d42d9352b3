"""How appointments are stored: each in its customer's partition (the overview and the
360-degree view read it with everything else), and each region's day as one versioned plan of
the visits booked, so that booking the last place of a window is a conditional write on one item."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, VersionAttribute

from opencounter.appointments.capacity import Booking
from opencounter.core.retention import after, years_after
from opencounter.core.table import Item, customer_key

#: years a visit is kept after its window (the address it went to, what happened): as long as a
#: contact, to answer a complaint about the work done at the customer's home
VISITS_KEPT_YEARS = 2
#: a region's day plan is kept this long after its day (no personal data: appointment ids and
#: technicians' busy times), for the field service's questions about a past day
DAY_PLANS_KEPT = timedelta(days=90)


class DayPlan(Item, discriminator="FieldDayPlan"):
    """PK FIELDPLAN#<region>#<kind>, SK DAY#<yyyy-mm-dd>: every visit (or delivery) of one kind
    booked in a region on a day, with the technician (or courier) and the time it keeps them busy.
    Kinds share no people, so each has its own plan: an engineer's booking never waits for a
    courier's. Versioned: of two bookings that both read the last place free, the first write wins
    and the second reads the plan again; a window is never sold beyond the people the day has. A
    region's days of a kind are one partition, so the windows of the next weeks are one Query."""

    region = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)
    day = UnicodeAttribute()
    #: [{"appointment_id", "kind", "technician", "start", "until"}], the moments in UTC
    bookings = JSONAttribute(default=list)
    updated_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def partition(region: str, kind: str) -> str:
        return f"FIELDPLAN#{region}#{kind}"

    @staticmethod
    def sort_key(day: str) -> str:
        return f"DAY#{day}"

    @classmethod
    def keys(cls, region: str, kind: str, day: str) -> tuple[str, str]:
        return cls.partition(region, kind), cls.sort_key(day)

    def kept_until(self) -> datetime:
        return after(self.day, DAY_PLANS_KEPT + timedelta(days=1))

    def booked(self) -> list[Booking]:
        return [Booking(b["appointment_id"], b["kind"], int(b["technician"]), datetime.fromisoformat(b["start"]),
                        datetime.fromisoformat(b["until"])) for b in self.bookings]


class Appointment(Item, discriminator="Appointment"):
    """SK APPOINTMENT#<appointment_id>: a visit at the customer's address in a 30-minute arrival
    window. PLANNED until the field service reports it EN_ROUTE (with an ETA), ARRIVED, then DONE or
    MISSED; CANCELLED releases its place in the day plan. Versioned: a change is sent with the
    version read."""

    SK_PREFIX = "APPOINTMENT#"

    appointment_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    #: engineer_visit | installer_visit
    kind = UnicodeAttribute()
    #: the product held that the visit installs, when there is one
    product_id = UnicodeAttribute(null=True)
    #: the order whose product the visit (or delivery) brings, when it was planned with an order
    order_id = UnicodeAttribute(null=True)
    #: that product, not on the record until the visit is done: {"code", "name"}
    product = JSONAttribute(null=True)
    #: the sign-up whose product the visit (or delivery) brings, when it was planned with one
    signup_id = UnicodeAttribute(null=True)
    #: PLANNED | EN_ROUTE | ARRIVED | DONE | MISSED | CANCELLED
    status = UnicodeAttribute()
    region = UnicodeAttribute()
    window_start = UnicodeAttribute()
    window_end = UnicodeAttribute()
    #: where the visit is: the customer's address in force on the day; for a delivery, the address the
    #: customer chose (theirs by default)
    address = JSONAttribute()
    #: a delivery left at a pick-up point instead: {"id", "name", "address", "opening_hours"}; it takes no
    #: courier of the timed round, and is ready from the end of its window
    pickup_point = JSONAttribute(null=True)
    planned_at = UnicodeAttribute()
    planned_channel = UnicodeAttribute()
    #: [{"at", "action" (planned|changed|cancelled), "by" (actor), "channel", "window" ({"start", "end"})}]
    history = JSONAttribute(default=list)
    #: the technician's or courier's expected arrival on the day, as the field service last reported it
    eta = UnicodeAttribute(null=True)
    #: the field service's updates taken in: [{"event_id", "type", "occurred_at", "received_at"}]
    field_updates = JSONAttribute(default=list)
    #: how it ended, when the field service reports it: {"result" (done|missed), "reason", "at"}
    outcome = JSONAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, appointment_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{appointment_id}"

    def kept_until(self) -> datetime:
        """VISITS_KEPT_YEARS after its window, whatever became of it (moved: the new window)."""
        return years_after(self.window_end, VISITS_KEPT_YEARS)

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.window_start)

    @property
    def end(self) -> datetime:
        return datetime.fromisoformat(self.window_end)
