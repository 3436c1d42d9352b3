"""The messages sent to a customer and what came of them (ADR 36): each outcome a provider reports
(SES's events for e-mail, Meta's statuses for WhatsApp, a reply naming the message) put on the
Notification it is about, found by the provider's message id on GSI1; and the messages as staff
(the 360-degree view) and the customer (/me/messages) see them.

Outcomes only move forward and each is the first moment it was known: a report delivered twice
changes nothing, and one that arrives before an earlier step sets that step too (a message read
was delivered, at the latest when it was read; a click was an opening). A text message (SNS)
reports nothing back here: it shows "sent" only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from pynamodb.exceptions import UpdateError

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.paging import cursor_in, cursor_out
from opencounter.core.retention import moment
from opencounter.core.settings import settings
from opencounter.core.table import CUSTOMER_PREFIX
from opencounter.customers.service import withdraw_consent
from opencounter.notifications.records import Notification
from opencounter.notifications.service import tell_failed_by_email
from opencounter.ports.channels.contact import InboundContact
from opencounter.ports.messaging import masked

#: each outcome, and those it implies (a later step is proof of the earlier ones)
IMPLIES = {"delivered": ("delivered",), "opened": ("delivered", "opened"),
           "clicked": ("delivered", "opened", "clicked"), "answered": ("delivered", "opened", "answered"),
           "failed": ("failed",)}
#: the furthest outcome first: what a message's status is
FURTHEST = ("answered", "clicked", "opened", "delivered")
#: SES's event types (detail-type) and the outcome each is; a complaint (marked as spam) was delivered,
#: and of a mailing it withdraws the consent to offers by e-mail
SES_OUTCOMES = {"Email Delivered": "delivered", "Email Complaint Received": "delivered",
                "Email Opened": "opened", "Email Clicked": "clicked", "Email Bounced": "failed",
                "Email Rejected": "failed", "Email Rendering Failed": "failed"}
#: the messages the 360-degree view shows
RECENT_MESSAGES = 20
#: attempts at one report against other reports on the same message at the same time
ATTEMPTS = 5


def apply(message_id: str, outcome: str, at: str, *, failure: str | None = None,
          journey: str | None = None, answered_by: str | None = None) -> tuple[str, Notification | None]:
    """Put one reported outcome on the message the provider knows as `message_id`: "applied",
    "known" (nothing new), or "not_ours" (no notice of ours has that id); with the notice as it
    stands now (None when not ours). An answer counts only from the address or number the message
    went to (`answered_by`): "not_theirs" otherwise."""
    found = next(iter(Notification.lookup.query(Notification.by_message(message_id), limit=1)), None)
    if not isinstance(found, Notification):
        return "not_ours", None
    if answered_by is not None and answered_by.lower() != (found.sent_to or "").lower():
        return "not_theirs", found
    for _ in range(ATTEMPTS):  # the index is read once; the notice itself each time, as it stands
        notice = Notification.get(found.PK, found.SK, consistent_read=True)
        changes = _changes(notice, outcome, at, failure=failure, journey=journey)
        if not changes:
            return "known", notice
        actions, condition = [], None
        for name, value in changes.items():
            attribute = getattr(Notification, name)
            actions.append(attribute.set(value))
            was = getattr(notice, name)
            holds = attribute.does_not_exist() if was is None else attribute == was
            condition = holds if condition is None else condition & holds
        try:
            notice.update(actions=actions, condition=condition)
            return "applied", notice
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    raise RuntimeError(f"message {message_id}: its outcomes kept changing under this report")


def _changes(notice: Notification, outcome: str, at: str, *, failure: str | None,
             journey: str | None) -> dict[str, str]:
    """What the outcome changes: each time it implies, where none is known or this one is earlier."""
    changes: dict[str, str] = {}
    for step in IMPLIES[outcome]:
        known = getattr(notice, f"{step}_at")
        if known is None or at < known:
            changes[f"{step}_at"] = at
    if "failed_at" in changes and failure:
        changes["failure"] = failure
    if "clicked_at" in changes and journey:
        changes["journey"] = journey
    return changes


def ses_outcome(event: dict[str, Any]) -> str:
    """Apply one event SES published to the default bus (its configuration set's EventBridge
    destination): "applied", "known", "not_ours" or "ignored" (an event that tells no outcome)."""
    outcome = SES_OUTCOMES.get(event.get("detail-type", ""))
    detail = event.get("detail") or {}
    message_id = (detail.get("mail") or {}).get("messageId")
    if outcome is None or not message_id:
        return "ignored"
    report = next((v for k, v in detail.items() if k != "mail" and isinstance(v, dict) and v.get("timestamp")), {})
    at = _moment(report.get("timestamp") or event.get("time") or isoformat(utcnow()))
    failure = ("bounced" if event["detail-type"] == "Email Bounced" else "failed") if outcome == "failed" else None
    journey = journey_of((detail.get("click") or {}).get("link", "")) if outcome == "clicked" else None
    applied, notice = apply(message_id, outcome, at, failure=failure, journey=journey)
    # a mailing the customer marked as spam is their no to offers by e-mail (a notice about what they
    # have or asked for is not: it goes on, as the law or their contract asks)
    if event["detail-type"] == "Email Complaint Received" and notice is not None and notice.about == "Mailing":
        withdraw_consent(notice.PK.removeprefix(CUSTOMER_PREFIX), "email", "marketing",
                         actor={"type": "system", "id": "spam-complaint"})
    return applied


def statuses(reports: Iterable[tuple[str, str, str]], replies: Iterable[InboundContact] = ()) -> dict[str, int]:
    """Apply a provider's status reports ((message id, outcome, moment), e.g. WhatsApp's: a message
    reported failed is told by e-mail instead) and the replies that name a message of ours they
    answer (detail.reply_to), from the address it went to and proven to be: {result: count}."""
    results: dict[str, int] = {}
    done = []
    for message_id, outcome, at in reports:
        result, notice = apply(message_id, outcome, at, failure="failed" if outcome == "failed" else None)
        done.append(result)
        if outcome == "failed" and notice is not None:  # a message taken, then failed: by e-mail instead
            tell_failed_by_email(notice)  # (reported again, told once: the e-mail has its own record)
    # a reply answers our message only when it proves its sender (signed, SPF/DKIM/DMARC) and comes
    # from where the message went: anyone can name a message id in In-Reply-To
    done += [apply(reply.detail["reply_to"], "answered", reply.occurred_at, answered_by=reply.sender)[0]
             for reply in replies if reply.detail.get("reply_to") and reply.authenticated]
    for result in done:
        results[result] = results.get(result, 0) + 1
    return results


def journey_of(link: str) -> str | None:
    """The portal route a link leads to (#/invoices for .../#/invoices/INV-1), or None for a link
    elsewhere."""
    parts = urlsplit(link)
    portal = urlsplit(settings().required("portal_origin"))
    if parts.netloc != portal.netloc:
        return None
    route = parts.fragment.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return f"#/{route}" if parts.fragment.startswith("/") and route else None


def _moment(value: str) -> str:
    """A provider's ISO moment written as ours (UTC, Z), so moments compare as text."""
    return isoformat(moment(value))


def status(notice: Notification) -> str:
    """The furthest outcome: answered, clicked, opened, delivered; else bounced or failed; else sent."""
    furthest = next((step for step in FURTHEST if getattr(notice, f"{step}_at")), None)
    if furthest:
        return furthest
    return (notice.failure or "failed") if notice.failed_at else "sent"


def message_view(notice: Notification, *, staff: bool) -> dict[str, Any]:
    """A message as a screen shows it; for the customer, the address it went to masked and a mailing
    by its id only."""
    to = notice.sent_to
    if not staff and notice.channel == "email" and to:
        to = masked(to)
    # a mailing's name is how operations call it: the customer reads its subject
    mailing = notice.mailing if staff or not notice.mailing else {"mailing_id": notice.mailing["mailing_id"]}
    return {"message_id": notice.SK.removeprefix(Notification.SK_PREFIX), "about": notice.about,
            "mailing": mailing, "subject": notice.subject, "channel": notice.channel, "sent_to": to,
            "sent_at": notice.sent_at, "status": status(notice), "delivered_at": notice.delivered_at,
            "failed_at": notice.failed_at, "failure": notice.failure, "opened_at": notice.opened_at,
            "answered_at": notice.answered_at, "clicked_at": notice.clicked_at, "journey": notice.journey}


def sent(items: Iterable[object]) -> list[Notification]:
    """The messages sent among a record's items (not those kept only as not sent), newest first."""
    return sorted((i for i in items if isinstance(i, Notification) and i.channel != "none"),
                  key=lambda n: (n.sent_at, n.SK), reverse=True)


def recent_messages(items: Iterable[object]) -> list[dict[str, Any]]:
    """The latest messages of a record's items, for the 360-degree view."""
    return [message_view(n, staff=True) for n in sent(items)[:RECENT_MESSAGES]]


def customer_messages(customer_id: str, *, limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    """One page of the customer's messages, newest first, and the cursor of the next (None at the
    end). A year's messages are few: they are read whole (one Query of the record's NOTICE#
    items) and ordered by when they were sent; the cursor holds where the page ended."""
    after = cursor_in(cursor, ("sent_at", "SK"), lambda keys: {k: {"S": v} for k, v in keys.items()})
    notices = sent(Notification.of_customer(customer_id))
    if after:
        end = (after["sent_at"]["S"], after["SK"]["S"])
        notices = [n for n in notices if (n.sent_at, n.SK) < end]
    page = notices[:limit]
    last = page[-1] if len(notices) > limit else None
    return {"items": [message_view(n, staff=False) for n in page],
            "next_cursor": cursor_out({"sent_at": {"S": last.sent_at}, "SK": {"S": last.SK}}, "sent_at", "SK")
            if last else None}
