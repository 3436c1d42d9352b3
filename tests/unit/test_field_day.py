"""The simulated field day the appointments benchmark measures punctuality with (bench/field_day.py):
a technician never starts before the window, a visit past its window's end is late, and a day the
customers fill through the capacity model is full and never overbooked."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bench.field_day import drive, fill
from opencounter.appointments.capacity import day_windows, field_service, free_windows, overbooked

MODEL = field_service()
AMS = next(r for r in MODEL.regions if r.code == "AMS")
MONDAY = date(2027, 3, 8)


def _windows(kind, *starts):
    windows = day_windows(MODEL, kind, MONDAY)
    return [(kind, windows[n]) for n in starts]


def test_a_technician_arriving_early_waits_for_the_window_and_one_arriving_late_is_late():
    quick = drive(MODEL, _windows("installer_visit", 0, 8), ready=MODEL.working_day(MONDAY)[0],
                  job=lambda _: timedelta(minutes=10), travel_time=lambda: timedelta(minutes=5))
    assert [v.started for v in quick] == [w.start for _, w in _windows("installer_visit", 0, 8)]
    assert all(v.arrived < v.started and v.on_time and v.late_min == 0 for v in quick)

    slow = drive(MODEL, _windows("installer_visit", 0, 4), ready=MODEL.working_day(MONDAY)[0],
                 job=lambda _: timedelta(minutes=150), travel_time=lambda: timedelta(minutes=20))
    first, second = slow
    assert first.on_time
    # the first job ends at 10:30, twenty minutes later 10:50: twenty minutes past 10:00-10:30
    assert second.started == first.finished + timedelta(minutes=20)
    assert not second.on_time and second.late_min == 20


def test_a_day_filled_by_customers_is_full_and_never_overbooked():
    for kind in MODEL.kinds:
        booked = fill(MODEL, AMS, kind, MONDAY, random.Random(1))
        assert booked
        assert free_windows(MODEL, AMS, kind, MONDAY, booked) == []
        assert overbooked(MODEL, AMS, MONDAY, booked) == []
