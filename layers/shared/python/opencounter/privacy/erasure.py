"""Erasure (GDPR art. 17): everything we hold about a customer deleted or, where the law makes us
keep it, stripped to the minimum and given an end date; what stands in the way told first.

Asked for (`ask`): what stands in the way is checked before anything is written (an unpaid
invoice or an arrangement, a dispute or a chargeback the bank still decides, a product not ended
or its last invoice still to come, an order or a visit still to come): the customer is told each,
by kind and id. Otherwise the request is received (privacy.requests) and its DataRequestReceived
event starts the erasure workflow (statemachines/erasure.asl.json), named after the request, so
a redelivered event starts it once.

The workflow's steps (`run_step`), each safe to run again (Step Functions retries a step that
failed or whose process died): `begin` checks again (something may have changed since; blocked
now, the request is refused and the customer told) and counts what there is; then the login is
closed, the identity checks at Stripe redacted, the field service told to forget the visits, the
raw mail and the evidence files deleted, the look-ups (channel identities, conversations, codes,
the search's keys) deleted, the history outside the record (timeline, sign-up, tariff checks,
notices held for the night, usage records, events not yet expired) deleted (the messages sent are
in the record, and go with it); their part in the ideas erased (votes kept
as nobody's, follows and comments deleted, an idea of theirs kept without an author only when it
names none of their data); the customer gets a last e-mail; then
the record itself goes, but for the invoices, payments, credit notes and the ledger, kept for the
fiscal retention period (AWR art. 52: seven years from the end of the year) without anything
that names the person, each with its end date (the table's TTL deletes it then). A last sweep,
after the late events' window, erases what was still on its way; then the receipt (no personal
data) is written and the request closed, in one transaction.

The workflow's state holds ids and counts only, never an address: Step Functions keeps an
execution's history for 90 days. docs/adr/0025-erasure.md says what stays at providers and for
how long."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError

from opencounter.appointments.progress import UNDER_WAY
from opencounter.appointments.records import Appointment
from opencounter.billing.invoices import BILLABLE, balance_cents
from opencounter.billing.records import (
    CreditNote,
    Invoice,
    LedgerTransaction,
    Mandate,
    Payment,
    TariffCheck,
    UsageRecord,
    UsageTotal,
)
from opencounter.contacts.callbacks import cancel_for_erasure
from opencounter.contacts.records import (
    UNMATCHED,
    CallPointer,
    Contact,
    Conversation,
    RequestResumeCode,
    ServiceRequest,
    UnansweredQuestion,
)
from opencounter.core.aws import aws_client
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import OUTBOX_RETENTION, OutboxEvent, Write, domain_event
from opencounter.core.settings import settings
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import Address, ChannelIdentity, ContactCode, ProductHolding, Profile
from opencounter.customers.timeline import TimelineEntry
from opencounter.disputes.records import Dispute, DisputeEvidence, DisputeLookup
from opencounter.ideas import service as ideas
from opencounter.notifications.records import HeldNotice
from opencounter.ports import accounts, field_service, payments
from opencounter.ports.identity_verification import redact_verification
from opencounter.ports.messaging import send_email
from opencounter.pricing.rating import Period
from opencounter.privacy import requests
from opencounter.privacy.records import DataRequest, ErasedSubject, ErasureReceipt
from opencounter.privacy.requests import OpenDataRequest
from opencounter.signups.records import Order, ResumeCode, Signup

KIND = "erasure"
SYSTEM = {"type": "system", "id": "erasure-workflow"}
#: AWR art. 52(4): the books and what underlies them are kept seven years, counted from the end of the year
FISCAL_YEARS = 7
#: kinds in the customer's partition the law makes us keep (stripped); the request itself is kept as long
KEPT = (Invoice, Payment, CreditNote, Mandate, DataRequest, OpenDataRequest)
#: disputes still decided by us, and chargebacks still decided by the payer's bank
DISPUTE_RUNNING, CHARGEBACK_RUNNING = ("ASSESSING", "WITH_STAFF"), ("WITH_PROVIDER",)
#: the partition Powertools remembers the answers to repeated sign-up applications in (edge.idempotency)
SIGNUP_ANSWERS = "IDEMPOTENCY#signups"
#: the evidence bucket's folders, each with a folder per customer (disputes.evidence)
EVIDENCE_FOLDERS = ("incoming", "evidence")
#: the steps of the workflow, in order (each a state of statemachines/erasure.asl.json)
STEPS = ("begin", "close_login", "redact_identity_checks", "forget_field_jobs", "delete_mail",
         "delete_evidence_files", "delete_lookups", "delete_history", "leave_ideas", "confirm", "delete_record",
         "sweep", "finish")


# ---------------------------------------------------------------- what stands in the way


def _record(customer_id: str) -> list[Item]:
    return list(Item.query(customer_key(customer_id), consistent_read=True))


def _of[T](items: Iterable[Item], kind: type[T]) -> list[T]:
    return [i for i in items if isinstance(i, kind)]


def _last_day(holding: ProductHolding) -> date | None:
    if holding.ends_on:
        return date.fromisoformat(holding.ends_on)
    if holding.ended_at:
        return datetime.fromisoformat(holding.ended_at).astimezone(BUSINESS_TIME).date()
    return None


def blockers(items: list[Item], today: date | None = None) -> list[dict[str, Any]]:
    """What stands in the way of erasing the record `items`, each {"kind", "id", ...what the
    customer needs to act on it}: an invoice still to pay (invoice_unpaid) or paid in instalments
    (arrangement_running); a dispute we decide (dispute_running) or a chargeback the bank decides
    (chargeback_running); a product held (product_active: cancel it first) or cancelled but not
    ended (product_ending, with the day it ends); the last invoice of a product that ended, not
    issued yet (final_invoice_pending: it comes on the first of the next month); an order signed
    and waiting for its visit (order_pending); a visit or delivery still to come (appointment_planned)."""
    today = today or business_today()
    found: list[dict[str, Any]] = []
    invoices = _of(items, Invoice)
    for invoice in invoices:
        if invoice.status == "IN_ARRANGEMENT":
            found.append({"kind": "arrangement_running", "id": invoice.invoice_id,
                          "amount_cents": balance_cents(invoice)})
        elif invoice.status == "OPEN" and balance_cents(invoice) > 0:
            found.append({"kind": "invoice_unpaid", "id": invoice.invoice_id, "amount_cents": balance_cents(invoice),
                          "due_on": invoice.due_on})
    for dispute in _of(items, Dispute):
        if dispute.status in DISPUTE_RUNNING + CHARGEBACK_RUNNING:
            kind = "chargeback_running" if dispute.status in CHARGEBACK_RUNNING else "dispute_running"
            found.append({"kind": kind, "id": dispute.dispute_id, "invoice_id": dispute.invoice_id})
    billed = {i.period for i in invoices if i.kind == "monthly" and i.period}
    billing_from = str(Period.of(today).previous())
    for holding in _of(items, ProductHolding):
        last = _last_day(holding)
        if holding.status == "ACTIVE" and (last is None or last >= today):
            found.append({"kind": "product_ending" if last else "product_active", "id": holding.product_id,
                          "name": holding.name, **({"ends_on": last.isoformat()} if last else {})})
        elif holding.status in BILLABLE and last is not None:
            period = Period.of(last)
            if str(period) >= billing_from and str(period) not in billed:
                found.append({"kind": "final_invoice_pending", "id": holding.product_id, "name": holding.name,
                              "period": str(period), "expected_on": period.next().first_day.isoformat()})
    for order in _of(items, Order):
        if order.status == "SIGNED":
            found.append({"kind": "order_pending", "id": order.order_id})
    for appointment in _of(items, Appointment):
        if appointment.status in UNDER_WAY:
            found.append({"kind": "appointment_planned", "id": appointment.appointment_id,
                          "date": appointment.start.astimezone(BUSINESS_TIME).date().isoformat()})
    return found


def retention_end(day: str) -> str:
    """The first day a record of `day` (an ISO date or moment) need no longer be kept: seven
    years after the end of its year (a 2026 invoice goes on 1 January 2034)."""
    return date(int(day[:4]) + FISCAL_YEARS + 1, 1, 1).isoformat()


def _expiry(day: str) -> datetime:
    return datetime.fromisoformat(retention_end(day)).replace(tzinfo=BUSINESS_TIME)


def subject(customer_id: str) -> str:
    """The digest an erasure's receipt names its customer by."""
    return hashlib.sha256(f"opencounter/erased/{customer_id}".encode()).hexdigest()


