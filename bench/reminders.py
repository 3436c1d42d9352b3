"""Reminders benchmark: a month of invoices driven day by day through the daily reminder run, the
clock it reads set by the bench, and every reminder the customers received judged against what was
true of their invoice when it went. Counted from the mail SES delivered, not from what the code
recorded.

The invoices (seeded, random.Random(SEED)): fibre's connection fee (EUR 25) issued on every day of
March 2025, due two weeks later, across Easter, King's Day and Liberation Day; and February's fibre
bill (EUR 42.50, due Saturday 15 March), the ones that can be spread. Each customer behaves one way
(BEHAVIOURS): pays on time, pays a few days after the reminder, pays in the statutory reminder's term,
disputes the whole invoice or EUR 10 of it, agrees an arrangement before or after the reminder, or
never pays. Each day the run fires at 07:00 and is settled; then the day's customers act.

reminders_wrongly_sent: reminders delivered for an invoice paid, arranged or wholly disputed by then,
asking more than what was not in dispute, sent twice for one step, or before their date: a reminder
before the due date plus REMINDER_AFTER_DUE days, a statutory reminder before the reminder plus
FINAL_NOTICE_AFTER_REMINDER days, either on a weekend or a Dutch public holiday (the bench's own list
of 2025's). Goal 0. Beside it (detail): reminders and statutory reminders sent, those missed (an
invoice never paid must get both and be ready for collection), and ready-for-collection marked before
the term of 14 days from the day after the statutory reminder was over."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

import opencounter.billing.invoices as invoices
import opencounter.billing.reminders as reminders
from bench.billing import catalogue, hold, plans_by_code, register
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.billing.invoices import agree_arrangement, bill_customer, connection_invoice, load_invoice
from opencounter.catalogue.service import current_version
from opencounter.core.clock import isoformat
from opencounter.core.outbox import commit
from opencounter.disputes.service import file_dispute
from opencounter.pricing.rating import Period

SEED = 27
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: the month the connection fees are issued in; February's bill is issued on its first day
MONTH = date(2025, 3, 1)
#: the schedule's days, as the bench knows them (from the ADR, not from the code)
REMINDER_AFTER_DUE = 7
FINAL_NOTICE_AFTER_REMINDER = 14
TERM_DAYS = 14
#: driven from the first due date (or payment) until every step of the last invoice is behind it: the reminder, the
#: statutory one and the day after its term, each a few days later where weekends and holidays move them
DRIVEN_PAST_LAST_DUE = timedelta(days=REMINDER_AFTER_DUE + FINAL_NOTICE_AFTER_REMINDER + TERM_DAYS + 1 + 9)
#: the days of 2025 a Dutch term does not end on besides weekends (Algemene termijnenwet, and Good Friday)
HOLIDAYS_2025 = {date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 4, 26), date(2025, 5, 5),
                 date(2025, 5, 29), date(2025, 6, 9), date(2025, 12, 25), date(2025, 12, 26)}
#: behaviour -> (connection fees, February bills)
BEHAVIOURS = {"paid_on_time": (5, 2), "paid_after_reminder": (5, 2), "paid_in_term": (5, 2),
              "disputed": (4, 1), "disputed_in_part": (4, 1), "arranged_before_reminder": (0, 3),
              "arranged_after_reminder": (0, 3), "never_paid": (5, 2)}
DISPUTED_PART_CENTS = 1000
HTTP_TIMEOUT_S = 30
GOAL = 0


@dataclass
class Case:
    """One customer's invoice, what they do, and what they received."""

    customer_id: str
    email: str
    invoice_id: str
    behaviour: str
    due_on: date
    total_cents: int
    #: what the customer does, and on which day (set when it is known: some follow a reminder)
    act_on: date | None = None
    #: what was true, from the day after it was done on
    paid_on: date | None = None
    arranged_on: date | None = None
    disputed_on: date | None = None
    held_cents: int = 0
    #: step -> the days it was received on
    received: dict[str, list[date]] = field(default_factory=lambda: {"reminder": [], "final_notice": []})
    seen: int = 0
    wrong: list[str] = field(default_factory=list)


def working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS_2025


