"""OpenCounter's benchmarks (`make bench`): cold start against a floor, DynamoDB requests per read
route, and API latency over HTTP. Prints each figure as it goes, a table at the end, and merges
its keys into bench/results.json (other benchmarks' keys are kept). See bench/README.md."""

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
#: aims at TOTAL_BUDGET_S (well within 3 minutes); cold start stops starting rounds after its own
#: budget; the API routes share what is left
TOTAL_BUDGET_S = 160
COLD_START_BUDGET_S = 70

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
                 f"  {'function':<28}{'ms':>8}{'ratio':>8}   goal <= {detail['goal_ratio']}"]
        for name, ms in results["cold_start_ms"].items():
            ratio = results["cold_start_ratio"][name]
            rows.append(f"  {name:<28}{ms:>8.0f}{ratio:>8.2f}   {'ok' if ratio <= detail['goal_ratio'] else 'OVER'}")
    if "ddb_calls" in results:
        rows += ["DynamoDB requests per read route (goal 1)"]
        rows += [f"  {route:<46}{n:>3}   {'ok' if n <= 1 else 'OVER'}" for route, n in results["ddb_calls"].items()]
    if "api_latency_ms" in results:
        rows += [f"{'API latency over HTTP (ms)':<40}{'p50':>8}{'p99':>8}{'n':>6}"]
        rows += [f"  {route:<38}{f['p50']:>8.1f}{f['p99']:>8.1f}{f['n']:>6}"
                 for route, f in results["api_latency_ms"].items()]
    if "bench_run" in results:
        rows.append(f"Total runtime {results['bench_run']['runtime_s']:.0f} s")
    return "\n".join(rows)


def main() -> int:
    os.environ.update(BENCH_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the in-memory AWS logs every request
    from bench import coldstart, ddbcalls, latency
    from bench.samples import Users
    from infra.local import runtime

    started = STARTED
    results: dict[str, Any] = {"notes": NOTES}
    log("starting the local cloud (synchronous, in-memory AWS on a free port, demo data)")
    running = runtime.start(synchronous=True, aws_port=0, demo=True)
    try:
        log(f"  API {running.url}   AWS {running.aws_url}   ({time.monotonic() - started:.1f}s)")
        users = Users(running)

        log("DynamoDB requests per read route")
        results.update(ddbcalls.run(running, users, log=log))
        save(results)

        log("Cold start: fresh interpreters, floor and functions interleaved (parent wall ms per round)")
        results.update(coldstart.run(running, users, budget_s=COLD_START_BUDGET_S, log=log))
        for name, ms in results["cold_start_ms"].items():
            log(f"  {name:<28} {ms:7.0f} ms   ratio {results['cold_start_ratio'][name]:.2f}")
        for name, parts in results["cold_start_detail"]["breakdown"].items():
            top = ", ".join(f"{k} {v:.0f}" for k, v in list(parts["top_packages_self_ms"].items())[:6])
            log(f"  {name:<28} child: import {parts['child_import_ms']:.0f} ms + first request "
                f"{parts['child_first_request_ms']:.0f} ms; imports by package (self ms): {top}")
        save(results)

        log("API latency over HTTP")
        results.update(latency.run(running, users, deadline=started + TOTAL_BUDGET_S, log=log))
    finally:
        running.stop()
        results["bench_run"] = {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "runtime_s": round(time.monotonic() - started, 1),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "complete": "api_latency_ms" in results,
        }
        save(results)
    log(table(results))
    log(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
