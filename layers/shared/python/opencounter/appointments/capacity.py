"""The field service's capacity, as pure functions of the model and the bookings already made:
which 30-minute arrival windows can still be offered, and which technician takes a visit.

The model (contracts/catalogue/field_service.json) says which postcodes each region serves, how
many technicians of each kind work there each weekday, the working hours (Amsterdam time), the
holidays, how long each kind of job takes and the travel buffer between two addresses.

A window is offered for a kind of visit when some technician of the region is free for the job
and the travel after it from the window's start, and can finish the job before the working day
ends even when arriving at the window's end. Every booking keeps its technician busy from its
window's start for job + travel: arriving late within a window still leaves the travel buffer
to reach the next address within its own window, so no delay carries from one visit to the next.

Windows are 30 real minutes, stepped in UTC from the start of the working day to its end: on the
night the clocks go forward a window that starts at 01:30 ends at 03:00 on the clock, and on the
night they go back an hour of the clock is two windows apart (each shown with its own offset).
Nothing here reads a clock or the table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from opencounter.core.clock import BUSINESS_TIME
from opencounter.core.validation import CONTRACTS

MODEL = CONTRACTS / "catalogue" / "field_service.json"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Region:
    """A part of the service area: its postcode ranges (the four digits, both ends included) and
    per kind of visit the technicians working each weekday (Monday first)."""

    code: str
    name: str
    postcodes: tuple[tuple[int, int], ...]
    crews: dict[str, tuple[int, ...]]

    def serves(self, digits: int) -> bool:
        return any(low <= digits <= high for low, high in self.postcodes)


@dataclass(frozen=True)
class Window:
    """A 30-minute arrival window, its ends in UTC; `local` is how the customer reads it."""

    start: datetime
    end: datetime

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(BUSINESS_TIME)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(BUSINESS_TIME)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Booking:
    """A visit in a day's plan: which technician of its kind (0, 1, ...) is busy from `start`
    (its window's start) until `until` (the job and the travel after it)."""

    appointment_id: str
    kind: str
    technician: int
    start: datetime
    until: datetime

    def overlaps(self, start: datetime, until: datetime) -> bool:
        return self.start < until and start < self.until


@dataclass(frozen=True)
class PickupPoint:
    """A shop where the carrier leaves a parcel for the customer to collect, in a region."""

    point_id: str
    name: str
    region: str
    address: dict[str, Any]
    opening_hours: str


@dataclass(frozen=True)
class FieldService:
    """The capacity model, as loaded from its file (`field_service()`)."""

    version: str
    window: timedelta
    day_start: time
    day_end: time
    travel: timedelta
    jobs: dict[str, timedelta]
    lead: timedelta
    horizon_days: int
    holidays: frozenset[date]
    regions: tuple[Region, ...] = field(default_factory=tuple)
    #: a kind's own working hours (start, end) where they differ from the technicians' (a courier's evening round)
    hours: dict[str, tuple[time, time]] = field(default_factory=dict)
    #: a kind's own time between two addresses where it differs from `travel` (a courier's next door is near)
    travels: dict[str, timedelta] = field(default_factory=dict)
    #: where a parcel can be collected instead of delivered at home
    pickup_points: tuple[PickupPoint, ...] = field(default_factory=tuple)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.jobs)

    def region_of(self, postcode: str) -> Region | None:
        """The region serving a Dutch postcode (1234 AB), or None outside the service area."""
        digits = int(postcode.strip()[:4])
        return next((region for region in self.regions if region.serves(digits)), None)

    def technicians(self, region: Region, kind: str, day: date) -> int:
        """How many technicians of `kind` work in `region` on `day` (none on a holiday)."""
        if day in self.holidays:
            return 0
        return region.crews.get(kind, (0,) * 7)[day.weekday()]

    def busy_for(self, kind: str) -> timedelta:
        """How long a visit of `kind` keeps its technician from the next one."""
        return self.jobs[kind] + self.travels.get(kind, self.travel)

    def working_day(self, day: date, kind: str | None = None) -> tuple[datetime, datetime]:
        """The start and end of the working day `day` (Amsterdam time) of `kind`, in UTC."""
        start, end = self.hours.get(kind or "", (self.day_start, self.day_end))
        return (datetime.combine(day, start, BUSINESS_TIME).astimezone(UTC),
                datetime.combine(day, end, BUSINESS_TIME).astimezone(UTC))

    def pickup_points_in(self, region: Region) -> list[PickupPoint]:
        return [p for p in self.pickup_points if p.region == region.code]

    def pickup_point(self, point_id: str) -> PickupPoint | None:
        return next((p for p in self.pickup_points if p.point_id == point_id), None)


