"""A simulated field day: of the visits the capacity model plans, the share that starts inside
its promised 30-minute window once the day is driven with the variation real days have. No
cloud: the model's own pure functions (opencounter.appointments.capacity), read from the model
the layer ships (field_service.json), so a change of the model shows in the figure.

Filling the days: for every region of the model, every day of WEEKS weeks from FIRST_MONDAY
(Monday to Sunday: the model says who works which day), and both kinds of visit (VISITS), customers ask
one after the other, as they do weeks ahead: each sees the windows `free_windows` offers that day
and takes one, the first offered (FIRST_OFFERED_SHARE of them) or another at random, and
`technician_for` names the technician, as booking does; the visit keeps that technician busy from
its window's start for the job and the travel buffer. Customers keep coming until no window is
free: a day booked full, the one the plan must hold on.

Driving the days: each technician goes through their visits in the order of their windows. They
set off at the start of the working day, later on LATE_START_SHARE of the days (by
LATE_START_MIN: a van that will not start, a traffic jam), and not before the travel buffer ahead
of their first window; every drive takes a travel time drawn around TRAVEL_MEAN_MIN with a tail
(lognormal, TRAVEL_SIGMA), every job a time drawn around what such a job takes (JOB_MEDIAN_MIN,
lognormal, JOB_SIGMA: one in eleven takes half as long again). What the model plans for a job is
its own choice: planned at the median, half the jobs would overrun. A technician arriving before
a window waits for its start; one arriving after its end starts late. A visit is on time when it
starts within [window start, window end].

The draws come from random.Random(SEED): the same model gives the same figure. `what_if` drives
the same days under models that plan more travel or longer jobs (the jobs themselves as long as
ever), to show what reaches the goal and what it costs in visits a technician-day.

`python -m bench.field_day` prints the figures (about two seconds)."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from opencounter.appointments import capacity
from opencounter.appointments.capacity import Booking, FieldService, Region, Window

SEED = 2027
#: the weeks filled and driven: ordinary weeks of 2027, no holiday, no clock change
FIRST_MONDAY = date(2027, 3, 8)
WEEKS = 4
#: customers who take the first window offered; the others pick one of the rest at random
FIRST_OFFERED_SHARE = 0.4
#: a technician's drive from one address to the next in a region (a city and its surroundings):
#: 20 minutes on average, lognormal, so one in twenty takes 40 minutes or more
TRAVEL_MEAN_MIN = 20.0
TRAVEL_SIGMA = 0.5
#: what a job takes, the median: an engineer connecting a fibre line 90 minutes, an installer
#: placing a smart meter 60; how far it spreads around that (lognormal)
JOB_MEDIAN_MIN = {"engineer_visit": 90.0, "installer_visit": 60.0}
JOB_SIGMA = 0.3
#: technician-days that start late, and by how much (triangular: least, most, most often)
LATE_START_SHARE = 0.1
LATE_START_MIN = (5.0, 45.0, 15.0)
GOAL = 0.95
#: the visits a technician of ours drives to; the carrier's timed round (`delivery`, a parcel at the
#: door) is driven by the carrier, its next door a few minutes away: not simulated here
VISITS = ("engineer_visit", "installer_visit")


@dataclass(frozen=True)
class Visit:
    """A visit as driven: its window, when the technician arrived and started, and the job's end."""

    kind: str
    window: Window
    arrived: datetime
    started: datetime
    finished: datetime

    @property
    def on_time(self) -> bool:
        return self.window.start <= self.started <= self.window.end

    @property
    def late_min(self) -> float:
        """Minutes the visit started after its window's end (0 when within it)."""
        return max(0.0, (self.started - self.window.end).total_seconds() / 60)


def days(first: date = FIRST_MONDAY, weeks: int = WEEKS) -> list[date]:
    return [first + timedelta(days=n) for n in range(7 * weeks)]


def fill(model: FieldService, region: Region, kind: str, day: date, draw: random.Random) -> list[Booking]:
    """A day of `kind` in `region` booked full, one customer after another taking a free window."""
    bookings: list[Booking] = []
    while offered := capacity.free_windows(model, region, kind, day, bookings):
        window = offered[0] if len(offered) == 1 or draw.random() < FIRST_OFFERED_SHARE else draw.choice(offered[1:])
        technician = capacity.technician_for(model, region, kind, window, bookings)
        assert technician is not None  # free_windows offered it
        bookings.append(Booking(f"{region.code}-{day}-{len(bookings)}", kind, technician, window.start,
                                window.start + model.busy_for(kind)))
    return bookings


def lognormal_min(draw: random.Random, median_min: float, sigma: float) -> timedelta:
    return timedelta(minutes=draw.lognormvariate(math.log(median_min), sigma))


def travel(draw: random.Random) -> timedelta:
    """A drive between two addresses: mean TRAVEL_MEAN_MIN (the lognormal's median below it)."""
    return lognormal_min(draw, TRAVEL_MEAN_MIN / math.exp(TRAVEL_SIGMA ** 2 / 2), TRAVEL_SIGMA)


def drive(model: FieldService, windows: list[tuple[str, Window]], *, ready: datetime,
          job: Any, travel_time: Any) -> list[Visit]:
    """One technician's day: `windows` (kind, window) in order, setting off the travel buffer
    before `ready` (the working day's start, or later) or before the first window, whichever is
    later; `job(kind)` and `travel_time()` draw how long each job and each drive takes."""
    visits: list[Visit] = []
    ordered = sorted(windows, key=lambda kw: kw[1].start)
    if not ordered:
        return visits
    clock = max(ready - model.travel, ordered[0][1].start - model.travel)
    for kind, window in ordered:
        arrived = clock + travel_time()
        started = max(arrived, window.start)
        finished = started + job(kind)
        visits.append(Visit(kind, window, arrived, started, finished))
        clock = finished
    return visits


