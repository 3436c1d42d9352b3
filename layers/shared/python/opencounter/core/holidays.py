"""The days a Dutch term does not end on: Saturdays, Sundays and the public holidays of the
Algemene termijnenwet (art. 3: Nieuwjaarsdag, tweede Paasdag, Hemelvaartsdag, tweede Pinksterdag,
Koningsdag, 5 mei every year, both Kerstdagen), and Goede Vrijdag, which the minister has at times
put on a par with them: counting it only ever moves a date later, never earlier. A term the law
sets that ends on one of these days runs on to the next day that is not (Atw art. 1).

Computed, not looked up: the fixed days and the ones that hang on Easter (Gauss's computus, as the
anonymous Gregorian algorithm writes it) are the whole list, for any year."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter(year: int) -> date:
    """Easter Sunday of a Gregorian year."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """The holidays of a year a term does not end on (weekdays or not)."""
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it is celebrated the Saturday before
        kings_day -= timedelta(days=1)
    return frozenset({
        date(year, 1, 1),  # Nieuwjaarsdag
        sunday - timedelta(days=2),  # Goede Vrijdag
        sunday + timedelta(days=1),  # tweede Paasdag
        sunday + timedelta(days=39),  # Hemelvaartsdag
        sunday + timedelta(days=50),  # tweede Pinksterdag
        kings_day,  # Koningsdag
        date(year, 5, 5),  # Bevrijdingsdag: a holiday of the Atw every year, not only every fifth
        date(year, 12, 25), date(year, 12, 26),  # de beide Kerstdagen
    })


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