def _minutes(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def model_from(document: dict[str, Any]) -> FieldService:
    """The capacity model a document (field_service.json's shape) describes."""
    return FieldService(
        version=document["version"], window=timedelta(minutes=document["window_minutes"]),
        day_start=_minutes(document["working_hours"]["start"]), day_end=_minutes(document["working_hours"]["end"]),
        travel=timedelta(minutes=document["travel_buffer_minutes"]),
        jobs={kind: timedelta(minutes=job["minutes"]) for kind, job in document["jobs"].items()},
        lead=timedelta(hours=document["booking_lead_hours"]), horizon_days=document["horizon_days"],
        holidays=frozenset(date.fromisoformat(h["date"]) for h in document["holidays"]),
        hours={kind: (_minutes(job["working_hours"]["start"]), _minutes(job["working_hours"]["end"]))
               for kind, job in document["jobs"].items() if "working_hours" in job},
        travels={kind: timedelta(minutes=job["travel_buffer_minutes"])
                 for kind, job in document["jobs"].items() if "travel_buffer_minutes" in job},
        pickup_points=tuple(PickupPoint(p["id"], p["name"], p["region"], p["address"], p["opening_hours"])
                            for p in document.get("pickup_points", [])),
        regions=tuple(Region(r["code"], r["name"], tuple((low, high) for low, high in r["postcodes"]),
                             {kind: tuple(per_day[d] for d in WEEKDAYS) for kind, per_day in r["crews"].items()})
                      for r in document["regions"]))


@cache
def field_service() -> FieldService:
    """The model this version of the application ships with (read once per process)."""
    return model_from(json.loads(MODEL.read_text()))


def day_windows(model: FieldService, kind: str, day: date) -> list[Window]:
    """Every window of `day` a visit of `kind` could be planned in, were everyone free: from the
    start of the working day in steps of the window's real length, while a technician arriving
    at the window's end still finishes the job before the working day ends."""
    start, end = model.working_day(day, kind)
    windows = []
    moment = start
    while moment + model.window + model.jobs[kind] <= end:
        windows.append(Window(moment, moment + model.window))
        moment += model.window
    return windows


def window_at(model: FieldService, kind: str, start: datetime) -> Window | None:
    """The window of the model starting at `start` (any offset), or None when there is none."""
    moment = start.astimezone(UTC)
    day = moment.astimezone(BUSINESS_TIME).date()
    return next((w for w in day_windows(model, kind, day) if w.start == moment), None)


def technician_for(model: FieldService, region: Region, kind: str, window: Window,
                   bookings: list[Booking]) -> int | None:
    """The technician of `kind` who can take a visit in `window` given the day's `bookings`, or
    None when every one is busy. Of those free, the one whose last visit before it ends closest
    to it: days stay compact, and long stretches stay free for later bookings."""
    day = window.local_start.date()
    until = window.start + model.busy_for(kind)
    day_start, _ = model.working_day(day, kind)
    best: tuple[timedelta, int] | None = None
    for technician in range(model.technicians(region, kind, day)):
        own = [b for b in bookings if b.kind == kind and b.technician == technician]
        if any(b.overlaps(window.start, until) for b in own):
            continue
        gap = window.start - max([b.until for b in own if b.until <= window.start], default=day_start)
        if best is None or gap < best[0]:
            best = (gap, technician)
    return None if best is None else best[1]


def free_windows(model: FieldService, region: Region, kind: str, day: date, bookings: list[Booking],
                 after: datetime | None = None) -> list[Window]:
    """The windows of `day` a visit of `kind` can still be planned in (starting after `after`)."""
    return [w for w in day_windows(model, kind, day) if (after is None or w.start > after)
            and technician_for(model, region, kind, w, bookings) is not None]


def overbooked(model: FieldService, region: Region, day: date, bookings: list[Booking]) -> list[Booking]:
    """Bookings a day's plan could not keep: a technician the day does not have, or one with two
    visits at once. Empty for every plan written through `technician_for`."""
    wrong = []
    for booking in bookings:
        if booking.technician >= model.technicians(region, booking.kind, day) or any(
                other is not booking and other.kind == booking.kind and other.technician == booking.technician
                and other.overlaps(booking.start, booking.until) for other in bookings):
            wrong.append(booking)
    return wrong
