"""Disputes benchmark against an asynchronous local cloud (as `make run`): of a seeded, realistic mix
of disputes, how many are decided without a person, how soon the automatic ones are decided, and
whether the money and the holds add up once everything is decided.

Each dispute is of a fresh customer (FIBRE-100 or MOBILE-5GB held since 2026-01-01 under the
contract they signed online at sign-up, last month billed as the billing run bills it), filed over
HTTP as the portal files it. The mix (`MIX`, in its proportions, ordered with
`random.Random(SEED)`) is what a subscription business hears: most often a line that looks wrong
but is right, then a small charge the customer does not recognise (a data session beyond the
bundle, disputed on its own), a month billed after a
cancellation, a payment taken twice, a visit that never happened (only a person can judge it) and
a large fee not recognised (the signed contract answers it; the appeal goes to a person). The
facts behind each are made as they happen: a
cancellation recorded after the month was billed (the product's last day before the month), a
second payment of the invoice at the provider (a customer paying from two tabs before the first
payment's webhook was in, as happened before that was refused).

Once all are filed and the automatic ones decided, a member of staff decides every one that waits
for a person (upheld or rejected, alternately), so that the holds and the ledger are checked with
everything decided.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from bench.billing import hold, register
from bench.latency import percentile
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.billing.invoices import bill_customer
from opencounter.billing.ledger import ledger
from opencounter.billing.records import Invoice, Payment
from opencounter.billing.usage import record_usage
from opencounter.catalogue.service import current_version
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.table import customer_key
from opencounter.customers.records import ProductHolding
from opencounter.disputes.records import Dispute
from opencounter.ports import payments as provider
from opencounter.pricing.rating import Period
from opencounter.signups.records import SignatureEvidence

SEED = 2026
HELD_SINCE = "2026-01-01"
COUNT = 120
#: (kind, share in %): what a customer disputes and why, and the facts behind it; the mix has these
#: proportions exactly, in a seeded order
MIX = (("correct_line_wrong_amount", 30), ("small_not_mine", 25), ("after_cancellation", 12),
       ("charged_twice", 10), ("not_delivered", 12), ("large_not_mine", 11))
POLL_S = 0.01
DECIDED_TIMEOUT_S = 20.0
APPLIED_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 30
GOALS = {"decided_online_share": 0.8, "time_to_decision_p95_ms": 2000, "ledger_imbalance_cents": 0,
         "holds_left_after_decision": 0}
DECIDED = ("upheld", "rejected")


def _session(running: Running, user: User) -> requests.Session:
    running.issuer.add_user(user)
    session = requests.Session()
    session.headers["Authorization"] = running.issuer.id_token(user)
    return session


def _customer(running: Running, plan: str, data_mb: tuple[int, ...] = ()) -> tuple[
        str, requests.Session, dict[str, Any], list[str]]:
    """A fresh customer with last month's invoice of `plan`, signed in, and the ids of the data
    sessions (`data_mb`) recorded in that month before it was billed; the product came with the
    contract they signed online at sign-up (as every customer's does: sign-up is online)."""
    email = f"bench-dispute-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register(email)
    product_id = hold(customer_id, plan, HELD_SINCE)
    _signed_online(customer_id, product_id)
    month = Period.of(business_today()).previous()
    sessions = []
    for day, quantity in enumerate(data_mb, start=1):
        sessions.append(uuid.uuid4().hex)
        record_usage({"record_id": sessions[-1], "customer_id": customer_id, "product_id": product_id,
                      "unit": "data_mb", "quantity": quantity,
                      "occurred_at": f"{month.first_day.replace(day=day).isoformat()}T12:00:00Z"})
    billed = bill_customer(customer_id, month, current_version())
    if billed["outcome"] != "issued":
        raise RuntimeError(f"billing {customer_id}: {billed}")
    session = _session(running, User(email, "pw", ("customers",), customer_id))
    invoice = Invoice.get(*Invoice.keys(customer_id, billed["invoice_id"]))
    return customer_id, session, {"invoice_id": invoice.invoice_id, "total_cents": int(invoice.total_cents),
                                  "lines": invoice.lines}, sessions


def _signed_online(customer_id: str, product_id: str) -> None:
    """The evidence a sign-up keeps of the contract signed for the product (ADR 6): the terms, the
    moment, where from, and the one-time code that confirmed it."""
    signup_id = str(uuid.uuid4())
    signed = isoformat(utcnow() - timedelta(days=400))
    SignatureEvidence(*SignatureEvidence.keys(signup_id), terms_version="2025-11", terms_sha256="0" * 64,
                      accepted_at=signed, ip="192.0.2.10", user_agent="bench",
                      code_check={"sent_to": "+31600000000", "sent_at": signed, "verified_at": signed}).save()
    holding = ProductHolding.get(*ProductHolding.keys(customer_id, product_id))
    holding.signup_id = signup_id
    holding.save()


def _paid_twice(running: Running, customer_id: str, session: requests.Session, invoice: dict[str, Any]) -> str:
    """The invoice paid in full (its webhook in), then a second payment of it made and taken at the
    provider as a second tab used to make it before that was refused (its intent stored on the
    record, its webhook applied): the customer paid twice."""
    started = session.post(f"{running.url}/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"},
                           timeout=HTTP_TIMEOUT_S).json()
    running.stripe.complete_payment(started["payment_id"], method="card")
    _applied(running, customer_id, started["payment_id"])
    second = provider.create_payment(customer_id=customer_id, invoice_id=invoice["invoice_id"],
                                     amount_cents=invoice["total_cents"], attempt=2, methods=["card"],
                                     description=f"Invoice {invoice['invoice_id']}")
    now = isoformat(utcnow())
    Payment(*Payment.keys(customer_id, second.payment_id), payment_id=second.payment_id,
            invoice_id=invoice["invoice_id"], amount_cents=invoice["total_cents"], status="PENDING", method="card",
            created_at=now, updated_at=now).save()
    running.stripe.complete_payment(second.payment_id, method="card")
    _applied(running, customer_id, second.payment_id)
    return second.payment_id


