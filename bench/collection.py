"""Direct debit benchmark: a month of invoices announced for collection, driven day by day through the
daily collection run (the clock it reads set by the bench), every debit Stripe was asked for judged
against what was true of its invoice that morning; and a debit's events delivered ten times,
concurrently and shuffled. Counted from what the Stripe stand-in was asked and what the books hold,
not from what the code recorded of itself.

The invoices (seeded, random.Random(SEED)): February 2025's fibre bill (EUR 42.50, issued on 1 March,
due Saturday 15 March) of customers who gave a mandate, each announced on a day of March (as though
the bill went out that day), so the collection days spread from 17 March into April across weekends.
Each customer behaves one way (BEHAVIOURS): lets it be collected, has it returned by their bank (not
enough money), pays it by hand before the day, disputes the whole invoice or EUR 10 of it, spreads it
in an arrangement, or withdraws the mandate. Each day the run fires at 07:00 and is settled; then the
bank settles the debits made the day before, and the day's customers act.

wrongly_collected: debits asked of Stripe for an invoice paid, in an arrangement, of a withdrawn
mandate, before its announced day, for more than what was not in dispute, or a second debit of one
invoice. Goal 0. effects_per_duplicated_event: collections (payments received in the books) or
returns (the customer told) per debit event, each delivered ten times at once in shuffled order.
Goal 1."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

import opencounter.billing.debits as debits
import opencounter.billing.mandates as mandates
import opencounter.billing.reminders as reminders
from bench.billing import hold, register
from bench.samples import at_once
from infra.local.runtime import STRIPE, Running
from infra.local.tokens import User
from opencounter.billing.invoices import agree_arrangement, bill_customer, load_invoice
from opencounter.billing.ledger import ledger
from opencounter.catalogue.service import current_version
from opencounter.core.clock import isoformat
from opencounter.disputes.service import file_dispute
from opencounter.pricing.rating import Period

SEED = 32
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ISSUED = date(2025, 3, 1)
IBAN = "NL39RABO0300065264"
#: behaviour -> customers
BEHAVIOURS = {"collected": 8, "returned": 4, "paid_by_hand": 4, "disputed": 3, "disputed_in_part": 3,
              "arranged": 3, "withdrawn": 3}
DISPUTED_PART_CENTS = 1000
#: debits whose events are delivered again, and how often each
DUPLICATED, TIMES = 6, 10
HTTP_TIMEOUT_S = 30
GOAL_WRONG, GOAL_EFFECTS = 0, 1


@dataclass
class Case:
    customer_id: str
    email: str
    invoice_id: str
    behaviour: str
    collect_on: date
    total_cents: int
    act_on: date | None = None
    paid_on: date | None = None
    arranged_on: date | None = None
    withdrawn_on: date | None = None
    held_cents: int = 0
    mandate_id: str = ""


def _token(running: Running, case_email: str, customer_id: str) -> str:
    user = User(case_email, "pw", ("customers",), customer_id)
    running.issuer.add_user(user)
    return running.issuer.id_token(user)


def _give_mandate(running: Running, email: str, customer_id: str) -> str:
    """The customer gives a mandate as the portal does: started over HTTP, given at the bank's page."""
    token = _token(running, email, customer_id)
    started = requests.post(f"{running.url}/me/direct-debit/mandates", headers={"Authorization": token},
                            timeout=HTTP_TIMEOUT_S)
    assert started.status_code == 201, started.text
    running.stripe.complete_setup(started.json()["mandate_id"], iban=IBAN)
    deadline = time.monotonic() + HTTP_TIMEOUT_S
    while time.monotonic() < deadline:  # its webhook comes in the background, as Stripe's do
        shown = requests.get(f"{running.url}/me/direct-debit", headers={"Authorization": token},
                             timeout=HTTP_TIMEOUT_S).json()
        if shown["method"] == "direct_debit":
            return str(started.json()["mandate_id"])
        time.sleep(0.05)
    raise AssertionError("the mandate given was never stored")


