"""The one clock: the moment now (UTC), how a moment is written down (ISO 8601 to the
millisecond, with Z), and the business's own day: the business runs on Dutch time, so "today"
for a move date, a due date or a billing month is today in Amsterdam."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BUSINESS_TIME = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """2026-12-04T22:04:44.123Z"""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def business_today() -> date:
    return utcnow().astimezone(BUSINESS_TIME).date()
