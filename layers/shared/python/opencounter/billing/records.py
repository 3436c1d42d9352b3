"""How billing is stored. Invoices and payments live in the customer's partition (the record and
the 360-degree view read them with everything else); usage records, the ledger and the tariff
comparisons have their own partitions, because they grow without bound and no screen reads
them whole. A monthly billing run keeps its own bookkeeping in partitions of its own
(BILLINGRUN#<run>), never in an item every part of the run writes."""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from opencounter.core.retention import after, after_fiscal_years, moment
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import billing_shard
from opencounter.pricing.rating import Period, add_months

#: a billing run's own bookkeeping (its plan, the slices' totals and pages): no personal data, and
#: of no use once the run is over (it takes a night); kept a few weeks for operations to look back
RUN_KEPT = timedelta(days=35)


def invoiced_month_kept(period: str) -> datetime:
    """What a month's bill rests on (its usage totals, the tariffs compared) is kept as long as
    the invoice issued the month after: the fiscal years of that invoice."""
    return after_fiscal_years(Period.parse(period).next().first_day)


class UsageRecord(Item, discriminator="UsageRecord"):
    """PK USAGERECORD#<record_id>: one usage record from the network or the meter, stored once
    (its key is the record's own id, so a redelivered record is recognised). Listed per customer
    and month on GSI1 (`month()`), in the order the use took place. Kept six months after its own
    (TTL; billing.usage.RECORDS_KEPT_MONTHS): the totals and the invoices stay longer, a record is
    disputed on its invoice within that time; one a dispute took off the customer's use is kept as
    long as that dispute."""

    record_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    unit = UnicodeAttribute()
    quantity = NumberAttribute()
    occurred_at = UnicodeAttribute()
    period = UnicodeAttribute()
    received_at = UnicodeAttribute()
    #: the dispute that took this record off the customer's use (it no longer counts)
    voided_by = UnicodeAttribute(null=True)

    @staticmethod
    def keys(record_id: str) -> tuple[str, str]:
        return f"USAGERECORD#{record_id}", "RECORD"

    @staticmethod
    def month(customer_id: str, period: str) -> str:
        """The GSI1 partition of a customer's records of a month."""
        return f"USAGE#{customer_id}#{period}"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.month(self.customer_id, self.period), f"{self.occurred_at}#{self.record_id}"


