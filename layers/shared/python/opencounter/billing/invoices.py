"""Invoices: the monthly billing of a customer at the cheapest eligible tariff, what every
channel shows of an invoice, and payment arrangements. Plain data in and out; no HTTP here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from opencounter.billing import dunning, ledger, mandates
from opencounter.billing.records import CreditNote, Invoice, Payment, TariffCheck, UsageTotal
from opencounter.catalogue.service import plans_to_rate
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.products import fixed_until
from opencounter.customers.records import ProductHolding, Profile
from opencounter.pricing.money import MIN_CHARGE_CENTS, split_evenly, vat_included
from opencounter.pricing.rating import Period, add_months, compare_tariffs, segments

PAYMENT_TERM = timedelta(days=14)
#: arrangements: an invoice of at least this much, in 2 to 6 monthly instalments of at least
#: MIN_INSTALMENT_CENTS, one arrangement at a time, the first instalment due within a week
MIN_ARRANGEMENT_CENTS = 3000
MIN_INSTALMENT_CENTS = 1000
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 6
FIRST_INSTALMENT_WITHIN = timedelta(days=7)
BILLING = {"type": "system", "id": "billing"}
#: products that were held (and so are billed): active ones, and ones that ended by cancellation;
#: a product undone by a failed sign-up verification (TERMINATED) is never billed
BILLABLE = ("ACTIVE", "ENDED")
#: an invoice that is no longer to be asked for or collected, by its status, and why (the reminders,
#: a collection by direct debit and what the invoice shows of either say so)
SETTLED = {"PAID": "paid", "VOID": "void", "IN_ARRANGEMENT": "in_arrangement"}


def invoice_number(issued_on: date, customer_id: str, basis: str) -> str:
    """A readable invoice number, the same for the same customer and basis (a month, a
    sign-up): a billing run that runs again finds the invoice it made."""
    digest = stable_id("invoice", customer_id, basis)[:8]
    return f"OC-{issued_on:%Y%m%d}-{digest}"


# ---------------------------------------------------------------- reading


def owed_cents(invoice: Invoice) -> int:
    """What the invoice asks in all: its total less what credit notes took off it."""
    return int(invoice.total_cents) - int(invoice.credited_cents)


def balance_cents(invoice: Invoice) -> int:
    """What is left to pay, what is on hold in a dispute included."""
    if invoice.status == "VOID":
        return 0
    return max(0, owed_cents(invoice) - int(invoice.paid_cents))


def payable_cents(invoice: Invoice) -> int:
    """What is left to pay that is not on hold in a dispute: what can be paid, and reminded of."""
    return max(0, balance_cents(invoice) - int(invoice.held_cents))


def _instalments(invoice: Invoice) -> list[dict[str, Any]]:
    """The arrangement's instalments, each paid once the money in covers it and all before it."""
    paid, covered, result = int(invoice.paid_cents), 0, []
    for instalment in (invoice.arrangement or {}).get("instalments", []):
        covered += instalment["amount_cents"]
        result.append({**instalment, "paid": paid >= covered})
    return result


def amount_due_now(invoice: Invoice) -> int:
    """What paying now settles: the balance, or under an arrangement the instalments due up to
    and including the next one; never what is on hold in a dispute."""
    if invoice.arrangement and invoice.status == "IN_ARRANGEMENT":
        covered = 0
        for instalment in invoice.arrangement["instalments"]:
            covered += instalment["amount_cents"]
            if covered > int(invoice.paid_cents):
                return min(covered - int(invoice.paid_cents), payable_cents(invoice))
    return payable_cents(invoice)


def status_of(invoice: Invoice, today: date) -> str:
    """open, overdue, paid, in_arrangement or void, as the customer reads it today. An invoice
    whose unpaid rest is all in dispute is not overdue."""
    if invoice.status == "IN_ARRANGEMENT":
        return "in_arrangement"
    if invoice.status == "OPEN" and invoice.due_on < today.isoformat() and payable_cents(invoice) > 0:
        return "overdue"
    return invoice.status.lower()


