"""Expected waits against a simulation: the service level `estimate_wait` gives for a channel,
compared with the share of simulated contacts answered within 15 s.

The simulation is a queue served by `agents` agents first come first served, with Poisson
arrivals, exponential handle times (mean 180 s) and, for the Erlang A rows, exponential patience.
First come first served makes each contact's wait depend only on those before it: the agents'
free-from times sit in a heap, a contact arriving at t holds on until the earliest of them, and
either gets that agent (its patience lasts) or leaves without touching the agents. Each contact
thus costs one heap operation, exactly as an event simulation would decide it.

Service level, in the simulation as in the estimate: contacts answered within 15 s / all contacts
arriving after the warm-up (a contact that gives up is never answered within 15 s). The mean wait
compared alongside is the time until the earliest agent is free at arrival (what a contact holding
on would wait), averaged over all contacts.

Grid: agents {5, 10, 20, 35, 50, 75, 100} x occupancy {0.5, 0.7, 0.8, 0.85, 0.9}, arrivals =
occupancy x agents / 180 s; the goal is a largest difference of at most 2 percentage points. The
Erlang A rows (agents 10 and 50, patience 120 s, offered 0.9 and 1.05 x agents) are reported
apart. Every point first gets a pilot run; its batch means (contiguous batches of 5 000 contacts,
longer than these queues stay correlated) give the variance per contact, and the rest of the
budget goes, in two rounds, where that variance is largest so that all points end with about the
same noise (the standard error by batch means, pooled over a point's runs, reported per point).
Runs are seeded, split into chunks (each with its own warm-up) and spread over the CPU cores
(at most 4). The whole run aims at `TIME_BUDGET_S` (45 s): the main rounds get at most
`MAIN_CONTACTS`, fewer when the pilot's pace on the wall clock says the time would not allow them.

`.venv/bin/python -m bench.waits` from the repository root prints a line per point on stderr and
the result as JSON on stdout.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from heapq import heapreplace
from pathlib import Path
from typing import Any

try:
    from opencounter.channels.queueing import QueueFigures, estimate_wait
except ModuleNotFoundError:  # run from the repository root without the layer on PYTHONPATH
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "shared" / "python"))
    from opencounter.channels.queueing import QueueFigures, estimate_wait

MEAN_HANDLE_S = 180.0
THRESHOLD_S = 15.0
AGENTS = (5, 10, 20, 35, 50, 75, 100)
OCCUPANCIES = (0.5, 0.7, 0.8, 0.85, 0.9)
#: (agents, offered load per agent, mean patience in seconds)
ERLANG_A_ROWS = ((10, 0.9, 120.0), (10, 1.05, 120.0), (50, 0.9, 120.0), (50, 1.05, 120.0))
GOAL_MAX_PP = 2.0

SEED = 8878
PILOT_CONTACTS = 150_000
PILOT_BATCHES = 30
#: contacts discarded at the start of every run: from empty, these queues settle within a few
#: thousand contacts even at 90% occupancy
WARMUP_CONTACTS = 20_000
BATCHES = 20
#: the main runs' contacts, all points together, at most (the same figures on every fast machine)
MAIN_CONTACTS = 50_000_000
CHUNK_CONTACTS = 2_500_000
#: the whole run aims at this wall time: on a slower machine the main runs get fewer contacts
TIME_BUDGET_S = 45.0
#: no point needs its noise below this (share, i.e. 0.05 pp)
NOISE_FLOOR = 0.0005


@dataclass(frozen=True)
class Simulated:
    """One simulation run after its warm-up: counts, and the service level of each batch."""
    contacts: int
    answered_in_time: int
    abandoned: int
    hold_on_wait_s: float
    batch_levels: tuple[float, ...]
    seconds: float

    @property
    def service_level(self) -> float:
        return self.answered_in_time / self.contacts

    @property
    def variance_per_contact(self) -> float:
        """Batch means: the variance of one batch's service level x contacts per batch."""
        return statistics.variance(self.batch_levels) * (self.contacts // len(self.batch_levels))


def simulate(agents: int, arrivals_per_hour: float, mean_handle_s: float, contacts: int, *,
             mean_patience_s: float | None = None, threshold_s: float = THRESHOLD_S,
             warmup: int = WARMUP_CONTACTS, batches: int = BATCHES, seed: int = SEED) -> Simulated:
    """Simulates `warmup` + `contacts` contacts of a first-come-first-served queue with `agents`
    agents (Poisson arrivals, exponential handle times, exponential patience when given) and
    counts, after the warm-up, those answered within `threshold_s`, in `batches` equal batches."""
    started = time.perf_counter()
    rnd = random.Random(seed).random
    log = math.log
    between = 3600.0 / arrivals_per_hour
    patience = mean_patience_s
    free = [0.0] * agents  # when each agent comes free: a heap, the earliest first
    now = 0.0

    def contacts_of(count: int) -> tuple[int, int, float]:
        nonlocal now
        in_time = abandoned = 0
        waited = 0.0
        t = now
        for _ in range(count):
            t -= log(1.0 - rnd()) * between
            first = free[0]
            if first <= t:
                heapreplace(free, t - log(1.0 - rnd()) * mean_handle_s)
                in_time += 1
                continue
            wait = first - t
            waited += wait
            # Patience is memoryless and independent: it need only be drawn for those who wait.
            if patience is not None and -log(1.0 - rnd()) * patience < wait:
                abandoned += 1
                continue
            heapreplace(free, first - log(1.0 - rnd()) * mean_handle_s)
            if wait <= threshold_s:
                in_time += 1
        now = t
        return in_time, abandoned, waited

    contacts_of(warmup)
    size = contacts // batches
    levels = []
    in_time_total = abandoned_total = 0
    waited_total = 0.0
    for _ in range(batches):
        in_time, abandoned, waited = contacts_of(size)
        levels.append(in_time / size)
        in_time_total += in_time
        abandoned_total += abandoned
        waited_total += waited
    return Simulated(size * batches, in_time_total, abandoned_total, waited_total, tuple(levels),
                     time.perf_counter() - started)


@dataclass(frozen=True)
class Point:
    agents: int
    load: float  # offered load per agent (the occupancy without abandonment)
    mean_patience_s: float | None = None

    @property
    def arrivals_per_hour(self) -> float:
        return self.load * self.agents / MEAN_HANDLE_S * 3600.0

    @property
    def name(self) -> str:
        patience = "" if self.mean_patience_s is None else f" patience={self.mean_patience_s:.0f}s"
        return f"agents={self.agents:3d} load={self.load:.2f}{patience}"


Task = tuple[Point, int, int, int]  # point, contacts, seed, batches


def _run(task: Task) -> Simulated:
    point, contacts, seed, batches = task
    return simulate(point.agents, point.arrivals_per_hour, MEAN_HANDLE_S, contacts,
                    mean_patience_s=point.mean_patience_s, seed=seed, batches=batches)


def _map(tasks: list[Task], pool: ProcessPoolExecutor | None) -> list[Simulated]:
    return list(pool.map(_run, tasks)) if pool is not None else [_run(task) for task in tasks]


def _allocate(variances: list[float], have: list[int], budget: int) -> list[int]:
    """Extra contacts per point so that the largest noise is as small as the budget allows: a
    common target noise s, each point getting variance / s^2 contacts in all (water filling)."""
    def extra(noise: float) -> list[int]:
        return [max(0, math.ceil(v / noise**2) - n) for v, n in zip(variances, have, strict=True)]

    if sum(extra(NOISE_FLOOR)) <= budget:
        return extra(NOISE_FLOOR)
    low, high = NOISE_FLOOR, 1.0
    for _ in range(60):
        middle = math.sqrt(low * high)
        if sum(extra(middle)) > budget:
            low = middle
        else:
            high = middle
    return extra(high)


def _chunks(contacts: int) -> list[int]:
    count = math.ceil(contacts / CHUNK_CONTACTS)
    return [math.ceil(contacts / count / BATCHES) * BATCHES] * count if contacts else []


def _pooled_variance(runs: list[Simulated]) -> float:
    """The variance per contact of one point, pooled over its runs' batches."""
    degrees = sum(len(r.batch_levels) - 1 for r in runs)
    return sum(r.variance_per_contact * (len(r.batch_levels) - 1) for r in runs) / degrees


def _combine(runs: list[Simulated]) -> tuple[float, float, int, float, float]:
    """(service level, its noise as one standard error, contacts, abandon share, hold-on wait)
    over runs of one point."""
    contacts = sum(r.contacts for r in runs)
    variance = _pooled_variance(runs)
    return (sum(r.answered_in_time for r in runs) / contacts, math.sqrt(variance / contacts), contacts,
            sum(r.abandoned for r in runs) / contacts, sum(r.hold_on_wait_s for r in runs) / contacts)


def run(log: Callable[[str], None] = print) -> dict[str, Any]:
    """Compares `estimate_wait` with the simulation over the grid and the Erlang A rows; logs a
    line per point and returns {"service": {"wait_estimate_error_pp": ..., "wait_estimate_detail": ...}}."""
    started = time.monotonic()
    grid = [Point(agents, occupancy) for agents in AGENTS for occupancy in OCCUPANCIES]
    rows = [Point(agents, load, patience) for agents, load, patience in ERLANG_A_ROWS]
    points = grid + rows
    workers = max(1, min(os.cpu_count() or 1, 4))
    log(f"wait estimates: {len(grid)} grid points and {len(rows)} Erlang A rows against a simulation "
        f"on {workers} process(es)")
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    runs: dict[Point, list[Simulated]] = {p: [] for p in points}
    seeds = {p: SEED * 1_000_003 + i * 1_000 for i, p in enumerate(points)}

    def simulate_all(tasks: list[Task]) -> float:
        """Runs the tasks, the longest first so the processes end together; returns their pace
        (contacts per second of wall time, whatever else the machine is doing)."""
        tasks = sorted(tasks, key=lambda task: -task[1])
        round_started = time.monotonic()
        for task, simulated in zip(tasks, _map(tasks, pool), strict=True):
            runs[task[0]].append(simulated)
        return sum(task[1] + WARMUP_CONTACTS for task in tasks) / max(1e-9, time.monotonic() - round_started)

    def chunks(extra: list[int]) -> list[Task]:
        return [(p, size, seeds[p] + len(runs[p]) + chunk, BATCHES)
                for p, more in zip(points, extra, strict=True) for chunk, size in enumerate(_chunks(more))]

    used = 0
    try:
        pace = simulate_all([(p, PILOT_CONTACTS, seeds[p], PILOT_BATCHES) for p in points])
        # Two rounds: the pilot's variances are rough (a few dozen batches), so the first round
        # spends half of what is left by them and the second the rest by the sharper estimates.
        for share in (0.5, 1.0):
            left_s = TIME_BUDGET_S - (time.monotonic() - started)
            budget = max(0, min(int(MAIN_CONTACTS * share) - used, int(0.9 * pace * left_s * share)))
            variances = [_pooled_variance(runs[p]) for p in points]
            extra = _allocate(variances, [sum(r.contacts for r in runs[p]) for p in points], budget)
            used += sum(extra)
            if any(extra):
                pace = simulate_all(chunks(extra))
    finally:
        if pool is not None:
            pool.shutdown()

    def compare(point: Point) -> dict[str, Any]:
        figures = QueueFigures(point.arrivals_per_hour, MEAN_HANDLE_S, point.agents, point.mean_patience_s)
        estimate = estimate_wait(figures, THRESHOLD_S)
        level, noise, contacts, abandoned, hold_on = _combine(runs[point])
        error_pp = abs(estimate.service_level - level) * 100
        detail: dict[str, Any] = {
            "agents": point.agents, "occupancy": point.load, "arrivals_per_hour": round(point.arrivals_per_hour, 3),
            "estimated": round(estimate.service_level, 5), "simulated": round(level, 5),
            "error_pp": round(error_pp, 3), "sim_noise_pp": round(noise * 100, 3), "contacts": contacts,
            "mean_wait_s": {"estimated": round(estimate.mean_wait_s, 2), "simulated": round(hold_on, 2)},
        }
        if point.mean_patience_s is not None:
            detail["mean_patience_s"] = point.mean_patience_s
            detail["abandon_share"] = {"estimated": round(estimate.abandon_share, 5), "simulated": round(abandoned, 5)}
            extra_line = f", abandoned {estimate.abandon_share:.2%} / {abandoned:.2%}"
        else:
            extra_line = ""
        log(f"  {point.name}: estimated {estimate.service_level:7.2%} simulated {level:7.2%} "
            f"(noise {noise * 100:.2f} pp, {contacts:,} contacts) error {error_pp:.2f} pp, mean wait "
            f"{estimate.mean_wait_s:.1f} s / {hold_on:.1f} s{extra_line}")
        return detail

    grid_detail = {f"agents={p.agents} occupancy={p.load}": compare(p) for p in grid}
    rows_detail = {f"agents={p.agents} load={p.load} patience={p.mean_patience_s:g}s": compare(p) for p in rows}
    errors = [d["error_pp"] for d in grid_detail.values()]
    row_errors = [d["error_pp"] for d in rows_detail.values()]
    noises = [d["sim_noise_pp"] for d in [*grid_detail.values(), *rows_detail.values()]]
    runtime = time.monotonic() - started
    summary = {"max": max(errors), "mean": round(statistics.mean(errors), 3), "n_points": len(errors),
               "goal_max": GOAL_MAX_PP}
    log(f"wait estimate error: max {summary['max']:.2f} pp, mean {summary['mean']:.2f} pp over {len(errors)} points "
        f"(goal <= {GOAL_MAX_PP} pp); Erlang A rows max {max(row_errors):.2f} pp; simulation noise up to "
        f"{max(noises):.2f} pp; {runtime:.1f} s")
    return {"service": {
        "wait_estimate_error_pp": summary,
        "wait_estimate_detail": {
            "erlang_c": grid_detail,
            "erlang_a": {"max_error_pp": max(row_errors), "mean_error_pp": round(statistics.mean(row_errors), 3),
                         "points": rows_detail},
            "sim_noise_pp": {"max": max(noises), "mean": round(statistics.mean(noises), 3)},
            "contacts": sum(d["contacts"] for d in [*grid_detail.values(), *rows_detail.values()]),
            "mean_handle_s": MEAN_HANDLE_S, "threshold_s": THRESHOLD_S, "processes": workers,
            "runtime_s": round(runtime, 1),
            "definition": "service level = contacts answered within 15 s / all contacts arriving after the "
                          "warm-up (one who gives up is not answered within 15 s); noise = one standard error "
                          "by batch means; error = |estimated - simulated| in percentage points",
        },
    }}


if __name__ == "__main__":
    print(json.dumps(run(log=lambda line: print(line, file=sys.stderr, flush=True)), indent=2))
