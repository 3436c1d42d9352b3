"""A bounded load test: many customers and applicants at once against a fresh asynchronous local
cloud (as `make run` serves it), over HTTP on 127.0.0.1, for a fixed time; how many answers were
server errors, how many write conflicts reached a caller, and each route's latency.

The cloud runs in this process; the virtual users (bench/loadfile.py) in a locust process of its
own, which patches the standard library with gevent. Before the run every customer is made
in-process, as sign-up makes one (FIBRE-100 and MOBILE-20GB since 2026-01-01, the last INVOICES
months billed, signed in) and proves their phone number over HTTP, as in the portal. While the
load runs, the contact centre's clock is a Monday at ten (every channel open, whatever the hour);
this process's threads are switched every SWITCH_INTERVAL_S, so that requests arriving together
really meet on an item; and the cloud is watched: every answer its gateway gives (to the load,
and to the stand-ins' own webhook deliveries), what every function raises and every error it
logs, with the request each belongs to, and every write the layer tried again. After the run the
cloud is settled, so that what the load set going in the background (stream, bus, workflows) is
watched to its end, and the customers' invoices are checked for money received twice.

`python -m bench.load [USERS SECONDS]` (`make load`: 50 users for 60 s) runs it alone and merges
its keys into bench/results.json; `--output FILE` writes them there instead. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import requests

from bench.billing import SYSTEM, hold
from bench.latency import percentile
from bench.web import office_hours
from infra.local import runtime
from infra.local.runtime import META, Running, X
from infra.local.template import ROOT
from infra.local.tokens import User
from opencounter.billing.invoices import bill_customer, load_invoice
from opencounter.catalogue.service import current_version
from opencounter.core import table
from opencounter.core.clock import business_today
from opencounter.customers.service import register_customer
from opencounter.pricing.rating import Period

USERS = 50
SECONDS = 60
#: users started per second (all of them within the first five seconds)
SPAWN_RATE = 10
#: a user's pause between two flows, from .. to (seconds)
WAIT_S = (0.5, 1.5)
#: of the users, this share signs up (at least one); the others are customers
APPLICANT_SHARE = 0.1
#: of the customers' users, this share (rounded down) act for a customer another user acts for too: a
#: second device of the same person, at the same time (the app and the portal, say)
SECOND_DEVICE_SHARE = 0.2
#: after the time is up each user ends the flow it is in, within this many seconds
STOP_TIMEOUT_S = 20
#: each customer's plans, held since HELD_SINCE, and the months before the current one billed
PLANS = ("FIBRE-100", "MOBILE-20GB")
HELD_SINCE = "2026-01-01"
INVOICES = 3
ADDRESS = {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}
SETTLE_TIMEOUT_S = 180
#: while the load runs, this process's threads are switched this often (Python's default: every
#: 5 ms), so that requests arriving together interleave inside the functions and the in-memory
#: table as requests in AWS do, and really meet on an item (as tests/integration/test_concurrency.py)
SWITCH_INTERVAL_S = 1e-5
LOADFILE = Path(__file__).with_name("loadfile.py")
CONFLICT = "TransactionConflict"
#: each kind of a customer's flow (bench/loadfile.py), by how often a customer picks it after a first
#: round of every kind; applicants make the one kind SIGNUP. Visits are rare: a customer plans one
#: when a fibre line or a smart meter starts, about once in four years, and looks at it a few times
#: before it (bench/pricing.py), against several reads of the record a month. The load keeps
#: planning or moving a visit (`appointment`) and reading the visits page (`appointments_read`) the
#: rarest of the flows beside Messenger and X, still more often than real customers would: enough that
#: bookings of one region's days (every customer lives in Amsterdam) meet on its day plans
WEIGHTS = {"profile_read": 10, "invoices_read": 8, "preferences_change": 4, "usage_read": 4, "address_change": 2,
           "invoice_payment": 3, "portal_chat": 3, "portal_contact": 2, "service_request": 2, "whatsapp": 2,
           "messenger": 1, "x": 1, "email": 2, "phone_call": 2, "appointment": 1, "appointments_read": 1}
SIGNUP = "signup"
GOALS = {"server_errors": 0, "transaction_conflicts_surfaced": 0}

NOTE = ("a fresh asynchronous local cloud (as `make run`), after the other phases: USERS virtual users of locust "
        "(bench/loadfile.py, a process of its own) over HTTP on 127.0.0.1 for SECONDS (default 50 for 60 s, all started"
        " in the first 5 s, 0.5-1.5 s between two flows, each ending the flow it is in when the time is up), the "
        "cloud's threads switched every 10 us so that requests arriving together meet on an item. A tenth sign up (web "
        "shop to an active product); the others are customers (FIBRE-100 and MOBILE-20GB, three months billed, phone "
        "proven; a fifth of them on two devices at once) who read and change their record (profile, preferences, a "
        "move), read invoices and usage, pay an invoice at the Stripe stand-in's checkout until it reads paid, ask in "
        "the portal (chat, call-back, e-mail, WhatsApp, self-service, a service request), plan a visit (what a product "
        "waits for, or the engineer to repair the line) in a free window (GET /appointments/slots, POST "
        "/me/appointments with an Idempotency-Key) or move a visit planned (PATCH) and read their visits (GET "
        "/me/appointments), and write in on WhatsApp, Messenger and X (signed deliveries, 1-3 messages at once), e-mail"
        " (SES receipt rule) and phone (Connect's flow and contact events); the customers share one round of every kind"
        " first, then each picks by weight. server_errors: 5xx answers of the cloud's gateway during the run and until "
        "it settled (to the load and to the stand-ins' webhook deliveries); goal 0. transaction_conflicts_surfaced: "
        "answers 409 busy_try_again plus 5xx answers whose body or whose request's logs and exceptions name a "
        "TransactionConflict; goal 0. p50_ms / p95_ms / p99_ms (nearest rank) per route template and overall, "
        "requests_per_s: the load's own requests over the time from its first to its last answer. load_detail: the mix "
        "per route and per kind of flow, flows not finished and why, unexpected answers, writes refused for another "
        "request and tried again (transaction_conflicts_retried), failures of functions in the background, invoices "
        "that received more than their total.")


# ------------------------------------------------------------------ the customers


def _prove_phone(running: Running, session: requests.Session, phone: str) -> None:
    """Ask for the code by text message and type it back, as in the portal."""
    asked = session.post(f"{running.url}/me/phone-verification", timeout=30)
    if asked.status_code != 202:
        raise RuntimeError(f"POST /me/phone-verification: {asked.status_code} {asked.text[:300]}")
    texts = [m["body"] for m in running.cloud.mailbox(phone)]
    found = re.search(r"code is (\d{6})", texts[-1]) if texts else None
    if found is None:
        raise RuntimeError(f"no code texted to {phone}")
    confirmed = session.post(f"{running.url}/me/phone-verification/confirmation", json={"code": found.group(1)},
                             timeout=30)
    if confirmed.status_code != 200:
        raise RuntimeError(f"POST /me/phone-verification/confirmation: {confirmed.status_code} {confirmed.text[:300]}")


def prepare(running: Running, count: int) -> list[dict[str, Any]]:
    """`count` customers, each with INVOICES open invoices (oldest first), signed in, their phone
    number proven; with the ids they write in under on Messenger and X."""
    catalogue_version = current_version()
    customers = []
    for n in range(count):
        key = uuid.uuid4()
        email, phone, name = f"load-{key.hex[:10]}@example.nl", f"+316{key.int % 10 ** 8:08d}", f"Klant {n}"
        customer_id = register_customer({"given_name": "Load", "family_name": name, "birth_date": "1988-04-12",
                                         "email": email, "phone": phone}, ADDRESS, actor=SYSTEM, channel="system")
        for plan in PLANS:
            hold(customer_id, plan, HELD_SINCE)
        invoices, month = [], Period.of(business_today())
        for _ in range(INVOICES):
            month = month.previous()
            billed = bill_customer(customer_id, month, catalogue_version)
            if billed["outcome"] != "issued":
                raise RuntimeError(f"billing {customer_id} for {month}: {billed}")
            invoices.insert(0, billed["invoice_id"])
        user = User(email, "pw", ("customers",), customer_id)
        running.issuer.add_user(user)
        token = running.issuer.id_token(user)
        session = requests.Session()
        session.headers["Authorization"] = token
        _prove_phone(running, session, phone)
        customers.append({"customer_id": customer_id, "email": email, "phone": phone, "name": f"Load {name}",
                          "postcode": ADDRESS["postcode"],
                          "token": token, "invoices": invoices, "psid": str(10 ** 15 + key.int % 10 ** 15),
                          "x_user_id": str(10 ** 17 + key.int % 10 ** 17)})
    return customers


# ------------------------------------------------------------------ watching the cloud


class Observed:
    """What the cloud answers and logs while in use: every answer of its gateway (counted; the
    5xx and 409 busy_try_again ones kept with the exceptions and error logs of their request),
    and the failures of functions working in the background (rules, streams, workflows). A
    request's exceptions and logs are told apart by thread: the gateway serves each request in a
    thread of its own and runs its function there."""

    def __init__(self, running: Running) -> None:
        self.running = running
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[dict[str, Any]] = []
        self.busy: list[dict[str, Any]] = []
        self.background: list[dict[str, Any]] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tap = _ErrorLogs(self)
        self._delivered: Callable[[str, Any], Any] | None = None
        #: writes DynamoDB refused for another request on one of their items, that the layer tried again
        self.conflicts_retried = 0
        self._contended = table.contended

    def __enter__(self) -> Observed:
        gateway, handle = self.running.gateway, self.running.gateway.handle

        def observed_handle(request: Any) -> Any:
            self._local.texts = texts = []
            try:
                response = handle(request)
            except Exception as error:
                texts.append("".join(traceback.format_exception(error)))
                self._answered(request, 500, b"", texts)
                raise
            finally:
                self._local.texts = None
            self._answered(request, response.status_code, response.get_data(), texts)
            return response

        gateway.handle = observed_handle  # type: ignore[method-assign]
        # every invocation: the gateway's, the sandbox senders' and Step Functions' (cloud.invoke),
        # and those of rules, streams and queues (the delivery's own reference to it)
        cloud = self.running.cloud
        self._delivered = cloud.delivery.invoke
        cloud.invoke = self._invoker(cloud.invoke)  # type: ignore[method-assign]
        cloud.delivery.invoke = self._invoker(self._delivered)
        logging.getLogger().addHandler(self._tap)
        table.contended = self._counted(table.contended)
        return self

    def __exit__(self, *_: object) -> None:
        table.contended = self._contended
        logging.getLogger().removeHandler(self._tap)
        del self.running.gateway.handle
        del self.running.cloud.invoke
        self.running.cloud.delivery.invoke = self._delivered

    def _counted(self, contended: Callable[[Exception], bool]) -> Callable[[Exception], bool]:
        """core.table.contended (what `retried` asks of every failed write), counting its yeses."""
        def counted(error: Exception) -> bool:
            refused = contended(error)
            if refused:
                with self._lock:
                    self.conflicts_retried += 1
            return refused
        return counted

    def _invoker(self, invoke: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
        def observed_invoke(name: str, event: Any) -> Any:
            try:
                return invoke(name, event)
            except Exception as error:
                self.noted(f"{name}: {''.join(traceback.format_exception(error))}", function=name)
                raise
        return observed_invoke

    def noted(self, text: str, function: str | None = None) -> None:
        """An exception or an error logged: the current request's, or a background failure."""
        texts = getattr(self._local, "texts", None)
        if texts is not None:
            texts.append(text)
        else:
            with self._lock:
                self.background.append({"function": function, "logged": function is None,
                                        "names_conflict": CONFLICT in text, "text": text[-1500:]})

    def _route(self, request: Any) -> str:
        try:
            route, _ = self.running.gateway.map.bind_to_environ(request.environ).match(request.path,
                                                                                       method=request.method)
            return f"{request.method} {route.resource}"
        except Exception:
            return f"{request.method} {request.path}"

    def _answered(self, request: Any, status: int, body: bytes, texts: list[str]) -> None:
        with self._lock:
            self.statuses[status] += 1
        if status >= 500:
            text = body.decode("utf-8", "replace")
            with self._lock:
                self.server_errors.append({
                    "request": self._route(request), "status": status, "body": text[:300],
                    "names_conflict": CONFLICT in text or any(CONFLICT in t for t in texts),
                    "logs": [t[-1500:] for t in texts[:3]]})
        elif status == 409 and b"busy_try_again" in body:
            with self._lock:
                self.busy.append({"request": self._route(request), "body": body.decode("utf-8", "replace")[:300]})


