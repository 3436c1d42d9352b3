"""OpenCounter's benchmarks (`make bench`): the API's contract against its routes and the expected
waits against a simulation (no cloud); cold start against a floor, DynamoDB requests per read
route, what a Query costs as the table fills, API latency over HTTP, and the monthly billing run
(a synchronous local cloud); the sign-up's time to an active product and its rollback, paying an
invoice through Stripe's webhooks and the portal's timings in a browser (a second, asynchronous
local cloud); then the browser tests' page checks (their own cloud); the load test (50 users at
once, a cloud of its own: bench/load.py); last, with no cloud running,
whether the stack would deploy (`make deploy-check`).
Prints each figure as it goes, a table at the end, and merges its keys into bench/results.json
(other benchmarks' keys are kept). See bench/README.md."""

from __future__ import annotations

import json
import logging
import operator
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench.cost
from bench import (
    appointments,
    billing,
    coldstart,
    consents,
    contract,
    ddbcalls,
    deploy,
    disputes,
    ideas,
    latency,
    load,
    localcloud,
    outages,
    payments,
    privacy,
    reminders,
    signup,
    staff_reads,
    view,
    waits,
    web,
)
from bench.samples import Users
from infra.local import runtime

STARTED = time.monotonic()
RESULTS = Path(__file__).with_name("results.json")
BENCH_ENV = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
             "POWERTOOLS_LOG_LEVEL": "WARNING"}

#: time budgets (seconds) on top of the fixed counts of every loop: the whole run, start to end,
#: aims at TOTAL_BUDGET_S (within 14 minutes, bench/waits.py's own 45 s first); cold start stops
#: starting rounds after its own budget; the payments figures get the last PAYMENTS_BUDGET_S, the
#: sign-up figures (second cloud included) the SIGNUP_BUDGET_S before, the billing run at two sizes
#: the BILLING_SIZE_BUDGET_S before that, the tariffs the BILLING_BUDGET_S before that; the API
#: routes share what is left between cold start and billing
TOTAL_BUDGET_S = 800
COLD_START_BUDGET_S = 100
BILLING_BUDGET_S = 105
BILLING_SIZE_BUDGET_S = 330
SIGNUP_BUDGET_S = 40
PAYMENTS_BUDGET_S = 40

