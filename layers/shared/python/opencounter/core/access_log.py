"""Staff reads on record (GDPR art. 5(2), accountability): every read a member of staff makes of a
customer's data is an entry in the customer's own partition, so the customer reads who looked at
their record with one Query (art. 15(1)(c): the recipients), and erasing the customer erases it.
The edge writes it for every staff read (opencounter.edge.http), after the route answered and
before the answer goes out; nothing else writes it.

An entry says who (the staff member and their role), when, which route and the objects it names,
and why: the contact they were handling, or a reason they gave. It holds nothing of the customer
but their id. Reads of the same thing, by the same person, for the same reason within a WINDOW are
one entry, its `at` the latest of them: a contact the desk keeps live (read every few seconds) is
one entry, not hundreds. The privacy officer lists every entry of a day on GSI1, newest first.

A sign-up that has no customer yet (an applicant staff help on the phone) is read on record in its
own partition the same way."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.core.retention import years_after
from opencounter.core.table import Item, customer_key, signup_key

#: how long an entry is kept from its latest read (the table's TTL removes it): long enough to answer
#: a customer who asks who read their record over the past year and to look into an incident found
#: late (privacy/retention.py)
KEPT_YEARS = 2
#: reads of the same thing by the same person for the same reason within this are one entry
WINDOW = timedelta(minutes=10)
#: an entry written by this process less than this ago is not written again (a page polling a
#: contact): its `at` is at most this much older than the latest read
REWRITE_AFTER_S = 60.0
#: what a member of staff is, by their group, as a customer is told (the first that applies)
ROLES = (("agents", "service_desk"), ("admins", "operations"), ("privacy", "privacy_officer"))
#: what a read was: one customer's data, a customer found in a search, a customer shown in a work list
KINDS = ("record", "search", "list")


@dataclass(frozen=True)
class Subject:
    """Whose data was read: a customer, or a sign-up that has no customer yet."""

    kind: str  # customer | signup
    id: str

    @property
    def partition(self) -> str:
        return customer_key(self.id) if self.kind == "customer" else signup_key(self.id)


@dataclass(frozen=True)
class Read:
    """One staff request that read data: who, which route (its template), the objects its path
    names, what kind of read, and why."""

    staff: str
    staff_email: str | None
    groups: frozenset[str]
    route: str
    objects: dict[str, str]
    kind: str = "record"
    contact_id: str | None = None
    reason: str | None = None
    request_id: str | None = None

    @property
    def role(self) -> str:
        return next((role for group, role in ROLES if group in self.groups), "staff")

    @property
    def digest(self) -> str:
        """What makes two reads the same read: who, which route, objects and kind, and why."""
        said = json.dumps([self.staff, self.route, sorted(self.objects.items()), self.kind, self.contact_id,
                           self.reason])
        return hashlib.sha256(said.encode()).hexdigest()[:16]


class AccessEntry(Item, discriminator="AccessEntry"):
    """SK ACCESS#<window start>#<digest> in the customer's (or the sign-up's) partition; GSI1
    ACCESSLOG#<Amsterdam day> / <window start>#<staff>#<subject>#<digest> for the privacy officer.
    Kept KEPT_YEARS from its latest read (TTL)."""

    SK_PREFIX = "ACCESS#"
    DAY_PREFIX = "ACCESSLOG#"

    customer_id = UnicodeAttribute(null=True)
    signup_id = UnicodeAttribute(null=True)
    #: the latest read of the window
    at = UnicodeAttribute()
    staff = UnicodeAttribute()
    staff_email = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    #: the route's template, "GET /agent/customers/{customer_id}/invoices"
    route = UnicodeAttribute()
    kind = UnicodeAttribute()
    #: the ids the route's path names besides the customer's (invoice_id, dispute_id...)
    objects = JSONAttribute(default=dict)
    contact_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)

    @classmethod
    def day_key(cls, day: date) -> str:
        return f"{cls.DAY_PREFIX}{day.isoformat()}"

    @classmethod
    def sort_key(cls, moment: datetime) -> str:
        """Where entries of windows starting at `moment` sort in a partition (ACCESS#<iso>)."""
        return f"{cls.SK_PREFIX}{isoformat(moment)}"

    def kept_until(self) -> datetime:
        return years_after(self.at, KEPT_YEARS)

    @property
    def subject(self) -> Subject:
        return Subject("customer", self.customer_id) if self.customer_id else Subject("signup", self.signup_id or "")


def window_of(moment: datetime) -> datetime:
    """The start of the window `moment` falls in."""
    seconds = WINDOW.total_seconds()
    return datetime.fromtimestamp(moment.timestamp() // seconds * seconds, UTC)


def day_of(moment: datetime) -> date:
    """The business day (Amsterdam) a moment falls on: the officer's list of a day."""
    return moment.astimezone(BUSINESS_TIME).date()


def entry(subject: Subject, read: Read, now: datetime) -> AccessEntry:
    window, digest = isoformat(window_of(now)), read.digest
    item = AccessEntry(subject.partition, f"{AccessEntry.SK_PREFIX}{window}#{digest}",
                       customer_id=subject.id if subject.kind == "customer" else None,
                       signup_id=subject.id if subject.kind == "signup" else None,
                       at=isoformat(now), staff=read.staff, staff_email=read.staff_email, role=read.role,
                       route=read.route, kind=read.kind, objects=read.objects, contact_id=read.contact_id,
                       reason=read.reason, request_id=read.request_id)
    item.GSI1PK = AccessEntry.day_key(day_of(window_of(now)))
    item.GSI1SK = f"{window}#{read.staff}#{subject.id}#{digest}"
    return item


#: (PK, SK) -> when this process last wrote it (time.monotonic)
_written: dict[tuple[str, str], float] = {}


def record(subjects: Iterable[Subject], read: Read) -> int:
    """Put the read on record for each subject: one PutItem for one, one BatchWriteItem per 25 for
    more (a list, a search). Raises when it cannot be written: the caller then answers nothing.
    Returns how many entries were written (an entry this process wrote moments ago is not)."""
    now = utcnow()
    fresh = time.monotonic()
    items = {(e.PK, e.SK): e for e in (entry(s, read, now) for s in dict.fromkeys(subjects))}
    due = [e for key, e in items.items() if fresh - _written.get(key, -REWRITE_AFTER_S) >= REWRITE_AFTER_S]
    if len(due) == 1:
        due[0].save()
    elif due:
        with AccessEntry.batch_write() as batch:
            for item in due:
                batch.save(item)
    if len(_written) > 10_000:
        _written.clear()
    _written.update({(e.PK, e.SK): fresh for e in due})
    return len(due)


def forget_written() -> None:
    """Write every next read again (tests: a fault injected into the write)."""
    _written.clear()
