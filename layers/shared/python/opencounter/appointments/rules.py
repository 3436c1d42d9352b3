"""Until when an appointment can be changed, and by whom: pure functions of moments.

A customer changes or cancels their appointment themselves until 24 hours before its window
starts: 24 real hours, worked out in UTC, so the night the clocks change makes the notice neither
23 nor 25 hours. After that the field service has planned the technician's day; staff on the
phone can still move or cancel the visit until its window starts (and tell the technician)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: how long before its window starts a customer can still change an appointment themselves
CHANGE_NOTICE = timedelta(hours=24)


def change_deadline(window_start: datetime) -> datetime:
    """The moment (UTC) until which the customer changes the appointment themselves."""
    return window_start.astimezone(UTC) - CHANGE_NOTICE


def customer_may_change(window_start: datetime, now: datetime) -> bool:
    """Whether the customer can still change or cancel an appointment at `now`: strictly before
    the deadline, so at 24 hours to go it is too late."""
    return now.astimezone(UTC) < change_deadline(window_start)


def staff_may_change(window_start: datetime, now: datetime) -> bool:
    """Whether staff can still move or cancel it at `now`: until the window starts."""
    return now.astimezone(UTC) < window_start.astimezone(UTC)