class UsageTotal(Item, discriminator="UsageTotal"):
    """SK USAGE#<period>#<product_id>: a product's usage in a month, added to per record. Kept as
    long as the invoice of its month (invoiced_month_kept, set with every addition)."""

    product_id = UnicodeAttribute()
    period = UnicodeAttribute()
    data_mb = NumberAttribute(default=0)
    minutes = NumberAttribute(default=0)
    sms = NumberAttribute(default=0)
    kwh = NumberAttribute(default=0)
    records = NumberAttribute(default=0)

    UNITS = ("data_mb", "minutes", "sms", "kwh")

    @staticmethod
    def keys(customer_id: str, period: str, product_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"USAGE#{period}#{product_id}"

    def used(self) -> dict[str, int]:
        return {unit: int(getattr(self, unit) or 0) for unit in self.UNITS}


class Invoice(Item, discriminator="Invoice"):
    """SK INVOICE#<invoice_id>; the id starts with the issue date, so invoices sort by date.
    Versioned: payments, arrangements and voiding are conditional writes."""

    SK_PREFIX = "INVOICE#"

    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "monthly" | "connection"
    period = UnicodeAttribute(null=True)
    issued_on = UnicodeAttribute()
    due_on = UnicodeAttribute()
    lines = JSONAttribute()
    total_cents = NumberAttribute()
    vat_cents = NumberAttribute()
    #: OPEN | PAID | IN_ARRANGEMENT | VOID ("overdue" is read from the due date)
    status = UnicodeAttribute()
    #: what has come in, net of refunds and disputes
    paid_cents = NumberAttribute(default=0)
    #: what credit notes took off the invoice (a dispute upheld): the customer owes the total less this
    credited_cents = NumberAttribute(default=0)
    #: what is on hold while the customer disputes it: not due, never reminded of or collected
    held_cents = NumberAttribute(default=0)
    payment_attempts = NumberAttribute(default=0)
    open_payment = UnicodeAttribute(null=True)
    #: {"attempt", "amount_cents", "methods"}: a payment being started, reserved before the
    #: provider makes its intent (so a webhook about that intent is known as ours)
    pending_payment = JSONAttribute(null=True)
    #: {"agreed_at", "instalments": [{"due_on", "amount_cents"}]}
    arrangement = JSONAttribute(null=True)
    #: per product: the plan held, the plan billed (the cheapest for the month's use), the saving
    best_tariff = JSONAttribute(null=True)
    signup_id = UnicodeAttribute(null=True)
    #: the billing run that issued a monthly invoice (a run that meets it again knows it as its own)
    billing_run = UnicodeAttribute(null=True)
    voided_at = UnicodeAttribute(null=True)
    void_reason = UnicodeAttribute(null=True)
    #: the reminders before collection (billing.dunning): the next step and its day, each step taken
    #: (what it asked, by when) and why the schedule stopped; None on an invoice from before them
    reminders = JSONAttribute(null=True)
    #: collected by direct debit (billing.debits): the mandate, the day announced and the collection
    #: day, how far the collection came (announced, collecting, processing, collected, returned,
    #: stopped) and why; None for an invoice paid by hand
    debit = JSONAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, invoice_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{invoice_id}"

    @staticmethod
    def number_lookup(invoice_id: str) -> str:
        """The GSI1 partition an invoice is found in by its number (a customer at the counter
        holding a letter)."""
        return f"INVOICE_NUMBER#{invoice_id.strip().upper()}"

    def index_number(self) -> None:
        self.GSI1PK, self.GSI1SK = self.number_lookup(self.invoice_id), customer_key(self.customer_id)

    def kept_until(self) -> datetime:
        """Seven years after the end of the fiscal year it was issued in (AWR art. 52(4)), whatever
        became of it: paid, void, or left unpaid (a claim that old has long lapsed)."""
        return after_fiscal_years(self.issued_on)


class Payment(Item, discriminator="Payment"):
    """SK PAYMENT#<payment_intent_id>: one payment attempt at the payment provider and what
    became of it. Amounts are running totals as the provider reports them, so events arriving
    late or out of order can only move them forward."""

    SK_PREFIX = "PAYMENT#"

    payment_id = UnicodeAttribute()
    invoice_id = UnicodeAttribute()
    amount_cents = NumberAttribute()
    #: PENDING | SUCCEEDED | FAILED | CANCELED
    status = UnicodeAttribute()
    method = UnicodeAttribute(null=True)
    received_cents = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)
    #: what the payer's bank took back (a chargeback), and what of that came back when the
    #: business won the chargeback
    disputed_cents = NumberAttribute(default=0)
    reinstated_cents = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    #: the moment the money was first reported received (a later refund or chargeback moves
    #: updated_at, never this): when an invoice was paid, for whether it was paid in time
    succeeded_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, payment_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{payment_id}"

    def kept_cents(self) -> int:
        """What of the payment the business holds now: received, less what went back to the payer."""
        return int(self.received_cents) - int(self.refunded_cents) - int(self.disputed_cents) + \
            int(self.reinstated_cents)

    def kept_until(self) -> datetime:
        """The fiscal years of the year the payment was started in (AWR art. 52(4))."""
        return after_fiscal_years(self.created_at)


