"""Expected waits of the contact channels: Erlang C and Erlang A as a channel page or a planner
sees them, checked against textbook values, direct formulas and a short simulation."""

from __future__ import annotations

import math
import time
from itertools import pairwise

import pytest

from bench.waits import simulate
from opencounter.channels.queueing import (
    NORM_SERVICE_LEVEL,
    NORM_THRESHOLD_S,
    QueueFigures,
    agents_needed,
    backlog_wait,
    erlang_c,
    estimate_wait,
)


def per_hour(offered_erlangs: float, mean_handle_s: float) -> float:
    """Arrivals per hour that offer this load."""
    return offered_erlangs / mean_handle_s * 3600.0


def erlang_c_by_factorials(agents: int, offered: float) -> float:
    """The Erlang C formula as printed, with factorials (fine for small numbers of agents)."""
    top = offered**agents / math.factorial(agents) * agents / (agents - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(agents)) + top)


def erlang_c_by_logs(agents: int, offered: float) -> float:
    """The same formula with every term as a logarithm (lgamma), summed relative to the largest."""
    logs = [k * math.log(offered) - math.lgamma(k + 1) for k in range(agents)]
    last = agents * math.log(offered) - math.lgamma(agents + 1) + math.log(agents / (agents - offered))
    peak = max(*logs, last)
    return math.exp(last - peak) / (math.fsum(math.exp(x - peak) for x in logs) + math.exp(last - peak))


# -- Erlang C ---------------------------------------------------------------------------------------

def test_the_textbook_example_ten_agents_eight_erlang_waits_forty_one_percent():
    # Given 10 agents and 8 Erlang offered, When asked the probability of waiting
    waits = erlang_c(10, 8.0)
    # Then it is the textbook 0.409
    assert waits == pytest.approx(0.4092, abs=5e-4)


