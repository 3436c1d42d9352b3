"""SEPA Direct Debit mandates (automatische incasso): the customer gives one online at the payment
provider, sees it (the account masked: its country and last four digits, never the IBAN), and
withdraws it, paying by hand again; the provider's news of a mandate (given, revoked at the bank)
applied once, in one transaction with its receipt. An invoice issued while a mandate is active is
announced with its collection day instead of being reminded of (`schedule`); the collection
itself is billing.debits. Plain data in and out; no HTTP here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from opencounter.billing import dunning
from opencounter.billing.records import DebitDue, Invoice, Mandate
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, NotFound
from opencounter.core.holidays import next_working_day
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.receipts import receipt
from opencounter.core.settings import settings
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import Profile
from opencounter.ports import payments as provider

#: the SEPA Core rulebook's pre-notification: the payer is told the amount and the day at least
#: 14 calendar days before the collection, unless the two agreed on fewer (we do not ask for fewer)
PRE_NOTIFICATION_DAYS = 14
#: the lengths of the IBANs of the SEPA countries most customers bank in (the masked account is
#: written as long as the real one); another country's is written as a Dutch one is
IBAN_LENGTHS = {"NL": 18, "BE": 16, "DE": 22, "LU": 20, "FR": 27, "AT": 20, "ES": 24, "IT": 27, "IE": 22, "PT": 25,
                "FI": 18}
#: how far a mandate has come; it never goes back
RANK = {"pending": 0, "active": 1, "inactive": 2}
#: what the provider's events are kept as receipts for (Stripe retries a webhook for three days)
RECEIPT_KEPT = timedelta(days=7)
DEBITS = {"type": "system", "id": "direct-debit"}
ATTEMPTS = 5


def masked_iban(country: str | None, last4: str | None) -> str | None:
    """The account as the customer and staff see it: "NL** **** **** **12 34" (country, last four digits)."""
    if not country or not last4:
        return None
    length = IBAN_LENGTHS.get(country, 18)
    text = f"{country}{'*' * (length - 2 - len(last4))}{last4}"
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def mandate_view(mandate: Mandate) -> dict[str, Any]:
    return {"mandate_id": mandate.setup_id, "status": mandate.status,
            "iban": masked_iban(mandate.iban_country, mandate.iban_last4), "iban_last4": mandate.iban_last4,
            "bank_code": mandate.bank_code, "reference": mandate.reference, "accepted_at": mandate.accepted_at,
            "created_at": mandate.created_at, "ended_at": mandate.ended_at, "ended_reason": mandate.ended_reason,
            "last_collected_on": mandate.last_collected_on}


def current(items: list[Item]) -> Mandate | None:
    """The customer's mandate in force or being given (the newest), among the record's items."""
    live = [i for i in items if isinstance(i, Mandate) and i.status in ("pending", "active")]
    return max(live, key=lambda m: (RANK[m.status], m.created_at), default=None)


def active(items: list[Item]) -> Mandate | None:
    mandate = current(items)
    return mandate if mandate is not None and mandate.status == "active" else None


def collection_view(items: list[Item]) -> dict[str, Any]:
    """How the customer pays: by direct debit on an active mandate, or by hand (a mandate being
    given shown beside it)."""
    mandate = current(items)
    return {"method": "direct_debit" if mandate is not None and mandate.status == "active" else "manual",
            "mandate": mandate_view(mandate) if mandate is not None else None}


def _mandates(customer_id: str) -> list[Mandate]:
    return list(Mandate.query(customer_key(customer_id), Mandate.SK.startswith(Mandate.SK_PREFIX),
                              consistent_read=True))


def direct_debit(customer_id: str) -> dict[str, Any]:
    """The customer's way of paying and their mandates, newest first: one Query."""
    mandates = _mandates(customer_id)
    return {**collection_view(list(mandates)),
            "mandates": [mandate_view(m) for m in sorted(mandates, key=lambda m: m.created_at, reverse=True)]}


