"""Reminders before collection, as arithmetic: the Dutch days a term does not end on, the schedule's
dates from the due date on (across weekends, holidays, month and year ends), and the collection
costs the law allows at every bracket."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from opencounter.billing.dunning import (
    FINAL_NOTICE_AFTER_REMINDER,
    PAYMENT_TERM_DAYS,
    REMINDER_AFTER_DUE,
    collection_costs_cents,
    collection_day,
    final_notice_day,
    next_after,
    pay_by,
    reminder_day,
)
from opencounter.core.holidays import easter, is_working_day, next_working_day, public_holidays

# ------------------------------------------------------------------ the days


@pytest.mark.parametrize(("year", "sunday"), [
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
    (2030, date(2030, 4, 21)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),  # the latest and earliest
])
def test_easter_falls_where_the_church_calendar_puts_it(year, sunday):
    assert easter(year) == sunday


def test_the_holidays_of_2026_are_the_ones_a_dutch_term_does_not_end_on():
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 4, 27), date(2026, 5, 5),
        date(2026, 5, 14), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)]


def test_kings_day_on_a_sunday_is_the_saturday_before_and_liberation_day_counts_every_year():
    assert date(2025, 4, 26) in public_holidays(2025) and date(2025, 4, 27) not in public_holidays(2025)
    assert all(date(year, 5, 5) in public_holidays(year) for year in range(2024, 2036))


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 12, 4), True),  # a Friday
    (date(2026, 12, 5), False), (date(2026, 12, 6), False),  # the weekend
    (date(2026, 12, 25), False), (date(2026, 12, 24), True),  # Christmas, and Christmas Eve (a working day)
    (date(2026, 4, 6), False),  # Easter Monday
    (date(2026, 5, 5), False),  # Liberation Day, a Tuesday in 2026
])
def test_a_working_day_is_a_weekday_that_is_no_holiday(day, working):
    assert is_working_day(day) is working
    assert (next_working_day(day) == day) is working


def test_the_next_working_day_after_christmas_and_new_year():
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)  # Fri, then Boxing Day on a Saturday
    assert next_working_day(date(2027, 12, 25)) == date(2027, 12, 27)  # a Saturday: the Monday after Boxing Day
    assert next_working_day(date(2027, 12, 26)) == date(2027, 12, 27)
    assert next_working_day(date(2027, 1, 1)) == date(2027, 1, 4)  # Friday New Year, then the weekend


# ------------------------------------------------------------------ the schedule


def test_the_whole_schedule_of_an_invoice_due_on_a_sunday_in_november():
    # Given an invoice due on Sunday 15 November 2026
    due = date(2026, 11, 15)
    # Then the reminder goes a week later, on Sunday the 22nd: the Monday after, the 23rd
    reminded = reminder_day(due)
    assert reminded == date(2026, 11, 23)
    # And the statutory reminder two weeks after that, across the month end
    final = final_notice_day(reminded)
    assert final == date(2026, 12, 7)
    # Giving until 21 December, 14 days from the day after receipt; ready for collection the day after
    assert pay_by(final) == date(2026, 12, 21)
    assert collection_day(pay_by(final)) == date(2026, 12, 22)
    # And each step names the next
    assert next_after("reminder", reminded) == {"step": "final_notice", "on": "2026-12-07"}
    assert next_after("final_notice", final) == {"step": "ready_for_collection", "on": "2026-12-22"}
    assert next_after("ready_for_collection", date(2026, 12, 22)) is None


@pytest.mark.parametrize(("due", "reminded"), [
    (date(2026, 1, 25), date(2026, 2, 2)),  # a week on is Sunday 1 February: across the month end, to Monday
    (date(2026, 3, 30), date(2026, 4, 7)),  # Easter Monday 6 April: the Tuesday
    (date(2026, 5, 7), date(2026, 5, 15)),  # Ascension Day 14 May: the Friday
    (date(2026, 12, 18), date(2026, 12, 28)),  # Christmas on a Friday, Boxing Day on a Saturday
    (date(2026, 12, 25), date(2027, 1, 4)),  # New Year's Day on a Friday: across the year end, to Monday
    (date(2026, 12, 16), date(2026, 12, 23)),  # an ordinary Wednesday
])
def test_the_reminder_goes_a_week_after_the_due_date_on_a_working_day(due, reminded):
    assert reminder_day(due) == reminded
    assert reminded - due >= timedelta(days=REMINDER_AFTER_DUE)


@pytest.mark.parametrize(("reminded", "final"), [
    (date(2026, 12, 11), date(2026, 12, 28)),  # two weeks on is Christmas Day
    (date(2026, 4, 21), date(2026, 5, 6)),  # two weeks on is Liberation Day
    (date(2026, 11, 23), date(2026, 12, 7)),
])
def test_the_statutory_reminder_goes_two_weeks_after_the_friendly_one_on_a_working_day(reminded, final):
    assert final_notice_day(reminded) == final
    assert final - reminded >= timedelta(days=FINAL_NOTICE_AFTER_REMINDER)


@pytest.mark.parametrize(("sent", "last_day"), [
    (date(2026, 12, 7), date(2026, 12, 21)),  # 14 days counted from the 8th: the 21st
    (date(2026, 12, 11), date(2026, 12, 28)),  # the 14th day is Christmas Day: the term runs on to Monday
    (date(2026, 4, 13), date(2026, 4, 28)),  # the 14th day is King's Day
    (date(2026, 1, 22), date(2026, 2, 5)),  # across the month end
])
def test_the_term_is_fourteen_days_from_the_day_after_receipt_and_ends_on_a_working_day(sent, last_day):
    assert pay_by(sent) == last_day
    assert pay_by(sent) - sent >= timedelta(days=PAYMENT_TERM_DAYS)
    assert is_working_day(pay_by(sent))


# ------------------------------------------------------------------ the collection costs


@pytest.mark.parametrize(("principal", "costs"), [
    (0, 0),
    (50, 4_000),  # the least: EUR 40
    (4_250, 4_000),
    (26_666, 4_000),  # 15% is EUR 39.999
    (26_667, 4_000),  # 15% is EUR 40.0005: EUR 40.00
    (26_700, 4_005),
    (250_000, 37_500),  # the first bracket in full
    (250_001, 37_500),  # a cent at 10%: 0.1 cent
    (250_005, 37_501),  # half a cent rounds up
    (500_000, 62_500),  # 375 + 250
    (1_000_000, 87_500),  # + 250
    (20_000_000, 277_500),  # + 1,900
    (100_000_000, 677_500),  # + 4,000: the most
    (200_000_000, 677_500),  # never more
])
def test_collection_costs_follow_the_statutory_scale_at_its_brackets(principal, costs):
    assert collection_costs_cents(principal) == costs


def test_collection_costs_never_fall_as_the_principal_grows():
    costs = [collection_costs_cents(cents) for cents in range(0, 1_200_000, 997)]
    assert costs == sorted(costs)