def _applied(running: Running, customer_id: str, payment_id: str) -> None:
    """Wait until the payment's webhook is applied (the stand-in delivers on a thread of its own)."""
    deadline = time.monotonic() + APPLIED_TIMEOUT_S
    while not int(Payment.get(*Payment.keys(customer_id, payment_id)).received_cents):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the payment {payment_id} was not applied in {APPLIED_TIMEOUT_S}s")
        running.cloud.settle()
        time.sleep(POLL_S)


def _cancelled_before(customer_id: str) -> None:
    """The product's cancellation recorded late: its last day before the month billed."""
    holding = next(ProductHolding.query(customer_key(customer_id), ProductHolding.SK.startswith("PRODUCT#")))
    holding.status = "ENDED"
    holding.ends_on = (Period.of(business_today()).previous().first_day - timedelta(days=1)).isoformat()
    holding.save()


def prepare(running: Running, rng: random.Random, count: int) -> list[dict[str, Any]]:
    """`count` cases of the mix, each a customer with an invoice and the facts of its kind; the body
    each files."""
    total = sum(weight for _, weight in MIX)
    kinds = [kind for kind, weight in MIX for _ in range(round(count * weight / total))][:count]
    kinds += [MIX[0][0]] * (count - len(kinds))
    rng.shuffle(kinds)  # the mix in its proportions, in a seeded order
    cases = []
    for kind in kinds:
        if kind == "small_not_mine":  # a data session beyond the bundle the customer does not recognise
            customer_id, session, invoice, sessions = _customer(running, "MOBILE-5GB",
                                                                (5000, 400, rng.randint(100, 1500)))
        else:
            customer_id, session, invoice, sessions = _customer(running, "FIBRE-100")
        line = {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0}
        amount = invoice["lines"][0]["amount_cents"]
        if kind == "correct_line_wrong_amount":
            body = {"transaction": line, "reason": "wrong_amount"}
        elif kind == "small_not_mine":
            body = {"transaction": {"kind": "usage_record", "record_id": sessions[-1]}, "reason": "not_mine"}
        elif kind == "after_cancellation":
            _cancelled_before(customer_id)
            body = {"transaction": line, "reason": "billed_after_cancellation"}
        elif kind == "charged_twice":
            second = _paid_twice(running, customer_id, session, invoice)
            body = {"transaction": {"kind": "payment", "payment_id": second}, "reason": "charged_twice"}
        elif kind == "not_delivered":
            body = {"transaction": line, "reason": "not_delivered"}
        else:
            body = {"transaction": line, "reason": "not_mine", "amount_cents": amount}
        body["explanation"] = "Dit klopt niet."
        cases.append({"kind": kind, "customer_id": customer_id, "session": session, "body": body})
    running.cloud.settle()
    return cases


def file_and_wait(running: Running, case: dict[str, Any]) -> None:
    """File the dispute over HTTP and read it until it is decided or waits for a person: the time
    from filing to decision, for the automatic ones."""
    started = time.perf_counter()
    answer = case["session"].post(f"{running.url}/me/disputes", json=case["body"], timeout=HTTP_TIMEOUT_S)
    if answer.status_code != 201:
        raise RuntimeError(f"filing {case['kind']}: {answer.status_code} {answer.text}")
    dispute_id = answer.json()["dispute_id"]
    case["dispute_id"] = dispute_id
    while time.perf_counter() - started < DECIDED_TIMEOUT_S:
        seen = case["session"].get(f"{running.url}/me/disputes/{dispute_id}", timeout=HTTP_TIMEOUT_S).json()
        if seen["status"] in DECIDED or seen["status"] == "with_staff":
            case["status"] = seen["status"]
            case["basis"] = (seen["decision"] or {}).get("basis")
            case["ms"] = (time.perf_counter() - started) * 1000
            return
        time.sleep(POLL_S)
    raise RuntimeError(f"dispute {dispute_id} ({case['kind']}) neither decided nor with staff after "
                       f"{DECIDED_TIMEOUT_S}s")