def give_mandate(customer_id: str) -> dict[str, Any]:
    """Start giving a mandate: a SetupIntent at the provider, which the customer confirms (Stripe.js,
    or the test bank's mandate page). Asking again while one is being given returns it; with one in
    force, Conflict. The same request made twice at once makes one."""
    mandates = _mandates(customer_id)
    if any(m.status == "active" for m in mandates):
        raise Conflict("direct debit: a mandate is in force already", field="mandate", reason="mandate_active")
    pending = current(list(mandates))
    number = len(mandates) + (0 if pending is not None else 1)
    provider_customer = next((m.provider_customer for m in mandates), None)
    if provider_customer is None:
        try:
            email = Profile.get(*Profile.keys(customer_id)).email
        except Profile.DoesNotExist:
            raise NotFound("customer not found") from None
        provider_customer = provider.payment_customer(customer_id, email=email)
    # the same key for the same customer's n-th mandate: two requests at once get one SetupIntent
    setup = provider.start_mandate(customer_id=customer_id, provider_customer=provider_customer,
                                   key=stable_id("mandate", customer_id, str(number)))
    mandate = Mandate(*Mandate.keys(customer_id, setup.setup_id), setup_id=setup.setup_id, customer_id=customer_id,
                      provider_customer=provider_customer, status="pending", created_at=isoformat(utcnow()))
    try:
        commit([Write(mandate, Mandate.SK.does_not_exist(), conflict="the mandate exists already")], [])
    except WriteConflict:
        mandate = Mandate.get(*Mandate.keys(customer_id, setup.setup_id), consistent_read=True)
    return {**mandate_view(mandate), "client_secret": setup.client_secret,
            "confirm_url": provider.setup_url(setup)}


def withdraw(customer_id: str, mandate_key: str, *, actor: dict, channel: str) -> dict[str, Any]:
    """The customer withdraws their mandate (or switches to paying by hand): it ends here, then at the
    provider (nothing more can be debited on it); invoices announced for collection are paid by hand
    again, reminded of as any other. Withdrawing again changes nothing (but asks the provider again)."""
    for _ in range(ATTEMPTS):
        try:
            mandate = Mandate.get(*Mandate.keys(customer_id, mandate_key), consistent_read=True)
        except Mandate.DoesNotExist:
            raise NotFound("mandate not found") from None
        if mandate.status != "inactive":
            # ended here first: nothing is collected on it from this moment, whatever the provider says
            writes, events = _end(mandate, "withdrawn", actor=actor, channel=channel)
            try:
                commit(writes, events)
            except Conflict:
                continue  # the provider's news of it came in at that moment: read it again
        if mandate.payment_method and mandate.ended_reason == "withdrawn":
            provider.end_mandate(mandate.payment_method)  # again on a retry: one ended stays so
        return mandate_view(mandate)
    raise Conflict("the mandate kept changing; try again", reason="busy_try_again")


def _end(mandate: Mandate, reason: str, *, actor: dict, channel: str) -> tuple[list[Write], list[DomainEvent]]:
    """A mandate ended: inactive, and every invoice waiting to be collected on it back to being paid
    by hand (the run would refuse it anyway; the invoice says so at once). The collection already at
    the bank goes on: the bank settles it."""
    was_active = mandate.status == "active"
    mandate.status, mandate.ended_at, mandate.ended_reason = "inactive", isoformat(utcnow()), reason
    writes = [Write(mandate, conflict="the mandate changed meanwhile")]
    today = business_today()
    for invoice in Invoice.query(customer_key(mandate.customer_id), Invoice.SK.startswith(Invoice.SK_PREFIX),
                                 consistent_read=True):
        plan = invoice.debit or {}
        if plan.get("mandate") == mandate.setup_id and plan.get("status") == "announced":
            writes += by_hand(invoice, "no_mandate", today)
    events = [domain_event("DirectDebitMandateEnded", customer_id=mandate.customer_id, actor=actor, channel=channel,
                           data={"mandate_id": mandate.setup_id, "reason": reason,
                                 "iban": masked_iban(mandate.iban_country, mandate.iban_last4)})] if was_active else []
    return writes, events


def by_hand(invoice: Invoice, reason: str, today: date) -> list[Write]:
    """The invoice is not collected (any more): paid by hand, and reminded of from its due date as
    any invoice is (a due date passed: the first reminder a week from today). The run's entry goes."""
    invoice.debit = {**(invoice.debit or {}), "status": "stopped", "stopped": {"reason": reason,
                                                                              "on": today.isoformat()}}
    writes = [Write(invoice, conflict="the invoice changed meanwhile"),
              Write(DebitDue(*DebitDue.keys(invoice.customer_id, invoice.invoice_id)), delete=True)]
    if invoice.status == "OPEN" and (invoice.reminders or {}).get("next") is None:
        first = dunning.reminder_day(max(date.fromisoformat(invoice.due_on), today))
        invoice.reminders = {"next": {"step": dunning.STEPS[0], "on": first.isoformat()}}
        writes.append(Write(dunning.entry(invoice.customer_id, invoice.invoice_id, invoice.reminders["next"])))
    return writes


# ------------------------------------------------------------------ announcing a collection


