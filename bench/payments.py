"""Payments benchmarks against the second (asynchronous) local cloud: how soon a paid invoice reads
as paid once Stripe's webhook arrives, how many effects one event has however often and however
concurrently it arrives, and what webhooks with a bad signature write.

Invoices are prepared in-process (a fresh customer each, FIBRE-100 held since 2026-01-01, last month
billed as the billing run bills it), and paid by card through the Stripe stand-in after the
customer started the payment over HTTP. The stand-in's own delivery to `/webhooks/stripe` is held
back for the whole phase (its entry taken out of `running.stripe.webhooks`): in the asynchronous
cloud the stand-in delivers on a background thread that reads the endpoints when it runs, so the
entry stays out until the bench's own deliveries are done. The bench then delivers the stored
events itself, signed as Stripe signs them (`running.stripe.deliver`).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.billing import hold, register
from bench.latency import percentile
from infra.local.runtime import STRIPE, Running
from infra.local.sandbox.stripe.wire import FORGERIES, forged_delivery
from infra.local.tokens import User
from opencounter.billing.invoices import bill_customer, load_invoice
from opencounter.billing.ledger import ledger
from opencounter.catalogue.service import current_version
from opencounter.core.clock import business_today
from opencounter.pricing.rating import Period

SECRET = STRIPE["payments_webhook_secret"]
PLAN = "FIBRE-100"
HELD_SINCE = "2026-01-01"
SEED = 2026
#: webhook -> paid: uncounted runs first (the first use of the webhook and the invoice read), then counted
WARM_UP = 2
RUNS = 30
POLL_S = 0.005
PAID_TIMEOUT_S = 10.0
GOAL_PAID_P95_MS = 500
#: payments whose `payment_intent.succeeded` event is delivered DELIVERIES times each
DUPLICATED = 10
DELIVERIES = 10
#: forged deliveries: each kind of FORGERIES this many times, spread over FORGED_PAYMENTS payments
FORGERIES_EACH = 3
FORGED_PAYMENTS = 3
HTTP_TIMEOUT_S = 30


@dataclass
class Paid:
    """An invoice paid by card at the stand-in, the webhook not delivered yet."""
    customer_id: str
    session: requests.Session  # the customer's, signed in
    invoice_id: str
    total_cents: int
    payment_id: str
    succeeded: dict[str, Any] = field(default_factory=dict)  # the stored payment_intent.succeeded event
    others: list[dict[str, Any]] = field(default_factory=list)  # the payment's other events (charge.succeeded)


@contextmanager
def payments_webhook_held_back(running: Running) -> Iterator[None]:
    """The stand-in sends nothing to /webhooks/stripe until the block ends."""
    kept = running.stripe.webhooks
    running.stripe.webhooks = [w for w in kept if not w[0].endswith("/webhooks/stripe")]
    try:
        yield
    finally:
        running.stripe.webhooks = kept


def prepare(running: Running, count: int, *, deadline: float) -> list[Paid]:
    """`count` invoices (fewer if `deadline` passes), each of a fresh customer, paid by card at the
    stand-in; the payments webhook must be held back."""
    period = Period.of(business_today()).previous()
    version = current_version()
    made = []
    for index in range(count):
        email = f"bench-pay-{uuid.uuid4().hex[:10]}@example.nl"
        customer_id = register(email)
        hold(customer_id, PLAN, HELD_SINCE)
        billed = bill_customer(customer_id, period, version)
        if billed["outcome"] != "issued":
            raise RuntimeError(f"billing {customer_id} for {period}: {billed}")
        user = User(email, "pw", ("customers",), customer_id)
        running.issuer.add_user(user)
        session = requests.Session()
        session.headers["Authorization"] = running.issuer.id_token(user)
        made.append(Paid(customer_id, session, billed["invoice_id"], billed["total_cents"], ""))
        if time.monotonic() > deadline and index + 1 < count:
            break
    running.cloud.settle()
    for paid in made:
        response = paid.session.post(f"{running.url}/me/invoices/{paid.invoice_id}/payments", json={"method": "card"},
                                     timeout=HTTP_TIMEOUT_S)
        if response.status_code != 201:
            raise RuntimeError(f"starting a payment of {paid.invoice_id}: {response.status_code} {response.text}")
        paid.payment_id = response.json()["payment_id"]
        running.stripe.complete_payment(paid.payment_id, method="card")
    by_payment: dict[str, list[dict[str, Any]]] = {}
    for event in list(running.stripe.events.values()):
        obj = event["data"]["object"]
        by_payment.setdefault(obj.get("payment_intent") or obj.get("id"), []).append(event)
    for paid in made:
        events = by_payment.get(paid.payment_id, [])
        paid.succeeded = next(e for e in events if e["type"] == "payment_intent.succeeded")
        paid.others = [e for e in events if e is not paid.succeeded]
    running.cloud.settle()
    return made


def _endpoint(running: Running) -> str:
    return f"{running.url}/webhooks/stripe"


def webhook_to_paid(running: Running, paid: Paid) -> dict[str, float]:
    """Deliver the payment's succeeded event, then read the invoice as the customer every POLL_S
    until it says paid; milliseconds from starting the delivery."""
    url = f"{running.url}/me/invoices/{paid.invoice_id}"
    started = time.perf_counter()
    status = running.stripe.deliver(_endpoint(running), SECRET, paid.succeeded)
    delivered = time.perf_counter()
    if status != 200:
        raise RuntimeError(f"the webhook for {paid.payment_id} answered {status}")
    reads = 0
    while True:
        reads += 1
        response = paid.session.get(url, timeout=HTTP_TIMEOUT_S)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
        if response.json()["status"] == "paid":
            break
        if time.perf_counter() - started > PAID_TIMEOUT_S:
            raise RuntimeError(f"{paid.invoice_id} is {response.json()['status']} {PAID_TIMEOUT_S:.0f}s after the "
                               "webhook")
        time.sleep(POLL_S)
    done = time.perf_counter()
    # the same read once the payment's consequences (outbox -> bus -> timeline) ran: what the read
    # costs without them running on the cloud's threads at the same time
    running.cloud.settle()
    again = time.perf_counter()
    paid.session.get(url, timeout=HTTP_TIMEOUT_S).raise_for_status()
    return {"total": (done - started) * 1000, "webhook": (delivered - started) * 1000,
            "reading": (done - delivered) * 1000, "reads": reads,
            "read_when_settled": (time.perf_counter() - again) * 1000}


def duplicated(running: Running, paid: Paid, rng: random.Random, *, burst_first: bool) -> dict[str, Any]:
    """The payment's succeeded event delivered DELIVERIES times: a burst of 2-6 at the same moment
    (threads released together), first (`burst_first`: the first effect itself is raced) or
    somewhere among the rest, which are delivered one by one, shuffled among the payment's other
    events. Counts the ledger's `payment_received` transactions of the payment."""
    burst = rng.randint(2, 6)
    steps: list[Any] = [paid.succeeded] * (DELIVERIES - burst) + paid.others
    rng.shuffle(steps)
    at = 0 if burst_first else rng.randint(0, len(steps))
    steps.insert(at, "burst")
    statuses: list[int] = []
    for step in steps:
        if step != "burst":
            statuses.append(running.stripe.deliver(_endpoint(running), SECRET, step))
            continue
        statuses += _at_once(running, paid.succeeded, burst)
    running.cloud.settle()
    received = [t for t in ledger(paid.customer_id)
                if t["kind"] == "payment_received" and t["transaction_id"].startswith(f"{paid.payment_id}:")]
    invoice = load_invoice(paid.customer_id, paid.invoice_id)
    return {"effects": len(received), "burst": burst, "burst_at": at, "deliveries": len(statuses),
            "statuses": dict(Counter(statuses)), "paid_cents": int(invoice.paid_cents),
            "total_cents": int(invoice.total_cents), "status": invoice.status}