def decide_by_staff(running: Running, cases: list[dict[str, Any]]) -> None:
    staff = _session(running, User(f"bench-agent-{uuid.uuid4().hex[:6]}@opencounter.example", "pw", ("agents",)))
    for index, case in enumerate(c for c in cases if c["status"] == "with_staff"):
        seen = staff.get(f"{running.url}/agent/disputes/{case['dispute_id']}", timeout=HTTP_TIMEOUT_S).json()
        answer = staff.post(f"{running.url}/agent/disputes/{case['dispute_id']}/decision", json={
            "outcome": "upheld" if index % 2 == 0 else "rejected", "reasons": "Nagekeken met de monteur.",
            "version": seen["version"]}, timeout=HTTP_TIMEOUT_S)
        if answer.status_code != 202:
            raise RuntimeError(f"deciding {case['dispute_id']}: {answer.status_code} {answer.text}")
    running.cloud.settle()


def books(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """What the disputes left in the books once decided: the sum of every ledger transaction they
    wrote (credit notes, and the refunds their decisions asked), and holds still active."""
    imbalance, transactions, holds, undecided = 0, 0, 0, 0
    for case in cases:
        dispute = Dispute.get(*Dispute.keys(case["customer_id"], case["dispute_id"]))
        if dispute.status not in ("UPHELD", "REJECTED"):
            undecided += 1
        invoice = Invoice.get(*Invoice.keys(case["customer_id"], dispute.invoice_id))
        holds += int(dispute.held_cents) + int(invoice.held_cents)
        for transaction in ledger(case["customer_id"]):
            if transaction["kind"] in ("credit_note", "payment_refunded"):
                transactions += 1
                imbalance += sum(e["amount_cents"] for e in transaction["entries"])
    return {"ledger_imbalance_cents": imbalance, "ledger_transactions": transactions, "holds_left": holds,
            "undecided": undecided}


def run(running: Running, *, log: Callable[[str], None], count: int = COUNT) -> dict[str, Any]:
    rng = random.Random(SEED)
    phase = time.monotonic()
    running.cloud.settle()
    cases = prepare(running, rng, count)
    log(f"  {len(cases)} disputes prepared: {dict(Counter(c['kind'] for c in cases))}   "
        f"({time.monotonic() - phase:.1f}s)")
    for case in cases:
        file_and_wait(running, case)
    running.cloud.settle()
    automatic = [c for c in cases if c["status"] in DECIDED]
    share = round(len(automatic) / len(cases), 3)
    samples = [c["ms"] for c in automatic]
    to_decision = {"p50": round(statistics.median(samples), 1), "p95": round(percentile(samples, 95), 1),
                   "n": len(samples)}
    log(f"  decided without a person: {len(automatic)}/{len(cases)} = {share} (goal >= "
        f"{GOALS['decided_online_share']}); filing -> decision p50 {to_decision['p50']:.0f} ms, p95 "
        f"{to_decision['p95']:.0f} ms (goal p95 <= {GOALS['time_to_decision_p95_ms']})")
    decide_by_staff(running, cases)
    left = books(cases)
    log(f"  all decided ({left['undecided']} not): ledger imbalance {left['ledger_imbalance_cents']} cents over "
        f"{left['ledger_transactions']} transactions (goal 0); holds left {left['holds_left']} cents (goal 0)   "
        f"({time.monotonic() - phase:.1f}s)")
    outcomes = Counter(f"{c['kind']}: {c['status']}{'/' + c['basis'] if c.get('basis') else ''}" for c in cases)
    return {
        "disputes": {"decided_online_share": share, "time_to_decision_ms": to_decision,
                     "ledger_imbalance_cents": left["ledger_imbalance_cents"],
                     "holds_left_after_decision": left["holds_left"]},
        "disputes_detail": {"goals": GOALS, "count": len(cases), "mix": dict(MIX),
                            "outcomes": dict(sorted(outcomes.items())),
                            "ledger_transactions": left["ledger_transactions"],
                            "undecided_after_staff": left["undecided"],
                            "time_to_decision_all_ms": [round(s, 1) for s in samples]},
    }


def main() -> int:
    """`python -m bench.disputes`: on an asynchronous cloud of its own, the figures into bench/results.json."""
    from bench.run import run_apart  # (bench.run imports this module)

    return run_apart("disputes", run)


if __name__ == "__main__":
    raise SystemExit(main())
