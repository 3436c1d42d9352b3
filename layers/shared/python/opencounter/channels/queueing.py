"""Expected waits and service levels of the contact channels, from live queue figures.

Phone, chat and messaging are queues served by a pool of agents, first come first served:
- Erlang C (M/M/n): Poisson arrivals, exponential handle times, everyone waits until answered;
- Erlang A (M/M/n+M): the same, and a waiting contact gives up after an exponential patience.
E-mail and social are a backlog worked off at the team's throughput (`backlog_wait`).

Service level is the share of all arriving contacts answered within a threshold (NEN 8878: 85%
within 15 s, `NORM_SERVICE_LEVEL` / `NORM_THRESHOLD_S`). Pure Python (math only): the Erlang B
recursion and log-space weights keep it exact and finite for hundreds of agents and loads near
saturation; no factorials of big numbers, no partial fractions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

#: the Dutch norm for customer contact (NEN 8878): 85% of contacts answered within 15 seconds
NORM_THRESHOLD_S = 15.0
NORM_SERVICE_LEVEL = 0.85

#: the percentiles of `WaitEstimate.wait_range_s`
RANGE_PERCENTILES = (0.5, 0.9)

#: `backlog_wait`: throughput over a day drifts by about this much either way
BACKLOG_DRIFT = 0.25

Model = Literal["erlang_c", "erlang_a", "overloaded", "closed"]

# States whose weight is below e^-46 (1e-20) of the largest state's carry nothing visible.
_NEGLIGIBLE_LOG = -46.0
# A queue that would settle beyond this many waiting contacts is treated as not settling at all.
_MAX_QUEUE = 20_000
# Loads within this fraction of the agents count as saturated: the gap is below any figure's precision.
_SATURATED = 1e-9
# Cells (states x steps) of an exact waiting-time computation before an approximation takes over.
_MAX_WORK = 2_000_000
_MAX_AGENTS = 100_000
_GAMMA_WIDER_BELOW = 100


@dataclass(frozen=True)
class QueueFigures:
    """Live figures of one channel's queue.

    `arrivals_per_hour`: contacts arriving per hour; `mean_handle_s`: mean handle time of a contact
    (talk plus wrap-up) in seconds; `agents`: agents available to this channel; `mean_patience_s`:
    how long a waiting contact holds on, on average, before giving up (None when abandonment is not
    known, then nobody gives up); `waiting`: contacts in the queue right now.
    """

    arrivals_per_hour: float
    mean_handle_s: float
    agents: int
    mean_patience_s: float | None = None
    waiting: int = 0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.arrivals_per_hour) and self.arrivals_per_hour >= 0):
            raise ValueError(f"arrivals_per_hour must be finite and >= 0, not {self.arrivals_per_hour!r}")
        if not (math.isfinite(self.mean_handle_s) and self.mean_handle_s > 0):
            raise ValueError(f"mean_handle_s must be finite and > 0, not {self.mean_handle_s!r}")
        if isinstance(self.agents, bool) or not isinstance(self.agents, int) or self.agents < 0:
            raise ValueError(f"agents must be a whole number >= 0, not {self.agents!r}")
        if self.mean_patience_s is not None and not self.mean_patience_s > 0:
            raise ValueError(f"mean_patience_s must be > 0 or None, not {self.mean_patience_s!r}")
        if isinstance(self.waiting, bool) or not isinstance(self.waiting, int) or self.waiting < 0:
            raise ValueError(f"waiting must be a whole number >= 0, not {self.waiting!r}")

    @property
    def offered_erlangs(self) -> float:
        """The offered load: arrivals per second x mean handle time (agents kept busy, on average)."""
        return self.arrivals_per_hour * self.mean_handle_s / 3600.0


@dataclass(frozen=True)
class WaitEstimate:
    """What a contact arriving now can expect.

    - `service_level`: share of all arriving contacts answered within `threshold_s` (0..1); a
      contact that gives up, however soon, is not answered within the threshold;
    - `probability_of_waiting`: share of contacts that find every agent busy;
    - `mean_wait_s`: the average speed of answer over all contacts (answered at once count 0) of a
      contact that holds on: under Erlang A the time it would wait if it did not give up, what a
      caller deciding to hold on wants to know (those who give up leave the queue sooner);
    - `wait_range_s`: the 50th and 90th percentile of that same time for a contact arriving now (0
      when at least that share is answered at once);
    - `occupancy`: share of the agents' time spent handling contacts;
    - `abandon_share`: share of contacts that give up (Erlang A only, else 0);
    - `model`: "erlang_c", "erlang_a", "overloaded" (more work offered than the agents can handle
      and nobody gives up: the queue grows, the wait is that of the current queue) or "closed" (no
      agents: nobody is answered, the wait is infinite);
    - `stable`: whether the queue settles (False for "overloaded" and "closed").
    """

    service_level: float
    threshold_s: float
    probability_of_waiting: float
    mean_wait_s: float
    wait_range_s: tuple[float, float]
    occupancy: float
    abandon_share: float
    model: Model
    stable: bool


def _rates(figures: QueueFigures, threshold_s: float) -> tuple[float, float, float]:
    """Arrival, handle and abandon rates per second (abandon 0 when nobody gives up)."""
    if not (math.isfinite(threshold_s) and threshold_s >= 0):
        raise ValueError(f"threshold_s must be finite and >= 0, not {threshold_s!r}")
    patience = figures.mean_patience_s
    abandon_rate = 0.0 if patience is None or math.isinf(patience) else 1.0 / patience
    return figures.arrivals_per_hour / 3600.0, 1.0 / figures.mean_handle_s, abandon_rate


def _saturated(agents: int, offered_erlangs: float) -> bool:
    return offered_erlangs >= agents * (1.0 - _SATURATED)


def _erlang_b(agents: int, offered_erlangs: float) -> float:
    """Blocking probability of M/M/n/n by the recursion B(k) = a B(k-1) / (k + a B(k-1)): every
    term lies in [0, 1], so it neither overflows nor loses precision."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = offered_erlangs * blocking / (k + offered_erlangs * blocking)
    return blocking