def _at_once(running: Running, event: dict[str, Any], times: int) -> list[int]:
    """Deliver `event` from `times` threads released together; their answers."""
    gate = threading.Barrier(times)
    answers: list[int] = []

    def one() -> None:
        gate.wait()
        answers.append(running.stripe.deliver(_endpoint(running), SECRET, event))

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def bad_signatures(running: Running, payments: list[Paid]) -> dict[str, Any]:
    """FORGERIES_EACH deliveries of each forgery (of the payments' real, undelivered succeeded
    events): every one must answer 400 naming Stripe-Signature; table writes counted from a mark
    taken once the cloud settled to after settling again. Then the same events, signed properly,
    as a control: they must write (the count can see a write)."""
    mark = running.cloud.write_mark()
    answers: dict[str, list[int]] = {}
    wrong_answers = []
    for kind in FORGERIES:
        for index in range(FORGERIES_EACH):
            paid = payments[index % len(payments)]
            payload, headers = forged_delivery(paid.succeeded, kind, SECRET)
            response = requests.post(_endpoint(running), data=payload, headers=headers, timeout=HTTP_TIMEOUT_S)
            answers.setdefault(kind, []).append(response.status_code)
            field_named = response.headers.get("Content-Type", "").startswith("application/json") and \
                response.json().get("field") == "Stripe-Signature"
            if response.status_code != 400 or not field_named:
                wrong_answers.append({"kind": kind, "status": response.status_code, "body": response.text[:300]})
    running.cloud.settle()
    writes = running.cloud.writes_since(mark)
    still_open = sum(load_invoice(p.customer_id, p.invoice_id).status == "OPEN" for p in payments)

    control_mark = running.cloud.write_mark()
    control = [running.stripe.deliver(_endpoint(running), SECRET, p.succeeded) for p in payments]
    running.cloud.settle()
    control_writes = len(running.cloud.writes_since(control_mark))
    if wrong_answers:
        raise RuntimeError(f"forged webhooks not refused with 400 naming Stripe-Signature: {wrong_answers}")
    if control != [200] * len(payments) or not control_writes:
        raise RuntimeError(f"control: properly signed deliveries answered {control} and wrote {control_writes}")
    return {"writes": len(writes), "deliveries": sum(len(a) for a in answers.values()), "answers": answers,
            "written": [{"keys": w["dynamodb"].get("Keys"), "event": w.get("eventName")} for w in writes][:10],
            "invoices_still_open": still_open, "control_writes": control_writes}


