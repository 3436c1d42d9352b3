"""Everything held about one customer, written as one JSON document (GDPR art. 15, a copy of
one's data; art. 20, in a machine-readable form): the record's partition CUSTOMER#<id> whole, and
what lives in partitions of its own (the timeline, the usage records of each month, the ledger,
the tariff comparisons, the disputes' files, the notices held for the night, the channel identities, the
sign-up and its evidence, and the customer's part in the ideas: their ideas, votes, follows and
comments, kept in each idea's own partition and found by the record's links). The format is
docs/data-export.md; its schema
contracts/exports/data-export.schema.json.

Every item of the customer's partition is in the file, or of a kind on the documented list of
what is left out (EXCLUDED: secrets and bookkeeping, each with its reason); a kind nobody gave a
section yet lands in `other`, never nowhere. Each entry is the item as stored (its `entity`, its
keys PK and SK, and its fields), less the fields that are secrets or bookkeeping (LEFT_OUT_FIELDS).

The document is written as it is read: the other partitions page by page straight into the file,
the record's own partition once, as text (a customer's record is hundreds of items; their usage
records and the timeline may be many thousands), so a large customer's copy never
sits in memory whole, let alone twice. Plain data in and out; no HTTP here."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from pynamodb.attributes import MapAttribute

from opencounter.billing.records import LedgerTransaction, TariffCheck, UsageRecord, UsageTotal
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import ChannelIdentity, Profile
from opencounter.customers.timeline import TimelineEntry
from opencounter.disputes.records import Dispute, DisputeEvidence
from opencounter.ideas.records import Follower, Idea, IdeaComment, IdeaLink, Vote
from opencounter.notifications.records import HeldNotice
from opencounter.signups.records import Signup

#: the document's format and version: a reader that knows this one knows every field's meaning
FORMAT = "opencounter-data-export/3"
#: items a Query asks for at a time (a page of usage records is then about 150 kB, well under
#: DynamoDB's 1 MB a page): what is held in memory at once of a partition read page by page
PAGE = 500

#: the sections of the document, in its order, each with the kinds of item it holds (by `entity`).
#: `consents` is read from the profile (one entry per channel and purpose), not an item of its own;
#: `access_log` holds the record's reads by staff, whose kind is given its section where it is
#: defined; `other` holds any kind of the record's partition that has no section yet
SECTIONS: dict[str, tuple[str, ...]] = {
    "record": ("CustomerProfile", "CustomerAddress"),
    "consents": (),
    "products": ("ProductHolding", "Order", "SignatureEvidence", "Quote"),
    "usage": ("UsageTotal", "UsageRecord"),
    "invoices": ("Invoice", "CreditNote"),
    "payments": ("Payment",),
    "mandates": ("Mandate",),
    "ledger": ("LedgerTransaction",),
    "tariff_checks": ("TariffCheck",),
    "contacts": ("Contact", "UnansweredQuestion"),
    "requests": ("ServiceRequest",),
    "complaints": ("Complaint",),
    "disputes": ("Dispute", "DisputeEvidence"),
    "appointments": ("Appointment",),
    "timeline": ("TimelineEntry",),
    "notifications": ("Notification", "OutageNotice", "HeldNotice"),
    "signup": ("Signup", "SignatureEvidence", "RollbackAudit", "TimelineEntry"),
    "channel_identities": ("ChannelIdentity",),
    "access_log": ("AccessEntry",),
    "data_requests": ("DataRequest",),
    "ideas": ("Idea", "Vote", "Follower", "IdeaComment"),
    "feedback": ("FeedbackInvitation", "FeedbackAsked", "FeedbackAnswer"),
    "other": (),
}

#: kinds of item never in the file, each with why: a secret, or bookkeeping whose content is in the
#: file another way, or not about one customer at all. The completeness figure and the tests count
#: an item of the customer's that is neither in the file nor of one of these kinds as missing.
EXCLUDED: dict[str, str] = {
    "ContactCode": "a one-time code sent to prove a phone number or e-mail address, kept minutes and only as a "
                   "hash: a secret, and the address it went to is in the record",
    "SigningCode": "a one-time code sent to sign a sign-up or an order, kept minutes and only as a hash: a secret; "
                   "the signature it made is in the file (SignatureEvidence)",
    "OpenDataRequest": "bookkeeping: which request about one's data is open, so a second one finds it; the request "
                       "itself is in data_requests",
    "OutboxEvent": "bookkeeping: an event on its way to the services that act on it, kept two days; the same events "
                   "are in timeline",
    "DisputeLookup": "bookkeeping: where a dispute's number is found; the dispute is in disputes",
    "ReminderDue": "bookkeeping: where the daily reminder run finds an invoice whose next reminder is due; the "
                   "reminders sent, the next one and why they stopped are in the invoice's reminders, in invoices",
    "DebitDue": "bookkeeping: where the daily collection run finds an invoice to collect by direct debit; the "
                "collection's course is in the invoice's debit, in invoices",
    "RequestResumeCode": "a look-up by the hash of a request's resume code: a secret; the request is in requests",
    "ResumeCode": "a look-up by the hash of a sign-up's resume code: a secret; the sign-up is in signup",
    "Conversation": "bookkeeping: which contact a sender's next message belongs to; the contact is in contacts",
    "CallPointer": "bookkeeping: which contact a call became, kept a week; the contact is in contacts",
    "ProviderEventReceipt": "bookkeeping: a payment provider's message already handled, kept a week so it is handled "
                            "once; what it changed is in payments and invoices",
    "FieldDayPlan": "a region's plan of a day of every technician, not about one customer; the appointment is in "
                    "appointments",
    "BillingRun": "the monthly billing run's bookkeeping, about every customer at once; the invoices are in invoices",
    "BillingPage": "the monthly billing run's bookkeeping, about every customer at once; the invoices are in invoices",
    "BillingSliceTotals": "the monthly billing run's bookkeeping, about every customer at once",
    "BillingSlicesDone": "the monthly billing run's bookkeeping, about every customer at once",
    "Blocklisted": "kept to prevent fraud at sign-up (UAVG art. 41): telling it would defeat its purpose",
    "ChannelFigures": "the contact channels' figures, not about one customer",
    "ArrivalCount": "the contact channels' figures, not about one customer",
    "ReasonCount": "contacts counted per reason and day, not about one customer",
    "CallbackSlot": "call-backs counted per time slot, not about one customer; the customer's planned call-back is a "
                    "contact, in contacts",
    "CallbackPlan": "bookkeeping: which of the customer's planned call-backs are still to come, so no more are planned "
                    "than allowed; the call-backs themselves are contacts, in contacts",
    "FaqArticle": "the FAQ, not about one customer",
    "CatalogueProduct": "the product catalogue, not about one customer",
    "Mailing": "a mailing operations sent, not about one customer; what reached the customer is in notifications",
    "MailingCount": "a mailing's figures, not about one customer",
    "Incident": "an outage in postcode areas, not about one customer; that the customer was told of it is in "
                "notifications",
    "IncidentCount": "an outage's figures, not about one customer",
    "ErasureReceipt": "what an erasure did, without personal data: a customer who asks for a copy is not erased",
    "ErasedSubject": "finds an erasure's receipt by a digest, without personal data",
    "ConsentFigure": "consents counted over every customer, not about one customer; the customer's own are in "
                     "consents",
    "IdeaLink": "bookkeeping: which ideas the customer took part in, so their part is found; their ideas, votes, "
                "follows and comments are in ideas",
    "IdeaTally": "an idea's votes, comments and followers counted over every customer, not about one customer",
    "FollowersTold": "bookkeeping: an idea's followers were handed over to be told of a change, kept a week; what "
                     "reached the customer is in notifications",
    "FeedbackFigures": "answers counted per month, journey and channel over every customer, not about one customer; "
                       "the customer's own answers are in feedback",
}

#: items without a kind (written by a library, not an entity of ours), by partition, with why
EXCLUDED_PARTITIONS: dict[str, str] = {
    "IDEMPOTENCY#": "bookkeeping: a request's answer kept an hour, so the same request sent twice is answered the same "
                    "and done once",
}

#: fields of an item left out of its entry, with why
LEFT_OUT_FIELDS: dict[str, str] = {
    "version": "bookkeeping: how often the item changed, so two changes at once cannot both win",
    "GSI1PK": "bookkeeping: the key the item is listed under for staff or a job",
    "GSI1SK": "bookkeeping: the key the item is listed under for staff or a job",
    "task_token": "bookkeeping: the token a waiting workflow step is answered with: a secret",
    "resume_code_digest": "the hash of a resume code: a secret (the code itself is never kept)",
    "signed_with": "the hash of the one-time code an order was signed with: a secret",
    "staff": "a colleague's username: their personal data, not the customer's; an access log entry says their "
             "role",
    "staff_email": "a colleague's e-mail address: their personal data, not the customer's; an access log entry says "
                   "their role",
}


def section_of(item: Item) -> str | None:
    """The section an item of the record's own partition goes to: the first that names its kind
    (an order's signature evidence is with the products; a sign-up's, in the sign-up's own
    partition, with the sign-up), `other` when none does; None when it is left out."""
    kind = kind_of(item)
    if kind in EXCLUDED:
        return None
    return next((name for name, kinds in SECTIONS.items() if kind in kinds), "other")


def kind_of(item: Item) -> str:
    return str(Item.entity.get_discriminator(type(item)))  # type: ignore[attr-defined]


def plain(value: Any) -> Any:
    """A field's value as JSON has it: moments as ISO 8601, sets as sorted lists, maps as objects."""
    if isinstance(value, MapAttribute):
        return plain(value.as_dict())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def entry(item: Item) -> dict[str, Any]:
    """An item as the file holds it: its kind, its keys and its fields, less LEFT_OUT_FIELDS."""
    out: dict[str, Any] = {"entity": kind_of(item)}
    for name in item.get_attributes():
        if name == "entity" or name in LEFT_OUT_FIELDS:
            continue
        value = getattr(item, name, None)
        if value is not None:
            out[name] = plain(value)
    return out