def erlang_c(agents: int, offered_erlangs: float) -> float:
    """Probability that a contact has to wait (all `agents` busy) with `offered_erlangs` of load.

    Erlang C, from Erlang B: C = n B / (n - a (1 - B)). 1.0 when the load is at or above the number
    of agents (the queue grows and everyone waits), 0.0 without load.
    """
    if agents < 0 or not offered_erlangs >= 0:
        raise ValueError("agents and offered_erlangs must be >= 0")
    if _saturated(agents, offered_erlangs):
        return 1.0
    if offered_erlangs == 0:
        return 0.0
    blocking = _erlang_b(agents, offered_erlangs)
    return agents * blocking / (agents - offered_erlangs * (1.0 - blocking))


def estimate_wait(figures: QueueFigures, threshold_s: float = NORM_THRESHOLD_S) -> WaitEstimate:
    """The expected wait, its range and the service level of a channel in its current state.

    Erlang C when `figures.mean_patience_s` is None, Erlang A (exact M/M/n+M, first come first
    served) when it is given. The figures describe the long run at the current rates; the number
    `waiting` right now is used only when the queue does not settle ("overloaded": the offered load
    is at or above the agents without abandonment), where the wait of a contact arriving now is
    that of working off the `waiting` contacts ahead of it, each agent at its handle rate.
    Without agents the channel is "closed". A patience so long that the queue would settle beyond
    20 000 waiting contacts counts as no abandonment (Erlang C, or "overloaded").
    """
    agents = figures.agents
    arrival_rate, handle_rate, abandon_rate = _rates(figures, threshold_s)
    model: Model = "erlang_a" if abandon_rate else "erlang_c"

    if agents == 0:
        return WaitEstimate(0.0, threshold_s, 1.0, math.inf, (math.inf, math.inf), 0.0,
                            1.0 if abandon_rate and arrival_rate else 0.0, "closed", False)
    if arrival_rate == 0:
        return WaitEstimate(1.0, threshold_s, 0.0, 0.0, (0.0, 0.0), 0.0, 0.0, model, True)
    if abandon_rate:
        chain = _erlang_a_chain(agents, arrival_rate, handle_rate, abandon_rate)
        if chain is not None:
            return _erlang_a_estimate(chain, agents, arrival_rate, handle_rate, abandon_rate, threshold_s)
    return _erlang_c_estimate(agents, arrival_rate, handle_rate, figures.offered_erlangs, figures.waiting,
                              threshold_s)