def _seed(rng: random.Random) -> list[Case]:
    """The customers and their invoices: connection fees issued on every day of the month, and
    February's bill."""
    product, plan = plans_by_code(catalogue())["FIBRE-100"]
    cases, real_today = [], invoices.business_today
    try:
        for behaviour, (fees, bills) in BEHAVIOURS.items():
            for n in range(fees + bills):
                email = f"reminders-{uuid.uuid4().hex[:10]}@example.nl"
                customer_id = register(email)
                product_id = hold(customer_id, "FIBRE-100", "2025-01-01")
                if n < fees:
                    issued = MONTH + timedelta(days=rng.randrange(31))
                    invoices.business_today = lambda issued=issued: issued  # type: ignore[assignment]
                    writes, events = connection_invoice(
                        customer_id, {"product_id": product_id, "name": product["name"], "kind": product["kind"]},
                        {**plan, "product_code": product["code"]}, channel="system")
                    commit(writes, events)
                    invoice_id = events[0].detail["data"]["invoice_id"]
                else:
                    invoice_id = bill_customer(customer_id, Period.parse("2025-02"), current_version())["invoice_id"]
                invoice = load_invoice(customer_id, invoice_id)
                case = Case(customer_id, email, invoice_id, behaviour, date.fromisoformat(invoice.due_on),
                            int(invoice.total_cents))
                if behaviour == "paid_on_time":
                    case.act_on = case.due_on - timedelta(days=rng.randrange(0, 10))
                elif behaviour in ("disputed", "disputed_in_part"):
                    case.act_on = case.due_on + timedelta(days=rng.randrange(1, REMINDER_AFTER_DUE))
                elif behaviour == "arranged_before_reminder":
                    case.act_on = case.due_on + timedelta(days=rng.randrange(0, REMINDER_AFTER_DUE))
                cases.append(case)
    finally:
        invoices.business_today = real_today  # type: ignore[assignment]
    return cases