def consents(profile: Profile | None) -> list[dict[str, Any]]:
    """The consents as the customer gave or withdrew them: one entry per channel and purpose."""
    given = plain(profile.consents) if profile is not None else {}
    return [{"channel": channel, "purpose": purpose, "granted": bool(state.get("granted")),
             "changed_at": state.get("changed_at")}
            for channel, purposes in sorted(given.items()) for purpose, state in sorted(purposes.items())]


@dataclass
class Summary:
    """What went into a file, without personal data: entries per section, items of the table in
    it, kinds left out with how many of each, and its size."""

    sections: dict[str, int] = field(default_factory=dict)
    items: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    bytes: int = 0


class _Document:
    """The JSON document, written as it goes: a section is opened, its entries added one a line,
    then closed; the writer counts what it wrote."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.summary = Summary()
        self._first_section = True
        self._first_entry = True
        self._section = ""

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        self.out.write(data)
        self.summary.bytes += len(data)

    def open_section(self, name: str) -> None:
        self.write(("" if self._first_section else ",\n") + f"{json.dumps(name)}: [")
        self._first_section, self._first_entry, self._section = False, True, name
        self.summary.sections[name] = 0

    def add(self, value: dict[str, Any] | str, *, item: bool = True) -> None:
        """One entry: a dict, or an entry already written as JSON text."""
        text = value if isinstance(value, str) else _json(value)
        self.write(("\n" if self._first_entry else ",\n") + text)
        self._first_entry = False
        self.summary.sections[self._section] += 1
        self.summary.items += 1 if item else 0

    def close_section(self) -> None:
        self.write("]" if self._first_entry else "\n]")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def write_export(customer_id: str, request_id: str, out: IO[bytes]) -> Summary:
    """Write everything held about the customer to `out` as one JSON document; what went in."""
    document = _Document(out)
    # the record's own partition, once: its entries, and where the rest is found
    held: dict[str, list[str]] = {name: [] for name in SECTIONS}
    profile: Profile | None = None
    periods: set[str] = set()
    disputes: list[str] = []
    signups: set[str] = set()
    ideas: list[str] = []
    for item in Item.query(customer_key(customer_id), page_size=PAGE):
        if isinstance(item, IdeaLink):  # left out itself: it only says where their part in an idea is
            ideas.append(item.idea_id)
        section = section_of(item)
        if section is None:
            document.summary.left_out[kind_of(item)] += 1
            continue
        held[section].append(_json(entry(item)))
        if isinstance(item, Profile):
            profile = item
        elif isinstance(item, UsageTotal):
            periods.add(item.period)
        elif isinstance(item, Dispute):
            disputes.append(item.dispute_id)
        signup_id = getattr(item, "signup_id", None)
        if signup_id:
            signups.add(signup_id)

    document.write(f'{{"format": {_json(FORMAT)}, "made_at": {_json(isoformat(utcnow()))}, '
                   f'"customer_id": {_json(customer_id)}, "request_id": {_json(request_id)},\n"sections": {{\n')
    for name in SECTIONS:
        document.open_section(name)
        for text in held.pop(name):
            document.add(text)
        if name == "consents":
            for consent in consents(profile):
                document.add(consent, item=False)
        elif name == "usage":
            for period in sorted(periods):
                _add_all(document, UsageRecord.lookup.query(UsageRecord.month(customer_id, period), page_size=PAGE))
        elif name == "ledger":
            _add_all(document, LedgerTransaction.query(LedgerTransaction.partition(customer_id), page_size=PAGE))
        elif name == "tariff_checks":
            _add_all(document, TariffCheck.query(TariffCheck.partition(customer_id), page_size=PAGE))
        elif name == "disputes":
            for chunk in _chunks(disputes, 100):
                files = DisputeEvidence.batch_get([DisputeEvidence.keys(d) for d in chunk])
                _add_all(document, sorted((f for f in files if f.customer_id == customer_id), key=lambda f: f.PK))
        elif name == "timeline":
            for timeline_entry in TimelineEntry.query(TimelineEntry.partition(customer_id), page_size=PAGE):
                document.add(entry(timeline_entry))
        elif name == "notifications":  # the notices sent are in the record (above); those held for the night
            _add_all(document, HeldNotice.query(HeldNotice.partition(customer_id), page_size=PAGE))
        elif name == "signup":
            for signup_id in sorted(signups):
                _add_signup(document, customer_id, signup_id)
        elif name == "ideas":
            for chunk in _chunks(ideas, 30):
                _add_ideas(document, customer_id, chunk)
        elif name == "channel_identities":
            _add_all(document, ChannelIdentity.lookup.query(ChannelIdentity.customer_partition(customer_id),
                                                             page_size=PAGE))
        document.close_section()
    left_out = [{"entity": kind, "items": count, "reason": EXCLUDED[kind]}
                for kind, count in sorted(document.summary.left_out.items())]
    document.write(f'\n}},\n"counts": {_json(document.summary.sections)},\n"not_included": {_json(left_out)},\n'
                   f'"left_out_fields": {_json(LEFT_OUT_FIELDS)}}}\n')
    return document.summary


def _add_all(document: _Document, items: Iterable[Item]) -> None:
    for item in items:
        if kind_of(item) in EXCLUDED:
            document.summary.left_out[kind_of(item)] += 1
        else:
            document.add(entry(item))


def _add_ideas(document: _Document, customer_id: str, idea_ids: list[str]) -> None:
    """The customer's part in these ideas, kept in each idea's partition: the idea if it is theirs,
    their vote and follow (one BatchGet), and their comments (a Query of each idea's comments)."""
    keys = [k for i in idea_ids for k in (Idea.keys(i), Vote.keys(i, customer_id), Follower.keys(i, customer_id))]
    found = sorted(Item.batch_get(keys), key=lambda i: (i.PK, i.SK))
    _add_all(document, [i for i in found if not isinstance(i, Idea) or i.author_id == customer_id])
    for idea_id in idea_ids:
        _add_all(document, IdeaComment.query(Idea.keys(idea_id)[0], IdeaComment.SK.startswith(IdeaComment.SK_PREFIX),
                                             filter_condition=IdeaComment.author_id == customer_id, page_size=PAGE))


def _add_signup(document: _Document, customer_id: str, signup_id: str) -> None:
    """The sign-up that made the customer (or brought a product), its evidence and what happened
    to it before there was a customer: only a sign-up that names this customer as its own."""
    partition = Signup.keys(signup_id)[0]
    items = list(Item.query(partition, page_size=PAGE))
    if not any(isinstance(i, Signup) and i.customer_id == customer_id for i in items):
        return
    _add_all(document, items)
    _add_all(document, TimelineEntry.query(TimelineEntry.signup_partition(signup_id), page_size=PAGE))