def service_level(figures: QueueFigures, threshold_s: float = NORM_THRESHOLD_S) -> float:
    """`estimate_wait(figures, threshold_s).service_level`, without working out the wait range."""
    agents = figures.agents
    arrival_rate, handle_rate, abandon_rate = _rates(figures, threshold_s)
    if agents == 0:
        return 0.0
    if arrival_rate == 0:
        return 1.0
    if abandon_rate:
        chain = _erlang_a_chain(agents, arrival_rate, handle_rate, abandon_rate)
        if chain is not None:
            at_once, ahead, _, _ = chain
            return min(1.0, at_once + _answered_within(ahead, agents * handle_rate, abandon_rate, threshold_s))
    if _saturated(agents, figures.offered_erlangs):
        return 0.0
    offered = figures.offered_erlangs
    return 1.0 - erlang_c(agents, offered) * math.exp(-(agents - offered) * handle_rate * threshold_s)


def agents_needed(arrivals_per_hour: float, mean_handle_s: float, target_service_level: float = NORM_SERVICE_LEVEL,
                  threshold_s: float = NORM_THRESHOLD_S, mean_patience_s: float | None = None) -> int:
    """The fewest agents whose service level (as `estimate_wait`) reaches `target_service_level`.

    0 when no contacts arrive. The service level grows with every agent added, so the answer is
    found by doubling and then halving the number of agents.
    """
    if not 0 < target_service_level < 1:
        raise ValueError(f"target_service_level must lie strictly between 0 and 1, not {target_service_level!r}")
    if arrivals_per_hour == 0:
        return 0

    def meets(agents: int) -> bool:
        figures = QueueFigures(arrivals_per_hour, mean_handle_s, agents, mean_patience_s)
        return service_level(figures, threshold_s) >= target_service_level

    offered = arrivals_per_hour * mean_handle_s / 3600.0
    # Without abandonment fewer agents than the load can never settle the queue.
    low = 1 if mean_patience_s is not None else math.floor(offered) + 1
    if meets(low):
        return low
    step = max(1, math.ceil(math.sqrt(offered)))
    high = low + step
    while not meets(high):
        low, step = high, 2 * step
        high = low + step
        if high > _MAX_AGENTS:
            raise ValueError(f"the target service level needs more than {_MAX_AGENTS} agents")
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def backlog_wait(backlog: int, handled_per_hour: float) -> tuple[float, float]:
    """Time in seconds until a new message is handled, as (low, high), when `backlog` messages are
    ahead of it and the team handles `handled_per_hour` (first in, first out).

    The expected time is (backlog + 1) / throughput. The range is the wider of two: the 10th-90th
    percentile of that many handlings at the throughput as a Poisson rate (a gamma distribution:
    what a short backlog varies by), and the expected time -/+ `BACKLOG_DRIFT` (25%: how much a
    day's throughput drifts, which dominates for a long backlog). (inf, inf) without throughput.
    """
    if isinstance(backlog, bool) or not isinstance(backlog, int) or backlog < 0:
        raise ValueError(f"backlog must be a whole number >= 0, not {backlog!r}")
    if not handled_per_hour >= 0:
        raise ValueError(f"handled_per_hour must be >= 0, not {handled_per_hour!r}")
    if handled_per_hour == 0:
        return (math.inf, math.inf)
    rate = handled_per_hour / 3600.0
    expected = (backlog + 1) / rate
    low, high = expected * (1 - BACKLOG_DRIFT), expected * (1 + BACKLOG_DRIFT)
    # From about 30 handlings on, their 10%-90% lies within -/+ 25%: only a short backlog needs it.
    if backlog < _GAMMA_WIDER_BELOW:
        _, (gamma_low, gamma_high) = _hold_on(0.0, [0.0] * backlog + [1.0], rate, 0.0, (0.1, 0.9))
        low, high = min(low, gamma_low), max(high, gamma_high)
    return (low, high)