def collection_day(issued_on: date, due_on: date) -> date:
    """The day an invoice is collected: its due date, but never sooner than the pre-notification
    allows after the announcement (made the day it is issued), and on a working day."""
    return next_working_day(max(due_on, issued_on + timedelta(days=PRE_NOTIFICATION_DAYS)))


def schedule(invoice: Invoice, mandate: Mandate) -> tuple[Write, DomainEvent]:
    """A new invoice of a customer with a mandate in force: announced with its collection day (the
    pre-notification, on the customer's channel) and put on the collection run's index, in the
    transaction that writes the invoice; it is not reminded of while it is to be collected."""
    issued = date.fromisoformat(invoice.issued_on)
    announced = max(issued, business_today())
    collect_on = collection_day(announced, date.fromisoformat(invoice.due_on))
    invoice.debit = {"mandate": mandate.setup_id, "status": "announced", "announced_on": announced.isoformat(),
                     "collect_on": collect_on.isoformat(), "amount_cents": int(invoice.total_cents)}
    invoice.reminders = None
    entry = DebitDue(*DebitDue.keys(invoice.customer_id, invoice.invoice_id), invoice_id=invoice.invoice_id,
                     customer_id=invoice.customer_id, collect_on=collect_on.isoformat())
    entry.index()
    link = f"{settings().required('portal_origin')}/#/invoices/{invoice.invoice_id}"
    event = domain_event("DirectDebitAnnounced", customer_id=invoice.customer_id, actor=DEBITS, channel="system",
                         data={"invoice_id": invoice.invoice_id, "amount_cents": int(invoice.total_cents),
                               "collect_on": collect_on.isoformat(), "link": link,
                               "iban": masked_iban(mandate.iban_country, mandate.iban_last4) or "",
                               "mandate_reference": mandate.reference or ""},
                         event_id=stable_id("debit-announced", invoice.invoice_id))
    return Write(entry), event


# ------------------------------------------------------------------ the provider's news


def apply_mandate_update(update: provider.MandateUpdate) -> str:
    """Apply one event about a mandate, once: "applied", "no_change", "duplicate" or "not_ours". Its
    status only moves on (a late "active" after "inactive" changes nothing); a mandate given is stored
    with the account masked; one revoked at the bank ends here as withdrawn would."""
    for _ in range(ATTEMPTS):
        mandate = _find(update)
        if mandate is None:
            return "not_ours"
        writes: list[Write] = []
        events: list[DomainEvent] = []
        outcome = "no_change"
        if update.setup_id and mandate.mandate_id is None:
            mandate.mandate_id, mandate.payment_method = update.mandate_id, update.payment_method
            mandate.iban_country, mandate.iban_last4 = update.iban_country, update.iban_last4
            mandate.bank_code, mandate.reference, mandate.accepted_at = \
                update.bank_code, update.reference, update.accepted_at
            mandate.index()
            outcome = "applied"
        status = update.status if update.status in RANK else mandate.status
        if RANK[status] > RANK[mandate.status]:
            if status == "inactive":
                writes, events = _end(mandate, "revoked", actor=DEBITS, channel="system")
            else:
                mandate.status = status
                events.append(domain_event(
                    "DirectDebitMandateGiven", customer_id=mandate.customer_id, actor=DEBITS, channel="system",
                    data={"mandate_id": mandate.setup_id, "accepted_at": mandate.accepted_at or isoformat(utcnow()),
                          "iban": masked_iban(mandate.iban_country, mandate.iban_last4) or ""}))
            outcome = "applied"
        if outcome == "applied" and not writes:
            writes = [Write(mandate, conflict="the mandate changed meanwhile")]
        receipt_write = receipt("stripe", update.event_id, event_type=update.event_type, outcome=outcome,
                                kept=RECEIPT_KEPT, conflict="event processed already")
        try:
            commit([receipt_write, *writes], events)
        except WriteConflict as conflict:
            if conflict.write is receipt_write:
                return "duplicate"
            continue
        except Conflict:
            continue
        return outcome
    raise Conflict("the mandate kept changing while this event was applied; deliver it again",
                   reason="busy_try_again")


def _find(update: provider.MandateUpdate) -> Mandate | None:
    if update.setup_id and update.customer_id:
        try:
            return Mandate.get(*Mandate.keys(update.customer_id, update.setup_id), consistent_read=True)
        except Mandate.DoesNotExist:
            return None
    found = next(iter(Item.lookup.query(Mandate.lookup_key(update.mandate_id), limit=1)), None)
    if not isinstance(found, Mandate):
        return None
    # the index is read eventually; the record itself consistently
    return Mandate.get(*Mandate.keys(found.customer_id, found.setup_id), consistent_read=True)
