"""The one clock: the moment now (UTC), how a moment is written down (ISO 8601 to the
millisecond, with Z), and the business's own day: the business runs on Dutch time, so "today"
for a move date, a due date or a billing month is today in Amsterdam; a deadline for staff ends
with a working day there (no weekend, no public holiday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from opencounter.core.holidays import is_working_day

BUSINESS_TIME = ZoneInfo("Europe/Amsterdam")
#: when the working day ends, Amsterdam time: a deadline for staff falls at this hour
WORKING_DAY_ENDS = time(17)


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """2026-12-04T22:04:44.123Z"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def business_today() -> date:
    return utcnow().astimezone(BUSINESS_TIME).date()


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start`: Monday to Friday and no Dutch public holiday
    (core/holidays.py), for a customer's term and a staff deadline alike."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def staff_window(now: datetime, days: int) -> timedelta:
    """From now until the end of the working day `days` working days ahead (17:00 Amsterdam):
    how long staff have to act on what waits for a person."""
    local = now.astimezone(BUSINESS_TIME)
    end = datetime.combine(add_working_days(local.date(), days), WORKING_DAY_ENDS, BUSINESS_TIME)
    return end - now