# -- Erlang C -------------------------------------------------------------------------------------

def _erlang_c_estimate(agents: int, arrival_rate: float, handle_rate: float, offered: float, waiting: int,
                       threshold_s: float) -> WaitEstimate:
    if _saturated(agents, offered):
        return _overloaded(agents, arrival_rate, handle_rate, 0.0, waiting, threshold_s)
    waits = erlang_c(agents, offered)
    # Whoever waits, waits an exponential time at the rate the agents outpace the arrivals.
    gap = (agents - offered) * handle_rate
    wait_range = tuple(0.0 if waits <= 1 - p else math.log(waits / (1 - p)) / gap for p in RANGE_PERCENTILES)
    return WaitEstimate(
        service_level=1.0 - waits * math.exp(-gap * threshold_s),
        threshold_s=threshold_s,
        probability_of_waiting=waits,
        mean_wait_s=waits / gap,
        wait_range_s=(wait_range[0], wait_range[1]),
        occupancy=offered / agents,
        abandon_share=0.0,
        model="erlang_c",
        stable=True,
    )


def _overloaded(agents: int, arrival_rate: float, handle_rate: float, abandon_rate: float, waiting: int,
                threshold_s: float) -> WaitEstimate:
    """The queue grows: a contact arriving now waits until the `waiting` contacts ahead of it are
    answered (or gave up) and then one agent more comes free."""
    served_rate = agents * handle_rate
    mean, (low, high) = _hold_on(0.0, [0.0] * waiting + [1.0], served_rate, abandon_rate, RANGE_PERCENTILES)
    abandon_share = max(0.0, 1.0 - served_rate / arrival_rate) if abandon_rate else 0.0
    return WaitEstimate(0.0, threshold_s, 1.0, mean, (low, high), 1.0, abandon_share, "overloaded", False)


# -- Erlang A -------------------------------------------------------------------------------------

_Chain = tuple[float, list[float], float, float]


def _erlang_a_chain(agents: int, arrival_rate: float, handle_rate: float, abandon_rate: float) -> _Chain | None:
    """The stationary distribution of M/M/n+M as an arriving contact finds it (Poisson arrivals see
    time averages): (share finding a free agent, ahead[i] = share finding every agent busy and i
    contacts waiting, mean busy agents, mean waiting contacts).

    Birth-death chain in k contacts present: birth rate lambda, death rate min(k, n) mu +
    max(k - n, 0) theta. Weights are kept as logarithms and the queue is cut where they vanish;
    None when they do not vanish within `_MAX_QUEUE` waiting contacts.
    """
    log_offered = math.log(arrival_rate / handle_rate)
    log_weights = [0.0]
    for k in range(1, agents + 1):
        log_weights.append(log_weights[-1] + log_offered - math.log(k))
    peak = max(log_weights)
    served_rate = agents * handle_rate
    log_arrival = math.log(arrival_rate)
    queue = [log_weights[agents]]
    while True:
        leaving = served_rate + len(queue) * abandon_rate
        weight = queue[-1] + log_arrival - math.log(leaving)
        queue.append(weight)
        peak = max(peak, weight)
        if arrival_rate < leaving and weight < peak + _NEGLIGIBLE_LOG:
            break
        if len(queue) > _MAX_QUEUE:
            return None
    below = [math.exp(w - peak) for w in log_weights[:agents]]
    ahead = [math.exp(w - peak) for w in queue]
    total = math.fsum(below) + math.fsum(ahead)
    at_once = math.fsum(below) / total
    ahead = [w / total for w in ahead]
    busy = (math.fsum(k * w for k, w in enumerate(below)) / total) + agents * (1.0 - at_once)
    waiting = math.fsum(i * w for i, w in enumerate(ahead))
    return at_once, ahead, busy, waiting


