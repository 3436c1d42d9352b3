"""Appointments benchmark against a local cloud (asynchronous, as `make run`): how precise the
windows offered are, whether a window is ever sold beyond its technicians when many customers book
at once, and whether a change or a cancellation after the 24-hour deadline is ever accepted.

- window_minutes_max: every window GET /appointments/slots offers for every region and kind of
  visit and for the courier's deliveries, on two weeks around both clock changes of 2026 and 2027
  and two ordinary weeks, its end minus its start in real minutes (the largest, and the smallest
  beside it); goal 30.
- overbooked_slots: scarce windows booked over HTTP by many customers released at once (a barrier):
  `BOOKERS_ONE_WINDOW` customers of Amsterdam on one engineer's window (four engineers that day), and
  `BOOKERS_ONE_INSTALLER` customers of Eindhoven over six overlapping windows of its one installer.
  Afterwards, per window booked, the visits accepted that keep a technician busy at its start
  against the technicians the day has, from the 201s and from the day plans alike, and the day plans
  checked against the appointments (each 201 is in a plan, each plan's visit is planned); goal 0.
- changes_after_deadline_accepted: for windows on the Saturdays, Sundays and Mondays of both clock
  changes of 2026 and on two ordinary days, the clock the appointments read set to the deadline (24
  real hours before the window) plus each of `OFFSETS_MIN` minutes, a PATCH to another window and,
  on a fresh booking, a DELETE: those accepted at or after the deadline; goal 0. Those refused before
  it are counted too (goal 0).

The clock the appointments' service reads is set by the bench (it runs the functions in this
process); every request is real HTTP through the local API."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

import opencounter.appointments.service as appointments
from bench import field_day
from bench.billing import SYSTEM, person
from bench.samples import at_once
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.appointments.capacity import field_service, overbooked
from opencounter.appointments.records import Appointment, DayPlan
from opencounter.customers.service import register_customer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HTTP_TIMEOUT_S = 60
GOALS = {"window_minutes_max": 30, "overbooked_slots": 0, "changes_after_deadline_accepted": 0,
         "changes_before_deadline_refused": 0, "on_time_share": field_day.GOAL}
ADDRESSES = {"AMS": {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"},
             "EHV": {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"}}
POSTCODES = {"AMS": "1012 LG", "HAG": "2514 EA", "RTM": "3011 AD", "UTR": "3511 AX", "EHV": "5611 JK"}
BOOKERS_ONE_WINDOW = 50
BOOKERS_ONE_INSTALLER = 30
#: minutes from the deadline: a minute either side of it, and of an hour either side (where counting hours
#: on the clock instead of real hours would put it on a night the clocks change)
OFFSETS_MIN = (-61, -59, -1, 0, 1, 59, 61)
#: (day, time on the clock) of the windows probed around their deadlines
PROBED = [(date(2026, 3, 28), "10:00"), (date(2026, 3, 29), "08:00"), (date(2026, 3, 29), "10:00"),
          (date(2026, 3, 29), "13:00"), (date(2026, 3, 30), "08:00"), (date(2026, 10, 24), "10:00"),
          (date(2026, 10, 25), "08:00"), (date(2026, 10, 25), "10:00"), (date(2026, 10, 25), "13:00"),
          (date(2026, 10, 26), "08:00"), (date(2026, 6, 16), "10:00"), (date(2027, 1, 12), "10:00")]
#: the weeks whose windows are measured: both clock changes of 2026 and 2027, and two ordinary weeks
SWEPT_FROM = (date(2026, 3, 23), date(2026, 10, 19), date(2027, 3, 22), date(2027, 10, 25), date(2026, 6, 15),
              date(2027, 1, 11))
KINDS = ("engineer_visit", "installer_visit", "delivery")


@contextmanager
def clock(moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """The appointments' clock set to `moment` (changed with the function yielded), then real again."""
    now = [moment.astimezone(UTC)]
    real = appointments.utcnow
    appointments.utcnow = lambda: now[0]  # type: ignore[assignment]
    try:
        yield lambda later: now.__setitem__(0, later.astimezone(UTC))
    finally:
        appointments.utcnow = real  # type: ignore[assignment]


def _at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=AMSTERDAM).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _customer(running: Running, region: str, since: date) -> tuple[str, requests.Session]:
    """A customer living in `region` since `since`, signed in: their id and session."""
    email = f"bench-visit-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register_customer(person(email), ADDRESSES[region], actor=SYSTEM, channel="system", since=since)
    user = User(email, "pw", ("customers",), customer_id)
    running.issuer.add_user(user)
    session = requests.Session()
    session.headers["Authorization"] = running.issuer.id_token(user)
    return customer_id, session


# ---------------------------------------------------------------- window precision