def _payment_view(payment: Payment) -> dict[str, Any]:
    return {"payment_id": payment.payment_id, "status": payment.status.lower(), "method": payment.method,
            "amount_cents": int(payment.amount_cents), "received_cents": int(payment.received_cents),
            "refunded_cents": int(payment.refunded_cents), "disputed_cents": int(payment.disputed_cents),
            "reinstated_cents": int(payment.reinstated_cents),
            "last_error": payment.last_error, "created_at": payment.created_at, "updated_at": payment.updated_at}


def invoice_actions(invoice: Invoice, running: Invoice | None) -> dict[str, Any]:
    """What the customer can do with the invoice now, by the same rules the actions apply (a
    client offers only these): pay what is due now, and spread it over 2 to max_instalments."""
    due = amount_due_now(invoice)
    arrangement = None
    if arrangement_refusal(invoice, running) is None:
        arrangement = {"min_instalments": MIN_INSTALMENTS,
                       "max_instalments": min(MAX_INSTALMENTS, balance_cents(invoice) // MIN_INSTALMENT_CENTS)}
    return {"pay": invoice.status not in ("PAID", "VOID") and due >= MIN_CHARGE_CENTS, "arrangement": arrangement}


def credit_note_view(note: CreditNote) -> dict[str, Any]:
    return {"credit_note_id": note.credit_note_id, "issued_on": note.issued_on, "amount_cents": int(note.amount_cents),
            "vat_cents": int(note.vat_cents), "refund_cents": int(note.refund_cents), "dispute_id": note.dispute_id,
            "lines": note.lines}


def invoice_view(invoice: Invoice, payments: list[Payment] | None = None, *, today: date | None = None,
                 detail: bool = True, running: Invoice | None = None,
                 credit_notes: list[CreditNote] | None = None) -> dict[str, Any]:
    """An invoice as every channel shows it; `running` is the customer's invoice being paid in
    instalments, if any (one at a time), for the actions it allows."""
    today = today or business_today()
    instalments = _instalments(invoice)
    view: dict[str, Any] = {
        "invoice_id": invoice.invoice_id, "kind": invoice.kind, "period": invoice.period,
        "issued_on": invoice.issued_on, "due_on": invoice.due_on, "status": status_of(invoice, today),
        "total_cents": int(invoice.total_cents), "vat_cents": int(invoice.vat_cents),
        "paid_cents": int(invoice.paid_cents), "balance_cents": balance_cents(invoice),
        "credited_cents": int(invoice.credited_cents), "in_dispute_cents": int(invoice.held_cents),
        "due_now_cents": amount_due_now(invoice), "currency": "EUR", "version": int(invoice.version),
        "overdue": status_of(invoice, today) == "overdue" or any(
            not i["paid"] and i["due_on"] < today.isoformat() for i in instalments),
        "actions": invoice_actions(invoice, running),
    }
    if detail:
        view.update(lines=invoice.lines, best_tariff=invoice.best_tariff or [],
                    arrangement={"agreed_at": invoice.arrangement["agreed_at"], "instalments": instalments}
                    if invoice.arrangement else None,
                    payments=[_payment_view(p) for p in sorted(payments or [], key=lambda p: p.created_at)],
                    credit_notes=[credit_note_view(c) for c in sorted(credit_notes or [],
                                                                      key=lambda c: c.credit_note_id)],
                    void_reason=invoice.void_reason, reminders=reminders_view(invoice), debit=debit_view(invoice))
    return view


def debit_view(invoice: Invoice) -> dict[str, Any] | None:
    """The invoice's collection by direct debit as it shows it (None: paid by hand)."""
    plan = invoice.debit
    if not plan:
        return None
    status, stopped = plan["status"], plan.get("stopped") if plan["status"] == "stopped" else None
    settled = SETTLED.get(invoice.status)
    if status == "announced" and settled:  # paid or arranged before its day: the run will not collect it
        status, stopped = "stopped", {"reason": settled, "on": business_today().isoformat()}
    return {"status": status, "announced_on": plan["announced_on"], "collect_on": plan["collect_on"],
            "amount_cents": int(plan["amount_cents"]), "returned": plan.get("returned"), "stopped": stopped}


def reminders_view(invoice: Invoice) -> dict[str, Any] | None:
    """The reminders before collection as the invoice shows them: each step taken, the next one
    and its day while the schedule runs, or why it stopped (the invoice paid, cancelled or in an
    arrangement; paused while what is left is in dispute). Ready for collection: what is still
    unpaid and the collection costs on it, never more than the statutory reminder stated. None
    for an invoice from before reminders."""
    plan = invoice.reminders
    if not plan:
        return None
    stopped = SETTLED.get(invoice.status) \
        or (plan.get("stopped") or {}).get("reason")
    if stopped is None and payable_cents(invoice) < MIN_CHARGE_CENTS and int(invoice.held_cents) > 0:
        stopped = "in_dispute"
    final, ready = plan.get("final_notice"), plan.get("ready_for_collection")
    if ready and stopped is None:
        left = payable_cents(invoice)
        ready = {**ready, "amount_cents": left, "collection_costs_cents": min(
            int(ready["collection_costs_cents"]), dunning.collection_costs_cents(left))}
    return {"next": None if stopped else plan.get("next"), "reminder": plan.get("reminder"), "final_notice": final,
            "ready_for_collection": ready, "stopped": stopped}


def list_invoices(customer_id: str) -> dict[str, Any]:
    """Every invoice, newest first, with what is open in total: one Query."""
    invoices = list(Invoice.query(customer_key(customer_id), Invoice.SK.startswith(Invoice.SK_PREFIX),
                                  scan_index_forward=False))
    today = business_today()
    running = next((i for i in invoices if i.status == "IN_ARRANGEMENT"), None)
    return {"items": [invoice_view(i, today=today, detail=False, running=running) for i in invoices],
            "open_balance_cents": sum(balance_cents(i) for i in invoices)}


def invoice_detail(customer_id: str, invoice_id: str) -> dict[str, Any]:
    """One invoice with its lines, best-tariff notes, arrangement and payment history: one
    Query of the customer's partition. A customer only ever reaches their own invoices."""
    invoice, payments, notes, running = None, [], [], None
    for item in Item.query(customer_key(customer_id)):
        if isinstance(item, Invoice) and item.invoice_id == invoice_id:
            invoice = item
        elif isinstance(item, Payment) and item.invoice_id == invoice_id:
            payments.append(item)
        elif isinstance(item, CreditNote) and item.invoice_id == invoice_id:
            notes.append(item)
        if isinstance(item, Invoice) and item.status == "IN_ARRANGEMENT":
            running = item
    if invoice is None:
        raise NotFound("no such invoice", reason="invoice_not_found")
    return invoice_view(invoice, payments, running=running, credit_notes=notes)


def load_invoice(customer_id: str, invoice_id: str) -> Invoice:
    try:
        return Invoice.get(*Invoice.keys(customer_id, invoice_id))
    except Invoice.DoesNotExist:
        raise NotFound("no such invoice", reason="invoice_not_found") from None


# ---------------------------------------------------------------- billing


def _last_day_held(holding: ProductHolding) -> date | None:
    """The last day the product was held, in the business's own days: the day it ends, or the
    Amsterdam date of the moment it was ended (a product undone by a failed verification)."""
    if holding.ends_on:
        return date.fromisoformat(holding.ends_on)
    if holding.ended_at:
        return datetime.fromisoformat(holding.ended_at).astimezone(BUSINESS_TIME).date()
    return None


def bill_customer(customer_id: str, period: Period, catalogue_version: str, *, run: str | None = None
                  ) -> dict[str, Any]:
    """Invoice a customer's month: every product held that month, each at the cheapest eligible
    tariff for the use it had, each comparison kept. One Query to read, one transaction to
    write; a second run for the same month finds the invoice and writes nothing. The invoice
    names the billing `run` that issued it: finding it again, the answer says who billed it
    (`billed_by`) and for how much, so a run that meets its own invoice can count it as its own."""
    items = list(Item.query(customer_key(customer_id)))
    issued_on = period.next().first_day
    invoice_id = invoice_number(issued_on, customer_id, f"monthly/{period}")
    if not any(isinstance(i, Profile) for i in items):
        return {"outcome": "no_customer", "invoice_id": None}
    existing = next((i for i in items if isinstance(i, Invoice) and i.invoice_id == invoice_id), None)
    if existing is not None:
        return _already_billed(existing)
    used = {i.product_id: i.used() for i in items if isinstance(i, UsageTotal) and i.period == str(period)}
    lines: list[dict[str, Any]] = []
    checks: list[TariffCheck] = []
    revenue: dict[str, int] = {}
    holdings = sorted((i for i in items if isinstance(i, ProductHolding) and i.status in BILLABLE),
                      key=lambda h: h.started_at)
    for holding in holdings:
        plans = plans_to_rate(holding.product_code, holding.catalogue_version, catalogue_version,
                              on=period.first_day)
        held = segments(holding.plan_history, plans, date.fromisoformat(holding.started_at[:10]),
                        _last_day_held(holding), period)
        if not held:
            continue
        comparison = compare_tariffs(held, plans, used.get(holding.product_id, {}), period)
        billed = comparison.billed
        lines += [{**line, "product_id": holding.product_id, "product_code": holding.product_code,
                   "product": holding.name} for line in billed.lines]
        revenue[holding.kind] = revenue.get(holding.kind, 0) + billed.total_cents
        checks.append(TariffCheck(
            *TariffCheck.keys(customer_id, str(period), holding.product_id), customer_id=customer_id,
            product_id=holding.product_id, period=str(period), current_plan_code=held[-1].plan["code"],
            billed_plan_code=billed.plan_code, actual_cents=comparison.actual.total_cents,
            billed_cents=billed.total_cents, saving_cents=comparison.saving_cents, invoice_id=invoice_id,
            options=[{"plan_code": o.plan_code, "plan_name": o.plan_name, "total_cents": o.total_cents}
                     for o in comparison.options]))
    total = sum(line["amount_cents"] for line in lines)
    if not lines or total <= 0:
        return {"outcome": "nothing_to_bill", "invoice_id": None}
    best_tariff = [{"product_id": c.product_id, "current_plan": c.current_plan_code, "billed_plan": c.billed_plan_code,
                    "current_plan_cents": int(c.actual_cents), "billed_cents": int(c.billed_cents),
                    "saving_cents": int(c.saving_cents)} for c in checks]
    mandate = mandates.active(items)
    invoice, writes = _new_invoice(customer_id, invoice_id, "monthly", issued_on, lines, revenue,
                                   remind=mandate is None, period=str(period), best_tariff=best_tariff,
                                   billing_run=run)
    announced: list[DomainEvent] = []
    if mandate is not None:  # collected by direct debit: announced with its day instead of reminded of
        entry, announcement = mandates.schedule(invoice, mandate)
        writes.append(entry)
        announced.append(announcement)
    saving = sum(int(c.saving_cents) for c in checks)
    events = [domain_event("InvoiceIssued", customer_id=customer_id, actor=BILLING, channel="system",
                           data={"invoice_id": invoice_id, "kind": "monthly", "period": str(period),
                                 "total_cents": total, "due_on": invoice.due_on, "saving_cents": saving,
                                 **({"direct_debit": True} if announced else {})}),
              *announced]
    events += _advice(customer_id, period, checks, holdings)
    events += _fixed_prices_ending(customer_id, period, holdings)
    try:
        commit([*writes, *[Write(c) for c in checks]], events)
    except WriteConflict as conflict:
        if conflict.write.model is invoice:  # another run of the same month (or page) got there first
            return _already_billed(load_invoice(customer_id, invoice_id))
        raise
    return {"outcome": "issued", "invoice_id": invoice_id, "total_cents": total, "saving_cents": saving}


def _already_billed(invoice: Invoice) -> dict[str, Any]:
    return {"outcome": "already_billed", "invoice_id": invoice.invoice_id, "billed_by": invoice.billing_run,
            "total_cents": int(invoice.total_cents)}


def _new_invoice(customer_id: str, invoice_id: str, kind: str, issued_on: date, lines: list[dict[str, Any]],
                 revenue: dict[str, int], *, remind: bool = True, **fields: Any) -> tuple[Invoice, list[Write]]:
    """An open invoice and its booking: the customer owes the total; revenue and VAT per kind; reminded
    of when overdue (unless it is collected by direct debit: `remind` False)."""
    vat = {k: vat_included(amount) for k, amount in revenue.items()}
    total = sum(revenue.values())
    invoice = Invoice(*Invoice.keys(customer_id, invoice_id), invoice_id=invoice_id, customer_id=customer_id,
                      kind=kind, issued_on=issued_on.isoformat(), due_on=(issued_on + PAYMENT_TERM).isoformat(),
                      lines=lines, total_cents=total, vat_cents=sum(vat.values()), status="OPEN", **fields)
    invoice.index_number()
    reminders = [dunning.schedule(invoice)] if remind else []
    booking = ledger.posting(customer_id, f"{invoice_id}:issued", "invoice_issued", invoice_id, [
        (ledger.RECEIVABLE, total), *[(ledger.revenue(k), -(amount - vat[k])) for k, amount in revenue.items()],
        (ledger.VAT_PAYABLE, -sum(vat.values()))])
    return invoice, [Write(invoice, Invoice.PK.does_not_exist(), conflict="the invoice exists already"), booking,
                     *reminders]


def connection_invoice(customer_id: str, product: dict[str, Any], plan: dict[str, Any], *, channel: str,
                       signup_id: str | None = None) -> tuple[list[Write], list[DomainEvent]]:
    """The one-off connection fee of a newly activated product, payable at once (nothing when
    the plan has none): for the caller to commit with the activation (a sign-up's, an order's)."""
    fee = int(plan.get("connection_fee_cents") or 0)
    if fee <= 0:
        return [], []
    today = business_today()
    invoice_id = invoice_number(today, customer_id, f"connection/{product['product_id']}")
    lines = [{"kind": "connection", "plan_code": plan["code"], "product_id": product["product_id"],
              "product_code": plan["product_code"],
              "product": product["name"], "description": f"{product['name']}: one-off connection fee",
              "quantity": 1, "unit": "connection", "unit_price_cents": fee, "amount_cents": fee}]
    invoice, writes = _new_invoice(customer_id, invoice_id, "connection", today, lines, {product["kind"]: fee},
                                   signup_id=signup_id)
    event = domain_event("InvoiceIssued", customer_id=customer_id, signup_id=signup_id, actor=BILLING,
                         channel=channel, data={"invoice_id": invoice_id, "kind": "connection", "total_cents": fee,
                                                "due_on": invoice.due_on})
    return writes, [event]


def _advice(customer_id: str, period: Period, checks: list[TariffCheck],
            holdings: list[ProductHolding]) -> list[DomainEvent]:
    """Tell the customer when two months in a row another plan was cheaper for their use: the
    guarantee already billed them at it, but their plan itself should change (a bundle they keep
    going over, one far larger than they use)."""
    candidates = [c for c in checks if c.billed_plan_code != c.current_plan_code and int(c.saving_cents) > 0]
    if not candidates:
        return []
    previous = str(period.previous())
    earlier = {c.product_id: c for c in TariffCheck.query(TariffCheck.partition(customer_id),
                                                          TariffCheck.SK.startswith(previous))}
    names = {h.product_id: h for h in holdings}
    events = []
    for check in candidates:
        before = earlier.get(check.product_id)
        if before is None or before.billed_plan_code != check.billed_plan_code:
            continue
        if names[check.product_id].status != "ACTIVE":
            continue
        advised = next(o for o in check.options if o["plan_code"] == check.billed_plan_code)
        event = domain_event("BetterPlanAdvised", customer_id=customer_id, actor=BILLING, channel="system", data={
            "product_id": check.product_id, "current_plan": check.current_plan_code,
            "advised_plan": check.billed_plan_code, "advised_plan_name": advised["plan_name"],
            "saving_cents": int(check.saving_cents) + int(before.saving_cents), "periods": [previous, str(period)]},
            event_id=stable_id("advice", check.product_id, str(period)))
        events.append(event)
    return events


def _fixed_prices_ending(customer_id: str, period: Period, holdings: list[ProductHolding]) -> list[DomainEvent]:
    """Tell the customer of each fixed price that ends in the month after the invoice's: a month or
    more ahead, with the month's invoice. Every day of a month is in one run's next month, so each
    ending is told once (a product ending before then, cancelled, is told nothing)."""
    told_of = period.next().next()
    events = []
    for holding in holdings:
        ends = fixed_until(holding)
        if holding.status != "ACTIVE" or ends is None or Period.of(ends) != told_of or (
                holding.ends_on and holding.ends_on < ends.isoformat()):
            continue
        events.append(domain_event("FixedPriceEnding", customer_id=customer_id, actor=BILLING, channel="system", data={
            "product_id": holding.product_id, "product_name": holding.name, "plan": holding.plan_code,
            "plan_name": holding.plan, "ends_on": ends.isoformat()},
            event_id=stable_id("fixed-price-ending", holding.product_id, ends.isoformat())))
    return events


# ---------------------------------------------------------------- arrangements


def arrangement_refusal(invoice: Invoice, running: Invoice | None) -> Conflict | None:
    """Why an invoice cannot be paid in instalments now, or None when it can: an open invoice, no
    other arrangement running, at least MIN_ARRANGEMENT_CENTS left to pay."""
    if invoice.status != "OPEN":
        status = status_of(invoice, business_today())
        return Conflict(f"status: the invoice is {status}; only an open invoice can be paid in instalments",
                        field="status", reason="arrangement_invoice_not_open", status=status)
    if running is not None and running.invoice_id != invoice.invoice_id:
        return Conflict(f"invoice {running.invoice_id} is already being paid in instalments; finish that "
                        "arrangement first", field="invoice_id", reason="arrangement_already_running",
                        invoice_id=running.invoice_id)
    balance = balance_cents(invoice)
    if balance < MIN_ARRANGEMENT_CENTS:
        return Conflict(f"balance: {balance} cents is left to pay; instalments are for invoices of at least "
                        f"{MIN_ARRANGEMENT_CENTS} cents", field="balance", reason="arrangement_too_small",
                        balance_cents=balance, minimum_cents=MIN_ARRANGEMENT_CENTS)
    return None


def agree_arrangement(customer_id: str, invoice_id: str, request: dict[str, Any], *, actor: dict,
                      channel: str) -> dict[str, Any]:
    """Spread what is left of an open (or overdue) invoice over monthly instalments, within the
    rules: at least EUR 30 left, 2 to 6 instalments of at least EUR 10, one arrangement at a time."""
    validate_request("arrangement", request)
    count = request["instalments"]
    invoices = list(Invoice.query(customer_key(customer_id), Invoice.SK.startswith(Invoice.SK_PREFIX)))
    invoice = next((i for i in invoices if i.invoice_id == invoice_id), None)
    if invoice is None:
        raise NotFound("no such invoice", reason="invoice_not_found")
    refusal = arrangement_refusal(invoice, next((i for i in invoices if i.status == "IN_ARRANGEMENT"), None))
    if refusal is not None:
        raise refusal
    balance = balance_cents(invoice)
    amounts = split_evenly(balance, count)
    if amounts[-1] < MIN_INSTALMENT_CENTS:
        most = balance // MIN_INSTALMENT_CENTS
        raise InvalidInput(f"instalments: each instalment must be at least {MIN_INSTALMENT_CENTS} cents; "
                           f"this invoice can be split in at most {most}", field="instalments",
                           reason="instalments_too_many", most=most, minimum_cents=MIN_INSTALMENT_CENTS)
    today = business_today()
    first = max(date.fromisoformat(invoice.due_on), today + FIRST_INSTALMENT_WITHIN) \
        if invoice.due_on >= today.isoformat() else today + FIRST_INSTALMENT_WITHIN
    instalments = [{"due_on": add_months(first, n).isoformat(), "amount_cents": amount}
                   for n, amount in enumerate(amounts)]
    invoice.status = "IN_ARRANGEMENT"
    invoice.arrangement = {"agreed_at": isoformat(utcnow()), "instalments": instalments}
    event = domain_event("PaymentArrangementAgreed", customer_id=customer_id, actor=actor, channel=channel,
                         data={"invoice_id": invoice_id, "instalments": instalments})
    commit([Write(invoice, conflict="the invoice changed meanwhile; read it again"),
            *dunning.stop(invoice, "in_arrangement", today)], [event])
    return invoice_view(invoice)