def _erlang_a_estimate(chain: _Chain, agents: int, arrival_rate: float, handle_rate: float, abandon_rate: float,
                       threshold_s: float) -> WaitEstimate:
    at_once, ahead, busy, waiting = chain
    served_rate = agents * handle_rate
    answered = _answered_within(ahead, served_rate, abandon_rate, threshold_s)
    mean, (low, high) = _hold_on(at_once, ahead, served_rate, abandon_rate, RANGE_PERCENTILES)
    return WaitEstimate(
        service_level=min(1.0, at_once + answered),
        threshold_s=threshold_s,
        probability_of_waiting=1.0 - at_once,
        mean_wait_s=mean,
        wait_range_s=(low, high),
        occupancy=busy / agents,
        # Contacts give up at rate theta each, so theta E[waiting] per second out of lambda.
        abandon_share=min(1.0, abandon_rate * waiting / arrival_rate),
        model="erlang_a",
        stable=True,
    )


# -- Time until answered ---------------------------------------------------------------------------
#
# A contact that finds i others waiting ahead of it (all agents busy) moves up one place at rate
# n mu + i theta (an agent comes free, or one of those ahead gives up) and is answered when the
# agent after the last one ahead comes free: a sum of exponential phases with rates
# n mu + i theta, ..., n mu. If it may give up itself, every phase also ends at rate theta with
# the contact lost. P(answered within t) is found by uniformisation: the phases become steps of
# one Poisson clock at rate L (no less than any phase's rate), so
#     P(answered within t) = sum over s of Poisson(s; L t) x P(answered within s steps),
# all terms positive (no cancellation, unlike partial fractions of the hypoexponential).


def _poisson(mean: float) -> tuple[int, list[float]]:
    """(first, probabilities from `first` on) of a Poisson count, all but about 1e-17 of it,
    built outward from the mode so nothing underflows."""
    if mean <= 0:
        return 0, [1.0]
    mode = math.floor(mean)
    top = math.exp(-mean + mode * math.log(mean) - math.lgamma(mode + 1))
    floor = top * 1e-17
    upper: list[float] = []
    p, k = top, mode
    while p > floor:
        k += 1
        p *= mean / k
        upper.append(p)
    lower: list[float] = []
    p, k = top, mode
    while k > 0 and p > floor:
        p *= k / mean
        k -= 1
        lower.append(p)
    lower.reverse()
    return mode - len(lower), [*lower, top, *upper]


def _answered_steps(ahead: Sequence[float], served_rate: float, abandon_rate: float, own_abandon_rate: float,
                    clock: float, steps: int) -> list[float]:
    """answered[s]: the share answered within s ticks of the uniformisation clock (rate `clock`),
    for s = 0..steps, when ahead[i] is the share starting with i contacts ahead."""
    # A contact with i ahead needs i + 1 ticks: beyond `steps` places nobody gets through.
    share = list(ahead[:steps])
    count = len(share)
    # Per tick, the contact at place i moves up (at place 0: is answered), gives up, or stays.
    move = [(served_rate + i * abandon_rate) / clock for i in range(count + 1)]
    stay = [1.0 - m - own_abandon_rate / clock for m in move]
    answered = [0.0] * (steps + 1)
    total = 0.0
    for s in range(1, steps + 1):
        total += share[0] * move[0]
        answered[s] = total
        keep = min(len(share), steps - s)
        if keep == 0:
            answered[s:] = [total] * (steps + 1 - s)
            break
        behind = share[1:keep + 1]
        behind += [0.0] * (keep - len(behind))
        share = [x * st + y * mv for x, st, y, mv in zip(share[:keep], stay[:keep], behind, move[1:keep + 1],
                                                           strict=True)]
    return answered