def _latest_request(customer_id: str) -> DataRequest | None:
    found = [r for r in DataRequest.query(customer_key(customer_id), DataRequest.SK.startswith(DataRequest.SK_PREFIX),
                                          consistent_read=True) if r.kind == KIND]
    return max(found, key=lambda r: r.received_at, default=None)


def erasure_view(customer_id: str, items: list[Item] | None = None) -> dict[str, Any]:
    """What erasing the customer means now: what stands in the way, what would be kept (and
    until when), and their erasure request, open or last answered."""
    items = _record(customer_id) if items is None else items
    if not _of(items, Profile):
        raise NotFound("no such customer", reason="customer_not_found")
    invoices = _of(items, Invoice)
    request = _latest_request(customer_id)
    kept_until = max((retention_end(i.issued_on) for i in invoices), default=None)
    return {"blockers": blockers(items), "kept": {"invoices": len(invoices), "until": kept_until},
            "request": requests.view(request) if request else None}


def ask(customer_id: str, body: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """The customer (or staff on their behalf) asks to be erased, confirming it. Refused with what
    stands in the way (409 erasure_blocked, each blocker in params) and nothing written; else the
    request is received and the workflow starts (asked again while it runs: the same request)."""
    validate_request("erasure-request", body)
    items = _record(customer_id)
    view = erasure_view(customer_id, items)
    if view["blockers"]:
        raise Conflict("erasure is not possible yet: " + ", ".join(f"{b['kind']} {b['id']}" for b in view["blockers"]),
                       reason="erasure_blocked", blockers=view["blockers"])
    request, _ = requests.receive(customer_id, KIND, actor=actor, channel=channel)
    return {**view, "request": requests.view(request)}


def known_customer(customer_id: str) -> str:
    """`customer_id` if there is such a customer (staff's routes check it before reading a body)."""
    try:
        Profile.get(*Profile.keys(customer_id))
    except Profile.DoesNotExist:
        raise NotFound("no such customer", reason="customer_not_found") from None
    return customer_id


# ---------------------------------------------------------------- starting the workflow


def start_workflow(detail: dict[str, Any]) -> str:
    """Start the erasure workflow for a DataRequestReceived event of kind erasure, named after the
    request: "started", "already_started" (a redelivered event) or "not_an_erasure"."""
    data = detail["data"]
    if data.get("kind") != KIND:
        return "not_an_erasure"
    sfn = aws_client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=settings().required("erasure_workflow_arn"), name=data["request_id"],
                            input=json.dumps({"customer_id": detail["customer_id"], "request_id": data["request_id"],
                                              "sweep_after_s": int(settings().erasure_sweep_after_seconds),
                                              "done": {}}))
    except sfn.exceptions.ExecutionAlreadyExists:
        return "already_started"
    return "started"


