"""The daily reminder run: every invoice whose next reminder step is due is reminded of once, in the
customer's own words and channel, or its schedule stopped when nothing is asked any more.

A schedule fires the run early each morning (Amsterdam); it puts each billing shard's first page of
due steps on the reminder queue, and each page (the shard's entries on GSI1 whose day has come, a
day the run missed included) takes its steps and puts the shard's next page on the queue, as the
billing run and mailings read customers (ADR 14, ADR 22): no scan, at any number of invoices.

A step is decided on the invoice as it is at that moment (read consistently): paid, cancelled or
in an arrangement stops the schedule; a rest that is all in dispute waits (looked at again a week
later); otherwise the step is taken for what is overdue and not on hold. The step is kept on the
invoice, version-checked, in the same transaction as its event, so a payment at that very moment
either comes first (nothing is sent) or after (the reminder was due when it went). Each step is
taken once however often a run or a page comes: the invoice says it was taken, the event's id is
derived from the invoice, the step and the day, and the notifier sends an event once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from opencounter.billing import dunning
from opencounter.billing.invoices import SETTLED, invoice_actions, payable_cents
from opencounter.billing.records import Invoice, ReminderDue
from opencounter.core import queues
from opencounter.core.clock import BUSINESS_TIME, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.settings import settings
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import BILLING_SHARDS, Profile
from opencounter.pricing.money import MIN_CHARGE_CENTS

#: entries read per page (one message, one invocation): a few seconds of work
PAGE_SIZE = 100
#: an invoice changing under a step (a payment starting at that moment): read again, this many times
ATTEMPTS = 5
REMINDERS = {"type": "system", "id": "reminders"}
#: the event each step the customer is told of
EVENTS = {"reminder": "InvoiceReminder", "final_notice": "InvoiceFinalNotice"}


def today() -> date:
    """Today in Amsterdam, by this module's clock (a test or the bench sets it)."""
    return utcnow().astimezone(BUSINESS_TIME).date()


def run_day(scheduled_at: str | None) -> date:
    """The day a run reminds for: the Amsterdam day the schedule fired for (a run retried after
    midnight still reminds for its own day), and never a day after today."""
    if not scheduled_at:
        return today()
    fired = datetime.fromisoformat(scheduled_at.replace("Z", "+00:00")).astimezone(BUSINESS_TIME).date()
    return min(fired, today())


def start_run(scheduled_at: str | None) -> dict[str, Any]:
    """The schedule fired: each billing shard's first page of due steps onto the reminder queue, and
    its first page of invoices due for collection by direct debit (billing.debits)."""
    day = run_day(scheduled_at)
    pages = [*first_pages(day), *first_pages(day, run="debits")]
    queues.enqueue("reminder_queue_url", pages)
    return {"day": day.isoformat(), "pages": len(pages)}


def first_pages(day: date, run: str | None = None) -> list[dict[str, Any]]:
    """Each billing shard's first page of the day's reminder steps (or, `run` "debits", collections)."""
    return [{**({"run": run} if run else {}), "day": day.isoformat(), "shard": shard, "cursor": None}
            for shard in range(BILLING_SHARDS)]


def enqueue(works: list[dict[str, Any]]) -> None:
    queues.enqueue("reminder_queue_url", works)


def remind_page(work: dict[str, Any]) -> tuple[Counter[str], dict[str, Any] | None]:
    """Take the steps of one page of a shard's entries due up to the run's day: what became of
    them, and the shard's next page (None when this was its last)."""
    day = date.fromisoformat(work["day"])
    due, following = due_page(ReminderDue.partition(int(work["shard"])), work)
    return Counter(take_step(e.customer_id, e.invoice_id, day) for e in due if isinstance(e, ReminderDue)), following


def due_page(partition: str, work: dict[str, Any]) -> tuple[list[Item], dict[str, Any] | None]:
    """One page of an index partition's entries due up to the work's day (a day missed included), and
    the work of the next page (None after the last)."""
    day = date.fromisoformat(work["day"])
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    found = Item.lookup.query(partition, range_key_condition=Item.GSI1SK < (day + timedelta(days=1)).isoformat(),
                              limit=PAGE_SIZE, last_evaluated_key=cursor)
    due = list(found)
    following = found.last_evaluated_key
    return due, ({**work, "cursor": json.dumps(following)} if following else None)


