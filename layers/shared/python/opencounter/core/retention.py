"""When an item is forgotten: the moments the table's TTL attribute (`expires_at`) is set to, worked
out the same way for every kind of item. Which kind is kept how long, from what moment and why is
one table: opencounter.privacy.retention.

DynamoDB deletes an item within a few days after its `expires_at`; what must not be used once its
moment has passed (a one-time code) checks the moment itself."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from opencounter.core.clock import BUSINESS_TIME

#: the Dutch tax law's period for the administration (invoices, the ledger, what they rest on):
#: seven years (Algemene wet inzake rijksbelastingen, art. 52(4)), counted from the end of the
#: fiscal year (the calendar year) they belong to
FISCAL_YEARS = 7


def moment(text: str) -> datetime:
    """A moment written down by core.clock.isoformat (or a day, taken as its start in Amsterdam)."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), BUSINESS_TIME)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def after_fiscal_years(when: date | datetime | str, years: int = FISCAL_YEARS) -> datetime:
    """The end of the `years`-th year after the fiscal year of `when` (Amsterdam's calendar year): a
    2026 invoice is kept through 2033 and forgotten from 1 January 2034, 00:00 in Amsterdam."""
    if isinstance(when, str):
        when = moment(when)
    if isinstance(when, datetime):
        when = when.astimezone(BUSINESS_TIME).date()
    return datetime.combine(date(when.year + years + 1, 1, 1), time(), BUSINESS_TIME)


def years_after(when: date | datetime | str, years: int) -> datetime:
    """The same moment `years` later (29 February: the 28th in a year without one); a day is taken
    as its start in Amsterdam."""
    start = moment(when) if isinstance(when, str) else when
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(), BUSINESS_TIME)
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def after(when: datetime | str, period: timedelta) -> datetime:
    return (moment(when) if isinstance(when, str) else when) + period