# ---------------------------------------------------------------- reading what there is


def _profile(items: list[Item]) -> Profile | None:
    return next(iter(_of(items, Profile)), None)


def _signups(items: list[Item]) -> list[Signup]:
    ids = {i.signup_id for i in items if isinstance(i, ProductHolding | Appointment | Invoice) and i.signup_id}
    found = []
    for signup_id in sorted(ids):
        try:
            found.append(Signup.get(*Signup.keys(signup_id), consistent_read=True))
        except Signup.DoesNotExist:
            pass
    return found


def _identity_sessions(signups: list[Signup]) -> list[str]:
    sessions = []
    for signup in signups:
        named = (signup.steps.get("identification") or {}).get("session_id")
        sessions += [*signup.identity_sessions, *([named] if named else [])]
    return list(dict.fromkeys(sessions))


def _identities(customer_id: str) -> list[ChannelIdentity]:
    return [i for i in Item.lookup.query(ChannelIdentity.customer_partition(customer_id))
            if isinstance(i, ChannelIdentity) and i.customer_id == customer_id]


def _addresses(customer_id: str, items: list[Item]) -> list[str]:
    """Every address the customer is known by on a channel: their e-mail and phone (also a new
    e-mail still to prove), and the identities on every channel."""
    found: list[str] = []
    profile = _profile(items)
    if profile is not None:
        found += [profile.email, *([profile.phone] if profile.phone else [])]
    found += [c.address for c in _of(items, ContactCode) if c.address]
    found += [i.address or i.PK.split("#", 2)[2] for i in _identities(customer_id)]
    return list(dict.fromkeys(a for a in (*found, *(f.lower() for f in found)) if a))


