"""Who read a customer's data (core.access_log): the customer's own list, as a customer is told it
(a role, never a colleague's name or address; what was looked at; why, as a kind), and the privacy
officer's: every read of a day or of a customer, with who and why, and the patterns that ask for a
second look (FLAGS)."""

from __future__ import annotations

import re
from collections import defaultdict
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from typing import Any

from pynamodb.expressions.condition import Condition

from opencounter.channels.status import CHANNELS, open_at
from opencounter.contacts.records import Contact
from opencounter.core.access_log import AccessEntry
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat
from opencounter.core.errors import InvalidInput
from opencounter.core.paging import cursor_in, cursor_out
from opencounter.core.table import customer_key

#: what was looked at, by the last fixed part of the route's path: what the customer is told
WHAT = {"customers": "record", "timeline": "timeline", "invoices": "invoices", "orders": "orders",
        "appointments": "appointments", "requests": "requests", "resume": "requests", "contacts": "contacts",
        "queue": "contacts", "disputes": "disputes", "evidence": "evidence", "signups": "signup",
        "search": "search", "ideas": "ideas"}

#: the patterns the privacy officer is shown, in one place (docs/adr/0023-staff-reads-on-record.md)
FLAGS = {
    # a member of staff opening this many customers' data or more ...
    "many_customers": 10,
    # ... within this many minutes
    "within_minutes": 10,
    # a day's entries looked at for the flags, at most (the answer says when there were more)
    "entries_at_most": 5000,
}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: the channels staff serve live: a read while none of them is open is outside working hours
STAFFED = tuple(c for c in CHANNELS.values() if c.kind in ("queue", "visit"))


def what_of(route: str) -> str:
    """What a route showed, as the customer is told: its path's last part that is not an id."""
    parts = [p for p in route.split(" ", 1)[-1].split("/") if p and not p.startswith("{")]
    return WHAT.get(parts[-1] if parts else "", "record")


#: the ids of cases staff work through from their own queues (a dispute, a sign-up in review): a read
#: of one of them, from its own route, is handling that case
CASES = ("dispute_id", "signup_id")


def why_of(entry: AccessEntry) -> str:
    """Why, as a kind: a contact being handled, a reason given, the case being handled, or none."""
    if entry.contact_id:
        return "contact"
    if entry.reason:
        return "reason"
    return "case" if any(name in (entry.objects or {}) for name in CASES) else "none"


def _newest_first(entries: list[AccessEntry]) -> list[AccessEntry]:
    # a page is in key order (a window, then a digest): within it, the latest read first
    return sorted(entries, key=lambda e: e.at, reverse=True)


# ---------------------------------------------------------------- the customer's own