NOTES = {
    "contract": "first, before this process starts a cloud: bench/contract.py. routes_without_schema: routes of "
                "template.yaml (Api events) that the kept OpenAPI document, docs/openapi.json (what the portal "
                "publishes), leaves out, or documents without a success answer or without a schema (resolving in its "
                "components) for every answer it gives; goal 0. contract_detail names them and says whether the "
                "kept document is what `make openapi` writes now. schemathesis_failures: failures schemathesis "
                "finds over every route and check, as `make test` runs it (tests/fuzzing.py: its own local cloud "
                "in its own process, a customer and staff, derandomised); goal 0. contract_detail.schemathesis: "
                "operations, test cases, seconds and each failure.",
    "cold_start_ms": "median wall time measured by the parent around the whole child process (a fresh "
                     "interpreter: start, import the handler, serve one request against the local cloud's "
                     "in-memory AWS over HTTP, exit); the child's own perf_counter times are in "
                     "cold_start_detail.breakdown",
    "cold_start_ratio": "function median / floor median; the floor is a fresh interpreter that imports boto3 "
                        "and aws_lambda_powertools.event_handler and makes one DynamoDB GetItem; goal <= 1.3",
    "ddb_calls": "DynamoDB API calls (botocore) while one warm request is served in-process; goal 1 per read route. "
                 "A staff read's own write of its access entry (one PutItem, a BatchWriteItem for a list) is not "
                 "counted here but in ddb_access_log_writes (per staff read route; 1)",
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
    "service": "no cloud, first: bench/waits.py. wait_estimate_error_pp: |estimated - simulated| service level "
               "(share answered within 15 s), in percentage points, of opencounter.channels.queueing.estimate_wait "
               "against a first-come-first-served queue simulation (Poisson arrivals, exponential handle times of "
               "180 s) over agents {5..100} x occupancy {0.5..0.9}; max goal <= 2. The Erlang A rows (patience "
               "120 s) and the simulation's noise are in service.wait_estimate_detail.",
    "tariffs": "synchronous cloud, after the API latency: a seeded population (random.Random(2026)) of customers "
               "holding 1-2 of MOBILE-5GB/20GB/UNLIMITED, POWER-VARIABLE/NIGHT/FIXED-1Y, FIBRE-100/1000 since before "
               "the months billed, random usage per month (data_mb 0-40000, minutes 0-600, sms 0-50, kwh 0-600) "
               "sent through the usage queue, billed by BillingRunStateMachine with the demo customers; every "
               "invoice of both months checked per product against the minimum over the plans of the product's "
               "tariff_group (a plan without one: itself) worked out by the bench from catalogue/products.json "
               "(fee + units beyond `included` x `price_cents`, whole month held). customers_not_on_cheapest_plan: "
               "customers with an invoice line total per product (or an invoice total) other than that; goal 0. "
               "customers_billed_at_another_plan and saving_cents: where the cheapest is below the customer's own "
               "plan, and by how much, summed over both months.",
    "billing": "a fresh synchronous cloud without the demo data, after the tariffs: two populations, the larger "
               "five times the smaller (1000 and 5000, both cut by one factor to the time budget: "
               "billing_detail.populations), written straight into the table (profile, address, identities, 1-2 "
               "products, the months' usage totals), each billed by BillingRunStateMachine with slices_per_shard 1 "
               "(a month each, the second for everyone; the first 100 billed for a month before, untimed, to warm "
               "up and to estimate the cost), the cloud settled meanwhile (the billing queue's pages and what the "
               "invoices set off). "
               "run_ms_per_1000_customers: the execution's startDate to stopDate per 1000 customers of the run's "
               "own counts; ms_per_1000 the larger run's; growth: the larger run's over the smaller's (goal <= 1.2). "
               "max_history_events_per_execution: the events of the larger run's execution (the run's only one; "
               "GetExecutionHistory); history_events_growth: larger over smaller (goal 1.0).",
    "disputes": "asynchronous cloud, after the payments: a seeded mix (bench/disputes.py MIX, 120 disputes, each "
                "of a fresh customer with last month's FIBRE-100 or MOBILE-5GB invoice) filed over HTTP one after "
                "the other. decided_online_share: those decided without a person over all; time_to_decision_ms: "
                "from starting the POST to GET /me/disputes/{id} reading decided (polled every 10 ms), for the "
                "automatic ones (goal p95 <= 2000). Then staff decide the rest (upheld and rejected alternately) and "
                "ledger_imbalance_cents sums every credit_note and payment_refunded transaction of those customers "
                "(goal 0); holds_left_after_decision sums the disputes' and their invoices' holds (goal 0).",
    "collection": "asynchronous cloud of its own (python -m bench.collection): 28 customers who gave a SEPA mandate, "
                  "February 2025's fibre bill (EUR 42.50) announced on a seeded day of March (random.Random(32)), "
                  "each customer letting it be collected, having it returned by their bank, paying by hand, "
                  "disputing all or EUR 10 of it, spreading it or withdrawing the mandate in the week before its "
                  "day; driven day by day through the morning run (07:00, the clock set by the bench), the bank "
                  "settling each debit the next day. wrongly_collected: debits asked of Stripe for an invoice paid, "
                  "arranged, of a withdrawn mandate, before its announced day, for more than what was not in "
                  "dispute, or a second one of an invoice; goal 0. effects_per_duplicated_event: six debits settled "
                  "(paid or returned) with their webhooks held back, each event then delivered 10 times at once in "
                  "shuffled order; payments received in the ledger plus return notices mailed, per event; goal 1.",
    "proactive": "asynchronous cloud, after the privacy figures: the reminders, then the outage. "
                 "reminders_wrongly_sent (bench/reminders.py): a "
                 "seeded population of invoices (fibre's connection fee issued on every day of March 2025, and "
                 "February's fibre bill), each customer paying on time, after the reminder or in the statutory "
                 "reminder's term, disputing all or EUR 10 of it, agreeing an arrangement before or after the "
                 "reminder, or never paying (BEHAVIOURS, random.Random(27)); driven day by day from the first payment "
                 "until every step of the last invoice is behind it, the daily run fired at 07:00 with the clock it "
                 "reads set by the bench, then the day's customers acting. Reminders delivered by SES for an invoice "
                 "paid, arranged or wholly disputed by then, asking for an amount in dispute, sent twice for one "
                 "step, on a weekend or Dutch holiday, or before their date (7 days after the due date; the statutory "
                 "one 14 days after the reminder); goal 0. proactive_detail.reminders: what was sent, what was "
                 "missed (goal none) and ready for collection marked before the term was over (goal 0). "
                 "outage_notice_ms (bench/outages.py): 1,000 "
                 "customers with fibre in one postcode area, 100 with fibre in the next and 100 in the area with "
                 "mobile only; a fibre outage reported for the area; from the report to each affected customer's "
                 "notice sent (the notifier's record), p50/p95/max; goal p95 <= 60000. outage_misdirected: notices "
                 "to customers outside its reach plus affected customers not told; goal 0.",
    "privacy": "asynchronous cloud, after the appointments. messages_sent_without_consent (bench/consents.py): 45 "
               "customers with every mix of consents per channel and purpose, then a mailing (marketing), a better "
               "plan (advice), a visit planned (service) and a new invoice (required by law) for each, one at a "
               "time; deliveries counted from SES, SNS and the WhatsApp stand-in, each on a channel whose consent "
               "for its purpose does not hold is one; goal 0. privacy_detail.consents: delivered and without "
               "consent per round. After the outages (bench/privacy.py): personal_data_left_after_erasure: "
               "10 customers each live a whole life (infra/local/lifetime.py: sign-up with Stripe's identity check and "
               "a login, a visit, two products used, cancelled and billed, WhatsApp and e-mail with their IBAN, a "
               "request, a dispute with an evidence file decided by staff, all paid), then ask to be erased; "
               "afterwards every store we keep or ask to forget (the table, every bucket, the user pool, the "
               "workflows' histories, the Stripe and field service stand-ins, the functions' logs captured meanwhile) "
               "is read whole for each one's name, e-mail, phone, street and IBAN: how often any is found; goal 0. "
               "privacy_detail.erasure: the stores read, what reached the customers through providers (theirs), "
               "the receipts, what one erasure erased and kept, and how long erasures took. unlogged_staff_reads: "
               + staff_reads.NOTE,
    "view": "asynchronous cloud, after the ideas (bench/view.py). A customer given a full history over the API "
            "(a sign-up, products, invoices paid, disputed and spread, a dispute with evidence, contacts scored, a "
            "request taken up by staff, an order with its visit, an idea, a move and the question after it "
            "answered, the household told, a complaint followed up, a quote, direct debit, a call-back planned). "
            "missing_fields: the fields of the mission's integrated customer view (bench.view.FIELDS) the staff "
            "360 answer lacks or leaves empty; goal 0. ddb_calls: DynamoDB requests "
            "while that 360 view is served warm in process (the staff read's access-log entry apart); goal 1.",
    "ideas": "asynchronous cloud, after the erasures (bench/ideas.py). duplicate_votes: 200 votes by 50 "
             "customers on 5 ideas (40 of them sent a second time: a double click), all released at once by a "
             "barrier over HTTP; each idea's count as customers read it held against the votes stored and the "
             "distinct customer-idea pairs sent: what is counted more than once; goal 0. ideas_detail: the "
             "answers, votes_lost (answered but not counted, goal 0), rankings_behind_counts (the ranking by votes "
             "not at the count once settled), per idea.",
    "appointments": "asynchronous cloud, after the disputes (bench/appointments.py), the clock the appointments "
                    "read set by the bench, every request over HTTP. window_minutes_max: the longest window GET "
                    "/appointments/slots offers, end minus start in real minutes, over every region and kind of visit "
                    "for two weeks each around the clock changes of 2026 and 2027 and two ordinary weeks (goal 30; "
                    "appointments_detail.window_minutes_min the shortest). overbooked_slots: 50 customers of "
                    "Amsterdam booking one engineer's window (four engineers that day) and 30 of Eindhoven booking six "
                    "overlapping windows of its one installer, all released at once by a barrier; windows where more "
                    "visits keep a technician busy at the window's start than the day has technicians, from the 201s "
                    "and from the stored day plans alike (goal 0); appointments_detail.bookings has the outcomes, the "
                    "201s missing from a plan or not stored planned (plan_mismatches) and technicians with two visits "
                    "at once in a plan. changes_after_deadline_accepted: windows on the Saturday, Sunday and Monday of "
                    "both clock changes of 2026 and two ordinary days, each booked afresh and then, with the clock at "
                    "the deadline (24 real hours before) plus -61, -59, -1, 0, 1, 59, 61 minutes, moved "
                    "(PATCH) or cancelled (DELETE): those accepted at or after the deadline (goal 0); those refused "
                    "before it are appointments_detail.changes_before_deadline_refused (goal 0). on_time_share: "
                    "no cloud (bench/field_day.py), four ordinary weeks of every region booked full through the "
                    "capacity model's free_windows and technician_for, then each technician's day driven with "
                    "random.Random(2027): jobs lognormal around their planned length (sigma 0.3), drives lognormal "
                    "with a mean of 20 min (sigma 0.5), a tenth of the days starting 5-45 min late, a technician "
                    "waiting for a window's start; the share of visits started within [window start, window end] "
                    "(goal >= 0.95). appointments_detail.field_day has the visits, on time, the worst and 95th "
                    "percentile lateness, visits a technician-day, and what_if: the same weeks under models planning "
                    "more travel or longer jobs.",
    "payments": "asynchronous cloud, after the sign-ups: invoices of fresh customers (FIBRE-100, last month) paid by "
                "card at the Stripe stand-in with its delivery to /webhooks/stripe held back; the bench delivers the "
                "stored events itself. webhook_to_paid_ms: from starting the signed payment_intent.succeeded "
                "delivery until GET /me/invoices/{id} over HTTP as the customer (polled every 5 ms after the "
                "delivery answered) says paid, settled before each, 2 uncounted; goal p95 <= 500. "
                "effects_per_duplicated_event: per payment, payment_received ledger transactions after its "
                "succeeded event was delivered 10 times (a burst of 2-6 threads at once, first for half the payments, "
                "the rest one by one shuffled among its charge.succeeded event); mean (goal exactly 1.0) and max. "
                "bad_signature_writes: table writes (stream records from a mark, settled) made by deliveries signed "
                "with a wrong secret, 301 s old, without the header, or of a tampered payload (3 each, all 400); "
                "goal 0.",
    "local_cloud": "synchronous cloud, after the cold starts: one partition (200 items, each also on GSI1 under one "
                   "index partition) in two tables made as the template makes the table, one holding 1,000 unrelated "
                   "items and one 100,000 (in partitions of their own, every tenth on GSI1), queried through the "
                   "in-memory DynamoDB's API, the tables taking turns, 15 timed runs each after 2. query_ms_growth: "
                   "median time of the whole partition's Query with 100,000 unrelated items / with 1,000; goal <= 1.2. "
                   "query_ms_growth_by_kind: the same for its first page (Limit 25), a later page (ExclusiveStartKey "
                   "in the middle), and both on GSI1.",
    "web": "headless Chromium (Debian's), after the payments in the asynchronous cloud, then the browser tests in "
           "a child process (`pytest tests/browser`, their own cloud) with their page checks written to a file. "
           "axe_serious_violations: serious or critical axe-core violations summed over every page and state the "
           "browser tests check (each at 1280 px); goal 0. pages_overflowing_at_375px: distinct pages whose "
           "document is wider than a 375 px window in any of their checks; goal 0. overview_ready_ms: the demo "
           "customer signed in, from asking for the portal (a full page load, ?round=n) to the overview's greeting "
           "and cards shown with nothing loading (aria-busy gone), polled every 10 ms, one uncounted first load; "
           "goal p95 <= 1000. chat_answer_visible_ms: a chat asked and chosen over HTTP, its page open, taken by the "
           "demo agent; from sending the agent's answer (POST .../notes with reply) to its text in the page, "
           "polled every 10 ms (the page reads the contact every second); the contact centre's clock set to a "
           "Monday at ten so the chat is open; goal p95 <= 2000.",
    "cost": bench.cost.NOTE,
    "deploy": "last, no cloud running: `make deploy-check` in a child process (sam validate --lint, cfn-lint with "
              "the serverless rules, sam build for python3.13 on arm64, the built dependencies layer against its "
              "lock, every handler imported from the build with only the built layers on the path), what it keeps "
              "between runs kept. checks_failed: its steps that failed; goal 0. deploy_detail.steps: each step's "
              "outcome and seconds.",
    "load": load.NOTE,
}