class CreditNote(Item, discriminator="CreditNote"):
    """SK CREDITNOTE#<credit_note_id>: an amount taken off an invoice, with its lines and VAT,
    and why (the dispute it settles). Its id names what it credits, so it is issued once."""

    SK_PREFIX = "CREDITNOTE#"

    credit_note_id = UnicodeAttribute()
    invoice_id = UnicodeAttribute()
    issued_on = UnicodeAttribute()
    amount_cents = NumberAttribute()
    vat_cents = NumberAttribute()
    #: [{"description", "amount_cents", "kind"}]
    lines = JSONAttribute()
    reason = UnicodeAttribute()
    dispute_id = UnicodeAttribute(null=True)
    #: what of it goes back to the customer's account (the rest settles what was still due)
    refund_cents = NumberAttribute(default=0)

    @classmethod
    def keys(cls, customer_id: str, credit_note_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{credit_note_id}"

    def kept_until(self) -> datetime:
        """An invoice of its own: the fiscal years of the year it was issued in (AWR art. 52(4))."""
        return after_fiscal_years(self.issued_on)


class LedgerTransaction(Item, discriminator="LedgerTransaction"):
    """PK LEDGER#<customer_id>, SK TXN#<transaction_id>: one money movement, double entry. The
    id says what moved the money (an invoice issued, a payment's running total reaching an
    amount), so the same movement can never be booked twice."""

    transaction_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    posted_at = UnicodeAttribute()
    reference = UnicodeAttribute()
    #: [{"account", "amount_cents"}]: debits positive, credits negative, summing to zero
    entries = JSONAttribute()

    @staticmethod
    def partition(customer_id: str) -> str:
        return f"LEDGER#{customer_id}"

    @classmethod
    def keys(cls, customer_id: str, transaction_id: str) -> tuple[str, str]:
        return cls.partition(customer_id), f"TXN#{transaction_id}"

    def kept_until(self) -> datetime:
        """The fiscal years of the year it was booked in (AWR art. 52(4))."""
        return after_fiscal_years(self.posted_at)


class TariffCheck(Item, discriminator="TariffCheck"):
    """PK TARIFF#<customer_id>, SK <period>#<product_id>: a month rated on every eligible plan,
    and the plan it was billed at (the cheapest)."""

    customer_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    period = UnicodeAttribute()
    current_plan_code = UnicodeAttribute()
    billed_plan_code = UnicodeAttribute()
    actual_cents = NumberAttribute()
    billed_cents = NumberAttribute()
    saving_cents = NumberAttribute()
    #: [{"plan_code", "plan_name", "total_cents"}]
    options = JSONAttribute()
    invoice_id = UnicodeAttribute()

    @staticmethod
    def partition(customer_id: str) -> str:
        return f"TARIFF#{customer_id}"

    @classmethod
    def keys(cls, customer_id: str, period: str, product_id: str) -> tuple[str, str]:
        return cls.partition(customer_id), f"{period}#{product_id}"

    def kept_until(self) -> datetime:
        """With the invoice of its month: how that invoice's best tariff was found."""
        return invoiced_month_kept(self.period)


class BillingRun(Item, discriminator="BillingRun"):
    """PK BILLINGRUN#<run>, SK RUN: a monthly run as planned (the month, the catalogue version,
    its slices) and the task token of the workflow step that waits for the slices to be done.
    The run is named after its workflow execution."""

    run = UnicodeAttribute()
    period = UnicodeAttribute()
    catalogue_version = UnicodeAttribute()
    slices = NumberAttribute()
    slices_per_shard = NumberAttribute()
    task_token = UnicodeAttribute()
    started_at = UnicodeAttribute()

    @staticmethod
    def partition(run: str) -> str:
        return f"BILLINGRUN#{run}"

    @classmethod
    def keys(cls, run: str) -> tuple[str, str]:
        return cls.partition(run), "RUN"

    def kept_until(self) -> datetime:
        return after(self.started_at, RUN_KEPT)


class BillingPage(Item, discriminator="BillingPage"):
    """PK BILLINGRUN#<run>#SLICE#<slice>, SK PAGE#<page>: one page of a slice billed, with the
    slice's running totals up to it and where the next page starts (no cursor: the slice is
    done). Written once: whoever gets the page again (a message delivered twice, a retry after a
    crash) reads this instead of billing it, so a slice's pages form one chain and its totals
    count each customer once. Kept a few weeks (TTL)."""

    #: outcome -> customers, and what was invoiced, from the slice's first page up to this one
    counts = JSONAttribute()
    billed_cents = NumberAttribute()
    #: the next page's start (the index's LastEvaluatedKey, as JSON); None on the last page
    cursor = UnicodeAttribute(null=True)
    #: the page's last customer: billed here whole, so the next page skips the rest of their products
    last_customer = UnicodeAttribute(null=True)
    #: the next page is on the queue (set once it was sent)
    next_sent = BooleanAttribute(null=True)

    @staticmethod
    def partition(run: str, slice_number: int) -> str:
        return f"{BillingRun.partition(run)}#SLICE#{slice_number:05d}"

    @classmethod
    def keys(cls, run: str, slice_number: int, page: int) -> tuple[str, str]:
        return cls.partition(run, slice_number), f"PAGE#{page:07d}"


class BillingSliceTotals(Item, discriminator="BillingSliceTotals"):
    """PK BILLINGRUN#<run>, SK SLICE#<slice>: a slice's totals, written when its last page is
    billed (again with the same figures, should that page be delivered twice). The run's summary
    is the sum of these."""

    SK_PREFIX = "SLICE#"

    slice = NumberAttribute()
    pages = NumberAttribute()
    counts = JSONAttribute()
    billed_cents = NumberAttribute()

    @classmethod
    def keys(cls, run: str, slice_number: int) -> tuple[str, str]:
        return BillingRun.partition(run), f"{cls.SK_PREFIX}{slice_number:05d}"


class BillingSlicesDone(Item, discriminator="BillingSlicesDone"):
    """PK BILLINGRUN#<run>, SK DONE#<k>: the numbers of the slices done whose number is k modulo
    DONE_SHARDS. A set: a slice added twice counts once. Sharded, so slices finishing at the same
    moment do not all write one item; each is a single ADD, never part of a transaction."""

    SHARED_COUNTER = True
    #: how many items the set of slices done is spread over
    SHARDS = 16

    slices = NumberSetAttribute(null=True)

    @classmethod
    def keys(cls, run: str, shard: int) -> tuple[str, str]:
        return BillingRun.partition(run), f"DONE#{shard:02d}"

    @classmethod
    def shard_of(cls, slice_number: int) -> int:
        return slice_number % cls.SHARDS


class ReminderDue(Item, discriminator="ReminderDue"):
    """SK REMINDER#<invoice_id>: where the daily reminder run finds an invoice whose next reminder
    step is due, on GSI1 per billing shard by that step's day (`REMINDERS#<shard>` /
    `<yyyy-mm-dd>#<customer>#<invoice>`): the run reads every step due up to its day, a day it
    missed included, and nothing else. Written with the invoice; moved on with each step taken,
    deleted with the payment, the arrangement or the last step that stops the schedule."""

    SK_PREFIX = "REMINDER#"

    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    step = UnicodeAttribute()
    due_on = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str, invoice_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{invoice_id}"

    @staticmethod
    def partition(shard: int) -> str:
        """The GSI1 partition of a billing shard's reminder steps."""
        return f"REMINDERS#{shard}"

    def index(self) -> None:
        self.GSI1PK = self.partition(billing_shard(self.customer_id))
        self.GSI1SK = f"{self.due_on}#{self.customer_id}#{self.invoice_id}"


#: a SEPA mandate is kept this long after the last collection on it (the SEPA Core rulebook: the
#: payer may ask for a refund of an unauthorised debit up to 13 months after it, and the creditor
#: must then show the mandate); one that was never used, as long after it ended
MANDATE_KEPT_MONTHS = 14
#: a mandate started but never given (the customer left the bank's page) is of no use after this
MANDATE_UNGIVEN_KEPT = timedelta(days=30)


class Mandate(Item, discriminator="Mandate"):
    """SK MANDATE#<setup_id>: a SEPA Direct Debit mandate the customer gave (or is giving) at the
    payment provider, named after the SetupIntent it was given with. Of the account only its country
    and last four digits are kept, never the IBAN. Found by the provider's mandate id on GSI1
    (`MANDATE#<mandate id>`) for the provider's news of it. Versioned: its status only moves on
    (pending, active, inactive)."""

    SK_PREFIX = "MANDATE#"

    setup_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    provider_customer = UnicodeAttribute()
    #: pending | active | inactive
    status = UnicodeAttribute()
    mandate_id = UnicodeAttribute(null=True)
    payment_method = UnicodeAttribute(null=True)
    iban_country = UnicodeAttribute(null=True)
    iban_last4 = UnicodeAttribute(null=True)
    bank_code = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    accepted_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
    #: withdrawn (by the customer here) | revoked (at their bank, or the account closed)
    ended_reason = UnicodeAttribute(null=True)
    last_collected_on = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, setup_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{setup_id}"

    @staticmethod
    def lookup_key(mandate_id: str) -> str:
        return f"MANDATE#{mandate_id}"

    def index(self) -> None:
        if self.mandate_id:
            self.GSI1PK, self.GSI1SK = self.lookup_key(self.mandate_id), customer_key(self.customer_id)

    def kept_until(self) -> datetime | None:
        """While it can be used, with the record; once ended, MANDATE_KEPT_MONTHS after the last
        collection on it (or after it ended, if later); never given: MANDATE_UNGIVEN_KEPT."""
        if self.status == "active":
            return None
        if self.status == "pending":
            return after(self.created_at, MANDATE_UNGIVEN_KEPT)
        last = moment(max(self.ended_at or self.created_at, self.last_collected_on or "")[:10])
        return datetime.combine(add_months(last.date(), MANDATE_KEPT_MONTHS), last.timetz())


class DebitDue(Item, discriminator="DebitDue"):
    """SK DEBIT#<invoice_id>: where the daily collection run finds an invoice to be collected by
    direct debit, on GSI1 per billing shard by its collection day (`DEBITS#<shard>` /
    `<yyyy-mm-dd>#<customer>#<invoice>`). Written with the invoice's announcement; deleted once the
    debit is at the bank, or when the invoice goes back to being paid by hand."""

    SK_PREFIX = "DEBIT#"

    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    collect_on = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str, invoice_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{invoice_id}"

    @staticmethod
    def partition(shard: int) -> str:
        return f"DEBITS#{shard}"

    def index(self) -> None:
        self.GSI1PK = self.partition(billing_shard(self.customer_id))
        self.GSI1SK = f"{self.collect_on}#{self.customer_id}#{self.invoice_id}"
