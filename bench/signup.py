"""Sign-up benchmarks: how long a customer waits from applying to an active product, how long
the compensating rollback takes once a deep check fails, and what a rollback leaves behind.

Sign-ups go through the public API with infra.local.applicant.ScriptedApplicant, as in the
tests: the identity check is completed through the Stripe stand-in and the signing code read
from the local mailbox; against the asynchronous cloud the applicant waits for VALIDATED before
asking for the code, as the web shop's page does.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from bench.latency import percentile
from infra.local.applicant import ScriptedApplicant, application
from infra.local.runtime import Running
from opencounter.signups.verification import leftovers

#: a rollback run is awaited this long (polling the execution every EXECUTION_POLL_S)
ROLLBACK_TIMEOUT_S = 20.0
EXECUTION_POLL_S = 0.02
#: uncounted runs first (a plain and a `+pep` applicant: each in-process function used once), then
#: the counted ones, alternately plain and `+pep` (so 10 rollbacks)
WARM_UP = 2
RUNS = 20
GOAL_ACTIVE_P95_MS = 2000
GOAL_ROLLBACK_P95_MS = 5000
STATE_MACHINE = "SignupVerificationStateMachine"


def new_email(tag: str = "") -> str:
    """A fresh address; a tag such as `+pep` drives the sandbox providers (see ports/screening.py)."""
    return f"bench{tag}-{uuid.uuid4().hex[:10]}@example.nl"


def timed_activation(applicant: ScriptedApplicant) -> tuple[dict[str, Any], dict[str, float]]:
    """The whole path to ACTIVE, and the milliseconds of each step and in total."""
    marks: list[tuple[str, float]] = []
    signed = applicant.activate(marks)
    steps = {name: (at - marks[i][1]) * 1000 for i, (name, at) in enumerate(marks[1:])}
    steps["total"] = (marks[-1][1] - marks[0][1]) * 1000
    return signed, steps


@dataclass
class Prepared:
    """Sign-ups the cold-start requests are about (made through the API in the setup)."""
    verified: dict[str, Any]  # the sign response of a sign-up now VERIFIED (with its resume_code)
    identity_session: dict[str, Any]  # the stand-in's verified identity session of that sign-up
    rolled_back: str  # the id of a sign-up now ROLLED_BACK (a `+pep` applicant)


def prepare(running: Running) -> Prepared:
    """Against the synchronous cloud (every consequence done before each answer): one sign-up
    that passed its deep checks and one that was rolled back."""
    session = requests.Session()
    verified = ScriptedApplicant(running, application(applicant__email=new_email()), session)
    signup = verified.activate()
    rolled = ScriptedApplicant(running, application(applicant__email=new_email("+pep")), session)
    rolled_signup = rolled.activate()
    running.cloud.settle()
    for applicant, expected in ((verified, "VERIFIED"), (rolled, "ROLLED_BACK")):
        if (status := applicant.status()["status"]) != expected:
            raise RuntimeError(f"setup: sign-up {applicant.signup['signup_id']} is {status}, expected {expected}")
    return Prepared(signup, dict(running.stripe.sessions[verified.identity_session]), rolled_signup["signup_id"])


def leftovers_of(signup_ids: list[str]) -> dict[str, list[str]]:
    """What each rolled-back sign-up still has alive (opencounter.signups.verification.leftovers)."""
    return {signup_id: leftovers(signup_id) for signup_id in signup_ids}


def _execution(running: Running, signup_id: str) -> dict[str, Any]:
    """The finished verification run of a sign-up (named after it), awaited."""
    sfn = running.cloud.client("stepfunctions")
    arn = running.cloud.state_machines[STATE_MACHINE].replace(":stateMachine:", ":execution:") + f":{signup_id}"
    deadline = time.monotonic() + ROLLBACK_TIMEOUT_S
    while True:
        try:
            execution = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            execution = {"status": "NOT_STARTED"}
        if execution["status"] not in ("NOT_STARTED", "RUNNING"):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the verification run of {signup_id} is {execution['status']} after "
                               f"{ROLLBACK_TIMEOUT_S:.0f}s")
        time.sleep(EXECUTION_POLL_S)
    if execution["status"] != "SUCCEEDED":
        raise RuntimeError(f"the verification run of {signup_id} ended {execution['status']}")
    return execution


def rollback_times(history: list[dict[str, Any]]) -> dict[str, float]:
    """From a verification run's history: when the failing check's task finished, when Decide's
    task finished, when the RollBack task finished and when the run succeeded (Unix seconds)."""
    import json

    by_id = {event["id"]: event for event in history}

    def state_of(event: dict[str, Any]) -> str | None:
        seen: dict[str, Any] | None = event
        while seen is not None and seen["type"] != "TaskStateEntered":
            seen = by_id.get(seen.get("previousEventId"))
        return seen["stateEnteredEventDetails"]["name"] if seen else None

    finished: dict[str, list[dict[str, Any]]] = {}
    for event in history:
        if event["type"] == "TaskSucceeded":
            finished.setdefault(state_of(event) or "", []).append(event)
    failing = [event for state, events in finished.items() if state.startswith("Check") for event in events
               if json.loads(event["taskSucceededEventDetails"]["output"]).get("Payload", {}).get("passed") is False]
    succeeded = [event for event in history if event["type"] == "ExecutionSucceeded"]
    if not failing or not succeeded or "RollBack" not in finished:
        raise RuntimeError("the verification run did not fail a check and roll back: "
                           f"{sorted(finished)} {[e['type'] for e in history[-3:]]}")
    return {"check_failed": min(e["timestamp"] for e in failing).timestamp(),
            "decided": finished["Decide"][-1]["timestamp"].timestamp(),
            "rolled_back": finished["RollBack"][-1]["timestamp"].timestamp(),
            "succeeded": succeeded[0]["timestamp"].timestamp()}


def _figure(samples: list[float]) -> dict[str, Any]:
    return {"p50": round(statistics.median(samples), 1), "p95": round(percentile(samples, 95), 1),
            "n": len(samples)}


def run(running: Running, *, deadline: float, earlier_rolled_back: dict[str, list[str]],
        log: Callable[[str], None]) -> dict[str, Any]:
    """Against the asynchronous cloud: RUNS sign-ups (after WARM_UP uncounted ones), alternately
    of a plain applicant and of a `+pep` one. Every run's time to active counts (the path to ACTIVE
    is the same: the sanctions screening comes after activation); each `+pep` run is then followed
    to its finished rollback. Then the leftovers of every rolled-back sign-up of the bench
    (`earlier_rolled_back`: those of the first cloud, counted before it stopped). A run starts
    only if one like it (the last of its kind) would end by `deadline`; the cloud is settled
    before every run. Alternating spreads any slowing down of the local cloud as it fills
    evenly over both figures."""
    session = requests.Session()
    running.cloud.settle()

    active: list[dict[str, float]] = []
    kinds: list[str] = []
    rollbacks: list[dict[str, float]] = []
    rolled_back: list[str] = []
    took: dict[str, float] = {}  # how long the last run of each kind took, settling included
    for index in range(WARM_UP + RUNS):
        kind = "+pep" if index % 2 else "plain"
        if rollbacks and time.monotonic() + took.get(kind, 0.0) > deadline:
            log(f"  ! sign-up: time budget reached after {len(active)} runs ({len(rollbacks)} rolled back)")
            break
        run_started = time.monotonic()
        running.cloud.settle()
        applicant = ScriptedApplicant(running, application(applicant__email=new_email(kind if kind == "+pep" else "")),
                                      session)
        signup, steps = timed_activation(applicant)
        activated = time.time()
        counted = index >= WARM_UP
        if counted:
            active.append(steps)
            kinds.append(kind)
        if kind == "+pep":
            rolled_back.append(signup["signup_id"])
            execution = _execution(running, signup["signup_id"])
            if (status := applicant.status()["status"]) != "ROLLED_BACK":
                raise RuntimeError(f"sign-up {signup['signup_id']} of a +pep applicant is {status}, not ROLLED_BACK")
            history = running.cloud.client("stepfunctions").get_execution_history(
                executionArn=execution["executionArn"], maxResults=1000)["events"]
            times = rollback_times(history)
            if counted:
                rollbacks.append({"check_failed_to_done": (times["succeeded"] - times["check_failed"]) * 1000,
                                  "decided_to_done": (times["succeeded"] - times["decided"]) * 1000,
                                  "rollback_task": (times["rolled_back"] - times["decided"]) * 1000,
                                  "activation_to_done": (times["succeeded"] - activated) * 1000})
        took[kind] = time.monotonic() - run_started

    to_active = _figure([steps["total"] for steps in active])
    log(f"  time to active (apply -> ACTIVE)          p50 {to_active['p50']:7.0f} ms   p95 {to_active['p95']:7.0f} ms"
        f"   n {to_active['n']}   goal p95 <= {GOAL_ACTIVE_P95_MS}")
    step_ms = {name: _figure([s[name] for s in active]) for name in active[0] if name != "total"}
    by_kind = {kind: _figure([s["total"] for s, k in zip(active, kinds, strict=True) if k == kind])
               for kind in sorted(set(kinds))}
    log("    steps p50 (ms): " + ", ".join(f"{name} {f['p50']:.0f}" for name, f in step_ms.items())
        + "; p50 by applicant: " + ", ".join(f"{kind} {f['p50']:.0f}" for kind, f in by_kind.items()))
    rollback = _figure([r["check_failed_to_done"] for r in rollbacks])
    log(f"  rollback (failed check -> run finished)    p50 {rollback['p50']:7.0f} ms   p95 {rollback['p95']:7.0f} ms"
        f"   n {rollback['n']}   goal p95 <= {GOAL_ROLLBACK_P95_MS}")
    rollback_parts = {name: _figure([r[name] for r in rollbacks]) for name in rollbacks[0]}
    log("    p50 (ms): " + ", ".join(f"{name} {f['p50']:.0f}" for name, f in rollback_parts.items()))

    running.cloud.settle()
    alive = {**earlier_rolled_back, **leftovers_of(rolled_back)}
    left = sum(len(things) for things in alive.values())
    log(f"  leftovers after rollback: {left} in {len(alive)} rolled-back sign-ups (goal 0)"
        + "".join(f"\n    {signup_id}: {things}" for signup_id, things in alive.items() if things))
    return {
        "signup": {"time_to_active_ms": to_active, "rollback_complete_ms": rollback,
                   "leftovers_after_rollback": left},
        "signup_detail": {
            "goals": {"time_to_active_p95_ms": GOAL_ACTIVE_P95_MS, "rollback_complete_p95_ms": GOAL_ROLLBACK_P95_MS,
                      "leftovers_after_rollback": 0},
            "time_to_active_steps_ms": step_ms,
            "time_to_active_by_applicant_ms": by_kind,
            "time_to_active_all_ms": [round(s["total"], 1) for s in active],
            "time_to_active_applicants": kinds,
            "rollback_parts_ms": rollback_parts,
            "rollback_all_ms": [round(r["check_failed_to_done"], 1) for r in rollbacks],
            "rolled_back_signups": len(alive),
            "leftovers": {signup_id: things for signup_id, things in alive.items() if things},
        },
    }