def technician_days(model: FieldService, draw: random.Random) -> Iterator[tuple[str, date, list[tuple[str, Window]]]]:
    """Every technician's day of the weeks simulated, booked full: (kind, day, its visits)."""
    for region in model.regions:
        for day in days():
            for kind in VISITS:
                booked = fill(model, region, kind, day, draw)
                for technician in range(model.technicians(region, kind, day)):
                    yield kind, day, [(kind, Window(b.start, b.start + model.window))
                                      for b in booked if b.technician == technician]


def simulate(model: FieldService, *, jobs_min: dict[str, float] | None = None, seed: int = SEED) -> dict[str, Any]:
    """The weeks booked full through `model` and driven; the jobs take `jobs_min` (per kind, the
    median; by default what they take, JOB_MEDIAN_MIN)."""
    draw = random.Random(seed)
    actual = jobs_min or JOB_MEDIAN_MIN
    visits: list[Visit] = []
    technician_count = 0
    for kind, day, windows in technician_days(model, draw):
        technician_count += 1
        late = timedelta(minutes=draw.triangular(*LATE_START_MIN[:2], LATE_START_MIN[2])) \
            if draw.random() < LATE_START_SHARE else timedelta(0)
        ready = model.working_day(day, kind)[0] + late
        visits += drive(model, windows, ready=ready, job=lambda kind: lognormal_min(draw, actual[kind], JOB_SIGMA),
                        travel_time=lambda: travel(draw))
    return figures(visits, technician_count)


def figures(visits: list[Visit], technician_days_driven: int) -> dict[str, Any]:
    late = sorted(v.late_min for v in visits)
    on_time = sum(v.on_time for v in visits)
    per_kind = {kind: round(sum(v.on_time for v in visits if v.kind == kind)
                            / max(1, sum(v.kind == kind for v in visits)), 4)
                for kind in sorted({v.kind for v in visits})}
    return {"visits": len(visits), "on_time": on_time, "on_time_share": round(on_time / len(visits), 4),
            "lateness_max_min": round(late[-1], 1), "lateness_p95_min": round(_nearest_rank(late, 95), 1),
            "late_visits_lateness_median_min": round(statistics.median([m for m in late if m > 0] or [0.0]), 1),
            "started_before_window": sum(v.started < v.window.start for v in visits),
            "technician_days": technician_days_driven,
            "visits_per_technician_day": round(len(visits) / max(1, technician_days_driven), 2),
            "on_time_share_by_kind": per_kind}


def _nearest_rank(ordered: list[float], pct: float) -> float:
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


#: the models tried beside the shipped one: (name, travel buffer in minutes or None to keep it,
#: minutes added to the job planned per kind). Every booking is on the 30-minute grid, so a
#: technician's next visit starts at the first window after job + travel: 15 minutes more of
#: either plans the same day as 30 more
WHAT_IF: tuple[tuple[str, int | None, dict[str, int]], ...] = (
    ("travel_buffer_minutes=45", 45, {}),
    ("travel_buffer_minutes=60", 60, {}),
    ("job_minutes+15", None, {"engineer_visit": 15, "installer_visit": 15}),
    ("job_minutes+30", None, {"engineer_visit": 30, "installer_visit": 30}),
    ("engineer_visit job_minutes+30", None, {"engineer_visit": 30}),
)


def what_if(model: FieldService) -> dict[str, dict[str, Any]]:
    """The same weeks under the models of WHAT_IF; the jobs themselves take as long as ever."""
    tried: dict[str, dict[str, Any]] = {}
    for name, travel_min, added in WHAT_IF:
        planned = replace(model, travel=model.travel if travel_min is None else timedelta(minutes=travel_min),
                          jobs={kind: length + timedelta(minutes=added.get(kind, 0))
                                for kind, length in model.jobs.items()})
        found = simulate(planned)
        tried[name] = {k: found[k] for k in ("on_time_share", "on_time_share_by_kind", "lateness_p95_min",
                                             "lateness_max_min", "visits_per_technician_day", "visits")}
    return tried


def run() -> dict[str, Any]:
    """The shipped model's figures, and what the models of WHAT_IF would give."""
    model = capacity.field_service()
    found = simulate(model)
    return {**found, "goal": GOAL, "model_version": model.version, "what_if": what_if(model),
            "assumptions": {"seed": SEED, "weeks": WEEKS, "from": FIRST_MONDAY.isoformat(),
                            "first_offered_share": FIRST_OFFERED_SHARE, "travel_mean_min": TRAVEL_MEAN_MIN,
                            "travel_sigma": TRAVEL_SIGMA, "job_sigma": JOB_SIGMA,
                            "late_start_share": LATE_START_SHARE, "late_start_min": list(LATE_START_MIN)}}


def report(found: dict[str, Any]) -> list[str]:
    lines = [f"  field days simulated: {found['visits']} visits, {found['on_time']} on time, share "
             f"{found['on_time_share']:.3f} (goal >= {found['goal']}); lateness worst {found['lateness_max_min']:.0f} "
             f"min, p95 {found['lateness_p95_min']:.0f} min; {found['visits_per_technician_day']} visits a "
             f"technician-day"]
    lines += [f"    what if {name}: share {f['on_time_share']:.3f}, p95 {f['lateness_p95_min']:.0f} min, "
              f"{f['visits_per_technician_day']} visits a technician-day" for name, f in found["what_if"].items()]
    return lines


if __name__ == "__main__":
    for line in report(run()):
        print(line)
