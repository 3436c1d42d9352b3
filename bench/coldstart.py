"""Cold start: each function of the template in a fresh interpreter serving one request, against
the floor (a fresh interpreter that imports boto3 + Powertools' event handler and does one GetItem).

The figure is the wall time the parent measures around the whole child process (interpreter
start, imports, the first request, exit). The child also reports its own time from its first
line (time.perf_counter), split into import and first request; that is kept as detail.

`python -m bench.coldstart [--runs N] [FUNCTION ...]` runs it alone (see main).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.samples import (
    Users,
    api_event,
    billed_billing_page,
    charge_succeeded_webhook,
    demo_usage_record,
    eventbridge_event,
    failed_checks,
    identity_webhook,
    move_completion_task,
    notified_invoice_event,
    passed_checks,
    rule_event,
    scheduled_event,
    signup_activated_event,
    sqs_event,
    stream_event,
)
from bench.signup import Prepared, prepare
from infra.local import runtime
from infra.local.demo import demo_id
from infra.local.runtime import Running
from infra.local.sandbox.channels import contact_event
from infra.local.template import ROOT
from opencounter.billing.records import UsageTotal
from opencounter.core.clock import business_today
from opencounter.customers.records import ProductHolding, Profile
from opencounter.pricing.rating import Period

CHILD = Path(__file__).with_name("cold_child.py")
SHARED_LAYER = ROOT / "layers" / "shared" / "python"
FLOOR = "floor"
RUNS = 7
CHILD_TIMEOUT_S = 60
GOAL_RATIO = 1.3


def _requests(running: Running, users: Users,
              signups: Prepared) -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    """Function logical id -> (success check, builder of a fresh representative request). None of
    them calls Stripe: the sign-up read and the webhooks (of a sign-up decided already, of an
    event the payments webhook does not act on) do not."""
    customer_id = users.customer_id
    verified = signups.verified
    verified_id = verified["signup_id"]
    mobile = demo_id("sanne/MOBILE-20GB")
    # the product is at this version; a change sent for another one is refused (409), nothing written
    mobile_version = int(ProductHolding.get(*ProductHolding.keys(customer_id, mobile)).version)
    last_month = str(Period.of(business_today()).previous())

    def api(function: str, method: str, path: str, token: str | None, body: bytes = b"",
            headers: dict[str, str] | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
        routed_to, event = api_event(running, method, path, token, query, body=body, headers=headers)
        assert routed_to == function, f"{method} {path} goes to {routed_to}, not {function}"
        return event

    def webhook() -> dict[str, Any]:
        body, headers = identity_webhook(signups.identity_session)  # signed now: Stripe's 300 s tolerance
        return api("IdentityWebhookFunction", "POST", "/webhooks/identity", None, body, headers)

    def payments_webhook() -> dict[str, Any]:
        body, headers = charge_succeeded_webhook(customer_id, users.invoice_id, users.invoice_total_cents)
        return api("PaymentsWebhookFunction", "POST", "/webhooks/stripe", None, body, headers)

    # a mail and a call received once now: the children's deliveries of them again are duplicates
    sandbox = running.channels.sandbox
    mail = sandbox.email_event("sanne@example.nl", "Invoice question", "Why is my invoice higher this month?")
    call = sandbox.phone_call(Profile.get(*Profile.keys(customer_id)).phone)
    for function, event in (("InboundEmailFunction", mail), ("PhoneContactFunction", call)):
        running.cloud.invoke(function, event)
    # and the caller hung up waiting: Connect's contact event, as the rule hands it on, again
    hung_up = contact_event("DISCONNECTED", call["Details"]["ContactData"]["ContactId"])
    ended = rule_event(running, hung_up["Source"], hung_up["DetailType"], json.loads(hung_up["Detail"]),
                       hung_up["Resources"])
    running.cloud.invoke("CallEventsFunction", ended)
    running.cloud.settle()

    # a billing run's page billed and sent on already: a child's delivery of it again is recognised
    billed_page = billed_billing_page(last_month)

    def plan_change_at_another_version() -> dict[str, Any]:
        body = json.dumps({"plan_code": "MOBILE-UNLIMITED", "version": mobile_version + 1}).encode()
        return api("ProductChangesFunction", "PATCH", f"/me/products/{mobile}", users.customer_token, body,
                   {"Content-Type": "application/json"})

    return {
        "CustomerProfileFunction": ("http", lambda: api("CustomerProfileFunction", "GET", "/me", users.customer_token)),
        "AgentDeskFunction": ("http", lambda: api("AgentDeskFunction", "GET", f"/agent/customers/{customer_id}",
                                                  users.agent_token)),
        "TimelineWriterFunction": ("stored", lambda: eventbridge_event(running, customer_id)),
        "OutboxPublisherFunction": ("stream", lambda: stream_event(running, customer_id)),
        "MoveCompletionFunction": ("outcome", lambda: move_completion_task()),
        "CatalogueFunction": ("http", lambda: api("CatalogueFunction", "GET", "/products", None)),
        "SignupFunction": ("http", lambda: api("SignupFunction", "GET", f"/signups/{verified_id}", None,
                                               headers={"Resume-Code": verified["resume_code"]})),
        "IdentityWebhookFunction": ("webhook_ignored", webhook),
        "SignupVerificationStartFunction": ("already_started", lambda: signup_activated_event(running, verified)),
        "SignupLoginFunction": ("login_existed", lambda: {"signup_id": verified_id}),
        "SignupCheckFunction": ("check_passed", lambda: {"check": "sanctions", "signup_id": verified_id}),
        "SignupOutcomeFunction": ("next_verified", lambda: {"action": "decide", "signup_id": verified_id,
                                                            "checks": passed_checks()}),
        "SignupRollbackFunction": ("already_rolled_back", lambda: {"signup_id": signups.rolled_back,
                                                                   "checks": failed_checks()}),
        "BillingFunction": ("http", lambda: api("BillingFunction", "GET", "/me/invoices", users.customer_token)),
        "ProductChangesFunction": ("version_conflict", plan_change_at_another_version),
        "PaymentsWebhookFunction": ("webhook_ignored", payments_webhook),
        "UsageIntakeFunction": ("no_failures", lambda: sqs_event(running, "UsageQueue", demo_usage_record())),
        "BillingRunFunction": ("run_summarised", lambda: {"action": "summarise", "plan": {
            "run": "bench-cold-start-empty", "period": last_month, "slices": 0}}),
        "BillingSliceFunction": ("no_failures", lambda: sqs_event(running, "BillingSliceQueue", billed_page)),
        "CustomerNotifierFunction": ("already_sent", lambda: notified_invoice_event(running, customer_id)),
        "ServiceInfoFunction": ("http", lambda: api("ServiceInfoFunction", "GET", "/channels", None)),
        "ContactsFunction": ("http", lambda: api("ContactsFunction", "GET", "/me/contacts", users.customer_token)),
        "DisputesFunction": ("http", lambda: api("DisputesFunction", "GET", "/me/disputes", users.customer_token)),
        "AppointmentsFunction": ("http", lambda: api("AppointmentsFunction", "GET", "/me/appointments",
                                                     users.customer_token)),
        "ServiceDeskFunction": ("http", lambda: api("ServiceDeskFunction", "GET", "/agent/queue", users.agent_token)),
        "ChannelWebhooksFunction": ("http", lambda: api("ChannelWebhooksFunction", "GET", "/webhooks/x", None,
                                                        query={"crc_token": "bench"})),
        "InboundEmailFunction": ("duplicate", lambda: mail),
        "PhoneContactFunction": ("duplicate", lambda: call),
        "CallEventsFunction": ("unchanged", lambda: ended),
        "ChannelFiguresFunction": ("published", lambda: scheduled_event(running)),
        "PrivacyDeskFunction": ("http", lambda: api("PrivacyDeskFunction", "GET", "/me/access-log",
                                                    users.customer_token)),
        "ConsentFiguresFunction": ("no_failures", lambda: stream_event(running, customer_id)),
    }


def _usage_total(record: dict[str, Any]) -> tuple[int, int]:
    """(records, quantity of its unit) of the month a usage record belongs to, as stored."""
    period = str(Period.parse(record["occurred_at"][:7]))
    total = UsageTotal.get(*UsageTotal.keys(record["customer_id"], period, record["product_id"]))
    return int(total.records), int(getattr(total, record["unit"]))


def _environment(running: Running, code_dir: Path | None, function_env: dict[str, str]) -> dict[str, str]:
    """The child's environment: what Lambda would give the function, pointed at the local cloud.
    Only this function's variables from the template: the local cloud exports every function's
    into this process, and a child that inherited them would hide a variable missing from its
    own function's settings."""
    exported = {key for function in running.cloud.functions.values() for key in function.environment}
    env = {k: v for k, v in os.environ.items()
           if k not in exported and not k.startswith(("AWS_", "PYTHON", "MOTO_", "POWERTOOLS_", "STRIPE_"))}
    env.update(function_env)
    if "STRIPE_API_BASE" in function_env and not function_env["STRIPE_API_BASE"]:
        # empty in the template means the real Stripe; the local cloud points the functions at its
        # stand-in (runtime.start sets it in this process), and so must the children
        env["STRIPE_API_BASE"] = f"{running.url}{running.stripe.PREFIX}"
    physical = running.cloud.resolver.physical
    env.update({
        "PYTHONPATH": os.pathsep.join(str(p) for p in (SHARED_LAYER, code_dir) if p is not None),
        "AWS_ENDPOINT_URL": str(running.aws_url),
        "AWS_REGION": running.cloud.region, "AWS_DEFAULT_REGION": running.cloud.region,
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "TABLE_NAME": physical["Table"], "EVENT_BUS_NAME": physical["EventBus"],
        "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    })
    return env


class Subject:
    """One thing to cold-start: a function (handler + request) or the floor."""
    def __init__(self, name: str, mode: str, check: str, build: Callable[[], dict[str, Any]],
                 env: dict[str, str]) -> None:
        self.name, self.mode, self.check, self.build, self.env = name, mode, check, build, env
        self.wall_ms: list[float] = []
        self.child: list[dict[str, float]] = []

    def run(self, folder: Path, *, importtime: bool = False) -> tuple[float, dict[str, Any], str]:
        """One fresh interpreter; (parent wall ms, child report, child stderr)."""
        event_file = folder / f"{self.name}-{time.time_ns()}.json"
        event_file.write_text(json.dumps(self.build()))
        command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-P", str(CHILD),
                   self.mode, self.check, str(event_file)]
        started, used = time.perf_counter(), _children_cpu_s()
        done = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT_S)
        wall_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (_children_cpu_s() - used) * 1000
        event_file.unlink()
        lines = done.stdout.strip().splitlines()
        try:
            report = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            report = {"ok": False}
        if done.returncode != 0 or not report.get("ok"):
            raise RuntimeError(f"cold start of {self.name} failed (exit {done.returncode}): "
                               f"{report.get('result')}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return wall_ms, {**report, "cpu_ms": cpu_ms}, done.stderr


def _children_cpu_s() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _importtime_summary(stderr: str, top: int = 6) -> dict[str, Any]:
    """From `-X importtime` output: the total, the self time summed per top-level package (a fair
    attribution: cumulative times charge a shared dependency to whoever imports it first), and
    the modules whose own body is slowest (module-level work, not their imports)."""
    per_package: dict[str, int] = defaultdict(int)
    per_module: dict[str, int] = {}
    total_us = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        module = name.strip()
        per_package[module.split(".")[0]] += int(self_us)
        per_module[module] = int(self_us)
        if len(name) - len(name.lstrip()) == 1:  # top level: one space after the bar, no indent
            total_us += int(cumulative_us)

    def ranked(times: dict[str, int]) -> dict[str, float]:
        return {name: round(us / 1000, 1) for name, us in sorted(times.items(), key=lambda kv: -kv[1])[:top]}

    return {"imports_total_ms": round(total_us / 1000, 1), "top_packages_self_ms": ranked(per_package),
            "top_modules_self_ms": ranked(per_module)}


def run(running: Running, users: Users, signups: Prepared, *, budget_s: float,
        log: Callable[[str], None], runs: int = RUNS, only: list[str] | None = None) -> dict[str, Any]:
    """Interleaved runs of the floor and every function (or those named in `only`); medians,
    ratios and a breakdown."""
    deadline = time.monotonic() + budget_s
    requests = _requests(running, users, signups)
    usage_before = _usage_total(demo_usage_record())
    subjects: list[Subject] = []
    skipped = []
    functions = running.cloud.resolver.resources("AWS::Serverless::Function")
    if unknown := set(only or ()) - set(functions):
        raise ValueError(f"no function {', '.join(sorted(unknown))} in template.yaml")
    for name in functions:
        if only and name not in only:
            continue
        function = running.cloud.functions[name]
        if name not in requests:
            skipped.append(name)
            log(f"  ! {name}: no representative request known to bench/coldstart.py; not measured")
            continue
        check, build = requests[name]
        subjects.append(Subject(name, function.handler_path, check, build,
                                _environment(running, function.code_dir, function.environment)))
    floor = Subject(FLOOR, FLOOR, "item", lambda: {"customer_id": users.customer_id},
                    _environment(running, None, {}))
    everyone = [floor, *subjects]

    with tempfile.TemporaryDirectory(prefix="opencounter-bench-") as tmp:
        folder = Path(tmp)
        # first one unmeasured run each with -X importtime: shows where the time goes, and
        # byte-compiles anything new and warms the OS file cache before the measured runs
        importtimes = {subject.name: subject.run(folder, importtime=True)[2] for subject in everyone}
        for round_ in range(runs):
            rotation = round_ % max(1, len(subjects))
            for subject in [floor, *subjects[rotation:], *subjects[:rotation]]:
                wall_ms, report, _ = subject.run(folder)
                subject.wall_ms.append(wall_ms)
                subject.child.append(report)
            log(f"  round {round_ + 1}/{runs}: " + "  ".join(
                f"{s.name.removesuffix('Function')} {s.wall_ms[-1]:.0f}" for s in everyone))
            if time.monotonic() > deadline and round_ + 1 < runs:
                log(f"  ! time budget of {budget_s:.0f}s reached after {round_ + 1} rounds")
                break
    # pending consequences of the children's writes (the publisher's PutEvents -> the timeline)
    running.cloud.settle()
    # the usage intake's batch held a record stored before: nothing may have been added
    if (usage_after := _usage_total(demo_usage_record())) != usage_before:
        raise RuntimeError(f"the usage intake's duplicate record was added: (records, quantity) "
                           f"{usage_before} -> {usage_after}")

    breakdown = {s.name: {
        "child_import_ms": round(statistics.median(r["import_ms"] for r in s.child), 1),
        "child_first_request_ms": round(statistics.median(r["request_ms"] for r in s.child), 1),
        "child_total_ms": round(statistics.median(r["total_ms"] for r in s.child), 1),
        **_importtime_summary(importtimes[s.name]),
    } for s in everyone}
    floor_ms = statistics.median(floor.wall_ms)
    floor_cpu_ms = statistics.median(r["cpu_ms"] for r in floor.child)
    return {
        "cold_start_ms": {s.name: round(statistics.median(s.wall_ms), 1) for s in subjects},
        "cold_start_ratio": {s.name: round(statistics.median(s.wall_ms) / floor_ms, 2) for s in subjects},
        "cold_start_detail": {
            "floor_ms": round(floor_ms, 1),
            "runs": len(floor.wall_ms),
            "goal_ratio": GOAL_RATIO,
            "wall_ms_all": {s.name: [round(x, 1) for x in s.wall_ms] for s in everyone},
            # the CPU the child used (user + system), which other work on the machine changes far less
            # than the wall time: the same medians and ratio, to tell a change from the machine's load
            "floor_cpu_ms": round(floor_cpu_ms, 1),
            "cpu_ratio": {s.name: round(statistics.median(r["cpu_ms"] for r in s.child) / floor_cpu_ms, 2)
                          for s in subjects},
            "breakdown": breakdown,
            "not_measured": skipped,
        },
    }


def report(results: dict[str, Any], *, log: Callable[[str], None]) -> None:
    """Each function's median and ratio, and where its child spent the time."""
    cpu_ratio = results["cold_start_detail"]["cpu_ratio"]
    for name, ms in results["cold_start_ms"].items():
        log(f"  {name:<32} {ms:7.0f} ms   ratio {results['cold_start_ratio'][name]:.2f}   "
            f"(CPU ratio {cpu_ratio[name]:.2f})")
    for name, parts in results["cold_start_detail"]["breakdown"].items():
        top = ", ".join(f"{k} {v:.0f}" for k, v in list(parts["top_packages_self_ms"].items())[:6])
        log(f"  {name:<32} child: import {parts['child_import_ms']:.0f} ms + first request "
            f"{parts['child_first_request_ms']:.0f} ms; imports by package (self ms): {top}")


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.coldstart [--runs N] [FUNCTION ...]`: the cold starts alone, against a
    synchronous local cloud started as bench/run.py starts its first. With every function of the
    template the `cold_start_*` keys are merged into bench/results.json; with some named, the
    figures are only printed (a part must not replace the whole)."""
    from bench import run as bench  # it imports this module

    parser = argparse.ArgumentParser(prog="python -m bench.coldstart", description=main.__doc__)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"rounds of every subject (default {RUNS})")
    parser.add_argument("functions", nargs="*", help="logical ids of template.yaml (default: every function)")
    args = parser.parse_args(argv)
    os.environ.update(bench.BENCH_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the in-memory AWS logs every request
    bench.log("starting the local cloud (synchronous, in-memory AWS on a free port, demo data)")
    running = runtime.start(synchronous=True, aws_port=0, demo=True, environment=bench.BENCH_ENV)
    try:
        users = Users(running)
        signups = prepare(running)
        bench.log(f"Cold start: fresh interpreters, floor and functions interleaved, {args.runs} rounds")
        results = run(running, users, signups, budget_s=float("inf"), log=bench.log, runs=args.runs,
                      only=args.functions or None)
    finally:
        running.stop()
    report(results, log=bench.log)
    if not args.functions:
        bench.save({**results, "notes": {key: bench.NOTES[key] for key in ("cold_start_ms", "cold_start_ratio")}})
        bench.log(f"merged into {bench.RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