def window_precision(running: Running) -> dict[str, Any]:
    minutes: list[float] = []
    for first in SWEPT_FROM:
        with clock(_at(first, "08:00") - timedelta(days=2)):
            for region, postcode in POSTCODES.items():
                for kind in KINDS:
                    answer = requests.get(f"{running.url}/appointments/slots", params={
                        "postcode": postcode, "kind": kind, "from": first.isoformat()}, timeout=HTTP_TIMEOUT_S)
                    if answer.status_code != 200:
                        raise RuntimeError(f"slots {region} {kind} {first}: {answer.status_code} {answer.text}")
                    minutes += [(datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])
                                 ).total_seconds() / 60 for d in answer.json()["days"] for s in d["slots"]]
    return {"window_minutes_max": max(minutes), "window_minutes_min": min(minutes), "windows": len(minutes)}


# ---------------------------------------------------------------- booking at once


def _outcome(answer: Any) -> str:
    if not isinstance(answer, requests.Response):
        return f"error: {type(answer).__name__}"
    if answer.status_code == 201:
        return "201"
    try:
        return f"{answer.status_code} {answer.json().get('reason')}"
    except ValueError:
        return str(answer.status_code)


def concurrent_bookings(running: Running, *, log: Callable[[str], None]) -> dict[str, Any]:
    model = field_service()
    engineer_day, installer_day = date(2027, 2, 3), date(2027, 2, 4)  # a Wednesday and a Thursday
    now = _at(date(2027, 1, 25), "09:00")
    with clock(now):
        amsterdam = [_customer(running, "AMS", date(2026, 1, 1)) for _ in range(BOOKERS_ONE_WINDOW)]
        eindhoven = [_customer(running, "EHV", date(2026, 1, 1)) for _ in range(BOOKERS_ONE_INSTALLER)]
        one_window = _iso(_at(engineer_day, "10:00"))
        installer_windows = [_iso(_at(installer_day, hhmm)) for hhmm in ("08:00", "08:30", "09:00", "09:30", "10:00",
                                                                         "10:30")]
        asked = [(c, "engineer_visit", one_window) for c in amsterdam] + [
            (c, "installer_visit", installer_windows[n % len(installer_windows)]) for n, c in enumerate(eindhoven)]
        started = time.perf_counter()
        answers = at_once([lambda s=c[1], k=k, w=w: s.post(f"{running.url}/me/appointments",
                                                            json={"kind": k, "slot": w}, timeout=HTTP_TIMEOUT_S)
                            for c, k, w in asked])
        seconds = time.perf_counter() - started
    outcomes = Counter(_outcome(a) for a in answers)
    accepted = [a.json() for a in answers if isinstance(a, requests.Response) and a.status_code == 201]
    whose = {a.json()["appointment_id"]: customer[0] for (customer, _, _), a in zip(asked, answers, strict=True)
             if isinstance(a, requests.Response) and a.status_code == 201}
    log(f"  {len(asked)} bookings at once in {seconds:.1f}s: {dict(outcomes)}")
    # every window booked is overbooked when more visits keep a technician busy at its start than the
    # day has technicians, counted from the 201s and from the day plans as stored alike
    plans = {region_code: DayPlan.get(*DayPlan.keys(region_code, kind, day.isoformat()), consistent_read=True).booked()
             for region_code, kind, day in (("AMS", "engineer_visit", engineer_day),
                                            ("EHV", "installer_visit", installer_day))}
    windows = [("AMS", "engineer_visit", one_window)] + [("EHV", "installer_visit", w) for w in installer_windows]
    over = 0
    for region_code, kind, start in windows:
        region = next(r for r in model.regions if r.code == region_code)
        moment = datetime.fromisoformat(start)
        answered = [datetime.fromisoformat(a["window"]["start"]) for a in accepted
                    if a["kind"] == kind and a["address"]["postcode"] == ADDRESSES[region_code]["postcode"]]
        stored = [b.start for b in plans[region_code] if b.kind == kind]
        technicians = model.technicians(region, kind, moment.astimezone(AMSTERDAM).date())
        if any(sum(s <= moment < s + model.busy_for(kind) for s in starts) > technicians
               for starts in (answered, stored)):
            over += 1
    # and the plans agree with the appointments: each 201 in a plan and stored planned, each planned
    # visit of a plan a 201, no technician with two visits at once
    in_plans = {b.appointment_id for bookings in plans.values() for b in bookings}
    mismatches = len(set(whose) ^ in_plans) + sum(
        Appointment.get(*Appointment.keys(customer_id, appointment_id)).status != "PLANNED"
        for appointment_id, customer_id in whose.items())
    twice = sum(len(overbooked(model, next(r for r in model.regions if r.code == code), day, plans[code]))
                for code, day in (("AMS", engineer_day), ("EHV", installer_day)))
    return {"overbooked_slots": over, "bookings_at_once": len(asked), "outcomes": dict(sorted(outcomes.items())),
            "accepted": len(accepted), "plan_mismatches": mismatches, "plan_bookings_overlapping": twice,
            "seconds": round(seconds, 2),
            "capacity": {"AMS engineer_visit 10:00": model.technicians(
                next(r for r in model.regions if r.code == "AMS"), "engineer_visit", engineer_day),
                "EHV installer_visit 08:00-10:30 (one at a time)": 1}}