def _unmatched(customer_id: str, items: list[Item]) -> list[Contact]:
    """Contacts from an address of the customer's that no one linked to a customer yet."""
    addresses = _addresses(customer_id, items)
    if not addresses:
        return []
    found: list[Contact] = []
    for start in range(0, len(addresses), 50):  # an IN takes at most 100 values
        found += list(Contact.query(UNMATCHED, filter_condition=Contact.sender.is_in(*addresses[start:start + 50])))
    return found


def _contacts(customer_id: str, items: list[Item]) -> list[Contact]:
    return [*_of(items, Contact), *_unmatched(customer_id, items)]


def _raw_mail(contacts: list[Contact]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((m["bucket"], m["key"]) for c in contacts for m in c.raw_mail or []))


def _evidence_files(customer_id: str) -> list[str]:
    bucket, s3 = settings().evidence_bucket, aws_client("s3")
    if not bucket:
        return []
    keys: list[str] = []
    for folder in EVIDENCE_FOLDERS:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{folder}/{customer_id}/"):
            keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def _keys_of(partition: str) -> list[tuple[str, str]]:
    """Every item's key in a partition, whatever its kind."""
    client, keys = aws_client("dynamodb"), []
    for page in client.get_paginator("query").paginate(
            TableName=settings().required("table_name"), KeyConditionExpression="PK = :pk", ConsistentRead=True,
            ExpressionAttributeValues={":pk": {"S": partition}}, ProjectionExpression="PK, SK"):
        keys += [(i["PK"]["S"], i["SK"]["S"]) for i in page.get("Items", [])]
    return keys


def _signup_answers(signups: list[Signup]) -> list[tuple[str, str]]:
    """The answers remembered for a day to repeated applications (they repeat the applicant's
    details), found in their one partition by the sign-up's id (no index names them)."""
    client, keys = aws_client("dynamodb"), []
    for signup in signups:
        for page in client.get_paginator("query").paginate(
                TableName=settings().required("table_name"), KeyConditionExpression="PK = :pk",
                FilterExpression="contains(#data, :signup)", ProjectionExpression="PK, SK",
                ExpressionAttributeNames={"#data": "data"},
                ExpressionAttributeValues={":pk": {"S": SIGNUP_ANSWERS}, ":signup": {"S": signup.signup_id}}):
            keys += [(i["PK"]["S"], i["SK"]["S"]) for i in page.get("Items", [])]
    return keys


def _lookups(customer_id: str, items: list[Item]) -> list[tuple[Item, Any]]:
    """The items outside the record that find the customer or hold what they sent, each with the
    condition it is deleted under (None: unconditionally): it must still be theirs."""
    found: list[tuple[Item, Any]] = []
    unmatched = _unmatched(customer_id, items)
    for contact in [*_of(items, Contact), *unmatched]:
        if contact.sender and contact.channel != "phone":
            pointer = Conversation(*Conversation.keys(contact.channel, contact.sender))
            found.append((pointer, Conversation.contact_id == contact.contact_id))
        if contact.provider_id:
            found.append((CallPointer(*CallPointer.keys(contact.provider_id)),
                          CallPointer.contact_id == contact.contact_id))
    found += [(c, None) for c in unmatched]
    # the question of a contact nobody linked, kept beside it for the FAQ's editors
    found += [(UnansweredQuestion(*UnansweredQuestion.keys(None, c.contact_id)), None) for c in unmatched]
    found += [(RequestResumeCode(*RequestResumeCode.keys(r.resume_code_digest)), None)
              for r in _of(items, ServiceRequest) if r.resume_code_digest]
    for dispute in _of(items, Dispute):
        found += [(DisputeLookup(*DisputeLookup.keys(dispute.dispute_id)), None),
                  (DisputeEvidence(*DisputeEvidence.keys(dispute.dispute_id)), None)]
    signups = _signups(items)
    found += [(ResumeCode(*ResumeCode.keys_of_digest(s.resume_code_digest)), None) for s in signups]
    found += [(i, ChannelIdentity.customer_id == customer_id) for i in _identities(customer_id)]
    return found