@pytest.mark.parametrize("agents", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("utilisation", [0.1, 0.5, 0.8, 0.95, 0.999])
def test_erlang_c_equals_the_formula_with_factorials_for_small_teams(agents, utilisation):
    # Given a small team at some load, When computed by the recursion, Then it equals the printed formula
    offered = agents * utilisation
    assert erlang_c(agents, offered) == pytest.approx(erlang_c_by_factorials(agents, offered), rel=1e-10)


def test_erlang_c_is_certain_waiting_at_or_above_capacity_and_none_without_load():
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c(10, 0.0) == 0.0


def test_a_known_phone_queue_gives_its_service_level_and_average_speed_of_answer():
    # Given 360 calls an hour of 240 s (24 Erlang) on 28 agents, and a 20 s threshold
    figures = QueueFigures(arrivals_per_hour=360, mean_handle_s=240, agents=28)
    # When the wait is estimated
    estimate = estimate_wait(figures, threshold_s=20)
    # Then, by the formula: C = 0.3331, service level = 1 - C e^(-(28-24) 20/240) = 0.761, ASA = C 240/4 = 20.0 s
    waits = erlang_c_by_factorials(28, 24.0)
    assert waits == pytest.approx(0.3331, abs=1e-4)
    assert estimate.probability_of_waiting == pytest.approx(waits, rel=1e-12)
    assert estimate.service_level == pytest.approx(0.7613, abs=1e-3)
    assert estimate.mean_wait_s == pytest.approx(19.99, abs=0.01)
    assert estimate.occupancy == pytest.approx(24 / 28)
    assert (estimate.model, estimate.stable, estimate.abandon_share) == ("erlang_c", True, 0.0)
    # And the range: 50% are answered at once; 10% wait longer than ln(C / 0.1) / (4/240 per s) = 72.2 s
    assert estimate.wait_range_s[0] == 0.0
    assert estimate.wait_range_s[1] == pytest.approx(math.log(waits / 0.1) * 60, rel=1e-9)
    assert estimate.wait_range_s[1] == pytest.approx(72.2, abs=0.1)


def test_more_agents_never_lower_the_service_level_and_it_never_exceeds_one():
    # Given a queue offering 24 Erlang
    levels = [estimate_wait(QueueFigures(360, 240, agents)).service_level for agents in range(25, 60)]
    # Then every agent added raises the service level, up to (not beyond) 1
    assert all(later > earlier for earlier, later in pairwise(levels) if earlier < 1 - 1e-12)
    assert all(0.0 < level <= 1.0 for level in levels)
    assert levels[-1] > 0.999999


def test_five_hundred_agents_near_saturation_stay_exact_and_finite():
    # Given 500 agents at 96% and at 99.98% occupancy (factorials of 500 overflow a float)
    for offered in (480.0, 499.9):
        estimate = estimate_wait(QueueFigures(per_hour(offered, 180), 180, 500))
        # Then the figures are those of the formula computed in logarithms, and finite
        assert estimate.probability_of_waiting == pytest.approx(erlang_c_by_logs(500, offered), rel=1e-9)
        assert 0.0 < estimate.service_level < 1.0
        assert math.isfinite(estimate.mean_wait_s) and estimate.stable
    # And at 99.98% nearly everyone waits, about half an hour on average (C x 180 s / 0.1 agent)
    assert estimate.mean_wait_s == pytest.approx(estimate.probability_of_waiting * 1800, rel=1e-6)
    assert estimate.service_level < 0.05


# -- Overloaded and closed -------------------------------------------------------------------------

def test_an_overloaded_queue_says_so_and_gives_the_wait_of_the_current_queue():
    # Given 12 Erlang offered to 10 agents with 9 contacts waiting
    estimate = estimate_wait(QueueFigures(per_hour(12, 180), 180, 10, waiting=9))
    # Then the queue grows: nobody is answered in time in the long run, everyone waits
    assert (estimate.model, estimate.stable, estimate.service_level) == ("overloaded", False, 0.0)
    assert estimate.probability_of_waiting == 1.0 and estimate.occupancy == 1.0
    # And a contact arriving now is tenth in line: 10 x 180 s / 10 agents
    assert estimate.mean_wait_s == pytest.approx(180.0)
    # And its range is that of ten handlings at 10 agents' pace (a gamma distribution: median 174 s, 90% 256 s)
    low, high = estimate.wait_range_s
    assert low == pytest.approx(174.0, abs=0.5) and high == pytest.approx(255.7, abs=0.5)


def test_a_load_of_exactly_the_agents_is_overloaded_however_the_figures_round():
    # Given arrivals worked out to offer exactly 23 Erlang to 23 agents (in floating point a hair below 23)
    arrivals = per_hour(23, 180)
    assert arrivals * 180 / 3600 < 23
    estimate = estimate_wait(QueueFigures(arrivals, 180, 23, waiting=0))
    # Then it does not pretend to settle with a wait of years
    assert (estimate.model, estimate.stable) == ("overloaded", False)
    assert estimate.mean_wait_s == pytest.approx(180 / 23)
    assert erlang_c(23, arrivals * 180 / 3600) == 1.0


def test_a_channel_without_agents_is_closed():
    estimate = estimate_wait(QueueFigures(100, 180, 0))
    assert (estimate.model, estimate.stable, estimate.service_level) == ("closed", False, 0.0)
    assert estimate.mean_wait_s == math.inf


def test_a_quiet_channel_answers_everyone_at_once():
    estimate = estimate_wait(QueueFigures(0, 180, 3))
    assert (estimate.service_level, estimate.mean_wait_s, estimate.wait_range_s) == (1.0, 0.0, (0.0, 0.0))


@pytest.mark.parametrize("bad", [
    dict(arrivals_per_hour=-1, mean_handle_s=180, agents=1),
    dict(arrivals_per_hour=10, mean_handle_s=0, agents=1),
    dict(arrivals_per_hour=10, mean_handle_s=180, agents=-1),
    dict(arrivals_per_hour=10, mean_handle_s=180, agents=1.5),
    dict(arrivals_per_hour=10, mean_handle_s=180, agents=1, mean_patience_s=0),
    dict(arrivals_per_hour=math.nan, mean_handle_s=180, agents=1),
])
def test_figures_that_cannot_be_are_refused(bad):
    with pytest.raises(ValueError):
        QueueFigures(**bad)


# -- Erlang A -------------------------------------------------------------------------------------

def erlang_a_by_partial_fractions(agents: int, arrival_rate: float, handle_rate: float, patience_rate: float,
                                  threshold_s: float, queue: int = 40) -> tuple[float, float]:
    """(service level, mean wait when holding on) of M/M/n+M written out directly for a small case:
    the chain's weights, and each queue position's phases as a sum of exponentials by partial
    fractions (well-behaved for a handful of phases with rates far apart)."""
    weights = [arrival_rate**k / math.factorial(k) / handle_rate**k for k in range(agents + 1)]
    for i in range(1, queue):
        weights.append(weights[-1] * arrival_rate / (agents * handle_rate + i * patience_rate))
    total = sum(weights)
    level = sum(weights[:agents]) / total
    mean_wait = 0.0
    for i in range(len(weights) - agents):
        rates = [agents * handle_rate + j * patience_rate for j in range(i + 1)]
        answered = 0.0
        for j, rate in enumerate(rates):
            share = math.prod(other / (other - rate) for k, other in enumerate(rates) if k != j)
            # density share x rate x e^(-rate s), times e^(-theta s) for not having given up by s
            answered += share * rate / (rate + patience_rate) * (1 - math.exp(-(rate + patience_rate) * threshold_s))
        level += weights[agents + i] / total * answered
        mean_wait += weights[agents + i] / total * sum(1 / rate for rate in rates)
    return level, mean_wait


@pytest.mark.parametrize("load", [0.6, 1.1, 1.6])
@pytest.mark.parametrize("threshold_s", [15.0, 60.0])
def test_erlang_a_equals_the_chain_written_out_for_a_small_team(load, threshold_s):
    # Given 3 agents (180 s) with callers holding on 60 s on average
    figures = QueueFigures(per_hour(3 * load, 180), 180, 3, mean_patience_s=60)
    # When estimated
    estimate = estimate_wait(figures, threshold_s)
    # Then it is the birth-death chain and the phases written out by hand
    level, mean_wait = erlang_a_by_partial_fractions(3, figures.arrivals_per_hour / 3600, 1 / 180, 1 / 60,
                                                     threshold_s, queue=25)
    assert estimate.model == "erlang_a"
    assert estimate.service_level == pytest.approx(level, abs=1e-9)
    assert estimate.mean_wait_s == pytest.approx(mean_wait, rel=1e-9)


@pytest.mark.parametrize(("agents", "utilisation"), [(10, 0.8), (50, 0.9), (500, 0.95)])
def test_erlang_a_with_endless_patience_is_erlang_c(agents, utilisation):
    # Given callers who practically never give up
    arrivals = per_hour(agents * utilisation, 180)
    patient = estimate_wait(QueueFigures(arrivals, 180, agents, mean_patience_s=1e8))
    plain = estimate_wait(QueueFigures(arrivals, 180, agents))
    # Then Erlang A (uniformisation over the phases) gives what Erlang C gives in closed form
    assert patient.model == "erlang_a" and plain.model == "erlang_c"
    assert patient.service_level == pytest.approx(plain.service_level, abs=1e-5)
    assert patient.probability_of_waiting == pytest.approx(plain.probability_of_waiting, abs=1e-5)
    assert patient.mean_wait_s == pytest.approx(plain.mean_wait_s, rel=1e-3)
    assert patient.wait_range_s[1] == pytest.approx(plain.wait_range_s[1], abs=0.05)
    assert patient.abandon_share < 1e-5


def test_erlang_a_settles_above_full_load_because_callers_give_up():
    # Given 20% more work offered than 10 agents can handle, callers holding on 2 minutes on average
    estimate = estimate_wait(QueueFigures(per_hour(12, 180), 180, 10, mean_patience_s=120, waiting=30))
    # Then the queue settles: finite waits, some answered in time, at least the excess gives up
    assert (estimate.model, estimate.stable) == ("erlang_a", True)
    assert 0.0 < estimate.service_level < 1.0
    assert 1 - 10 / 12 < estimate.abandon_share < 1.0
    assert 0 < estimate.wait_range_s[0] < estimate.mean_wait_s < estimate.wait_range_s[1] < 600
    # And the work is conserved: busy agents = offered load x share not given up
    assert estimate.occupancy * 10 == pytest.approx(12 * (1 - estimate.abandon_share), rel=1e-9)


def test_erlang_a_on_a_large_overloaded_team_is_quick_and_sane():
    # Given 500 agents offered 150% with callers holding on an hour: about 5 000 waiting
    started = time.perf_counter()
    estimate = estimate_wait(QueueFigures(per_hour(750, 180), 180, 500, mean_patience_s=3600))
    # Then the figures are finite and say that the excess third gives up
    assert time.perf_counter() - started < 2.0
    assert estimate.stable and estimate.service_level < 1e-6
    assert estimate.abandon_share == pytest.approx(1 / 3, abs=1e-6)
    assert estimate.wait_range_s[0] <= estimate.wait_range_s[1] < 3600


# -- Staffing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("patience", [None, 60.0])
def test_agents_needed_meets_the_norm_and_one_fewer_does_not(patience):
    # Given 360 calls an hour of 240 s
    agents = agents_needed(360, 240, mean_patience_s=patience)
    # Then that many agents reach 85% within 15 s, and one fewer does not
    def level(n: int) -> float:
        return estimate_wait(QueueFigures(360, 240, n, mean_patience_s=patience), NORM_THRESHOLD_S).service_level

    assert level(agents) >= NORM_SERVICE_LEVEL > level(agents - 1)
    assert agents > 24 if patience is None else agents > 1


def test_agents_needed_for_the_known_queue_at_eighty_percent_in_twenty_seconds():
    # 28 agents give 76% (see above), 29 give more than 80%
    assert agents_needed(360, 240, target_service_level=0.80, threshold_s=20) == 29


def test_no_contacts_need_no_agents_and_an_impossible_target_is_refused():
    assert agents_needed(0, 240) == 0
    with pytest.raises(ValueError):
        agents_needed(360, 240, target_service_level=1.0)


# -- Backlogs (e-mail, social) ----------------------------------------------------------------------

def test_a_backlog_wait_brackets_the_time_to_work_off_what_is_ahead():
    # Given 40 messages ahead and 20 handled an hour
    low, high = backlog_wait(40, 20)
    # Then the new message is expected after 41 handlings (2.05 h); a day's drift of -/+ 25% is wider than
    # the randomness of 41 handlings (10%-90%: about 0.8-1.2 x), so that is the range
    expected = 41 / 20 * 3600
    assert (low, high) == (pytest.approx(0.75 * expected), pytest.approx(1.25 * expected))
    # And a single message varies more than 25% (one exponential handling: 10%-90% = 0.105-2.30 x the mean)
    low, high = backlog_wait(0, 20)
    assert low == pytest.approx(-math.log(0.9) * 180, abs=0.1) and high == pytest.approx(math.log(10) * 180, abs=0.1)
    assert backlog_wait(5, 0) == (math.inf, math.inf)


# -- Against a simulation ---------------------------------------------------------------------------

@pytest.mark.parametrize(("agents", "load", "patience"), [(10, 0.8, None), (10, 1.05, 120.0)])
def test_a_short_simulation_agrees_with_the_estimate(agents, load, patience):
    # Given a seeded simulation of 300 000 contacts
    started = time.perf_counter()
    arrivals = per_hour(agents * load, 180)
    simulated = simulate(agents, arrivals, 180, 300_000, mean_patience_s=patience, seed=11)
    assert time.perf_counter() - started < 2.0
    # Then the estimate's service level, mean wait and abandon share are within its noise
    estimate = estimate_wait(QueueFigures(arrivals, 180, agents, mean_patience_s=patience))
    noise = math.sqrt(simulated.variance_per_contact / simulated.contacts)
    assert noise < 0.006
    assert simulated.service_level == pytest.approx(estimate.service_level, abs=0.015)
    assert simulated.hold_on_wait_s / simulated.contacts == pytest.approx(estimate.mean_wait_s, rel=0.08)
    assert simulated.abandoned / simulated.contacts == pytest.approx(estimate.abandon_share, abs=0.01)