# ---------------------------------------------------------------- 24 hours before


def _probe(running: Running, session: requests.Session, window: datetime, offset: int, method: str,
           set_clock: Callable[[datetime], None]) -> bool:
    """Book the window (the clock well before), set the clock `offset` minutes from its deadline,
    change or cancel it; whether that was accepted. Its place is given back after, either way."""
    base = window - timedelta(days=10)
    set_clock(base)
    booked = session.post(f"{running.url}/me/appointments", json={"kind": "installer_visit", "slot": _iso(window)},
                          timeout=HTTP_TIMEOUT_S)
    if booked.status_code != 201:
        raise RuntimeError(f"booking {_iso(window)}: {booked.status_code} {booked.text}")
    appointment = booked.json()
    path = f"{running.url}/me/appointments/{appointment['appointment_id']}"
    set_clock(window - timedelta(hours=24) + timedelta(minutes=offset))
    if method == "PATCH":
        other = {"slot": _iso(window + timedelta(hours=2)), "version": appointment["version"]}
        answer = session.patch(path, json=other, timeout=HTTP_TIMEOUT_S)
    else:
        answer = session.delete(path, timeout=HTTP_TIMEOUT_S)
    if answer.status_code not in (200, 409) or (answer.status_code == 409 and
                                                answer.json()["reason"] != "change_too_late"):
        raise RuntimeError(f"{method} at deadline {offset:+d} min: {answer.status_code} {answer.text}")
    set_clock(base)
    if answer.status_code == 409 or method == "PATCH":
        session.delete(path, timeout=HTTP_TIMEOUT_S)  # its place free for the next probe
    return answer.status_code == 200


def deadline_sweep(running: Running) -> dict[str, Any]:
    _, session = _customer(running, "AMS", date(2026, 1, 1))
    after, before, probes = 0, 0, 0
    wrong: list[str] = []
    with clock(datetime(2026, 1, 1, tzinfo=UTC)) as set_clock:
        for day, hhmm in PROBED:
            window = _at(day, hhmm)
            for offset in OFFSETS_MIN:
                for method in ("PATCH", "DELETE"):
                    accepted = _probe(running, session, window, offset, method, set_clock)
                    probes += 1
                    if accepted and offset >= 0:
                        after += 1
                        wrong.append(f"{method} {_iso(window)} at deadline {offset:+d} min accepted")
                    if not accepted and offset < 0:
                        before += 1
                        wrong.append(f"{method} {_iso(window)} at deadline {offset:+d} min refused")
    return {"changes_after_deadline_accepted": after, "changes_before_deadline_refused": before, "probes": probes,
            "wrong": wrong}


def run(running: Running, *, log: Callable[[str], None]) -> dict[str, Any]:
    phase = time.monotonic()
    running.cloud.settle()
    precision = window_precision(running)
    log(f"  windows offered: {precision['windows']}, {precision['window_minutes_min']:.0f}-"
        f"{precision['window_minutes_max']:.0f} real minutes each (goal max {GOALS['window_minutes_max']})   "
        f"({time.monotonic() - phase:.1f}s)")
    booked = concurrent_bookings(running, log=log)
    log(f"  overbooked windows: {booked['overbooked_slots']} (goal 0); 201s not in a plan or planned visits "
        f"without one: {booked['plan_mismatches']}   ({time.monotonic() - phase:.1f}s)")
    swept = deadline_sweep(running)
    log(f"  {swept['probes']} changes and cancellations around the deadline: accepted after it "
        f"{swept['changes_after_deadline_accepted']} (goal 0), refused before it "
        f"{swept['changes_before_deadline_refused']} (goal 0)   ({time.monotonic() - phase:.1f}s)")
    running.cloud.settle()
    driven = field_day.run()
    for line in field_day.report(driven):
        log(line)
    return {
        "appointments": {"window_minutes_max": precision["window_minutes_max"],
                         "overbooked_slots": booked["overbooked_slots"],
                         "changes_after_deadline_accepted": swept["changes_after_deadline_accepted"],
                         "on_time_share": driven["on_time_share"]},
        "appointments_detail": {"goals": GOALS, "window_minutes_min": precision["window_minutes_min"],
                                "windows_measured": precision["windows"],
                                "bookings": {k: v for k, v in booked.items() if k != "overbooked_slots"},
                                "changes_before_deadline_refused": swept["changes_before_deadline_refused"],
                                "deadline_probes": swept["probes"], "offsets_min": list(OFFSETS_MIN),
                                "windows_probed": [f"{day} {hhmm}" for day, hhmm in PROBED], "wrong": swept["wrong"],
                                "field_day": {k: v for k, v in driven.items() if k not in ("on_time_share", "goal")}},
    }


def main() -> int:
    """`python -m bench.appointments`: on an asynchronous cloud of its own, the figures into bench/results.json."""
    from bench.run import run_apart  # (bench.run imports this module)

    return run_apart("appointments", run)


if __name__ == "__main__":
    raise SystemExit(main())