def _history(customer_id: str, items: list[Item]) -> list[tuple[str, str]]:
    """The keys of what the customer's history holds outside the record: the timeline (and a
    sign-up's, before it had a customer), the events not yet expired from the outbox, the
    sign-ups with their evidence, the tariff checks, the notices held for the night and the usage
    records (the notices sent are in the record, and go with it)."""
    signups = _signups(items)
    timelines = [TimelineEntry.partition(customer_id), *(TimelineEntry.signup_partition(s.signup_id) for s in signups)]
    recent = isoformat(utcnow() - OUTBOX_RETENTION - timedelta(days=1))
    keys: list[tuple[str, str]] = []
    for timeline in timelines:
        for entry in TimelineEntry.query(timeline, consistent_read=True):
            keys.append((entry.PK, entry.SK))
            if entry.occurred_at >= recent:
                keys.append(OutboxEvent.keys(entry.event_id))
    for signup in signups:
        keys += _keys_of(Signup.keys(signup.signup_id)[0])
    keys += _signup_answers(signups)
    tariffs = list(TariffCheck.query(TariffCheck.partition(customer_id), consistent_read=True))
    keys += [(t.PK, t.SK) for t in tariffs]
    keys += _keys_of(HeldNotice.partition(customer_id))  # (the notices sent are in the record)
    periods = {t.period for t in _of(items, UsageTotal)} | {t.period for t in tariffs} | \
        {i.period for i in _of(items, Invoice) if i.period}
    for period in sorted(periods):
        keys += [(r.PK, r.SK) for r in Item.lookup.query(UsageRecord.month(customer_id, period))
                 if isinstance(r, UsageRecord)]
    return list(dict.fromkeys(keys))


def _erasable(items: list[Item]) -> list[Item]:
    """What of the record goes whole: everything but what the law makes us keep."""
    return [i for i in items if not isinstance(i, KEPT)]


# ---------------------------------------------------------------- deleting


def _delete_keys(keys: list[tuple[str, str]]) -> int:
    """Delete items by key, 25 a request, whatever their kind; deleting one gone is no error."""
    client, table = aws_client("dynamodb"), settings().required("table_name")
    for start in range(0, len(keys), 25):
        pending: dict[str, Any] = {table: [{"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}}
                                           for pk, sk in keys[start:start + 25]]}
        for attempt in range(8):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(0.05 * 2 ** attempt)
        else:
            raise RuntimeError("the table kept refusing to delete; the step is tried again")
    return len(keys)


def _delete_conditionally(found: list[tuple[Item, Any]]) -> int:
    """Delete each item if it is still what was found (a pointer still at the contact, an identity
    still the customer's): one that changed hands meanwhile is someone else's now and stays."""
    done = 0
    for item, condition in found:
        try:
            item.delete(condition=condition) if condition is not None else item.delete()
            done += 1
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    return done


def _delete_objects(objects: list[tuple[str, str]]) -> int:
    s3 = aws_client("s3")
    for bucket in sorted({b for b, _ in objects}):
        keys = [k for b, k in objects if b == bucket]
        for start in range(0, len(keys), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[start:start + 1000]],
                                                     "Quiet": True})
    return len(objects)


# ---------------------------------------------------------------- the steps


def inventory(customer_id: str, items: list[Item]) -> dict[str, int]:
    """How much of each kind there is to erase, counted before anything goes (the receipt's
    figures, the same however often a step is tried)."""
    contacts, signups = _contacts(customer_id, items), _signups(items)
    profile = _profile(items)
    return {"login": int(profile is not None and accounts.login_exists(profile.email)),
            "identity_checks": len(_identity_sessions(signups)),
            "field_jobs": len(_of(items, Appointment)), "mail": len(_raw_mail(contacts)),
            "evidence_files": len(_evidence_files(customer_id)), "lookups": len(_lookups(customer_id, items)),
            "history": len(_history(customer_id, items)), "ideas": ideas.ideas_taken_part_in(customer_id),
            "record": len(_erasable(items))}


def begin(customer_id: str, request_id: str) -> dict[str, Any]:
    """Check again what stands in the way (something may have changed since it was asked): blocked
    now, the request is refused and the customer told why; else it is taken in hand. Run again
    once taken in hand, it does not check again (what it erases may be half gone)."""
    request = requests.load(customer_id, request_id)
    if request.status == "REFUSED":
        return {"outcome": "refused"}
    if request.status == "DONE":
        return {"outcome": "done"}
    items = _record(customer_id)
    if request.status == "RECEIVED":
        found = blockers(items)
        if found:
            stands = [{"kind": b["kind"], "id": b["id"]} for b in found]
            refused = domain_event("ErasureRefused", customer_id=customer_id, actor=SYSTEM, channel="system",
                                   data={"request_id": request_id, "blockers": stands},
                                   event_id=stable_id("erasure-refused", request_id))
            requests.close(request, "REFUSED", {"reason": "erasure_blocked", "blockers": stands}, events=[refused])
            return {"outcome": "refused"}
        requests.start(request)
    return {"outcome": "erasing", "inventory": inventory(customer_id, items)}