def _answered_within(ahead: Sequence[float], served_rate: float, abandon_rate: float, threshold_s: float) -> float:
    """Share of all contacts that find every agent busy and are answered within `threshold_s`,
    giving up at `abandon_rate` while they wait."""
    if threshold_s <= 0 or not ahead:
        return 0.0
    clock = served_rate + len(ahead) * abandon_rate
    first, weights = _poisson(clock * threshold_s)
    answered = _answered_steps(ahead, served_rate, abandon_rate, abandon_rate, clock, first + len(weights) - 1)
    return math.fsum(p * answered[first + s] for s, p in enumerate(weights))


def _hold_on(at_once: float, ahead: Sequence[float], served_rate: float, abandon_rate: float,
             levels: Sequence[float]) -> tuple[float, list[float]]:
    """Mean and percentiles of the time until answered of a contact that holds on: answered at once
    with share `at_once`, else finding i contacts ahead with share ahead[i]."""
    if not ahead:
        return 0.0, [0.0 for _ in levels]
    # Exact mean and variance of each start's phases give a bound on where the percentiles lie.
    means, variances = [], []
    mean_sum = variance_sum = 0.0
    for i in range(len(ahead)):
        rate = served_rate + i * abandon_rate
        mean_sum += 1.0 / rate
        variance_sum += 1.0 / (rate * rate)
        means.append(mean_sum)
        variances.append(variance_sum)
    mean = math.fsum(w * m for w, m in zip(ahead, means, strict=True))
    second = math.fsum(w * (v + m * m) for w, m, v in zip(ahead, means, variances, strict=True))
    spread = math.sqrt(max(0.0, second - mean * mean))
    wanted = [p for p in levels if p > at_once]
    if not wanted:
        return mean, [0.0 for _ in levels]
    # Cantelli: P(wait >= mean + spread sqrt(p / (1 - p))) <= 1 - p.
    highest = max(mean + spread * math.sqrt(p / (1 - p)) for p in wanted)

    clock = served_rate + (len(ahead) - 1) * abandon_rate
    first, weights = _poisson(clock * highest)
    steps = first + len(weights) - 1
    cdf: Callable[[float], float]
    if steps * min(steps, len(ahead)) <= _MAX_WORK:
        answered = _answered_steps(ahead, served_rate, abandon_rate, 0.0, clock, steps)

        def cdf(wait: float) -> float:
            start, probabilities = _poisson(clock * wait)
            return at_once + math.fsum(p * answered[min(start + s, steps)] for s, p in enumerate(probabilities))
    else:
        # A queue this long: each start's phases are many and alike, so a gamma distribution with
        # the same mean and variance (Wilson-Hilferty) fits them closely.
        starts = [(w, m, v / (9.0 * m * m)) for w, m, v in zip(ahead, means, variances, strict=True) if w > 0]

        def cdf(wait: float) -> float:
            return at_once + math.fsum(
                w * 0.5 * math.erfc(-((wait / m) ** (1 / 3) - 1.0 + c) / math.sqrt(2.0 * c)) for w, m, c in starts)

    results = []
    for p in levels:
        if p <= at_once:
            results.append(0.0)
            continue
        low, high = 0.0, highest
        while high - low > max(0.01, high * 1e-6):
            middle = (low + high) / 2
            if cdf(middle) >= p:
                high = middle
            else:
                low = middle
        results.append(high)
    return mean, results