def _seed(running: Running, rng: random.Random) -> list[Case]:
    cases, real_today = [], mandates.business_today
    try:
        for behaviour, count in BEHAVIOURS.items():
            for _ in range(count):
                email = f"collection-{uuid.uuid4().hex[:10]}@example.nl"
                customer_id = register(email)
                hold(customer_id, "FIBRE-100", "2025-01-01")
                mandate_id = _give_mandate(running, email, customer_id)
                running.cloud.settle()
                announced = ISSUED + timedelta(days=rng.randrange(20))
                mandates.business_today = lambda announced=announced: announced  # type: ignore[assignment]
                invoice_id = bill_customer(customer_id, Period.parse("2025-02"), current_version())["invoice_id"]
                invoice = load_invoice(customer_id, invoice_id)
                assert invoice.debit, "a customer with a mandate in force is announced"
                case = Case(customer_id, email, invoice_id, behaviour,
                            date.fromisoformat(invoice.debit["collect_on"]), int(invoice.total_cents),
                            mandate_id=mandate_id)
                if behaviour not in ("collected", "returned"):  # acts in the week before its day
                    case.act_on = case.collect_on - timedelta(days=rng.randrange(1, 8))
                cases.append(case)
    finally:
        mandates.business_today = real_today  # type: ignore[assignment]
    return cases


def _act(running: Running, case: Case, day: date) -> None:
    actor = {"type": "customer", "id": case.customer_id}
    token = _token(running, case.email, case.customer_id)
    if case.behaviour == "paid_by_hand":
        started = requests.post(f"{running.url}/me/invoices/{case.invoice_id}/payments", json={"method": "ideal"},
                                headers={"Authorization": token}, timeout=HTTP_TIMEOUT_S)
        assert started.status_code == 201, started.text
        running.stripe.complete_payment(started.json()["payment_id"])
        deadline = time.monotonic() + HTTP_TIMEOUT_S
        while load_invoice(case.customer_id, case.invoice_id).status != "PAID":  # its webhook, in the background
            assert time.monotonic() < deadline, "the payment by hand was never applied"
            time.sleep(0.05)
        case.paid_on = day
    elif case.behaviour == "arranged":
        agree_arrangement(case.customer_id, case.invoice_id, {"instalments": 2}, actor=actor, channel="web")
        case.arranged_on = day
    elif case.behaviour == "withdrawn":
        ended = requests.delete(f"{running.url}/me/direct-debit/mandates/{case.mandate_id}",
                                headers={"Authorization": token}, timeout=HTTP_TIMEOUT_S)
        assert ended.status_code == 200, ended.text
        case.withdrawn_on = day
    else:
        part = {"amount_cents": DISPUTED_PART_CENTS} if case.behaviour == "disputed_in_part" else {}
        file_dispute(case.customer_id, {
            "transaction": {"kind": "invoice_line", "invoice_id": case.invoice_id, "line": 0},
            "reason": "not_delivered", "explanation": "Nooit aangesloten.", **part}, actor=actor, channel="web")
        case.held_cents = DISPUTED_PART_CENTS if part else case.total_cents


def _debits(running: Running, case: Case) -> list[dict[str, Any]]:
    return [i for i in list(running.stripe.intents.values())
            if i["metadata"].get("invoice_id") == case.invoice_id and i["payment_method_types"] == ["sepa_debit"]]


def _judge(case: Case, debit: dict[str, Any], day: date, seen_before: int) -> list[str]:
    """A debit asked of Stripe on `day`: wrong for what was true of the invoice that morning."""
    why = []
    if seen_before:
        why.append("a second debit")
    if case.paid_on is not None and case.paid_on < day:
        why.append("paid by hand")
    if case.arranged_on is not None and case.arranged_on < day:
        why.append("in an arrangement")
    if case.withdrawn_on is not None and case.withdrawn_on < day:
        why.append("the mandate withdrawn")
    if day < case.collect_on:
        why.append("before its announced day")
    if int(debit["amount"]) > case.total_cents - case.held_cents:
        why.append("more than what is not in dispute")
    return [f"{day} {case.invoice_id} {case.behaviour}: {w}" for w in why]


def _set_day(running: Running, day: date) -> datetime:
    moment = datetime(day.year, day.month, day.day, 7, tzinfo=AMSTERDAM).astimezone(UTC)
    reminders.utcnow = lambda: moment  # type: ignore[assignment]
    debits.business_today = lambda: day  # type: ignore[assignment]
    mandates.business_today = lambda: day  # type: ignore[assignment]
    return moment