def close_login(customer_id: str, request_id: str) -> dict[str, Any]:
    """The login goes first: nobody signs in as the customer while the rest goes."""
    profile = _profile(_record(customer_id))
    return {"login": accounts.delete_login(profile.email) if profile else "absent"}


def redact_identity_checks(customer_id: str, request_id: str) -> dict[str, Any]:
    sessions = _identity_sessions(_signups(_record(customer_id)))
    return {"redacted": sum(redact_verification(s) == "redacted" for s in sessions)}


def forget_field_jobs(customer_id: str, request_id: str) -> dict[str, Any]:
    jobs = [a.appointment_id for a in _of(_record(customer_id), Appointment)]
    return {"forgotten": sum(field_service.forget_job(j) == "forgotten" for j in jobs)}


def delete_mail(customer_id: str, request_id: str) -> dict[str, Any]:
    return {"deleted": _delete_objects(_raw_mail(_contacts(customer_id, _record(customer_id))))}


def delete_evidence_files(customer_id: str, request_id: str) -> dict[str, Any]:
    bucket = settings().evidence_bucket
    return {"deleted": _delete_objects([(bucket, k) for k in _evidence_files(customer_id)])}


def delete_lookups(customer_id: str, request_id: str) -> dict[str, Any]:
    return {"deleted": _delete_conditionally(_lookups(customer_id, _record(customer_id)))}


def delete_history(customer_id: str, request_id: str) -> dict[str, Any]:
    return {"deleted": _delete_keys(_history(customer_id, _record(customer_id)))}


def personal_words(items: list[Item]) -> list[str]:
    """What names the customer in a text: their names, e-mail address (and the part before the @),
    phone number, and every street and postcode they lived at."""
    words: list[str] = []
    profile = _profile(items)
    if profile is not None:
        words += [profile.given_name, profile.family_name, f"{profile.given_name} {profile.family_name}",
                  profile.email, *([profile.email.split("@")[0]] if len(profile.email.split("@")[0]) >= 4 else []),
                  *([profile.phone] if profile.phone else [])]
    for address in _of(items, Address):
        words += [address.street, address.postcode, address.postcode.replace(" ", "")]
    return list(dict.fromkeys(w for w in words if w and w.strip()))


def leave_ideas(customer_id: str, request_id: str) -> dict[str, Any]:
    """The customer's part in the ideas, which live in the ideas' partitions, not the record:
    votes kept as nobody's, follows and comments deleted, an idea of theirs kept without an author
    only when moderation did not hide it and it names none of their data (else it goes whole).
    Before the record goes: the record's links find the ideas, and its profile says what names them."""
    items = _record(customer_id)
    return ideas.erase_customer(customer_id, personal_words(items))


#: the customer's last e-mail from us: what went, what stays and until when
GOODBYE = {
    "nl": ("Uw gegevens zijn gewist",
           "Beste {name},\n\nZoals u vroeg, hebben we uw gegevens gewist: uw account, uw berichten, uw "
           "geschiedenis en wat u ons stuurde. Uw facturen en betalingen bewaren we, zonder uw naam, adres en "
           "e-mailadres, zolang de belastingwet dat eist{until}; daarna verdwijnen ook die. Dit is ons laatste "
           "bericht aan dit adres.\n"),
    "en": ("Your data has been erased",
           "Dear {name},\n\nAs you asked, we have erased your data: your account, your messages, your history and "
           "what you sent us. We keep your invoices and payments, without your name, address and e-mail address, "
           "for as long as tax law requires{until}; then they go too. This is our last message to this address.\n"),
}
UNTIL = {"nl": " (tot {date})", "en": " (until {date})"}