def log(line: str) -> None:
    print(line, flush=True)


def merge(results: dict[str, Any], part: dict[str, Any]) -> None:
    """Add a benchmark's figures to the results; a section several benchmarks fill (privacy) gets
    each one's keys, not the last one's only."""
    for key, value in part.items():
        if isinstance(value, dict) and isinstance(results.get(key), dict):
            results[key] = {**results[key], **value}
        else:
            results[key] = value


def alone(run: Callable[..., dict[str, Any]]) -> int:
    """`python -m bench.<name>` of a benchmark run on an asynchronous cloud of its own: its figures
    merged into bench/results.json, as the whole run would (a group's other figures kept)."""
    running = runtime.start(synchronous=False, demo=False, environment=BENCH_ENV)
    try:
        figures = run(running, log=log)
    finally:
        running.stop()
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged = {key: existing[key] for key in figures if isinstance(existing.get(key), dict)}
    merge(merged, figures)
    save({**merged, "notes": {key: NOTES[key] for key in figures if key in NOTES}})
    return 0


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


def run_apart(name: str, run: Callable[..., dict[str, Any]]) -> int:
    """One phase on an asynchronous cloud of its own (`python -m bench.<name>`): its figures and
    its note merged into bench/results.json."""
    running = runtime.start(synchronous=False, demo=False, environment=BENCH_ENV)
    try:
        figures = run(running, log=log)
    finally:
        running.stop()
    save({**figures, "notes": {name: NOTES[name]}})
    return 0