class _ErrorLogs(logging.Handler):
    """Every error a function (or the cloud) logs, handed to Observed."""

    def __init__(self, observed: Observed) -> None:
        super().__init__(level=logging.ERROR)
        self.observed = observed

    def addFilter(self, _: Any) -> None:
        """Powertools filters its loggers' records out of every root handler when a function's
        logger is first set up (so that they are not printed twice): this handler wants them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))
            self.observed.noted(text)
        except Exception:
            self.handleError(record)


# ------------------------------------------------------------------ the run


def drive(url: str, customers: list[dict[str, Any]], *, users: int, applicants: int, seconds: int,
          spawn_rate: float, wait_s: tuple[float, float], workdir: Path) -> dict[str, Any]:
    """locust in a child process against `url`, headless, for `seconds`: `users`, of them
    `applicants`; each other user acts for one of the `customers` (in turn: with fewer customers
    than users, the first ones have two users); its users' answers."""
    output = workdir / "answers.json"
    config = {"host": url, "customers": customers, "customer_users": users - applicants,
              "applicant_users": applicants, "wait_s": list(wait_s), "output": str(output), "weights": WEIGHTS,
              "secrets": {"meta_app_secret": META["app_secret"], "x_consumer_secret": X["consumer_secret"]}}
    (workdir / "config.json").write_text(json.dumps(config))
    paths = [str(ROOT), str(ROOT / "layers" / "shared" / "python"), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "OPENCOUNTER_LOAD_CONFIG": str(workdir / "config.json"),
                   "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    command = [sys.executable, "-m", "locust", "-f", str(LOADFILE), "--headless", "--host", url,
               "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--stop-timeout", str(STOP_TIMEOUT_S),
               "--exit-code-on-error", "0", "--only-summary", "--loglevel", "WARNING"]
    log_file = workdir / "locust.log"
    with log_file.open("w") as sink:
        ended = subprocess.run(command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT, check=False,
                               timeout=seconds + STOP_TIMEOUT_S + 120)
    if ended.returncode != 0 or not output.exists():
        raise RuntimeError(f"locust ended with {ended.returncode}:\n{log_file.read_text()[-3000:]}")
    answers: dict[str, Any] = json.loads(output.read_text())
    answers["applicants"], answers["customers"] = applicants, len(customers)
    answers["customer_users"] = users - applicants
    return answers