def confirm(customer_id: str, request_id: str) -> dict[str, Any]:
    """The customer's last e-mail, while their address is still known (the next step forgets
    it). Not kept as a notice: nothing of it stays with us. A retry after the mail went but
    before this step answered sends it again (better twice than never)."""
    items = _record(customer_id)
    profile = _profile(items)
    if profile is None:
        return {"confirmation": "no_address"}
    language = profile.language if profile.language in GOODBYE else "nl"
    kept = max((retention_end(i.issued_on) for i in _of(items, Invoice)), default=None)
    subject_line, text = GOODBYE[language]
    until = UNTIL[language].format(date=kept) if kept else ""
    send_email(profile.email, subject_line, text.format(name=profile.given_name, until=until),
               language=language)
    return {"confirmation": "sent"}


def _kept_writes(customer_id: str, items: list[Item]) -> tuple[list[Item], dict[str, Any]]:
    """What the law makes us keep, stripped of what it does not need, each with its end date."""
    kept: list[Item] = []
    for invoice in _of(items, Invoice):
        invoice.best_tariff = invoice.arrangement = invoice.pending_payment = invoice.reminders = None
        invoice.signup_id = invoice.open_payment = None
        invoice.expires_at = _expiry(invoice.issued_on)
        kept.append(invoice)
    for payment in _of(items, Payment):
        payment.last_error = None
        payment.expires_at = _expiry(payment.created_at)
        kept.append(payment)
    for note in _of(items, CreditNote):
        note.expires_at = _expiry(note.issued_on)
        kept.append(note)
    for mandate in _of(items, Mandate):  # the proof of a mandate, 14 months after its last collection
        if mandate.status != "inactive":
            mandate.status, mandate.ended_at, mandate.ended_reason = "inactive", isoformat(utcnow()), "withdrawn"
        kept.append(mandate)
    for request in [*_of(items, DataRequest), *_of(items, OpenDataRequest)]:
        if request.expires_at is None:  # kept with the books: they answer for what was done with them
            request.expires_at = _expiry(isoformat(utcnow()))
            kept.append(request)
    ends = [retention_end(i.issued_on) for i in _of(items, Invoice)] + \
        [retention_end(p.created_at) for p in _of(items, Payment)] + \
        [retention_end(n.issued_on) for n in _of(items, CreditNote)]
    ends += [until.date().isoformat() for mandate in _of(items, Mandate) if (until := mandate.kept_until())]
    summary = {"invoices": len(_of(items, Invoice)), "payments": len(_of(items, Payment)),
               "mandates": len(_of(items, Mandate)),
               "credit_notes": len(_of(items, CreditNote)), "requests": len(_of(items, DataRequest))}
    return kept, {**summary, "ends": ends}


def delete_record(customer_id: str, request_id: str) -> dict[str, Any]:
    """The record goes, but for the invoices, payments and credit notes (stripped, with their end
    dates) and the requests about the customer's data; the ledger gets its end dates."""
    items = _record(customer_id)
    # (one withdrawn here is ended at the bank again: a step retried after it died between the two)
    in_force = [m.payment_method for m in _of(items, Mandate)
                if m.payment_method and (m.status == "active" or m.ended_reason == "withdrawn")]
    callbacks_given_back = cancel_for_erasure(items)  # before the contacts go: their places are free again
    kept, summary = _kept_writes(customer_id, items)
    for item in kept:
        item.save()
    for payment_method in in_force:  # ended here above; nothing more is debited at the bank either
        payments.end_mandate(payment_method)
    ledger = list(LedgerTransaction.query(LedgerTransaction.partition(customer_id), consistent_read=True))
    for entry in ledger:
        if entry.expires_at is None:
            entry.update(actions=[LedgerTransaction.expires_at.set(_expiry(entry.posted_at))])
    ends = [*summary.pop("ends"), *(retention_end(e.posted_at) for e in ledger)]
    deleted = _delete_keys([(i.PK, i.SK) for i in _erasable(items)])
    return {"deleted": deleted, "callbacks_given_back": callbacks_given_back,
            "kept": {**summary, "ledger_entries": len(ledger), "until": max(ends, default=None)}}


def sweep(customer_id: str, request_id: str) -> dict[str, Any]:
    """After the window in which an event may still arrive (a timeline entry, a notice of an
    event sent before the erasure, in the record's partition, or one held for the night), what it
    left is erased too."""
    items = _record(customer_id)
    keys = [*_keys_of(TimelineEntry.partition(customer_id)), *_keys_of(HeldNotice.partition(customer_id)),
            *[(i.PK, i.SK) for i in _erasable(items)]]
    return {"swept": _delete_keys(keys)}