def take_step(customer_id: str, invoice_id: str, day: date) -> str:
    """Take the invoice's reminder step due on or before `day`, once. What became of it:
    "reminder", "final_notice" or "ready_for_collection" (taken), "on_hold" (what is left is in
    dispute), "stopped" (paid, cancelled, in an arrangement, nothing left to ask), "not_due" (its
    step comes later: the entry is put right) or "done" (nothing scheduled any more)."""
    for _ in range(ATTEMPTS):
        # the customer's invoices, read consistently: this one as it is now, and an arrangement running
        invoices = list(Invoice.query(customer_key(customer_id), Invoice.SK.startswith(Invoice.SK_PREFIX),
                                      consistent_read=True))
        invoice = next((i for i in invoices if i.invoice_id == invoice_id), None)
        upcoming = (invoice.reminders or {}).get("next") if invoice is not None else None
        if invoice is None or upcoming is None:
            ReminderDue(*ReminderDue.keys(customer_id, invoice_id)).delete()
            return "done"
        if upcoming["on"] > day.isoformat():
            dunning.entry(customer_id, invoice_id, upcoming).save()
            return "not_due"
        running = next((i for i in invoices if i.status == "IN_ARRANGEMENT"), None)
        writes, events, outcome = _decide(invoice, running, upcoming["step"], day)
        try:
            commit(writes, events)
        except WriteConflict:
            continue  # the invoice changed meanwhile (another page took the step): decide on what it is now
        return outcome
    raise Conflict("the invoice kept changing while its reminder was decided; the page comes again",
                   reason="busy_try_again")


def _decide(invoice: Invoice, running: Invoice | None, step: str, day: date) -> tuple[
        list[Write], list[DomainEvent], str]:
    """What to write for the step due on the invoice now: stopped, on hold, or taken."""
    stopped = SETTLED.get(invoice.status)
    asked = payable_cents(invoice)
    if stopped is None and asked < MIN_CHARGE_CENTS and int(invoice.held_cents) <= 0:
        stopped = "nothing_due"
    if stopped is not None:
        return [Write(invoice, conflict="the invoice changed meanwhile"), *dunning.stop(invoice, stopped, day)], \
            [], "stopped"
    if asked < MIN_CHARGE_CENTS:
        return _on_hold(invoice, step, day), [], "on_hold"
    plan = invoice.reminders or {}
    record: dict[str, Any] = {"amount_cents": asked}
    events: list[DomainEvent] = []
    if step in EVENTS:
        link = f"{settings().required('portal_origin')}/#/invoices/{invoice.invoice_id}"
        data: dict[str, Any] = {
            "invoice_id": invoice.invoice_id, "amount_cents": asked, "in_dispute_cents": int(invoice.held_cents),
            "due_on": invoice.due_on, "link": link, "arrangement": invoice_actions(invoice, running)["arrangement"]}
        if step == "final_notice":
            last_day = dunning.pay_by(day)
            costs = dunning.collection_costs_cents(asked)
            data.update(pay_by=last_day.isoformat(), collection_costs_cents=costs)
            record.update(pay_by=last_day.isoformat(), collection_costs_cents=costs,
                          costs_claimable=_agreed_to_digital(invoice.customer_id))
        events.append(domain_event(EVENTS[step], customer_id=invoice.customer_id, actor=REMINDERS, channel="system",
                                   data=data, event_id=stable_id("invoice-reminder", invoice.invoice_id, step,
                                                                 day.isoformat())))
    else:  # ready for collection: the costs the statutory reminder stated, on what is left of what it asked
        stated = plan.get("final_notice") or {}
        record.update(collection_costs_cents=min(int(stated.get("collection_costs_cents", 0)),
                                                 dunning.collection_costs_cents(asked)),
                      costs_claimable=bool(stated.get("costs_claimable")))
    invoice.reminders = dunning.taken(plan, step, day, record)
    writes = [Write(invoice, conflict="the invoice changed meanwhile")]
    following = invoice.reminders["next"]
    writes.append(Write(dunning.entry(invoice.customer_id, invoice.invoice_id, following)) if following else
                  Write(ReminderDue(*ReminderDue.keys(invoice.customer_id, invoice.invoice_id)), delete=True))
    return writes, events, step


def _on_hold(invoice: Invoice, step: str, day: date) -> list[Write]:
    """Everything left is in dispute: nothing is asked; the schedule is looked at again later. A
    hold during the statutory reminder's term means that term did not run while the amount was
    due: the statutory reminder is sent again, with a term of its own, once the hold ends."""
    again = step if step != "ready_for_collection" else "final_notice"
    following = {"step": again, "on": (day + timedelta(days=dunning.ON_HOLD_RECHECK_DAYS)).isoformat()}
    plan = invoice.reminders or {}
    invoice.reminders = {**plan, "next": following, "on_hold_since": plan.get("on_hold_since") or day.isoformat()}
    return [Write(invoice, conflict="the invoice changed meanwhile"),
            Write(dunning.entry(invoice.customer_id, invoice.invoice_id, following))]


def _agreed_to_digital(customer_id: str) -> bool:
    """Whether the customer agreed to be written to by e-mail only (paperless invoices): then the
    statutory reminder by e-mail is the written one the law asks for, and its costs may be claimed."""
    try:
        return bool(Profile.get(*Profile.keys(customer_id)).paperless_invoices)
    except Profile.DoesNotExist:
        return False