def overpaid(customers: list[dict[str, Any]]) -> list[str]:
    """The customers' invoices that received more than their total (paid twice, say), once settled."""
    return [invoice for customer in customers for invoice in customer["invoices"]
            if (found := load_invoice(customer["customer_id"], invoice)).paid_cents > found.total_cents]


def _ms(samples: list[float]) -> tuple[float, float, float]:
    return round(statistics.median(samples), 1), round(percentile(samples, 95), 1), round(percentile(samples, 99), 1)


def summarise(answers: dict[str, Any], observed: Observed, *, users: int, seconds: int) -> dict[str, Any]:
    """The figures (`load`) and what they come from (`load_detail`)."""
    records, flows = answers["records"], answers["flows"]
    if not records:
        raise RuntimeError("the load's users made no request")
    by_route: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_route.setdefault(record["name"], []).append(record)
    p50, p95, p99 = {}, {}, {}
    p50["overall"], p95["overall"], p99["overall"] = _ms([r["ms"] for r in records])
    for route in sorted(by_route):
        p50[route], p95[route], p99[route] = _ms([r["ms"] for r in by_route[route]])
    first, last = min(r["at"] for r in records), max(r["at"] + r["ms"] / 1000 for r in records)
    kinds: dict[str, dict[str, int]] = {}
    for flow in flows:
        kind = kinds.setdefault(flow["kind"], {"flows": 0, "done": 0, "requests": 0, "ok": 0})
        kind["flows"] += 1
        kind["done"] += flow["done"]
    for record in records:
        kind = kinds.setdefault(record["kind"], {"flows": 0, "done": 0, "requests": 0, "ok": 0})
        kind["requests"] += 1
        kind["ok"] += record["outcome"] in ("ok", "tolerated")
    unexpected = [r for r in records if r["outcome"] == "unexpected"]
    surfaced = len(observed.busy) + sum(e["names_conflict"] for e in observed.server_errors)
    figures = {
        "users": users, "duration_s": seconds,
        "server_errors": len(observed.server_errors),
        "transaction_conflicts_surfaced": surfaced,
        "requests_per_s": round(len(records) / (last - first), 1),
        "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "goals": GOALS,
    }
    detail = {
        "users": {"customer_users": answers["customer_users"], "applicant_users": answers["applicants"],
                  "customers": answers["customers"],
                  "customers_on_two_devices": answers["customer_users"] - answers["customers"]},
        "duration_s": seconds,
        "requests": len(records), "weights": WEIGHTS,
        "answered_within_s": round(last - first, 1),
        "mix": {route: len(by_route[route]) for route in sorted(by_route, key=lambda r: -len(by_route[r]))},
        "kinds": dict(sorted(kinds.items())),
        "flows_not_done": Counter(f["why"] for f in flows if not f["done"]).most_common(10),
        "load_answers_by_status": dict(sorted(Counter(str(r["status"]) for r in records).items())),
        "gateway_answers_by_status": {str(k): v for k, v in sorted(observed.statuses.items())},
        "unexpected_answers": len(unexpected),
        "unexpected_samples": [{k: r.get(k) for k in ("name", "status", "reason", "body")} for r in unexpected[:10]],
        "server_error_samples": observed.server_errors[:10],
        "busy_try_again": dict(Counter(b["request"] for b in observed.busy)),
        "transaction_conflicts_retried": observed.conflicts_retried,
        "background_failures": len(observed.background),
        "background_failures_naming_conflict": sum(b["names_conflict"] for b in observed.background),
        "background_failure_samples": observed.background[:10],
        "locust": version("locust"),
    }
    return {"load": figures, "load_detail": detail}