def finish(customer_id: str, request_id: str, done: dict[str, Any]) -> dict[str, Any]:
    """The receipt, and the request closed (DONE), in one transaction: run again, it finds the
    request closed and writes nothing. The request itself is kept as long as the invoices."""
    request = requests.load(customer_id, request_id)
    if request.status in requests.CLOSED:
        return {"receipt": request_id}
    now = isoformat(utcnow())
    kept = done.get("delete_record", {}).get("kept") or {}
    receipt = ErasureReceipt(
        *ErasureReceipt.keys(request_id), request_id=request_id, subject=subject(customer_id),
        received_at=request.received_at, done_at=now,
        asked_by="customer" if request.actor.get("type") == "customer" else "staff",
        channel=request.channel, steps=[{"step": s, "at": done.get(s, {}).get("at", now)} for s in STEPS
                                        if s in done or s == "finish"],
        erased=done.get("begin", {}).get("inventory") or {}, kept=kept,
        confirmation=done.get("confirm", {}).get("confirmation", "no_address"),
        swept=int(done.get("sweep", {}).get("swept", 0)))
    receipt.index()
    marker = ErasedSubject(*ErasedSubject.keys(receipt.subject), request_id=request_id)
    request.expires_at = datetime.fromisoformat(kept.get("until") or retention_end(now)).replace(tzinfo=BUSINESS_TIME)
    requests.close(request, "DONE", {"receipt_id": request_id, "kept_until": kept.get("until")},
                   along=[Write(receipt, ErasureReceipt.PK.does_not_exist(), conflict="the receipt is written"),
                          Write(marker)])
    return {"receipt": request_id}


#: step name -> what it does with (customer_id, request_id)
WORK: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "begin": begin, "close_login": close_login, "redact_identity_checks": redact_identity_checks,
    "forget_field_jobs": forget_field_jobs, "delete_mail": delete_mail,
    "delete_evidence_files": delete_evidence_files, "delete_lookups": delete_lookups,
    "delete_history": delete_history, "leave_ideas": leave_ideas, "confirm": confirm, "delete_record": delete_record,
    "sweep": sweep}


def run_step(step: str, customer_id: str, request_id: str, done: dict[str, Any] | None = None) -> dict[str, Any]:
    """One step of the workflow; what it did (ids and counts only, never personal data), with when."""
    if step == "finish":  # the workflow keeps each step's answer under done.<step>.answer
        result = finish(customer_id, request_id, {k: v.get("answer", v) for k, v in (done or {}).items()})
    elif step in WORK:
        result = WORK[step](customer_id, request_id)
    else:
        raise ValueError(f"no erasure step {step!r}")
    return {**result, "at": isoformat(utcnow())}


# ---------------------------------------------------------------- for the privacy officer


def _receipt_view(receipt: ErasureReceipt) -> dict[str, Any]:
    return {"request_id": receipt.request_id, "subject": receipt.subject, "received_at": receipt.received_at,
            "done_at": receipt.done_at, "asked_by": receipt.asked_by, "channel": receipt.channel,
            "steps": receipt.steps, "erased": receipt.erased, "kept": receipt.kept,
            "confirmation": receipt.confirmation, "swept": int(receipt.swept)}


def erasures_done(limit: int = 100) -> list[dict[str, Any]]:
    """The erasures done, most recent first, as their receipts tell them (for the privacy
    officer's desk): {"request_id", "subject" (a digest of the customer id, never the id),
    "received_at", "done_at", "asked_by" (customer | staff), "channel", "steps" ([{"step", "at"}]),
    "erased" (kind -> count, as found when it began), "kept" ({"invoices", "payments",
    "credit_notes", "ledger_entries", "requests", "until"}), "confirmation" (sent | no_address),
    "swept"}. One Query of GSI1 ERASURES; nothing in it names a person."""
    found = ErasureReceipt.lookup.query(ErasureReceipt.LIST, scan_index_forward=False, limit=limit)
    return [_receipt_view(r) for r in found if isinstance(r, ErasureReceipt)]


def erased(customer_id: str) -> dict[str, Any] | None:
    """The receipt of the customer's erasure, when they were erased (asked by someone who still
    has their customer id), else None."""
    try:
        marker = ErasedSubject.get(*ErasedSubject.keys(subject(customer_id)))
        return _receipt_view(ErasureReceipt.get(*ErasureReceipt.keys(marker.request_id)))
    except (ErasedSubject.DoesNotExist, ErasureReceipt.DoesNotExist):
        return None
