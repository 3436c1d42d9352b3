"""The customer's timeline: every domain event about a customer, on any channel, newest first.

Entries are written by the timeline function, a target of the bus (never by the code that made
the change), and keyed by the event id so a redelivered event is stored once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from opencounter.core.actors import seen_by_customer
from opencounter.core.paging import cursor_in, cursor_out
from opencounter.core.retention import after, years_after
from opencounter.core.table import Item

#: years a customer's timeline keeps an event: as long as the contacts it tells of (contacts'
#: CLOSED_KEPT_YEARS); the invoices and the rest keep their own periods
EVENTS_KEPT_YEARS = 2
#: a sign-up's own events, while there is no customer yet: as long as a sign-up decided against is
#: kept (signups.records.DECIDED_AGAINST_KEPT); moved to the customer's timeline, they are kept as
#: the customer's
SIGNUP_EVENTS_KEPT = timedelta(days=90)

TITLES = {
    "SignupStarted": "Sign-up started",
    "CustomerIdentified": "Identity verified",
    "ApplicationDeclined": "Application declined",
    "CustomerRegistered": "Welcome to OpenCounter",
    "CustomerUpdated": "Your details were changed",
    "CustomerMoved": "Move registered",
    "CustomerAddressChanged": "Your new address is in use",
    "ProductActivated": "Product activated",
    "ProductOrdered": "Product ordered",
    "OrderSigned": "Order signed",
    "ContractSigned": "Contract signed",
    "SignupActivated": "Ready to use: we finish checking your details in the background",
    "CustomerVerified": "Your details are confirmed",
    "VerificationFailed": "We could not confirm your details",
    "SignupRolledBack": "Your sign-up was undone",
    "SignupDecisionTaken": "A colleague checked your details",
    "InvoiceIssued": "New invoice",
    "InvoicePaid": "Invoice paid",
    "PaymentReceived": "Payment received",
    "PaymentFailed": "Payment did not go through",
    "PaymentRefunded": "Payment refunded",
    "PaymentDisputed": "Payment disputed by your bank",
    "PaymentReinstated": "The amount your bank disputed was paid to us again",
    "InvoiceVoided": "Invoice cancelled",
    "PaymentArrangementAgreed": "Payment arrangement agreed",
    "ProductPlanChanged": "Plan changed",
    # a plan change titled by how it came (the event's `why`)
    "ProductPlanChanged.customer": "Plan changed by you",
    "ProductPlanChanged.advice": "Plan changed on our advice",
    "ProductPlanChanged.staff": "Plan changed by our staff",
    "ProductCancelled": "Cancellation registered",
    "BetterPlanAdvised": "A plan that fits your use better",
    "FixedPriceEnding": "Your fixed price is ending",
    "PriceChangeAnnounced": "Your price is changing",
    "ContactQueued": "We have your question",
    "ContactResolved": "Your question was answered",
    "ContactLinked": "A message of yours was added to your history",
    "ServiceRequestUpdated": "Your request moved on",
    "ComplaintFiled": "Complaint received: we answer it within ten working days",
    "ComplaintUpdated": "Your complaint moved on",
    "ComplaintClosed": "Your complaint was closed",
    "SignupInReview": "A colleague finishes checking your details",
    "DisputeFiled": "We received your dispute; the amount is on hold",
    "DisputeWithStaff": "A staff member assesses your dispute",
    "DisputeEscalated": "Your dispute was passed to a senior colleague",
    "DisputeDecisionTaken": "A decision was taken on your dispute",
    "DisputeDecided": "Your dispute is decided",
    "DisputeAppealed": "We received your appeal",
    "ChargebackFiled": "Your bank disputes a payment; the amount is on hold until the bank decides",
    "ChargebackDecided": "Your bank decided on the disputed payment",
    "AppointmentPlanned": "Appointment planned",
    "AppointmentChanged": "Appointment moved",
    "AppointmentCancelled": "Appointment cancelled",
    "AppointmentReminder": "Reminder of your appointment",
    "AppointmentEnRoute": "On the way to you",
    "AppointmentArrived": "Arrived at your address",
    "AppointmentDone": "Appointment done",
    "AppointmentMissed": "Appointment missed",
    "DataRequestReceived": "We received your request about your data",
    # reminders before collection
    "InvoiceReminder": "Reminder: an invoice is still open",
    "InvoiceFinalNotice": "Final notice: pay within 14 days to avoid collection costs",
    # direct debit
    "DirectDebitMandateGiven": "You gave a direct debit mandate",
    "DirectDebitMandateEnded": "Your direct debit mandate ended: you pay by hand again",
    "DirectDebitAnnounced": "An invoice will be collected by direct debit",
    "DirectDebitReturned": "A direct debit was returned by your bank",
    "OutageStarted": "An outage in your area",
    "OutageResolved": "Outage solved",
    "ErasureRefused": "We could not erase your data yet",
    "DataExportReady": "A copy of your data is ready to download",
    "IdeaPosted": "You posted an idea",
    "IdeaStatusChanged": "Your idea moved on",
    "IdeaAnswered": "Your idea was answered",
    "IdeaHidden": "Your idea was hidden: it breaks the house rules",
    "QuoteMade": "A quote for you",
    "QuoteAccepted": "Quote accepted",
    "QuoteDeclined": "Quote declined",
    "QuoteWithdrawn": "Quote withdrawn",
    "CallbackBooked": "Call-back planned",
    "CallbackMoved": "Call-back moved",
    "CallbackCancelled": "Call-back cancelled",
    "CallbackMissed": "We missed your call-back",
}


class TimelineEntry(Item, discriminator="TimelineEntry"):
    """PK TIMELINE#<customer>, SK <occurred_at>#<event_id>: sorts by time, unique per event."""

    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    channel = UnicodeAttribute()
    actor = JSONAttribute()
    title = UnicodeAttribute()
    data = JSONAttribute()

    @staticmethod
    def partition(customer_id: str) -> str:
        return f"TIMELINE#{customer_id}"

    @classmethod
    def signup_partition(cls, signup_id: str) -> str:
        """Where a sign-up's events wait while there is no customer yet."""
        return cls.partition(f"SIGNUP#{signup_id}")

    @classmethod
    def keys(cls, owner: str, occurred_at: str, event_id: str) -> tuple[str, str]:
        """`owner` is a partition; the sort key orders by time and is unique per event."""
        return owner, f"{occurred_at}#{event_id}"

    def kept_until(self) -> datetime:
        if self.PK.startswith(self.signup_partition("")):
            return after(self.occurred_at, SIGNUP_EVENTS_KEPT)
        return years_after(self.occurred_at, EVENTS_KEPT_YEARS)


