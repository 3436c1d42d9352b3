"""The field service's capacity model and the 24-hour rule, as pure functions: which arrival
windows are offered, which technician takes a visit, that no plan it makes is overbooked, and
until when a customer changes an appointment themselves, across both clock changes."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from opencounter.appointments.capacity import (
    MODEL,
    Booking,
    day_windows,
    field_service,
    free_windows,
    overbooked,
    technician_for,
    window_at,
)
from opencounter.appointments.rules import change_deadline, customer_may_change, staff_may_change
from opencounter.core.clock import BUSINESS_TIME

MODEL_NOW = field_service()
AMS = next(r for r in MODEL_NOW.regions if r.code == "AMS")
EHV = next(r for r in MODEL_NOW.regions if r.code == "EHV")
MONDAY = date(2026, 12, 7)


def _local(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), BUSINESS_TIME)


def _book(model, region, kind, window, bookings, appointment_id="a"):
    technician = technician_for(model, region, kind, window, bookings)
    assert technician is not None
    return [*bookings, Booking(appointment_id, kind, technician, window.start, window.start + model.busy_for(kind))]


# ---------------------------------------------------------------- the model as shipped


def test_the_model_file_names_every_weekday_and_kind_and_its_regions_do_not_overlap():
    document = json.loads(MODEL.read_text())
    assert set(document["jobs"]) == {"engineer_visit", "installer_visit", "delivery"}
    ranges = sorted((low, high) for region in document["regions"] for low, high in region["postcodes"])
    assert all(low <= high for low, high in ranges)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False)), "a postcode in two regions"
    for region in MODEL_NOW.regions:
        assert set(region.crews) == set(MODEL_NOW.jobs) and all(len(c) == 7 for c in region.crews.values())


def test_the_holidays_are_the_dutch_public_holidays_of_2026_and_2027():
    def easter(year: int) -> date:  # the Gregorian computus (Meeus)
        a, b, c = year % 19, year // 100, year % 100
        h = (19 * a + b - b // 4 - (b - (b + 8) // 25 + 1) // 3 + 15) % 30
        m = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7
        n = (a + 11 * h + 22 * m) // 451
        return date(year, (h + m - 7 * n + 114) // 31, (h + m - 7 * n + 114) % 31 + 1)

    expected = set()
    for year in (2026, 2027):
        sunday = easter(year)
        expected |= {date(year, 1, 1), sunday, sunday + timedelta(1), date(year, 4, 27), sunday + timedelta(39),
                     sunday + timedelta(49), sunday + timedelta(50), date(year, 12, 25), date(year, 12, 26)}
    assert MODEL_NOW.holidays == expected


@pytest.mark.parametrize(("postcode", "region"), [("1012 LG", "AMS"), ("1354 AB", "AMS"), ("3011 AD", "RTM"),
                                                  ("3511 AX", "UTR"), ("5611 JK", "EHV"), ("2514 EA", "HAG"),
                                                  ("9711 AB", None), ("1299 ZZ", None)])
def test_a_postcode_is_served_by_its_region_or_is_outside_the_area(postcode, region):
    found = MODEL_NOW.region_of(postcode)
    assert (found.code if found else None) == region


# ---------------------------------------------------------------- windows


def test_a_working_day_offers_half_hour_windows_from_eight_while_the_job_still_ends_by_five():
    engineer = day_windows(MODEL_NOW, "engineer_visit", MONDAY)
    installer = day_windows(MODEL_NOW, "installer_visit", MONDAY)
    assert all(w.minutes == 30 for w in engineer + installer)
    assert [f"{w.local_start:%H:%M}" for w in engineer][:2] == ["08:00", "08:30"]
    # arriving at 15:00 (the window's end) a 120-minute job ends at 17:00; a 60-minute one from 16:00
    assert f"{engineer[-1].local_start:%H:%M}-{engineer[-1].local_end:%H:%M}" == "14:30-15:00"
    assert f"{installer[-1].local_start:%H:%M}" == "15:30"
    assert len(engineer) == 14 and len(installer) == 16


def test_a_holiday_and_a_day_without_technicians_offer_nothing():
    christmas = date(2026, 12, 25)
    assert MODEL_NOW.technicians(AMS, "engineer_visit", christmas) == 0
    assert free_windows(MODEL_NOW, AMS, "engineer_visit", christmas, []) == []
    sunday = date(2026, 12, 6)
    assert free_windows(MODEL_NOW, EHV, "installer_visit", sunday, []) == []
    assert free_windows(MODEL_NOW, AMS, "installer_visit", sunday, [])  # Amsterdam has a Sunday installer


def test_a_window_is_found_by_its_start_at_any_offset_and_only_on_the_grid():
    start = _local(MONDAY, "10:00")
    assert window_at(MODEL_NOW, "engineer_visit", start.astimezone(UTC)).local_start == start
    assert window_at(MODEL_NOW, "engineer_visit", _local(MONDAY, "10:15")) is None
    assert window_at(MODEL_NOW, "engineer_visit", _local(MONDAY, "07:30")) is None
    assert window_at(MODEL_NOW, "engineer_visit", _local(MONDAY, "15:30")) is None  # the job would end after five
    assert window_at(MODEL_NOW, "installer_visit", _local(MONDAY, "15:30")) is not None


NIGHT = replace(MODEL_NOW, day_start=time(0), day_end=time(6), jobs={"engineer_visit": timedelta(minutes=30)})


def test_on_the_spring_night_the_hour_the_clock_skips_has_no_window_and_each_window_is_thirty_real_minutes():
    # 29 March 2026: at 02:00 (CET) the clocks go to 03:00 (CEST)
    windows = day_windows(NIGHT, "engineer_visit", date(2026, 3, 29))
    labels = [f"{w.local_start:%H:%M}-{w.local_end:%H:%M}" for w in windows]
    assert "01:30-03:00" in labels  # the window from 01:30 ends 30 minutes later: at 03:00 on the clock
    assert not [label for label in labels if label.startswith(("02:", "01:30-02:00"))]
    assert all(w.minutes == 30 for w in windows)
    assert len(windows) == 9  # five real hours from 00:00 to 06:00, the last window ending by 05:30
    # a slot is a moment: 02:30 "winter time" is 01:30 UTC, which the clock shows as 03:30 summer time
    asked = window_at(NIGHT, "engineer_visit", datetime.fromisoformat("2026-03-29T02:30:00+01:00"))
    assert asked is not None and f"{asked.local_start:%H:%M%z}" == "03:30+0200"


def test_on_the_autumn_night_the_hour_that_happens_twice_gives_two_windows_each():
    # 25 October 2026: at 03:00 (CEST) the clocks go back to 02:00 (CET)
    windows = day_windows(NIGHT, "engineer_visit", date(2026, 10, 25))
    twice = [w for w in windows if f"{w.local_start:%H:%M}" == "02:00"]
    assert len(twice) == 2 and twice[1].start - twice[0].start == timedelta(hours=1)
    assert [w.local_start.utcoffset() for w in twice] == [timedelta(hours=2), timedelta(hours=1)]
    assert all(w.minutes == 30 for w in windows) and len(windows) == 13  # seven real hours


def test_the_working_day_is_the_same_on_the_clock_on_both_nights():
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        windows = day_windows(MODEL_NOW, "installer_visit", day)
        assert (f"{windows[0].local_start:%H:%M}", f"{windows[-1].local_start:%H:%M}") == ("08:00", "15:30")
        assert len(windows) == 16


# ---------------------------------------------------------------- technicians


def test_each_booking_keeps_a_technician_busy_for_the_job_and_the_travel_after_it():
    day, kind = MONDAY, "engineer_visit"  # one engineer in Eindhoven, 120 minutes + 30 travel
    ten = window_at(MODEL_NOW, kind, _local(day, "10:00"))
    bookings = _book(MODEL_NOW, EHV, kind, ten, [])
    free = [f"{w.local_start:%H:%M}" for w in free_windows(MODEL_NOW, EHV, kind, day, bookings)]
    # busy 10:00-12:30: a visit from 08:00 would still keep them until 10:30; from 12:30 they are free
    assert "08:00" not in free and "12:00" not in free and free[0] == "12:30"
    assert technician_for(MODEL_NOW, EHV, kind, ten, bookings) is None
    # an installer is another trade: the engineer's day does not touch theirs
    assert technician_for(MODEL_NOW, EHV, "installer_visit", window_at(MODEL_NOW, "installer_visit", ten.start),
                          bookings) == 0


def test_a_window_takes_as_many_visits_as_there_are_technicians_and_no_more():
    day, kind = MONDAY, "engineer_visit"
    ten = window_at(MODEL_NOW, kind, _local(day, "10:00"))
    bookings: list[Booking] = []
    for n in range(MODEL_NOW.technicians(AMS, kind, day)):
        bookings = _book(MODEL_NOW, AMS, kind, ten, bookings, f"a{n}")
    assert sorted(b.technician for b in bookings) == [0, 1, 2, 3]
    assert technician_for(MODEL_NOW, AMS, kind, ten, bookings) is None


def test_the_free_technician_whose_last_visit_ends_closest_before_takes_the_next():
    day, kind = MONDAY, "installer_visit"  # three installers in Amsterdam, 60 minutes + 30 travel
    eight = window_at(MODEL_NOW, kind, _local(day, "08:00"))
    bookings = _book(MODEL_NOW, AMS, kind, eight, [])  # installer 0, busy until 09:30
    half_past_nine = window_at(MODEL_NOW, kind, _local(day, "09:30"))
    assert technician_for(MODEL_NOW, AMS, kind, half_past_nine, bookings) == 0


def test_plans_made_one_booking_at_a_time_are_never_overbooked():
    rng = random.Random(2026)
    for day in (MONDAY, date(2026, 3, 29), date(2026, 10, 25), date(2026, 12, 12)):
        for region in MODEL_NOW.regions:
            bookings: list[Booking] = []
            # booking until no kind has a window left (each booking takes a place: the loop ends)
            while open_kinds := [k for k in MODEL_NOW.kinds if free_windows(MODEL_NOW, region, k, day, bookings)]:
                kind = rng.choice(open_kinds)
                free = free_windows(MODEL_NOW, region, kind, day, bookings)
                bookings = _book(MODEL_NOW, region, kind, rng.choice(free), bookings, f"a{len(bookings)}")
            assert overbooked(MODEL_NOW, region, day, bookings) == []
            # a region's day plan of a kind holds a few dozen visits, or a few hundred parcels at most
            assert all(sum(b.kind == k for b in bookings) <= (200 if k == "delivery" else 60) for k in MODEL_NOW.kinds)


def test_the_overbooking_check_finds_two_visits_at_once_and_a_technician_the_day_lacks():
    kind = "engineer_visit"
    ten = window_at(MODEL_NOW, kind, _local(MONDAY, "10:00"))
    busy = ten.start + MODEL_NOW.busy_for(kind)
    twice = [Booking("a", kind, 0, ten.start, busy), Booking("b", kind, 0, ten.start + timedelta(hours=1), busy)]
    assert [b.appointment_id for b in overbooked(MODEL_NOW, EHV, MONDAY, twice)] == ["a", "b"]
    assert overbooked(MODEL_NOW, EHV, MONDAY, [Booking("c", kind, 1, ten.start, busy)])


# ---------------------------------------------------------------- the 24-hour rule


def test_a_customer_changes_until_24_hours_before_the_window_and_staff_until_it_starts():
    window = _local(date(2026, 12, 15), "10:00")
    deadline = change_deadline(window)
    assert deadline == datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
    assert customer_may_change(window, deadline - timedelta(minutes=1))
    assert not customer_may_change(window, deadline)
    assert not customer_may_change(window, deadline + timedelta(minutes=1))
    assert staff_may_change(window, deadline + timedelta(hours=23, minutes=59))
    assert not staff_may_change(window, window)


@pytest.mark.parametrize(("window", "deadline_local"), [
    # Sunday 29 March 2026, 10:00 summer time; 24 real hours before is Saturday 09:00 winter time
    (_local(date(2026, 3, 29), "10:00"), "2026-03-28 09:00+01:00"),
    # Sunday 25 October 2026, 10:00 winter time; 24 real hours before is Saturday 11:00 summer time
    (_local(date(2026, 10, 25), "10:00"), "2026-10-24 11:00+02:00"),
    # Monday 30 March 2026, 08:00: the change lies before the 24 hours, the clock reads the same time
    (_local(date(2026, 3, 30), "08:00"), "2026-03-29 08:00+02:00"),
])
def test_24_hours_before_is_24_real_hours_across_the_clock_changes(window, deadline_local):
    deadline = change_deadline(window)
    assert f"{deadline.astimezone(BUSINESS_TIME):%Y-%m-%d %H:%M%:z}" == deadline_local
    assert window - deadline == timedelta(hours=24)
    assert customer_may_change(window, deadline - timedelta(minutes=1))
    assert not customer_may_change(window, deadline + timedelta(minutes=1))
    # the same time of day on the clock the day before is not the deadline on these nights
    clock_day_before = window.replace(day=window.day - 1)
    if window.date() in (date(2026, 3, 29), date(2026, 10, 25)):
        assert clock_day_before.astimezone(UTC) != deadline
