"""Mailings: a message operations send to customers, for marketing. It goes by e-mail, only to
customers who consented to offers by e-mail (unsaid is no), each in their own language, with the
way to withdraw that consent. Nobody else is sent anything.

Sent like the billing run reads customers, at any number of them: the mailing's event hands each
billing shard's first page of products to the mailing queue; a page (PAGE_SIZE products, their
customers each once) is sent and puts the shard's next page on the queue. A customer is decided
once, however often a page comes (the message kept under a key of the mailing and the customer),
and counted once: the figures are added after each decision is kept, so a process dying in
between leaves a figure one short, never a customer counted twice or mailed twice."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from opencounter.core import queues
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import Write, commit, domain_event
from opencounter.core.retention import years_after
from opencounter.core.settings import settings
from opencounter.core.table import Item
from opencounter.core.validation import validate_request
from opencounter.customers.records import BILLING_SHARDS, ProductHolding, Profile
from opencounter.customers.views import consented, consents_of
from opencounter.notifications.records import MAILINGS_KEPT_YEARS, Mailing, MailingCount, Notification
from opencounter.notifications.service import language_of, letter, record, sent_before
from opencounter.ports.messaging import send_email

PURPOSE = "marketing"
CHANNEL = "email"
#: products read per page (one message, one invocation): their customers are mailed in seconds
PAGE_SIZE = 100
#: what every mailing ends with: why the customer gets it, and where they withdraw that consent
FOOTER = {"nl": "U krijgt dit bericht omdat u ons toestemming gaf om u per e-mail aanbiedingen te sturen. "
                "Wilt u dat niet meer? Zet het uit in uw account: {link}",
          "en": "You get this message because you allowed us to send you offers by e-mail. "
                "No longer want them? Switch them off in your account: {link}"}


def start_mailing(body: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """Store the mailing and its MailingStarted event (which sets the sending going), at once."""
    validate_request("mailing-message", body)
    mailing_id = str(uuid.uuid4())
    mailing = Mailing(*Mailing.keys(mailing_id), mailing_id=mailing_id, name=body["name"], subject=body["subject"],
                      body=body["body"], product_kind=body.get("product_kind"), sent_by=actor,
                      started_at=isoformat(utcnow()))
    mailing.index()
    started = domain_event("MailingStarted", customer_id=None, about="operations", actor=actor, channel="agent",
                           data={"mailing_id": mailing_id, "product_kind": mailing.product_kind})
    commit([Write(mailing, Mailing.PK.does_not_exist())], [started])
    return _view(mailing, None)


def _load(mailing_id: str) -> Mailing:
    try:
        return Mailing.get(*Mailing.keys(mailing_id), consistent_read=True)
    except Mailing.DoesNotExist:
        raise NotFound("no such mailing", reason="mailing_not_found") from None


def _count(mailing_id: str) -> MailingCount | None:
    try:
        return MailingCount.get(*MailingCount.keys(mailing_id), consistent_read=True)
    except MailingCount.DoesNotExist:
        return None


def _view(mailing: Mailing, count: MailingCount | None) -> dict[str, Any]:
    return {"mailing_id": mailing.mailing_id, "name": mailing.name, "subject": mailing.subject, "body": mailing.body,
            "product_kind": mailing.product_kind, "sent_by": mailing.sent_by, "started_at": mailing.started_at,
            "channel": CHANNEL, "purpose": PURPOSE,
            "counts": {"sent": int(count.sent) if count else 0,
                       "not_consented": int(count.not_consented) if count else 0,
                       "failed": int(count.failed) if count else 0}}


def mailing(mailing_id: str) -> dict[str, Any]:
    return _view(_load(mailing_id), _count(mailing_id))


def mailings(limit: int = 50) -> dict[str, Any]:
    """The mailings sent, newest first, with how each went so far."""
    found = list(Mailing.lookup.query(Mailing.LIST, scan_index_forward=False, limit=limit))
    return {"items": [_view(m, _count(m.mailing_id)) for m in found if isinstance(m, Mailing)]}


# ------------------------------------------------------------------ sending


def first_pages(mailing_id: str) -> list[dict[str, Any]]:
    """The first page of every billing shard, to put on the mailing queue."""
    return [{"mailing_id": mailing_id, "shard": shard, "cursor": None} for shard in range(BILLING_SHARDS)]


def enqueue(works: list[dict[str, Any]]) -> None:
    """Put pages on the mailing queue."""
    queues.enqueue("mailing_queue_url", works)


def send_page(work: dict[str, Any]) -> dict[str, Any] | None:
    """Mail the customers of one page of a billing shard's products; the shard's next page, or
    None when this was its last."""
    mailing_ = _load(work["mailing_id"])
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    holdings = Item.lookup.query(ProductHolding.billing_partition(int(work["shard"])), limit=PAGE_SIZE,
                                 last_evaluated_key=cursor)
    customers = list(dict.fromkeys(
        h.customer_id for h in holdings if isinstance(h, ProductHolding) and h.status == "ACTIVE"
        and (mailing_.product_kind is None or h.kind == mailing_.product_kind)))
    following = holdings.last_evaluated_key
    counts = Counter(outcome for outcome in (_mail(mailing_, c) for c in customers) if outcome)
    MailingCount(*MailingCount.keys(mailing_.mailing_id)).update(actions=[
        MailingCount.sent.add(counts["sent"]), MailingCount.not_consented.add(counts["not_consented"]),
        MailingCount.failed.add(counts["failed"]), MailingCount.pages.add(1),
        MailingCount.expires_at.set(years_after(utcnow(), MAILINGS_KEPT_YEARS))])
    return {**work, "cursor": json.dumps(following)} if following else None


def _mail(mailing_: Mailing, customer_id: str) -> str | None:
    """Decide one customer once: "sent", "not_consented", "failed" (the provider refused; kept,
    not tried again by a later page), or None when decided before."""
    key = Notification.keys(customer_id, stable_id("mailing", mailing_.mailing_id, customer_id))
    if sent_before(key):
        return None
    try:
        profile = Profile.get(*Profile.keys(customer_id))
    except Profile.DoesNotExist:
        return None
    language = language_of(profile)
    about = {"mailing_id": mailing_.mailing_id, "name": mailing_.name}
    subject = mailing_.subject[language]
    if not consented(consents_of(profile), CHANNEL, PURPOSE):
        record(key, "none", "", "", about="Mailing", mailing=about, subject=subject)
        return "not_consented"
    footer = FOOTER[language].format(link=f"{settings().required('portal_origin')}/#/settings")
    try:
        message_id = send_email(profile.email, mailing_.subject[language],
                                letter(profile, f"{mailing_.body[language]}\n\n{footer}"), language=language)
    except ClientError as error:
        if error.response["Error"]["Code"] != "MessageRejected":
            raise  # SES unavailable: the page comes again, and this customer with it
        record(key, CHANNEL, profile.email, "", about="Mailing", mailing=about, subject=subject, failure="failed")
        return "failed"
    record(key, CHANNEL, profile.email, message_id, about="Mailing", mailing=about, subject=subject)
    return "sent"