def table(results: dict[str, Any]) -> str:
    rows = ["", "OpenCounter benchmarks", "=" * 78]
    if "contract" in results:
        bad, detail = results["contract"]["routes_without_schema"], results.get("contract_detail", {})
        rows.append(f"{'API routes without a schema in openapi.json':<46}{bad:>6} of {detail.get('routes', '?')}"
                    f"   goal 0   {'ok' if bad == 0 else 'OVER'}")
        failures, fuzzed = results["contract"].get("schemathesis_failures"), detail.get("schemathesis", {})
        if failures is not None:
            rows.append(f"{'Schemathesis failures, every route and check':<46}{failures:>6}   "
                        f"({fuzzed.get('test_cases', '?')} cases, {fuzzed.get('seconds', 0):.0f} s)   goal 0   "
                        f"{'ok' if failures == 0 else 'OVER'}")
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
        writes = results.get("ddb_access_log_writes", {})
        if writes:
            rows.append(f"  {'staff reads: + their access entry written':<46}{max(writes.values()):>3} write each")
    if "local_cloud" in results:
        growth, goal = results["local_cloud"]["query_ms_growth_by_kind"], results["local_cloud"]["goal"]
        rows.append(f"{'A Query, 100,000 unrelated items / 1,000':<46}{'x':>6}   goal <= {goal}")
        rows += [f"  {kind:<44}{ratio:>6.2f}   {'ok' if ratio <= goal else 'OVER'}" for kind, ratio in growth.items()]
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
    if "service" in results:
        error = results["service"]["wait_estimate_error_pp"]
        rows.append(f"{'Expected waits against a simulation':<40}{'max':>8}{'mean':>8}{'n':>6}   goal max")
        rows.append(f"  {'service level within 15 s (pp)':<38}{error['max']:>8.2f}{error['mean']:>8.2f}"
                    f"{error['n_points']:>6}   <= {error['goal_max']:g}   "
                    f"{'ok' if error['max'] <= error['goal_max'] else 'OVER'}")
    if "tariffs" in results:
        tariffs = results["tariffs"]
        bad = tariffs["customers_not_on_cheapest_plan"]
        rows += [f"Billing, synchronous cloud ({' and '.join(tariffs['months'])})",
                 f"  {'customers not billed at the cheapest plan':<46}{bad:>6} of {tariffs['customers_checked']} "
                 f"({tariffs['invoices_checked']} invoices)   goal 0   {'ok' if bad == 0 else 'OVER'}",
                 f"  {'billed at a plan other than their own':<46}{tariffs['customers_billed_at_another_plan']:>6} "
                 f"customers, saving EUR {tariffs['saving_cents'] / 100:,.2f}"]
    if "billing" in results:
        billing, goals = results["billing"], results["billing_detail"]["goals"]
        run = billing["run_ms_per_1000_customers"]
        rows += [f"  {'billing run, ms per 1000 customers':<46}{run['ms_per_1000']:>6.0f}   runs: "
                 + ", ".join(f"{r['customers']} customers {r['ms'] / 1000:.1f} s" for r in run["runs"]),
                 f"  {'  growth, larger run over smaller':<46}{run['growth']:>6.2f}   goal <= {goals['growth']}   "
                 f"{'ok' if run['growth'] <= goals['growth'] else 'OVER'}",
                 f"  {'billing run, events in its execution history':<46}"
                 f"{billing['max_history_events_per_execution']:>6}   growth {billing['history_events_growth']:.2f}   "
                 f"goal {goals['history_events_growth']}   "
                 f"{'ok' if billing['history_events_growth'] <= goals['history_events_growth'] else 'OVER'}"]
    if "payments" in results:
        payments, goals = results["payments"], results["payments_detail"]["goals"]
        paid, effects = payments["webhook_to_paid_ms"], payments["effects_per_duplicated_event"]
        writes = payments["bad_signature_writes"]
        deliveries = results["payments_detail"]["bad_signatures"]["deliveries"]
        goal = goals["webhook_to_paid_p95_ms"]
        rows += [f"{'Payments, asynchronous cloud (ms)':<40}{'p50':>8}{'p95':>8}{'n':>6}   goal p95",
                 f"  {'webhook -> invoice reads paid':<38}{paid['p50']:>8.0f}{paid['p95']:>8.0f}{paid['n']:>6}   "
                 f"<= {goal}   {'ok' if paid['p95'] <= goal else 'OVER'}",
                 f"  {'effects of an event sent 10x (mean, max)':<38}{effects['mean']:>8}{effects['max']:>8}"
                 f"{effects['events']:>6}   mean 1   {'ok' if effects['mean'] == effects['max'] == 1 else 'OVER'}",
                 f"  {'writes by badly signed webhooks':<38}{writes:>8}{'':>8}{deliveries:>6}   goal 0   "
                 f"{'ok' if writes == 0 else 'OVER'}"]
    if "appointments" in results:
        figures, goals = results["appointments"], results["appointments_detail"]["goals"]
        rows.append(f"{'Appointments, asynchronous cloud':<46}{'':>6}   goal")
        for key, label, fits in (("window_minutes_max", "longest window offered (real minutes)", operator.le),
                                 ("overbooked_slots", "windows sold beyond their technicians", operator.eq),
                                 ("changes_after_deadline_accepted", "changes accepted after the 24 h deadline",
                                  operator.eq),
                                 ("on_time_share", "visits started within their window", operator.ge)):
            if key not in figures:  # a results.json from before the figure
                continue
            verdict = "ok" if fits(figures[key], goals[key]) else "OVER"
            rows.append(f"  {label:<44}{figures[key]:>6g}   {goals[key]}   {verdict}")
    if "proactive" in results and "outage_notice_ms" in results["proactive"]:
        figures = results["proactive"]
        notice, wrong = figures["outage_notice_ms"], figures["outage_misdirected"]
        rows += [f"{'Proactive, asynchronous cloud (ms)':<40}{'p50':>8}{'p95':>8}{'n':>6}   goal p95",
                 f"  {'outage reported -> customer told':<38}{notice['p50']:>8}{notice['p95']:>8}{notice['n']:>6}   "
                 f"<= 60000   {'ok' if notice['p95'] is not None and notice['p95'] <= 60000 else 'OVER'}",
                 f"  {'notices misdirected or missing':<38}{wrong:>8}{'':>8}{'':>6}   0   "
                 f"{'ok' if wrong == 0 else 'OVER'}"]
    if "privacy" in results:
        rows.append(f"{'Privacy':<46}{'':>6}   goal")
        for key, label in (("messages_sent_without_consent", "messages delivered without consent"),
                           ("unlogged_staff_reads", "staff reads without an access-log entry")):
            if key in results["privacy"]:
                figure = results["privacy"][key]
                rows.append(f"  {label:<44}{figure:>6}   0   {'ok' if figure == 0 else 'OVER'}")
    if "ideas" in results:
        figure = results["ideas"]["duplicate_votes"]
        rows.append(f"{'Ideas':<46}{'':>6}   goal")
        verdict = "ok" if figure == 0 else "OVER"
        rows.append(f"  {'votes counted twice under concurrent voting':<44}{figure:>6}   0   {verdict}")
    if "view" in results:
        figures = results["view"]
        rows.append(f"{'The whole customer view':<46}{'':>6}   goal")
        rows.append(f"  {'mission fields the 360 view lacks':<44}{figures['missing_fields']:>6}   0   "
                    f"{'ok' if figures['missing_fields'] == 0 else 'OVER'}   (of {figures['fields']})")
        rows.append(f"  {'DynamoDB requests of the 360 view':<44}{figures['ddb_calls']:>6}   1   "
                    f"{'ok' if figures['ddb_calls'] <= 1 else 'OVER'}")
    if "reminders_wrongly_sent" in results.get("proactive", {}):
        figure, detail = results["proactive"]["reminders_wrongly_sent"], results["proactive_detail"]["reminders"]
        rows.append(f"{'Reminders before collection':<46}{'':>6}   goal")
        rows.append(f"  {'reminders wrongly sent':<44}{figure:>6}   0   {'ok' if figure == 0 else 'OVER'}   "
                    f"({sum(detail['sent'].values())} sent, {len(detail['missed'])} missed, "
                    f"{detail['invoices']} invoices over {detail['days_driven']} days)")
    if "web" in results:
        figures, goals = results["web"], results["web_detail"]["goals"]
        rows.append(f"{'Web, headless Chromium':<40}{'p50':>8}{'p95':>8}{'n':>6}   goal")
        for key, label in (("overview_ready_ms", "overview ready (ms)"),
                           ("chat_answer_visible_ms", "chat answer shown (ms)")):
            f, goal = figures[key], goals[f"{key.removesuffix('_ms')}_p95_ms"]
            rows.append(f"  {label:<38}{f['p50']:>8.0f}{f['p95']:>8.0f}{f['n']:>6}   p95 <= {goal}   "
                        f"{'ok' if f['p95'] <= goal else 'OVER'}")
        states = results["web_detail"]["states_checked"]
        for key, label in (("axe_serious_violations", "serious accessibility violations"),
                           ("pages_overflowing_at_375px", "pages wider than 375 px")):
            verdict = "ok" if figures[key] == 0 else "OVER"
            rows.append(f"  {label:<38}{figures[key]:>8}{'':>8}{states:>6}   0   {verdict}")
    if "cost" in results:
        rows += bench.cost.table_rows(results)
    if "load" in results:
        figures = results["load"]
        title = f"Load, {figures['users']} users for {figures['duration_s']} s"
        rows.append(f"{title:<40}{'p50':>8}{'p95':>8}{'p99':>8}{'per s':>7}   goal")
        rows.append(f"  {'every request (ms)':<38}{figures['p50_ms']['overall']:>8.0f}"
                    f"{figures.get('p95_ms', {}).get('overall', float('nan')):>8.0f}"
                    f"{figures['p99_ms']['overall']:>8.0f}{figures['requests_per_s']:>7}")
        for key, label in (("server_errors", "server errors (5xx)"),
                           ("transaction_conflicts_surfaced", "write conflicts reaching a caller")):
            rows.append(f"  {label:<38}{figures[key]:>8}{'':>23}   0   {'ok' if figures[key] == 0 else 'OVER'}")
    if "deploy" in results:
        failed, steps = results["deploy"]["checks_failed"], results["deploy_detail"]["steps"]
        rows.append(f"{'Deploy check (make deploy-check)':<40}{'failed':>8}{'':>8}{'steps':>6}   goal")
        verdict = "ok" if failed == 0 else "OVER"
        rows.append(f"  {'steps failed':<38}{failed:>8}{'':>8}{len(steps):>6}   0   {verdict}   "
                    f"({results['deploy_detail']['runtime_s']:.0f} s)")
    if "bench_run" in results:
        rows.append(f"Total runtime {results['bench_run']['runtime_s']:.0f} s")
    return "\n".join(rows)


