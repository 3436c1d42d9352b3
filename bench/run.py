"""OpenCounter's benchmarks (`make bench`): cold start against a floor, DynamoDB requests per read
route, API latency over HTTP (a synchronous local cloud), and the sign-up's time to an active
product and its rollback (a second, asynchronous local cloud). Prints each figure as it goes, a
table at the end, and merges its keys into bench/results.json (other benchmarks' keys are kept).
See bench/README.md."""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STARTED = time.monotonic()
RESULTS = Path(__file__).with_name("results.json")
BENCH_ENV = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
             "POWERTOOLS_LOG_LEVEL": "WARNING"}

#: time budgets (seconds) on top of the fixed counts of every loop: the whole run, start to end,
#: aims at TOTAL_BUDGET_S (within 4 minutes); cold start stops starting rounds after its own
#: budget; the sign-up figures (second cloud included) get the last SIGNUP_BUDGET_S; the API
#: routes share what is left between
TOTAL_BUDGET_S = 235
COLD_START_BUDGET_S = 95
SIGNUP_BUDGET_S = 90

NOTES = {
    "cold_start_ms": "median wall time measured by the parent around the whole child process (a fresh "
                     "interpreter: start, import the handler, serve one request against the local cloud's "
                     "in-memory AWS over HTTP, exit); the child's own perf_counter times are in "
                     "cold_start_detail.breakdown",
    "cold_start_ratio": "function median / floor median; the floor is a fresh interpreter that imports boto3 "
                        "and aws_lambda_powertools.event_handler and makes one DynamoDB GetItem; goal <= 1.3",
    "ddb_calls": "DynamoDB API calls (botocore) while one warm request is served in-process; goal 1 per read route",
    "api_latency_ms": "HTTP against the local cloud, one client, one request at a time, after 10 warm-up "
                      "requests. The local cloud runs synchronously: a write's latency includes settling all "
                      "its consequences (table stream -> outbox publisher -> bus -> timeline writer) before the "
                      "response. POST /me/moves answers 201 (asserted), every other route 200 (asserted).",
    "signup": "against a second, asynchronous local cloud (as `make run`), VerificationWaitSeconds 0, settled "
              "before every run, one uncounted warm-up run each. time_to_active_ms: from sending POST /signups "
              "to the sign response saying ACTIVE, human steps answered at once (identity completed through the "
              "Stripe stand-in, then GET /signups/{id} polled every 5 ms until VALIDATED; the code read from "
              "the mailbox); goal p95 <= 2000. rollback_complete_ms: for `+pep` applicants (sanctions check "
              "fails), from the failing check's TaskSucceeded to the run's ExecutionSucceeded in the Step "
              "Functions history (the rollback task done: sign-up ROLLED_BACK, asserted); goal p95 <= 5000. "
              "leftovers_after_rollback: sum of len(leftovers(id)) over every rolled-back sign-up of the "
              "bench (both clouds); goal 0.",
}


def log(line: str) -> None:
    print(line, flush=True)


def save(figures: dict[str, Any]) -> None:
    """Merge `figures` into bench/results.json, replacing only these keys (notes: per sub-key)."""
    try:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    except json.JSONDecodeError:
        existing = {}
    if not isinstance(existing, dict):
        existing = {}
    for key, value in figures.items():
        if key == "notes" and isinstance(existing.get("notes"), dict):
            existing["notes"] = {**existing["notes"], **value}
        else:
            existing[key] = value
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")