def _figure(samples: list[float]) -> dict[str, Any]:
    return {"p50": round(statistics.median(samples), 1), "p95": round(percentile(samples, 95), 1),
            "n": len(samples)}


def run(running: Running, *, deadline: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Against the asynchronous cloud: prepare every invoice first (settled), then the three
    figures in turn. Preparation and the webhook -> paid loop stop at their share of the time
    until `deadline` (a smaller n)."""
    phase = time.monotonic()
    budget = deadline - phase
    running.cloud.settle()
    with payments_webhook_held_back(running):
        # the forged and duplicated deliveries' invoices first: a preparation cut short by its
        # budget leaves fewer timed runs (a smaller n), never fewer of those
        prepared = prepare(running, FORGED_PAYMENTS + DUPLICATED + WARM_UP + RUNS, deadline=phase + budget * 0.5)
        forgeries = prepared[:FORGED_PAYMENTS]
        duplicates = prepared[FORGED_PAYMENTS:FORGED_PAYMENTS + DUPLICATED]
        timed = prepared[FORGED_PAYMENTS + DUPLICATED:]
        if len(timed) <= WARM_UP:
            raise RuntimeError(f"only {len(prepared)} invoices prepared in the time budget")
        log(f"  {len(prepared)} invoices of {PLAN} ({timed[0].total_cents} cents) paid by card at the stand-in, the "
            f"webhook held back   ({time.monotonic() - phase:.1f}s)")

        samples: list[dict[str, float]] = []
        loop_deadline = phase + budget * 0.8
        for index, paid in enumerate(timed):
            running.cloud.settle()
            result = webhook_to_paid(running, paid)
            if index >= WARM_UP:
                samples.append(result)
            if time.monotonic() > loop_deadline and index + 1 < len(timed):
                log(f"  ! webhook -> paid: time budget reached after {len(samples)} counted runs")
                break
        to_paid = _figure([s["total"] for s in samples])
        parts = {name: _figure([s[name] for s in samples]) for name in ("webhook", "reading", "read_when_settled")}
        log(f"  webhook -> paid (GET as the customer)    p50 {to_paid['p50']:7.1f} ms   p95 {to_paid['p95']:7.1f} ms"
            f"   n {to_paid['n']}   goal p95 <= {GOAL_PAID_P95_MS}")
        log(f"    p50 (ms): delivery answered {parts['webhook']['p50']:.1f}, then reading until paid "
            f"{parts['reading']['p50']:.1f} (the same read once settled {parts['read_when_settled']['p50']:.1f}); "
            f"reads per run {dict(Counter(int(s['reads']) for s in samples))}")

        rng = random.Random(SEED)
        dupes = [duplicated(running, paid, rng, burst_first=index % 2 == 0) for index, paid in enumerate(duplicates)]
        effects = [d["effects"] for d in dupes]
        per_event = {"mean": round(sum(effects) / len(effects), 3), "max": max(effects), "events": len(effects),
                     "deliveries_each": DELIVERIES}
        statuses: Counter[int] = Counter()
        for d in dupes:
            statuses.update(d["statuses"])
        log(f"  effects per event delivered {DELIVERIES} times: mean {per_event['mean']} max {per_event['max']} over "
            f"{len(effects)} events (goal 1); answers {dict(statuses)}; invoices paid once "
            f"{sum(d['paid_cents'] == d['total_cents'] for d in dupes)}/{len(dupes)}")

        bad = bad_signatures(running, forgeries)
        log(f"  table writes by {bad['deliveries']} badly signed deliveries: {bad['writes']} (goal 0); all answered "
            f"400; control (signed properly): {bad['control_writes']} writes")
    return {
        "payments": {"webhook_to_paid_ms": to_paid, "effects_per_duplicated_event": per_event,
                     "bad_signature_writes": bad["writes"]},
        "payments_detail": {
            "goals": {"webhook_to_paid_p95_ms": GOAL_PAID_P95_MS, "effects_per_duplicated_event": 1,
                      "bad_signature_writes": 0},
            "webhook_to_paid_parts_ms": parts,
            "webhook_to_paid_all_ms": [round(s["total"], 1) for s in samples],
            "reads_until_paid": dict(Counter(int(s["reads"]) for s in samples)),
            "duplicated": dupes,
            "bad_signatures": bad,
        },
    }