@contextmanager
def eager_switching() -> Iterator[None]:
    """This process's threads switched every SWITCH_INTERVAL_S while the block runs."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run(*, users: int = USERS, seconds: int = SECONDS, spawn_rate: float = SPAWN_RATE,
        wait_s: tuple[float, float] = WAIT_S, environment: dict[str, str] | None = None,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """The whole load test on a local cloud of its own, started and stopped here."""
    if users < 2:
        raise ValueError("the load needs at least two users: an applicant and a customer")
    applicants = max(1, round(users * APPLICANT_SHARE))
    began = time.monotonic()
    running = runtime.start(synchronous=False, demo=True, environment=environment)
    try:
        log(f"  local cloud (asynchronous) at {running.url}   ({time.monotonic() - began:.1f}s)")
        with office_hours(), tempfile.TemporaryDirectory(prefix="opencounter-load-") as workdir:
            customers = prepare(running, users - applicants - int((users - applicants) * SECOND_DEVICE_SHARE))
            running.cloud.settle()
            setup_s = time.monotonic() - began
            log(f"  {len(customers)} customers made (invoices billed, phones proven)   ({setup_s:.1f}s)")
            with eager_switching(), Observed(running) as observed:
                answers = drive(running.url, customers, users=users, applicants=applicants, seconds=seconds,
                                spawn_rate=spawn_rate, wait_s=wait_s, workdir=Path(workdir))
                log(f"  locust done: {len(answers['records'])} requests   ({time.monotonic() - began:.1f}s)")
                settling = time.monotonic()
                running.cloud.settle(timeout=SETTLE_TIMEOUT_S)
                settle_s = time.monotonic() - settling
        figures = summarise(answers, observed, users=users, seconds=seconds)
        figures["load_detail"].update(setup_s=round(setup_s, 1), settle_s=round(settle_s, 1),
                                      spawn_rate=spawn_rate, wait_s=list(wait_s),
                                      invoices_overpaid=overpaid(customers))
    finally:
        running.stop()
    for line in report(figures):
        log(line)
    return figures


def report(figures: dict[str, Any]) -> list[str]:
    load, detail = figures["load"], figures["load_detail"]
    lines = [f"  {load['users']} users for {load['duration_s']} s: {detail['requests']} requests, "
             f"{load['requests_per_s']} per s",
             f"  server errors (5xx)                       {load['server_errors']:>6}   goal 0",
             f"  transaction conflicts surfaced            {load['transaction_conflicts_surfaced']:>6}   goal 0",
             f"  unexpected answers {detail['unexpected_answers']}, flows not finished "
             f"{sum(k['flows'] - k['done'] for k in detail['kinds'].values())}, background failures "
             f"{detail['background_failures']}, write conflicts retried {detail['transaction_conflicts_retried']}, "
             f"invoices overpaid {len(detail.get('invoices_overpaid', []))}",
             f"  {'route':<54}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    lines += [f"  {route:<54}{detail['mix'].get(route, detail['requests']):>6}{load['p50_ms'][route]:>9.1f}"
              f"{load['p95_ms'][route]:>9.1f}{p99:>9.1f}" for route, p99 in load["p99_ms"].items()]
    return lines


def main(arguments: list[str]) -> int:
    from bench.run import BENCH_ENV, log, save  # bench.run imports this module for its own phase

    parser = argparse.ArgumentParser(description="the load test on a local cloud of its own (bench/README.md)")
    parser.add_argument("users", nargs="?", type=int, default=USERS)
    parser.add_argument("seconds", nargs="?", type=int, default=SECONDS)
    parser.add_argument("--spawn-rate", type=float, default=SPAWN_RATE)
    parser.add_argument("--output", type=Path, help="write the figures here, not into bench/results.json")
    options = parser.parse_args(arguments)
    os.environ.update(BENCH_ENV)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the in-memory AWS logs every request
    log(f"Load: {options.users} users for {options.seconds} s against a local cloud of its own")
    figures = run(users=options.users, seconds=options.seconds, spawn_rate=options.spawn_rate,
                  environment=BENCH_ENV, log=log)
    if options.output:
        options.output.write_text(json.dumps(figures, indent=2) + "\n")
    else:
        save({**figures, "notes": {"load": NOTE}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
