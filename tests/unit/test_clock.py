"""Deadlines for staff: working days on, to the end of the working day in Amsterdam, whatever the
moment and the season it is counted from."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from opencounter.core.clock import BUSINESS_TIME, add_working_days, staff_window


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 12, 7), 5, date(2026, 12, 14)),  # a Monday: the Monday after
    (date(2026, 12, 4), 1, date(2026, 12, 7)),  # a Friday: the weekend is no working day
    (date(2026, 12, 5), 1, date(2026, 12, 7)),  # a Saturday counts from the Monday
    (date(2026, 12, 9), 5, date(2026, 12, 16)),
    (date(2026, 12, 9), 0, date(2026, 12, 9)),
])
def test_working_days_skip_the_weekend(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 12, 24), 1, date(2026, 12, 28)),  # both Kerstdagen: Friday the 25th is no working day
    (date(2027, 4, 26), 3, date(2027, 4, 30)),  # Koningsdag (27 April) is no working day
])
def test_a_public_holiday_is_no_working_day_either(start, days, expected):
    assert add_working_days(start, days) == expected


def test_a_staff_deadline_does_not_fall_on_a_public_holiday():
    # Given Thursday 24 December 2026, 10:00 in Amsterdam; the 25th is Christmas Day
    now = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)

    # When staff have one working day
    end = (now + staff_window(now, 1)).astimezone(BUSINESS_TIME)

    # Then their deadline is Monday 28 December, 17:00 (the 25th and the weekend are no working days)
    assert (end.date(), end.hour) == (date(2026, 12, 28), 17)


def test_a_window_ends_at_five_in_the_afternoon_amsterdam_time():
    # Given Wednesday 9 December 2026, 23:30 in Amsterdam (22:30 UTC)
    now = datetime(2026, 12, 9, 22, 30, tzinfo=UTC)

    # When staff have five working days
    end = (now + staff_window(now, 5)).astimezone(BUSINESS_TIME)

    # Then they have until Wednesday 16 December, 17:00 Amsterdam
    assert (end.date(), end.hour, end.minute) == (date(2026, 12, 16), 17, 0)


def test_a_window_across_the_change_to_summer_time_still_ends_at_five():
    # Given Friday 27 March 2026, 10:00 in Amsterdam (winter time, UTC+1); the clocks go forward on the 29th
    now = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)

    end = (now + staff_window(now, 4)).astimezone(BUSINESS_TIME)

    # Then four working days on is Thursday 2 April at 17:00 summer time (15:00 UTC), one hour less than a
    # plain count (five would pass Goede Vrijdag, 3 April, and tweede Paasdag, 6 April: Tuesday the 7th)
    assert (end.date(), end.hour) == (date(2026, 4, 2), 17)
    assert (now + staff_window(now, 4)).astimezone(UTC).hour == 15
    assert (now + staff_window(now, 5)).astimezone(BUSINESS_TIME).date() == date(2026, 4, 7)