def customer_log(customer_id: str, *, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    """Who read the customer's data, newest first, a page at a time: one Query of their partition.
    Staff are told by their role; a search that found them and a work list that showed them are
    reads too."""
    partition = customer_key(customer_id)
    page = AccessEntry.query(partition, AccessEntry.SK.startswith(AccessEntry.SK_PREFIX), scan_index_forward=False,
                             limit=limit, last_evaluated_key=cursor_in(cursor, ("SK",), lambda keys: {
                                 "PK": {"S": partition}, "SK": {"S": keys["SK"]}}))
    entries = [e for e in page if isinstance(e, AccessEntry)]
    return {"items": [{"at": e.at, "role": e.role, "what": what_of(e.route), "kind": e.kind, "why": why_of(e),
                       "contact_id": e.contact_id} for e in _newest_first(entries)],
            "next_cursor": cursor_out(page.last_evaluated_key, "SK")}


# ---------------------------------------------------------------- the privacy officer's


def officer_view(entry: AccessEntry) -> dict[str, Any]:
    return {"at": entry.at, "customer_id": entry.customer_id, "signup_id": entry.signup_id, "staff": entry.staff,
            "staff_email": entry.staff_email, "role": entry.role, "route": entry.route, "objects": entry.objects,
            "kind": entry.kind, "what": what_of(entry.route), "why": why_of(entry), "contact_id": entry.contact_id,
            "reason": entry.reason}


def parse_day(raw: str | None) -> date | None:
    """A day asked for (YYYY-MM-DD), or InvalidInput naming `day`."""
    if raw is None:
        return None
    if DAY.fullmatch(raw):
        with suppress(ValueError):
            return date.fromisoformat(raw)
    raise InvalidInput(f"day: {raw!r} is not a day (YYYY-MM-DD)", field="day", reason="field_format")


def _day_bounds(day: date) -> tuple[str, str]:
    """The sort keys between which windows starting on an Amsterdam day lie."""
    start = datetime.combine(day, time(0), BUSINESS_TIME)
    return AccessEntry.sort_key(start), AccessEntry.sort_key(datetime.combine(day + timedelta(days=1), time(0),
                                                                                BUSINESS_TIME))


def officer_log(*, day: str | None = None, staff: str | None = None, customer_id: str | None = None,
                limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """Reads on record, newest first, a page at a time: of one customer (their partition; of a day
    when one is given), else of a day (GSI1; today when none is given); of one member of staff when
    one is named."""
    asked = parse_day(day)
    only = (AccessEntry.staff == staff) if staff else None
    if customer_id:
        partition = customer_key(customer_id)
        keys: Condition = AccessEntry.SK.between(*_day_bounds(asked)) if asked else \
            AccessEntry.SK.startswith(AccessEntry.SK_PREFIX)
        page = AccessEntry.query(partition, keys, filter_condition=only, scan_index_forward=False, limit=limit,
                                 last_evaluated_key=cursor_in(cursor, ("SK",), lambda k: {
                                     "PK": {"S": partition}, "SK": {"S": k["SK"]}}))
        names: tuple[str, ...] = ("SK",)
        entries, last = [e for e in page if isinstance(e, AccessEntry)], page.last_evaluated_key
    else:
        index = AccessEntry.day_key(asked or business_today())
        found = AccessEntry.lookup.query(index, filter_condition=only, scan_index_forward=False, limit=limit,
                                         last_evaluated_key=cursor_in(cursor, ("GSI1SK", "PK", "SK"), lambda k: {
                                             "GSI1PK": {"S": index}, **{n: {"S": v} for n, v in k.items()}}))
        entries = [e for e in found if isinstance(e, AccessEntry)]
        last, names = found.last_evaluated_key, ("GSI1SK", "PK", "SK")
    return {"items": [officer_view(e) for e in _newest_first(entries)], "next_cursor": cursor_out(last, *names)}


def _outside_hours(moment: datetime) -> bool:
    return not any(open_at(channel, moment)[0] for channel in STAFFED)


def _bursts(reads: list[tuple[datetime, str]]) -> list[tuple[datetime, datetime, int]]:
    """Stretches where one person read at least FLAGS["many_customers"] distinct customers within
    FLAGS["within_minutes"]: (from, until, customers), overlapping stretches as one."""
    within, many = timedelta(minutes=FLAGS["within_minutes"]), FLAGS["many_customers"]
    found: list[tuple[datetime, datetime, set[str]]] = []
    start = 0
    for end, (moment, _) in enumerate(reads):
        while reads[start][0] < moment - within:
            start += 1
        customers = {customer for _, customer in reads[start:end + 1]}
        if len(customers) < many:
            continue
        if found and reads[start][0] <= found[-1][1]:
            found[-1] = (found[-1][0], moment, found[-1][2] | customers)
        else:
            found.append((reads[start][0], moment, customers))
    return [(first, last, len(customers)) for first, last, customers in found]


def _contacts_elsewhere(entries: list[AccessEntry]) -> set[tuple[str, str]]:
    """(customer, contact) pairs named as why that are no contact of that customer."""
    named = {(e.customer_id, e.contact_id) for e in entries if e.customer_id and e.contact_id}
    if not named:
        return set()
    found = {(c.customer_id, c.contact_id) for c in Contact.batch_get([Contact.keys(*pair) for pair in named])}
    return named - found


def flags(asked: str | None = None) -> dict[str, Any]:
    """The reads of a day that ask for a second look: without a contact, a reason or a case of its
    own (a search and a work list say why by themselves), naming a contact that is not the customer's, outside the
    hours any staffed channel is open, and one person opening many customers' data in a short time
    (FLAGS). Entries of the whole day, at most FLAGS["entries_at_most"]."""
    day = parse_day(asked) or business_today()
    most = FLAGS["entries_at_most"]
    entries = [e for e in AccessEntry.lookup.query(AccessEntry.day_key(day), limit=most + 1)
               if isinstance(e, AccessEntry)]
    complete = len(entries) <= most
    entries = sorted(entries[:most], key=lambda e: e.at)
    elsewhere = _contacts_elsewhere(entries)
    found: list[dict[str, Any]] = []
    for e in entries:
        read = {"staff": e.staff, "staff_email": e.staff_email, "at": e.at, "customer_id": e.customer_id,
                "signup_id": e.signup_id, "route": e.route}
        if e.kind == "record" and why_of(e) == "none":
            found.append({"flag": "no_reason", **read})
        if (e.customer_id, e.contact_id) in elsewhere:
            found.append({"flag": "contact_elsewhere", **read, "contact_id": e.contact_id})
        if _outside_hours(datetime.fromisoformat(e.at)):
            found.append({"flag": "outside_hours", **read})
    by_staff: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    emails: dict[str, str | None] = {}
    for e in entries:
        if e.kind == "record":
            by_staff[e.staff].append((datetime.fromisoformat(e.at), e.subject.id))
            emails[e.staff] = e.staff_email
    for staff, reads in sorted(by_staff.items()):
        for first, last, customers in _bursts(reads):
            found.append({"flag": "many_customers", "staff": staff, "staff_email": emails[staff],
                          "at": isoformat(first), "until": isoformat(last),
                          "customers": customers})
    return {"day": day.isoformat(), "entries": len(entries), "complete": complete,
            "thresholds": {"many_customers": FLAGS["many_customers"], "within_minutes": FLAGS["within_minutes"],
                           "staffed_hours": "while a channel staff serve live is open"},
            "items": sorted(found, key=lambda f: (f["at"], f["flag"]), reverse=True)}