def table(results: dict[str, Any]) -> str:
    rows = ["", "OpenCounter benchmarks", "=" * 78]
    if "cold_start_ms" in results:
        detail = results["cold_start_detail"]
        rows += [f"Cold start (median of {detail['runs']}, parent wall time)   floor {detail['floor_ms']:.0f} ms",
                 f"  {'function':<34}{'ms':>8}{'ratio':>8}   goal <= {detail['goal_ratio']}"]
        for name, ms in results["cold_start_ms"].items():
            ratio = results["cold_start_ratio"][name]
            rows.append(f"  {name:<34}{ms:>8.0f}{ratio:>8.2f}   {'ok' if ratio <= detail['goal_ratio'] else 'OVER'}")
    if "ddb_calls" in results:
        rows += ["DynamoDB requests per read route (goal 1)"]
        rows += [f"  {route:<46}{n:>3}   {'ok' if n <= 1 else 'OVER'}" for route, n in results["ddb_calls"].items()]
    if "api_latency_ms" in results:
        rows += [f"{'API latency over HTTP (ms)':<40}{'p50':>8}{'p99':>8}{'n':>6}"]
        rows += [f"  {route:<38}{f['p50']:>8.1f}{f['p99']:>8.1f}{f['n']:>6}"
                 for route, f in results["api_latency_ms"].items()]
    if "signup" in results:
        signup, goals = results["signup"], results["signup_detail"]["goals"]
        rows += [f"{'Sign-up, asynchronous cloud (ms)':<40}{'p50':>8}{'p95':>8}{'n':>6}   goal p95"]
        for key, label, goal in (("time_to_active_ms", "apply -> ACTIVE", "time_to_active_p95_ms"),
                                 ("rollback_complete_ms", "failed check -> rolled back", "rollback_complete_p95_ms")):
            f = signup[key]
            rows.append(f"  {label:<38}{f['p50']:>8.0f}{f['p95']:>8.0f}{f['n']:>6}   <= {goals[goal]}   "
                        f"{'ok' if f['p95'] <= goals[goal] else 'OVER'}")
        left = signup["leftovers_after_rollback"]
        signups = results["signup_detail"]["rolled_back_signups"]
        rows.append(f"  {'leftovers after rollback':<38}{left:>8}{'':>8}{signups:>6}   goal 0   "
                    f"{'ok' if left == 0 else 'OVER'}")
    if "bench_run" in results:
        rows.append(f"Total runtime {results['bench_run']['runtime_s']:.0f} s")
    return "\n".join(rows)


def main() -> int:
    os.environ.update(BENCH_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the in-memory AWS logs every request
    from bench import coldstart, ddbcalls, latency, signup
    from bench.samples import Users
    from infra.local import runtime

    started = STARTED
    results: dict[str, Any] = {"notes": NOTES}
    running: runtime.Running | None = None
    phases: dict[str, float] = {}
    try:
        log("starting the local cloud (synchronous, in-memory AWS on a free port, demo data)")
        running = runtime.start(synchronous=True, aws_port=0, demo=True, environment=BENCH_ENV)
        log(f"  API {running.url}   AWS {running.aws_url}   ({time.monotonic() - started:.1f}s)")
        users = Users(running)
        signups = signup.prepare(running)
        log(f"  sign-ups for the cold-start requests: {signups.verified['signup_id']} (VERIFIED), "
            f"{signups.rolled_back} (ROLLED_BACK)   ({time.monotonic() - started:.1f}s)")

        phases["start_and_setup"] = round(time.monotonic() - started, 1)
        log(f"DynamoDB requests per read route   ({time.monotonic() - started:.1f}s)")
        results.update(ddbcalls.run(running, users, log=log))
        save(results)

        log(f"Cold start: fresh interpreters, floor and functions interleaved (parent wall ms per round)   "
            f"({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(coldstart.run(running, users, signups, budget_s=COLD_START_BUDGET_S, log=log))
        for name, ms in results["cold_start_ms"].items():
            log(f"  {name:<32} {ms:7.0f} ms   ratio {results['cold_start_ratio'][name]:.2f}")
        for name, parts in results["cold_start_detail"]["breakdown"].items():
            top = ", ".join(f"{k} {v:.0f}" for k, v in list(parts["top_packages_self_ms"].items())[:6])
            log(f"  {name:<32} child: import {parts['child_import_ms']:.0f} ms + first request "
                f"{parts['child_first_request_ms']:.0f} ms; imports by package (self ms): {top}")
        phases["cold_start"] = round(time.monotonic() - phase, 1)
        save(results)
        # the first cloud's rolled-back sign-up, after the cold-start children ran its rollback again
        first_rolled_back = signup.leftovers_of([signups.rolled_back])

        log(f"API latency over HTTP   ({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(latency.run(running, users, deadline=started + TOTAL_BUDGET_S - SIGNUP_BUDGET_S, log=log))
        phases["api_latency"] = round(time.monotonic() - phase, 1)
        save(results)
        running.stop()  # both clouds use moto's one in-memory state: one at a time
        running = None

        phase = time.monotonic()
        log(f"Sign-up: a second local cloud, asynchronous as `make run`   ({time.monotonic() - started:.1f}s)")
        running = runtime.start(synchronous=False, demo=True, environment=BENCH_ENV,
                                parameters={"VerificationWaitSeconds": "0"})
        results.update(signup.run(running, deadline=started + TOTAL_BUDGET_S, earlier_rolled_back=first_rolled_back,
                                  log=log))
        phases["signup"] = round(time.monotonic() - phase, 1)
    finally:
        if running is not None:
            running.stop()
        results["bench_run"] = {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "runtime_s": round(time.monotonic() - started, 1),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "complete": "api_latency_ms" in results and "signup" in results,
            "phases_s": phases,
        }
        save(results)
    log(table(results))
    log(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