def _pay(running: Running, case: Case) -> None:
    """The customer pays at the bank, as the portal does: the payment started over HTTP, approved at
    the Stripe stand-in's test bank, its webhook delivered."""
    user = User(case.email, "pw", ("customers",), case.customer_id)
    running.issuer.add_user(user)
    started = requests.post(f"{running.url}/me/invoices/{case.invoice_id}/payments", json={"method": "ideal"},
                            headers={"Authorization": running.issuer.id_token(user)}, timeout=HTTP_TIMEOUT_S)
    assert started.status_code == 201, started.text
    submit = started.json()["checkout_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/paid"
    answer = requests.post(submit, data={"method": "ideal", "bank": "rabobank", "outcome": "approve"},
                           allow_redirects=False, timeout=HTTP_TIMEOUT_S)
    assert answer.status_code == 303 and "redirect_status=succeeded" in answer.headers["Location"], answer.text


def _act(running: Running, case: Case, day: date) -> None:
    """What the customer does on `day` (after that morning's run)."""
    actor = {"type": "customer", "id": case.customer_id}
    if case.behaviour.startswith("paid"):
        _pay(running, case)
        case.paid_on = day
    elif case.behaviour.startswith("arranged"):
        agree_arrangement(case.customer_id, case.invoice_id, {"instalments": 2}, actor=actor, channel="web")
        case.arranged_on = day
    else:
        part = {"amount_cents": DISPUTED_PART_CENTS} if case.behaviour == "disputed_in_part" else {}
        file_dispute(case.customer_id, {
            "transaction": {"kind": "invoice_line", "invoice_id": case.invoice_id, "line": 0},
            "reason": "not_delivered", "explanation": "Nooit aangesloten.", **part}, actor=actor, channel="web")
        case.disputed_on, case.held_cents = day, DISPUTED_PART_CENTS if part else case.total_cents


ASKED = re.compile(r"nog € (\d+),(\d\d) open")


def _judge(case: Case, step: str, mail: dict[str, str], day: date) -> None:
    """A reminder received on `day`: wrong for what was true of the invoice then, or its date."""
    def wrong(why: str) -> None:
        case.wrong.append(f"{day} {step}: {why}")
    if case.paid_on is not None and case.paid_on < day:
        wrong("paid")
    if case.arranged_on is not None and case.arranged_on < day:
        wrong("in an arrangement")
    if case.disputed_on is not None and case.disputed_on < day and case.held_cents >= case.total_cents:
        wrong("in dispute")
    asked = ASKED.search(mail["body"])
    if asked and int(asked.group(1)) * 100 + int(asked.group(2)) > case.total_cents - case.held_cents:
        wrong("asks for the amount in dispute")
    if not working_day(day):
        wrong("not a working day")
    if case.received[step]:
        wrong("sent again")
    if step == "reminder" and day < case.due_on + timedelta(days=REMINDER_AFTER_DUE):
        wrong("before its date")
    if step == "final_notice" and (not case.received["reminder"] or
                                   day < case.received["reminder"][0] + timedelta(days=FINAL_NOTICE_AFTER_REMINDER)):
        wrong("before its date")
    case.received[step].append(day)


def _read_mail(running: Running, case: Case, day: date) -> list[str]:
    """The reminders the customer received since last read, judged; the steps received."""
    mails = running.cloud.mailbox(case.email)
    new, case.seen = mails[case.seen:], len(mails)
    steps = []
    for mail in new:
        if case.invoice_id not in mail["subject"]:
            continue
        step = "final_notice" if mail["subject"].startswith("Aanmaning") else "reminder"
        _judge(case, step, mail, day)
        steps.append(step)
    return steps


def _run_day(running: Running, day: date) -> None:
    """The schedule fires at 07:00 in Amsterdam: the run, settled (its pages and the notices)."""
    moment = datetime(day.year, day.month, day.day, 7, tzinfo=AMSTERDAM).astimezone(UTC)
    reminders.utcnow = lambda: moment  # type: ignore[assignment]
    running.cloud.invoke("InvoiceRemindersFunction", {"scheduled_at": isoformat(moment)})
    running.cloud.settle()


def _missed(case: Case) -> list[str]:
    """What should have come and did not: a customer who never paid gets both reminders; one who
    paid after the reminder got it; one who paid in the term got both."""
    must = {"never_paid": ("reminder", "final_notice"), "paid_in_term": ("reminder", "final_notice"),
            "paid_after_reminder": ("reminder",), "disputed_in_part": ("reminder", "final_notice"),
            "arranged_after_reminder": ("reminder",)}.get(case.behaviour, ())
    return [step for step in must if not case.received[step]]


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.monotonic()
    rng = random.Random(SEED)
    real_clock = reminders.utcnow
    cases = _seed(rng)
    running.cloud.settle()
    log(f"  {len(cases)} invoices seeded ({time.monotonic() - started:.1f}s)")
    days, last_day = 0, max(c.due_on for c in cases) + DRIVEN_PAST_LAST_DUE
    day = min(min(c.due_on for c in cases), *(c.act_on for c in cases if c.act_on is not None))
    try:
        while day <= last_day:
            _run_day(running, day)
            days += 1
            for case in cases:
                steps = _read_mail(running, case, day)
                if case.act_on is None and case.paid_on is None and (
                        (case.behaviour in ("paid_after_reminder", "arranged_after_reminder") and "reminder" in steps)
                        or (case.behaviour == "paid_in_term" and "final_notice" in steps)):
                    case.act_on = day + timedelta(days=rng.randrange(0 if "arranged" in case.behaviour else 1, 10))
            for case in cases:
                if case.act_on == day:
                    _act(running, case, day)
            running.cloud.settle()
            for case in cases:  # what is on hold is what the dispute holds (decided, it holds nothing)
                if case.disputed_on is not None:
                    case.held_cents = int(load_invoice(case.customer_id, case.invoice_id).held_cents)
            day += timedelta(days=1)
    finally:
        reminders.utcnow = real_clock  # type: ignore[assignment]
    early, missed = 0, [f"{case.invoice_id} {case.behaviour}: {step}" for case in cases for step in _missed(case)]
    for case in cases:
        ready = (load_invoice(case.customer_id, case.invoice_id).reminders or {}).get("ready_for_collection")
        if case.behaviour == "never_paid" and not ready:
            missed.append(f"{case.invoice_id} never_paid: ready_for_collection")
        if ready and case.received["final_notice"]:
            term_over = case.received["final_notice"][-1] + timedelta(days=TERM_DAYS)
            while not working_day(term_over):
                term_over += timedelta(days=1)
            early += date.fromisoformat(ready["on"]) <= term_over
    wrong = [w for case in cases for w in case.wrong]
    sent = Counter(step for case in cases for step, received in case.received.items() for _ in received)
    log(f"  {days} days driven, {sent['reminder']} reminders and {sent['final_notice']} statutory reminders "
        f"received: wrongly sent {len(wrong)} (goal {GOAL}), missed {len(missed)}, ready for collection early "
        f"{early}   ({time.monotonic() - started:.1f}s)")
    for line in wrong[:10] + missed[:10]:
        log(f"    {line}")
    return {"proactive": {"reminders_wrongly_sent": len(wrong)},
            "proactive_detail": {"reminders": {
                "goal": GOAL, "seed": SEED, "invoices": len(cases), "days_driven": days,
                "behaviours": {b: sum(1 for c in cases if c.behaviour == b) for b in BEHAVIOURS},
                "sent": dict(sent), "wrong": wrong, "missed": missed, "ready_for_collection_early": early,
                "seconds": round(time.monotonic() - started, 1)}}}


if __name__ == "__main__":
    from bench.run import alone

    raise SystemExit(alone(run))