def main() -> int:
    os.environ.update(BENCH_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the in-memory AWS logs every request

    started = STARTED
    results: dict[str, Any] = {"notes": NOTES}
    running: runtime.Running | None = None
    phases: dict[str, float] = {}
    try:
        log("The API's contract against the template's routes, and schemathesis over every route")
        results.update(contract.run(log=log))
        phases["contract"] = round(time.monotonic() - started, 1)
        save(results)
        # no cloud: its worker processes start before any cloud thread does
        log("Expected waits against a simulation of the queue")
        phase = time.monotonic()
        results.update(waits.run(log=log))
        phases["waits"] = round(time.monotonic() - phase, 1)
        save(results)
        log("starting the local cloud (synchronous, in-memory AWS on a free port, demo data)")
        running = runtime.start(synchronous=True, aws_port=0, demo=True, environment=BENCH_ENV)
        log(f"  API {running.url}   AWS {running.aws_url}   ({time.monotonic() - started:.1f}s)")
        users = Users(running)
        signups = signup.prepare(running)
        log(f"  sign-ups for the cold-start requests: {signups.verified['signup_id']} (VERIFIED), "
            f"{signups.rolled_back} (ROLLED_BACK)   ({time.monotonic() - started:.1f}s)")

        phases["start_and_setup"] = round(time.monotonic() - started - phases["contract"] - phases["waits"], 1)
        log(f"DynamoDB requests per read route   ({time.monotonic() - started:.1f}s)")
        results.update(ddbcalls.run(running, users, log=log))
        save(results)

        log(f"Staff reads on record: every staff read route for a customer with a full history   "
            f"({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        merge(results, staff_reads.run(running, log=log))
        phases["staff_reads"] = round(time.monotonic() - phase, 1)
        save(results)

        log(f"Cold start: fresh interpreters, floor and functions interleaved (parent wall ms per round)   "
            f"({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(coldstart.run(running, users, signups, budget_s=COLD_START_BUDGET_S, log=log))
        coldstart.report(results, log=log)
        phases["cold_start"] = round(time.monotonic() - phase, 1)
        save(results)
        # the first cloud's rolled-back sign-up, after the cold-start children ran its rollback again
        first_rolled_back = signup.leftovers_of([signups.rolled_back])

        log(f"What a Query costs as the table fills   ({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(localcloud.run(running, log=log))
        phases["local_cloud"] = round(time.monotonic() - phase, 1)
        save(results)

        second_cloud_at = started + TOTAL_BUDGET_S - SIGNUP_BUDGET_S - PAYMENTS_BUDGET_S
        log(f"API latency over HTTP   ({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(latency.run(running, users, deadline=second_cloud_at - BILLING_SIZE_BUDGET_S - BILLING_BUDGET_S,
                                   log=log))
        phases["api_latency"] = round(time.monotonic() - phase, 1)
        save(results)

        # last in this cloud: they fill the table
        log(f"Billing: tariffs (this cloud, synchronous)   ({time.monotonic() - started:.1f}s)")
        phase = time.monotonic()
        results.update(billing.run(running, deadline=second_cloud_at - BILLING_SIZE_BUDGET_S, log=log))
        phases["billing"] = round(time.monotonic() - phase, 1)
        save(results)
        running.stop()  # every cloud uses moto's one in-memory state: one at a time
        running = None

        # a cloud of its own, without the demo data: each run bills only the bench's populations
        phase = time.monotonic()
        log(f"Billing: the monthly run at two sizes (a fresh synchronous cloud)   ({time.monotonic() - started:.1f}s)")
        running = runtime.start(synchronous=True, demo=False, environment=BENCH_ENV)
        results.update(billing.scale(running, deadline=second_cloud_at, log=log))
        phases["billing_size"] = round(time.monotonic() - phase, 1)
        save(results)
        running.stop()
        running = None

        phase = time.monotonic()
        log(f"Sign-up: a second local cloud, asynchronous as `make run`   ({time.monotonic() - started:.1f}s)")
        running = runtime.start(synchronous=False, demo=True, environment=BENCH_ENV,
                                parameters={"VerificationWaitSeconds": "0"})
        results.update(signup.run(running, deadline=started + TOTAL_BUDGET_S - PAYMENTS_BUDGET_S,
                                  earlier_rolled_back=first_rolled_back, log=log))
        phases["signup"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Payments: paying invoices through Stripe's webhooks (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        results.update(payments.run(running, deadline=started + TOTAL_BUDGET_S, log=log))
        phases["payments"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Disputes: a seeded mix filed, assessed and decided (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        results.update(disputes.run(running, log=log))
        phases["disputes"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Appointments: windows, bookings at once, changes around the deadline (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        results.update(appointments.run(running, log=log))
        phases["appointments"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Privacy: messages against consents (the asynchronous cloud)   ({time.monotonic() - started:.1f}s)")
        merge(results, consents.run(running, log=log))
        phases["privacy"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Reminders before collection: a month of invoices driven day by day (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        merge(results, reminders.run(running, log=log))
        phases["reminders"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Proactive: an outage told to the 1,000 customers it hits (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        merge(results, outages.run(running, log=log))
        phases["outages"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Privacy: {privacy.CUSTOMERS} customers' whole lives erased, every store read after (the asynchronous "
            f"cloud)   ({time.monotonic() - started:.1f}s)")
        privacy.add_erasure(results, running, log=log)
        phases["privacy_erasure"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Ideas: votes at once, counted once (the asynchronous cloud)   ({time.monotonic() - started:.1f}s)")
        merge(results, ideas.run(running, log=log))
        phases["ideas"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"The whole customer view: a full history, the 360 view read (the asynchronous cloud)   "
            f"({time.monotonic() - started:.1f}s)")
        merge(results, view.run(running, log=log))
        phases["view"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Web: the portal in a browser (the asynchronous cloud)   ({time.monotonic() - started:.1f}s)")
        timings = web.timings(running, log=log)
        running.stop()  # the browser tests start a cloud of their own
        running = None
        log(f"Web: the browser tests' page checks   ({time.monotonic() - started:.1f}s)")
        checked = web.browser_findings(log=log)
        results["web"] = {"axe_serious_violations": checked["axe_serious_violations"],
                          "pages_overflowing_at_375px": checked["pages_overflowing_at_375px"], **timings}
        results["web_detail"] = {**checked["detail"], "goals": web.GOALS}
        phases["web"] = round(time.monotonic() - phase, 1)
        save(results)

        phase = time.monotonic()
        log(f"Cost: every flow's AWS operations counted and priced (a local cloud of its own, in a child process)   "
            f"({time.monotonic() - started:.1f}s)")
        results.update(bench.cost.run(log=log))
        phases["cost"] = round(time.monotonic() - phase, 1)
        save(results)

        # a fresh asynchronous cloud of its own, after the others: it fills the table with its users' doings
        phase = time.monotonic()
        log(f"Load: {load.USERS} users at once for {load.SECONDS} s (a local cloud of its own)   "
            f"({time.monotonic() - started:.1f}s)")
        results.update(load.run(environment=BENCH_ENV, log=log))
        phases["load"] = round(time.monotonic() - phase, 1)
        save(results)

        # last: its build and linters would weigh on every timing above
        phase = time.monotonic()
        log(f"Deploy check: would the stack deploy, would every function start   ({time.monotonic() - started:.1f}s)")
        results.update(deploy.run(log=log))
        phases["deploy"] = round(time.monotonic() - phase, 1)
    finally:
        if running is not None:
            running.stop()
        results["bench_run"] = {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "runtime_s": round(time.monotonic() - started, 1),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "complete": all(key in results for key in ("contract", "service", "local_cloud", "api_latency_ms",
                                                       "tariffs", "billing", "signup", "payments", "web", "deploy")),
            "phases_s": phases,
        }
        save(results)
    log(table(results))
    log(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