def _duplicated(running: Running, cases: list[Case], log: Callable[[str], None]) -> dict[str, Any]:
    """Debits settled with their webhooks held back, then each event delivered TIMES at once, shuffled:
    the collections and returns booked per event."""
    rng = random.Random(SEED + 1)
    picked = [c for c in cases if c.behaviour in ("collected", "returned")][:DUPLICATED]
    url, secret = f"{running.url}/webhooks/stripe", STRIPE["payments_webhook_secret"]
    events: list[dict[str, Any]] = []
    for case in picked:
        [debit] = _debits(running, case)
        if debit["status"] != "processing":
            continue
        endpoints, running.stripe.webhooks = running.stripe.webhooks, []
        try:
            running.stripe.complete_debit(debit["id"], outcome="succeeded" if case.behaviour == "collected" else
                                          "failed", failure_code="insufficient_funds")
        finally:
            running.stripe.webhooks = endpoints
        events += [e for e in list(running.stripe.events.values()) if e["data"]["object"].get("id") == debit["id"]
                   and e["type"] in ("payment_intent.succeeded", "payment_intent.payment_failed")]
    deliveries = events * TIMES
    rng.shuffle(deliveries)
    answers = at_once([lambda e=e: running.stripe.deliver(url, secret, e) for e in deliveries])
    running.cloud.settle()
    effects = 0
    for case in picked:
        collected = sum(1 for t in ledger(case.customer_id) if t["kind"] == "payment_received")
        told = sum(1 for m in running.cloud.mailbox(case.email) if m["subject"].startswith("Automatische incasso niet"))
        effects += collected + told
    per_event = round(effects / len(events), 3) if events else None
    log(f"  {len(events)} debit events delivered {TIMES} times each, at once and shuffled: "
        f"{effects} collections or returns booked, {per_event} per event (goal {GOAL_EFFECTS}); "
        f"answers {dict(Counter(answers))}")
    return {"events": len(events), "deliveries": len(deliveries), "effects": effects, "per_event": per_event}


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.monotonic()
    rng = random.Random(SEED)
    real = (reminders.utcnow, debits.business_today, mandates.business_today)
    cases = _seed(running, rng)
    running.cloud.settle()
    log(f"  {len(cases)} invoices announced for collection ({time.monotonic() - started:.1f}s)")
    wrong: list[str] = []
    seen: dict[str, set[str]] = {c.invoice_id: set() for c in cases}
    bank: list[tuple[date, Case, str]] = []  # the debits the bank settles, and when
    first, last = ISSUED + timedelta(days=1), max(c.collect_on for c in cases) + timedelta(days=3)
    day, days = first, 0
    try:
        while day <= last:
            moment = _set_day(running, day)
            running.cloud.invoke("InvoiceRemindersFunction", {"scheduled_at": isoformat(moment)})
            running.cloud.settle()
            days += 1
            for case in cases:
                for debit in _debits(running, case):
                    if debit["id"] not in seen[case.invoice_id]:
                        wrong += _judge(case, debit, day, len(seen[case.invoice_id]))
                        seen[case.invoice_id].add(debit["id"])
                        bank.append((day + timedelta(days=1), case, debit["id"]))
            for settle_on, case, pi in bank:
                if settle_on == day and case.behaviour not in ("collected", "returned") and \
                        running.stripe.intents[pi]["status"] == "processing":
                    running.stripe.complete_debit(pi)
            for case in cases:
                if case.act_on == day:
                    _act(running, case, day)
            running.cloud.settle()
            for case in cases:  # what is on hold is what the dispute holds
                if case.behaviour.startswith("disputed"):
                    case.held_cents = int(load_invoice(case.customer_id, case.invoice_id).held_cents)
            day += timedelta(days=1)
        duplicated = _duplicated(running, cases, log)
    finally:
        reminders.utcnow, debits.business_today, mandates.business_today = real  # type: ignore[assignment]
    missed = [f"{c.invoice_id} {c.behaviour}" for c in cases
              if c.behaviour in ("collected", "returned") and not seen[c.invoice_id]]
    made = sum(len(s) for s in seen.values())
    log(f"  {days} days driven, {made} debits made: wrongly collected {len(wrong)} (goal {GOAL_WRONG}), "
        f"missed {len(missed)}   ({time.monotonic() - started:.1f}s)")
    for line in wrong[:10] + missed[:10]:
        log(f"    {line}")
    return {"collection": {
        "effects_per_duplicated_event": duplicated["per_event"], "wrongly_collected": len(wrong),
        "detail": {"goals": {"effects_per_duplicated_event": GOAL_EFFECTS, "wrongly_collected": GOAL_WRONG},
                   "seed": SEED, "invoices": len(cases), "days_driven": days,
                   "behaviours": dict(BEHAVIOURS), "debits_made": made, "wrong": wrong, "missed": missed,
                   "duplicated": duplicated, "seconds": round(time.monotonic() - started, 1)}}}


if __name__ == "__main__":
    from bench.run import alone

    raise SystemExit(alone(run))
