"""How long every kind of item is kept, from what moment, how that is enforced, and why: one table,
read by the privacy officer's desk (`retention_settings`) and held to the code by
tests/unit/test_retention.py (every kind of item has an entry; every kind said to expire by TTL
gets its `expires_at` when its domain writes it in its final state).

How a period is enforced:
- "ttl": the item's `expires_at` is set when it is written or when it reaches its final state
  (most kinds say it themselves, from their state, in `kept_until`: core/table.py), and DynamoDB
  deletes it (within a few days of that moment, at no cost);
- "sweep": the daily retention sweep (functions/retention_sweep) deletes it, found through GSI1:
  what TTL cannot do (files in S3 besides the item);
- "with_record": part of the customer's record, kept while the customer holds it and erased with
  it (the customer's erasure, GDPR art. 17, keeping what a law still requires);
- "when_done": deleted by the step that ends its purpose, in the same transaction;
- "kept": holds no personal data; kept while the product uses it.

The periods are the code's own constants, so this table says what the code does. ADR 26
(docs/adr/0026-retention.md) explains the choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from opencounter.appointments.records import DAY_PLANS_KEPT, VISITS_KEPT_YEARS
from opencounter.billing.records import MANDATE_KEPT_MONTHS, MANDATE_UNGIVEN_KEPT, RUN_KEPT
from opencounter.billing.usage import RECORDS_KEPT_MONTHS
from opencounter.channels.status import ARRIVALS_KEPT
from opencounter.complaints.records import CLOSED_KEPT_YEARS as COMPLAINTS_KEPT_YEARS
from opencounter.contacts.records import CALLBACK_SLOTS_KEPT, CLOSED_KEPT_YEARS, REASONS_KEPT
from opencounter.contacts.service import RECEIPT_KEPT
from opencounter.contacts.unanswered import KEPT as UNANSWERED_KEPT
from opencounter.core.access_log import KEPT_YEARS as READS_KEPT_YEARS
from opencounter.core.one_time_codes import LIFETIME_MINUTES
from opencounter.core.outbox import OUTBOX_RETENTION
from opencounter.core.retention import FISCAL_YEARS
from opencounter.core.settings import settings
from opencounter.customers.timeline import EVENTS_KEPT_YEARS, SIGNUP_EVENTS_KEPT
from opencounter.disputes.records import FILES_KEPT_YEARS
from opencounter.edge.idempotency import REMEMBERED_FOR_S
from opencounter.feedback.service import INVITATION_KEPT
from opencounter.ideas.followers import TOLD_KEPT
from opencounter.notifications.records import MAILINGS_KEPT_YEARS, NOTICES_KEPT
from opencounter.outages.records import OUTAGES_KEPT_YEARS
from opencounter.privacy.records import ANSWERED_KEPT_YEARS
from opencounter.quotes.records import UNACCEPTED_KEPT
from opencounter.signups.credit import BLOCKED_YEARS
from opencounter.signups.orders import UNSIGNED_FORGOTTEN_AFTER
from opencounter.signups.records import ABANDONED_AFTER, DECIDED_AGAINST_KEPT

#: how a period is enforced (see above)
HOW = ("ttl", "sweep", "with_record", "when_done", "kept")
#: the law that sets the administration's period
FISCAL_RULE = "Algemene wet inzake rijksbelastingen, art. 52(4)"


@dataclass(frozen=True)
class Retention:
    """How long a kind is kept (`period`), from what moment (`start`), how that is enforced
    (`how`, one of HOW), why, and the rule that sets it where a law does."""

    period: str
    start: str
    how: str
    why: str
    rule: str | None = None


def _days(period: timedelta) -> str:
    days = period.days
    return f"{days} day{'s' if days != 1 else ''}" if days else f"{int(period.total_seconds() // 3600)} hours"


FISCAL = f"{FISCAL_YEARS} years after the end of the fiscal year"
WITH_RECORD = "while the customer holds the record"
ERASED = "then erased with the record (at the customer's request, GDPR art. 17)"


def _fiscal(what: str, why: str) -> Retention:
    return Retention(FISCAL, what, "ttl", why, FISCAL_RULE)


#: every kind of item in the table (the pynamodb entity's discriminator; for records another
#: library writes, its own name), and its retention
RETENTION: dict[str, Retention] = {
    # ---------------------------------------------------------------- the customer's record
    "CustomerProfile": Retention(
        WITH_RECORD, f"the account is opened; {ERASED}", "with_record",
        "who the customer is, how they want to be served, their consents (with their moments, the proof of "
        "consent): needed as long as the customer is one and can sign in to see what is kept about them"),
    "CustomerAddress": Retention(
        WITH_RECORD, f"the address is registered; {ERASED}", "with_record",
        "where the customer lives and lived: the address an invoice, a visit or a delivery went to"),
    "ProductHolding": Retention(
        WITH_RECORD, f"the product is activated; {ERASED}", "with_record",
        "what the customer holds and held, and on which plan: what every invoice is made from"),
    "ChannelIdentity": Retention(
        WITH_RECORD, "the customer gives or proves the address; replaced when they change it; " + ERASED,
        "with_record", "who a sender is on a channel: without it a message from the customer is a stranger's"),
    "ContactCode": Retention(
        f"{LIFETIME_MINUTES} minutes", "the code is sent", "ttl",
        "a code proving an address is of use only until it is typed back; a newer one replaces it"),
    "TimelineEntry": Retention(
        f"{EVENTS_KEPT_YEARS} years; a sign-up's own events (no customer yet) {_days(SIGNUP_EVENTS_KEPT)}",
        "the event happened", "ttl",
        "the history the portal and the desk show; as long as the contacts it tells of, and a sign-up's events "
        "as long as a sign-up decided against (moved to the customer's timeline when it activates)"),
    # ---------------------------------------------------------------- billing
    "Invoice": _fiscal("the invoice is issued", "an invoice is part of the administration the tax law keeps; "
                       "whether paid, void or unpaid (a claim that old has lapsed)"),
    "CreditNote": _fiscal("the credit note is issued", "an invoice of its own: part of the administration"),
    "Payment": _fiscal("the payment is started", "what was paid against an invoice: part of the administration"),
    "LedgerTransaction": _fiscal("the transaction is booked", "the double-entry bookkeeping itself"),
    "TariffCheck": _fiscal("the month after the month rated (when its invoice is issued)",
                           "how the invoice's best tariff was found: kept with that invoice"),
    "UsageTotal": _fiscal("the month after the month (when its invoice is issued)",
                          "a month's use per product, the basis of that month's invoice and of its dispute"),
    "UsageRecord": Retention(
        f"until the start of the {RECORDS_KEPT_MONTHS + 1}th month after its month (or after it arrived, when "
        "later); one a dispute took off the customer's use: as long as that dispute",
        "the month the use took place", "ttl",
        "a single record from the network is disputed on its invoice within that time; the month's totals and "
        "the invoice keep what it added"),
    "ReminderDue": Retention(
        "while the invoice's reminders run", "the invoice is issued (moved on with each reminder step)", "when_done",
        "where the daily reminder run finds the invoice whose next step is due: deleted in the same transaction as "
        "the payment, the cancellation, the arrangement or the last step that ends the schedule (the steps taken "
        "stay on the invoice, with the books); erased with the record"),
    "Mandate": Retention(
        f"while in force, with the record; once ended {MANDATE_KEPT_MONTHS} months after the last collection on it "
        f"(or after it ended, when later); never given: {_days(MANDATE_UNGIVEN_KEPT)}",
        "the mandate is given (the period runs from its last collection once it ended)", "ttl",
        "the SEPA Direct Debit mandate the customer gave (the account only masked: country and last four digits): "
        "the SEPA Core rulebook lets the payer claim back an unauthorised debit up to 13 months after it, and the "
        "creditor must then show the mandate, so it is kept 14 months after the last collection, also through an "
        "erasure (stripped of nothing: it holds no more than the proof)",
        "SEPA Core Direct Debit Rulebook (EPC), the payer's refund right for an unauthorised collection"),
    "DebitDue": Retention(
        "until the invoice is at the bank", "the invoice is announced for collection", "when_done",
        "where the daily collection run finds the invoice to collect: deleted in the same transaction that hands "
        "the debit to the bank, or that makes the invoice paid by hand again (the collection's course stays on the "
        "invoice, with the books); erased with the record"),
    "BillingRun": Retention(_days(RUN_KEPT), "the run starts", "ttl",
                            "a run's own bookkeeping (no personal data): of no use once the run is over"),
    "BillingSliceTotals": Retention(_days(RUN_KEPT), "the slice is done", "ttl", "a run's own bookkeeping"),
    "BillingSlicesDone": Retention(_days(RUN_KEPT), "a slice is added to it", "ttl", "a run's own bookkeeping"),
    "BillingPage": Retention(_days(RUN_KEPT), "the page is billed", "ttl",
                             "a run's own bookkeeping: a page delivered again within the run is recognised"),
    # ---------------------------------------------------------------- contacts
    "Contact": Retention(
        f"{CLOSED_KEPT_YEARS} years", "it is closed (resolved, answered by self-service, hung up waiting; a "
        "question only read about: when asked); kept while open", "ttl",
        "the customer's questions, messages, notes and the answers: to follow up a complaint about the same "
        "matter and to see the history on every channel; no law sets a period"),
    "Conversation": Retention(
        "while its contact is open", "the first message of a conversation", "when_done",
        "which contact a sender's next message joins: deleted when the contact is resolved"),
    "CallPointer": Retention(_days(RECEIPT_KEPT), "the call is announced", "ttl",
                             "the contact a call became, for the telephony's events about it (within minutes)"),
    "ServiceRequest": Retention(
        f"{CLOSED_KEPT_YEARS} years", "it is done (its last step); kept while open", "ttl",
        "what the customer asked for and every step on it: as long as a contact"),
    "Complaint": Retention(
        f"{COMPLAINTS_KEPT_YEARS} years", "it is closed; kept while open (answered: until the customer accepts it, or "
        "the time to reopen it passes)", "ttl",
        "the complaint, the notes and the answer: as long as a contact, which covers the year in which the disputes "
        "committee (Geschillencommissie) takes a complaint the customer brings to it; no law sets a period"),
    "RequestResumeCode": Retention(
        f"{CLOSED_KEPT_YEARS} years", "its request is done; kept while the request is open", "ttl",
        "continues a request from any channel: goes with its request"),
    "ReasonCount": Retention(_days(REASONS_KEPT), "the day counted", "ttl",
                             "contacts per reason per day (no personal data): the live FAQ reads a week, the "
                             "editors a year"),
    "UnansweredQuestion": Retention(
        _days(UNANSWERED_KEPT), "the question is asked", "ttl",
        "a question no FAQ article answered, for the FAQ's editors to write the missing one (the voice of the "
        "customer groups the last 30 days); gone with the customer's record before that"),
    "FaqArticle": Retention("while published", "it is loaded", "kept",
                            "the FAQ's articles (no personal data): replaced when the FAQ file changes"),
    # ---------------------------------------------------------------- channels
    "ChannelFigures": Retention("while the channel exists", "the first contact on it", "kept",
                                "live counters of a channel (no personal data)"),
    "ArrivalCount": Retention(_days(ARRIVALS_KEPT), "the hour counted", "ttl",
                              "contacts per channel per hour (no personal data): the arrival rate reads two hours"),
    # ---------------------------------------------------------------- notices
    "Notification": Retention(
        _days(NOTICES_KEPT), "the notice is sent", "ttl",
        "the address a notice about an event went to (or that none went), what it was about and what came of "
        "it (delivered, bounced, opened, answered, clicked): an event replayed from the bus's archive (90 days) "
        "sends nothing twice, and 'did you tell me?' is answered for a year"),
    "HeldNotice": Retention(
        "until the quiet hours end (at most 11 hours); a week past that at the latest", "it is held",
        "when_done",
        "a notice that would buzz the customer's phone at night, with its event, until the morning: deleted as "
        "it is sent (its Notification says where it went); the table's TTL takes one never sent"),
    "Mailing": Retention(
        f"{MAILINGS_KEPT_YEARS} years", "it is sent", "ttl",
        "what an offer said, who sent it and to which kind of customer (to whom: the notices, a year): to answer "
        "a complaint about it or a question about consent"),
    "MailingCount": Retention(f"{MAILINGS_KEPT_YEARS} years", "its last addition (as the mailing is sent)", "ttl",
                              "how a mailing went (no personal data): with the mailing"),
    # ---------------------------------------------------------------- outages
    "Incident": Retention(
        f"{OUTAGES_KEPT_YEARS} years", "it is resolved; kept while it lasts", "ttl",
        "an outage in postcode areas (no customer's data): to answer a complaint or a claim for the time without "
        "service"),
    "IncidentCount": Retention(f"{OUTAGES_KEPT_YEARS} years", "its last addition (the all-clears sent)", "ttl",
                               "how many customers were told, cleared and made contact (no personal data)"),
    "OutageNotice": Retention(
        f"{OUTAGES_KEPT_YEARS} years", "the all-clear; kept while the outage lasts (the portal's banner)", "ttl",
        "that the customer was told of an outage, the all-clear, the contacts they made meanwhile: as the "
        "incident"),
    # ---------------------------------------------------------------- disputes
    "Dispute": Retention(
        FISCAL, "it is decided (when the decision is applied); kept while open (an appeal opens it again)", "ttl",
        "the basis of the credit note it may have made and of the invoice's hold it released: part of the "
        "administration", FISCAL_RULE),
    "DisputeLookup": Retention(FISCAL, "its dispute is decided", "ttl",
                               "finds a dispute by its id; carries the day the dispute's evidence files go"),
    "DisputeEvidence": Retention(
        f"{FILES_KEPT_YEARS} years", "its dispute is decided (an appeal puts it off)", "sweep",
        "the files the customer sent and what became of them: long enough to take the decision further (a "
        "disputes committee takes a complaint within a year of it being made to us); the decision and its "
        "reasons stay with the dispute. TTL cannot delete the files in S3: the sweep deletes both"),
    # ---------------------------------------------------------------- appointments
    "Appointment": Retention(
        f"{VISITS_KEPT_YEARS} years", "its window (moved: the new one), whatever became of it", "ttl",
        "a visit to the customer's address and what happened: as long as a contact, for a complaint about the "
        "work done"),
    "FieldDayPlan": Retention(_days(DAY_PLANS_KEPT), "the end of its day", "ttl",
                              "the visits booked on a day (appointment ids and technicians' times, no personal "
                              "data): for the field service's questions about a past day"),
    # ---------------------------------------------------------------- sign-ups and orders
    "Signup": Retention(
        f"{_days(ABANDONED_AFTER)} until signed; {_days(DECIDED_AGAINST_KEPT)} once declined or rolled back; "
        "signed: with the customer's record",
        "the application; the decision against it", "ttl",
        "an application nobody finishes is forgotten; one decided against is kept long enough for the applicant "
        "to have a person look at the decision again (GDPR art. 22(3)) and to complain; a signed one is how the "
        "contract came about and is kept with the customer's record"),
    "SignatureEvidence": Retention(
        f"{WITH_RECORD}; of a sign-up rolled back: {_days(DECIDED_AGAINST_KEPT)}",
        f"the contract is signed; {ERASED}; the rollback", "with_record",
        "proves what was accepted, when and how the signer was recognised: the contract's evidence while claims "
        "under it can be made; of a sign-up undone there is no contract left to prove"),
    "SigningCode": Retention(f"{LIFETIME_MINUTES} minutes; deleted once signed", "the code is sent", "ttl",
                             "a signing code is of use only until it signs"),
    "ResumeCode": Retention(
        _days(ABANDONED_AFTER), "the application; deleted when the sign-up is rolled back", "ttl",
        "continues an application on another channel: of use while it is being finished"),
    "RollbackAudit": Retention(_days(DECIDED_AGAINST_KEPT), "the rollback", "ttl",
                               "why a sign-up was undone and what was undone: as long as the sign-up"),
    "Order": Retention(
        f"{_days(UNSIGNED_FORGOTTEN_AFTER)} until signed; signed: with the customer's record",
        "the order is placed", "ttl",
        "an order nobody signs is forgotten; a signed one is how the contract came about (its evidence beside it)"),
    "CallbackSlot": Retention(
        f"{_days(CALLBACK_SLOTS_KEPT)} past the slot's start", "a call-back is first planned in the slot", "ttl",
        "how many call-backs a slot holds, so no slot is given more than the phone team can make: of use until the "
        "slot is over; a count, no personal data"),
    "CallbackPlan": Retention(
        f"{_days(CALLBACK_SLOTS_KEPT)} past the last slot it held", "the customer first plans a call-back", "ttl",
        "which of the customer's call-backs are still to come, so no customer fills the slots meant for everyone: of "
        "use until the last of them is over; the call-backs themselves are contacts"),
    "Quote": Retention(
        f"accepted: {WITH_RECORD}; else {_days(UNACCEPTED_KEPT)} after its last valid day",
        "the quote is made", "ttl",
        "what was offered at which prices: an accepted one is what the customer agreed to pay (its order or plan "
        "change beside it); one not accepted only answers a question about it for a while"),
    "Blocklisted": Retention(
        f"{BLOCKED_YEARS} years", "the address is listed", "ttl",
        "stops an applicant who committed fraud with an earlier account from signing up again at once; no law "
        "sets a period: then they may apply again and are checked as anyone is"),
    # ---------------------------------------------------------------- ideas
    "Idea": Retention(
        f"while it is on the board; {ERASED}: kept without its author when moderation did not hide it and it names "
        "nothing of theirs, else deleted whole", "it is posted", "with_record",
        "a customer's proposal others vote on and follow, with every status change and answer: what the board is; "
        "its author's customer id only so they and staff can reach it"),
    "Vote": Retention(
        f"while the idea is on the board; {ERASED}: counted on as nobody's (no customer id, the day only)",
        "it is cast; taken back: deleted", "with_record",
        "one vote per customer: what the ranking counts, and what stops a second vote"),
    "Follower": Retention(
        f"while the idea is on the board or until unfollowed; {ERASED}", "the customer follows (the author: posting)",
        "with_record", "who is told when the idea moves on or is answered"),
    "IdeaComment": Retention(
        f"while the idea is on the board; {ERASED}", "it is written", "with_record",
        "what customers said about an idea, under their pseudonym; a comment hidden stays for its author to read why"),
    "IdeaLink": Retention(
        WITH_RECORD, f"the customer first takes part in the idea; {ERASED}", "with_record",
        "where the customer's part in an idea is found from their record: for their copy and for their erasure"),
    "IdeaTally": Retention("while the idea is on the board", "the idea is posted", "kept",
                           "an idea's votes, comments and followers counted, and its place in the ranking (no "
                           "personal data); deleted with the idea"),
    "FollowersTold": Retention(_days(TOLD_KEPT), "the event's followers are handed over", "ttl",
                               "recognises an event delivered again, so its followers are told once (no personal "
                               "data)"),
    # ---------------------------------------------------------------- feedback
    "FeedbackInvitation": Retention(
        _days(INVITATION_KEPT), "the journey ended", "ttl",
        "a journey the customer finished, to be asked about once: a question about something longer ago is not asked"),
    "FeedbackAsked": Retention(
        f"{WITH_RECORD} (one item, replaced by the next question)", f"the question is asked; {ERASED}", "with_record",
        "what was asked last and when: a customer is asked at most once a week, and a declined question not again"),
    "FeedbackAnswer": Retention(
        f"{WITH_RECORD}; {ERASED}", "the answer", "with_record",
        "the customer's answer about a journey and its comment: counted once (a second answer is the first), and "
        "read back with their record; the figures keep only the counts"),
    "FeedbackFigures": Retention("while the product uses them", "the first answer of the month", "kept",
                                 "answers counted per month, journey and channel (no personal data): the voice of "
                                 "the customer"),
    # ---------------------------------------------------------------- the catalogue
    "CatalogueProduct": Retention("while the product or a contract refers to its version", "it is loaded", "kept",
                                  "what is on sale and what a contract was signed against (no personal data)"),
    # ---------------------------------------------------------------- the machinery
    "OutboxEvent": Retention(_days(OUTBOX_RETENTION), "the change it announces", "ttl",
                             "carried to the bus by the table's stream, which keeps a day"),
    "ProviderEventReceipt": Retention(
        _days(RECEIPT_KEPT), "the provider's event is processed", "ttl",
        "recognises an event the provider delivers again (they retry for days at most)"),
    "IdempotencyRecord": Retention(
        f"{REMEMBERED_FOR_S // 3600} hours", "the first request with the key", "ttl",
        "the answer to a request sent with an Idempotency-Key, for a retry of it (Powertools sets expires_at)"),
    # ---------------------------------------------------------------- privacy
    "DataRequest": Retention(
        f"{ANSWERED_KEPT_YEARS} years", "it is answered (done or refused); kept while open", "ttl",
        "what was asked and when it was answered, to show requests are answered in time (GDPR art. 5(2)); it "
        "outlives an erasure it answered: the proof of it"),
    "OpenDataRequest": Retention("while its request is open", "the request is received", "when_done",
                                 "one open request of a kind per customer: deleted when the request is closed"),
    "ErasureReceipt": Retention("for good", "the erasure is done", "kept",
                                "what an erasure did and kept, without personal data (whose: a digest of the "
                                "customer id): the proof that it was done (GDPR art. 5(2))"),
    "ErasedSubject": Retention("for good", "the erasure is done", "kept",
                               "finds the receipt for someone asking again whether they were erased (a digest, "
                               "no personal data)"),
    "ConsentFigure": Retention(
        "while the product uses them", "the first profile counted", "kept",
        "how many customers said yes or no to being written to, per channel and purpose, and how many there are "
        "(no personal data): the privacy officer's figures, kept from every profile's change"),
    "AccessEntry": Retention(
        f"{READS_KEPT_YEARS} years; {ERASED}", "the latest read of the same thing by the same colleague for the same "
        "reason (within ten minutes)", "ttl",
        "who of staff read the customer's data, when, what and why (GDPR art. 5(2), accountability): what the "
        "customer is told of who read their data over the past year, and what an incident found late is looked "
        "into with; longer would keep colleagues' every step for no purpose"),
}

#: kinds in the table no pynamodb entity of ours defines (another library writes them)
NOT_ENTITIES = ("IdempotencyRecord",)
#: kinds whose `expires_at` another library sets, not our domain code
SET_BY_LIBRARY = ("IdempotencyRecord",)


#: what holds personal data outside the table, and how long (the template's settings: a test holds
#: them to template.yaml); the logs' period is the deploy's LogRetentionDays
ELSEWHERE: dict[str, Retention] = {
    "logs: functions": Retention(
        "LogRetentionDays (a deploy parameter)", "the line is written", "ttl",
        "what the functions log: ids, outcomes and reasons, never e-mail addresses, phone numbers, names or "
        "message texts (a test scans every line a full test run logs)"),
    "logs: API access": Retention(
        "LogRetentionDays (a deploy parameter)", "the request", "ttl",
        "one line per request: route, status, timing and the caller's IP address (to find abuse)"),
    "events: the bus's archive": Retention(
        "90 days", "the event", "ttl",
        "every domain event, to replay one a consumer missed; some carry personal data (a changed address, "
        "the e-mail address of a new customer)"),
    "workflows: executions' history": Retention(
        "90 days (set by AWS)", "the execution ends", "ttl",
        "each step's input and output, for an operator to follow a workflow; ids and outcomes mostly, a move's "
        "new address"),
    "queues: dead letters": Retention(
        "14 days", "the message failed", "ttl", "what could not be delivered after retries, for an operator"),
    "files: evidence uploads not checked": Retention(
        "1 day", "the upload", "ttl", "an upload never checked, or refused, under incoming/"),
    "files: e-mail received": Retention(
        "30 days", "the mail arrived", "ttl", "the raw mail SES stored; its text is in the contact it became"),
}


def retention_settings() -> list[dict[str, Any]]:
    """Every kind of item, then what else holds personal data, as plain data for the privacy
    officer's desk: {"kind", "place", "period", "from", "how", "why", "rule"}."""
    logs_days = settings().log_retention_days

    def row(kind: str, place: str, kept: Retention) -> dict[str, Any]:
        period = f"{logs_days} days" if kind.startswith("logs:") and logs_days else kept.period
        return {"kind": kind, "place": place, "period": period, "from": kept.start, "how": kept.how,
                "why": kept.why, "rule": kept.rule}

    return [*(row(kind, "table", kept) for kind, kept in RETENTION.items()),
            *(row(kind, "elsewhere", kept) for kind, kept in ELSEWHERE.items())]