def _put_once(entry: TimelineEntry) -> bool:
    try:
        entry.save(condition=TimelineEntry.PK.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_event(detail_type: str, detail: dict[str, Any]) -> bool:
    """Put one event on its customer's timeline; an event of a sign-up without a customer yet
    waits on the sign-up's own timeline, and moves to the customer's when the sign-up activates
    (so the customer's history starts with their application). False when already there, or
    when the event is about no customer or sign-up."""
    if "customer_id" not in detail and "signup_id" not in detail:
        return False  # about the business's own work (a mailing started): on nobody's timeline
    owner = TimelineEntry.partition(detail["customer_id"]) if "customer_id" in detail \
        else TimelineEntry.signup_partition(detail["signup_id"])
    stored = _put_once(TimelineEntry(
        *TimelineEntry.keys(owner, detail["occurred_at"], detail["event_id"]),
        event_id=detail["event_id"], event_type=detail_type, occurred_at=detail["occurred_at"],
        channel=detail["channel"], actor=detail["actor"], title=title_of(detail_type, detail.get("data", {})),
        data=detail.get("data", {}),
    ))
    if "customer_id" in detail and "signup_id" in detail and detail_type == "SignupActivated":
        for earlier in TimelineEntry.query(TimelineEntry.signup_partition(detail["signup_id"])):
            earlier.PK = TimelineEntry.partition(detail["customer_id"])
            _put_once(earlier)
    return stored


def title_of(detail_type: str, data: dict[str, Any]) -> str:
    """An entry's title: by the event's `why` where that has one of its own, else by its type."""
    return TITLES.get(f"{detail_type}.{data.get('why')}") or TITLES.get(detail_type, detail_type)


def customer_timeline(customer_id: str, *, limit: int = 20, cursor: str | None = None,
                      staff: bool = False) -> dict[str, Any]:
    """One page of the timeline, newest first, and the cursor of the next page (None at the end).
    Staff see who did each thing; the customer sees staff by role only."""
    page = TimelineEntry.query(TimelineEntry.partition(customer_id), scan_index_forward=False, limit=limit,
                               last_evaluated_key=cursor_in(cursor, ("SK",), lambda keys: {
                                        "PK": {"S": TimelineEntry.partition(customer_id)}, "SK": {"S": keys["SK"]}}))
    items = [{"event_id": e.event_id, "type": e.event_type, "title": e.title, "occurred_at": e.occurred_at,
              "channel": e.channel, "actor": e.actor if staff else seen_by_customer(e.actor), "data": e.data}
             for e in page]
    return {"items": items, "next_cursor": cursor_out(page.last_evaluated_key, "SK")}
