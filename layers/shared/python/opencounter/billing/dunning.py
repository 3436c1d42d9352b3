"""Reminders before collection, the Dutch way (docs/adr/0027-reminders-before-collection.md): the
schedule's days, the collection costs the law allows, and what an invoice keeps of both.

Day 0 is the due date. A friendly reminder (herinnering) REMINDER_AFTER_DUE days later; the
statutory reminder (aanmaning, the "14-dagenbrief" of BW 6:96 lid 6) FINAL_NOTICE_AFTER_REMINDER
days after the friendly one went out, giving PAYMENT_TERM_DAYS to pay counted from the day after it
is received (an e-mail: the day it is sent) and stating the collection costs due if it is not paid;
the day after that term the invoice is ready for collection, and only then may those costs be
claimed. A reminder goes out on a working day (not a weekend, not a Dutch public holiday: the next
working day instead), and a term that ends on a day that is not one runs on to the next that is.

Each step's day is counted from the day the step before was taken, never from a plan: a run that
missed days catches up one step at a time and never sends two steps at once."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from opencounter.billing.records import Invoice, ReminderDue
from opencounter.core.holidays import next_working_day
from opencounter.core.outbox import Write
from opencounter.pricing.money import round_cents

#: the schedule, in days: the friendly reminder after the due date, the statutory one after the
#: friendly one, and the term the statutory one gives (the least the law allows)
REMINDER_AFTER_DUE = 7
FINAL_NOTICE_AFTER_REMINDER = 14
PAYMENT_TERM_DAYS = 14
#: an invoice whose whole unpaid rest is in dispute waits; it is looked at again this many days later
ON_HOLD_RECHECK_DAYS = 7
#: the steps in order: what is sent, and then what is recorded for staff
STEPS = ("reminder", "final_notice", "ready_for_collection")

#: the Besluit vergoeding voor buitengerechtelijke incassokosten (art. 2): per bracket of the
#: principal, its size in cents (None: the rest) and the share of it
BRACKETS: tuple[tuple[int | None, Fraction], ...] = (
    (250_000, Fraction(15, 100)), (250_000, Fraction(10, 100)), (500_000, Fraction(5, 100)),
    (19_000_000, Fraction(1, 100)), (None, Fraction(5, 1000)))
MIN_COLLECTION_COSTS_CENTS = 4_000
MAX_COLLECTION_COSTS_CENTS = 677_500


# ------------------------------------------------------------------ the law, as arithmetic


def collection_costs_cents(principal_cents: int) -> int:
    """The most a consumer owes in collection costs on an unpaid principal: 15% of the first
    EUR 2,500 (at least EUR 40), 10% of the next 2,500, 5% of the next 5,000, 1% of the next
    190,000 and 0.5% above, at most EUR 6,775; no VAT (a consumer cannot deduct it, so none is
    added). Exact, rounded once to the cent. Nothing on nothing owed."""
    if principal_cents <= 0:
        return 0
    rest, costs = principal_cents, Fraction(0)
    for size, share in BRACKETS:
        part = rest if size is None else min(rest, size)
        costs += part * share
        rest -= part
        if rest == 0:
            break
    return min(MAX_COLLECTION_COSTS_CENTS, max(MIN_COLLECTION_COSTS_CENTS, round_cents(costs)))


def reminder_day(due_on: date) -> date:
    """The friendly reminder: REMINDER_AFTER_DUE days after the due date, on a working day."""
    return next_working_day(due_on + timedelta(days=REMINDER_AFTER_DUE))


def final_notice_day(reminded_on: date) -> date:
    """The statutory reminder: FINAL_NOTICE_AFTER_REMINDER days after the friendly one went out,
    on a working day."""
    return next_working_day(reminded_on + timedelta(days=FINAL_NOTICE_AFTER_REMINDER))


def pay_by(sent_on: date) -> date:
    """The last day of the term the statutory reminder gives: PAYMENT_TERM_DAYS counted from the
    day after it is received (an e-mail is received the day it is sent); a term ending on a
    Saturday, Sunday or public holiday runs on to the next working day (Algemene termijnenwet)."""
    return next_working_day(sent_on + timedelta(days=PAYMENT_TERM_DAYS))


def collection_day(last_day_to_pay: date) -> date:
    """The first day the invoice is ready for collection: the day after the term."""
    return last_day_to_pay + timedelta(days=1)


def next_after(step: str, taken_on: date) -> dict[str, str] | None:
    """The step that follows `step`, taken on `taken_on`, and its day (None after the last)."""
    if step == "reminder":
        return {"step": "final_notice", "on": final_notice_day(taken_on).isoformat()}
    if step == "final_notice":
        return {"step": "ready_for_collection", "on": collection_day(pay_by(taken_on)).isoformat()}
    return None


# ------------------------------------------------------------------ what an invoice keeps


def entry(customer_id: str, invoice_id: str, step: dict[str, str]) -> ReminderDue:
    """The run's entry of an invoice's next step, on the index by its day."""
    due = ReminderDue(*ReminderDue.keys(customer_id, invoice_id), invoice_id=invoice_id, customer_id=customer_id,
                      step=step["step"], due_on=step["on"])
    due.index()
    return due


def schedule(invoice: Invoice) -> Write:
    """Plan a new invoice's first reminder on it, and the run's entry for the transaction that
    writes the invoice: nothing is reminded of an invoice that was never written."""
    first = {"step": STEPS[0], "on": reminder_day(date.fromisoformat(invoice.due_on)).isoformat()}
    invoice.reminders = {"next": first}
    return Write(entry(invoice.customer_id, invoice.invoice_id, first))


def stop(invoice: Invoice, reason: str, on: date) -> list[Write]:
    """Stop the invoice's reminders at once (paid, an arrangement agreed, nothing left to ask): no
    next step on it, and the run's entry deleted, in the caller's transaction that writes the
    invoice. Deleting an entry that is not there changes nothing (an invoice from before
    reminders, or one stopped already)."""
    if invoice.reminders is not None and invoice.reminders.get("next") is not None:
        invoice.reminders = {**invoice.reminders, "next": None, "stopped": {"reason": reason, "on": on.isoformat()}}
    return [Write(ReminderDue(*ReminderDue.keys(invoice.customer_id, invoice.invoice_id)), delete=True)]


def restart(invoice: Invoice, today: date) -> list[Write]:
    """Schedule the reminders again from the start for an invoice that is due again after it was
    paid (the payer's bank took the money back): a friendly reminder a week from today, then the
    rest as before. What is on hold while the bank decides is not asked meanwhile."""
    first = {"step": STEPS[0], "on": reminder_day(today).isoformat()}
    invoice.reminders = {"next": first}
    return [Write(entry(invoice.customer_id, invoice.invoice_id, first))]


def taken(plan: dict[str, Any], step: str, on: date, record: dict[str, Any]) -> dict[str, Any]:
    """The plan once `step` is taken on `on` (what it asked kept as `record`), with the step after it."""
    kept = {k: v for k, v in plan.items() if k not in ("on_hold_since", "stopped")}
    return {**kept, step: {"on": on.isoformat(), **record}, "next": next_after(step, on)}
