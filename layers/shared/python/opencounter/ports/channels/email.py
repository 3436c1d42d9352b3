"""E-mail to the service address: what an SES receipt rule's Lambda action delivers (headers and
verdicts; the body from the raw mail the rule's S3 action stored), and answers as a reply by
SES."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, cast

from botocore.exceptions import ClientError

from opencounter.core.clock import isoformat
from opencounter.core.settings import settings
from opencounter.ports.channels.contact import InboundContact
from opencounter.ports.channels.delivery import DeliveryFailed
from opencounter.ports.messaging import send_email


def _verdict(receipt: dict[str, Any], name: str) -> str:
    return str((receipt.get(name) or {}).get("status", "")).upper()


def _stored_at(mail: dict[str, Any], receipt: dict[str, Any],
               mail_store: tuple[str, str] | None) -> tuple[str, str] | None:
    """Where the rule's S3 action put the raw mail. The Lambda action's event does not say (its
    receipt.action is the Lambda action); the S3 action writes <prefix><SES message id> in the
    bucket the function is configured with. A notification of the S3 action itself names both."""
    action = receipt.get("action") or {}
    if action.get("type") == "S3" and action.get("bucketName") and action.get("objectKey"):
        return action["bucketName"], action["objectKey"]
    bucket, prefix = mail_store or (settings().inbound_mail_bucket, settings().inbound_mail_prefix)
    return (bucket, prefix + mail["messageId"]) if bucket else None


def _plain_text(raw: bytes) -> tuple[str | None, list[str]]:
    """The text/plain body of a MIME message (None if it has none) and its attachments' names."""
    message = cast(EmailMessage, message_from_bytes(raw, policy=policy.default))
    body = message.get_body(preferencelist=("plain",))
    names = [part.get_filename() or "" for part in message.iter_attachments()]
    return (body.get_content().strip() if body is not None else None), names


def _thread(headers: dict[str, str], message_id: str | None) -> str | None:
    """The thread's root: the first id in References, else In-Reply-To, else this message's own."""
    ids = re.findall(r"<[^>]+>", headers.get("references") or headers.get("in-reply-to") or "")
    return ids[0] if ids else message_id


def _answered(headers: dict[str, str]) -> str | None:
    """The SES message id of the mail this one answers: SES sends ours as
    <message id@region.amazonses.com>, which a reply names in In-Reply-To."""
    ids = re.findall(r"<([^>@]+)@[^>]*amazonses\.com>", headers.get("in-reply-to") or "")
    return ids[0] if ids else None


def ses_contacts(event: dict[str, Any], body_reader: Callable[[str, str], bytes] | None = None, *,
                 mail_store: tuple[str, str] | None = None) -> list[InboundContact]:
    """Mails in the event a receipt rule's Lambda action delivers. SES sends headers and its
    verdicts, never the body: with `body_reader(bucket, key)` the text is read from the raw mail
    an earlier S3 action stored (`mail_store` = (bucket, key prefix), else INBOUND_MAIL_BUCKET and
    INBOUND_MAIL_PREFIX, default "mail/"); without it the subject stands in. A mail with a virus
    is dropped unread. The From header is only the sender's claim: it counts as authenticated when SPF and DKIM passed
    and DMARC (which ties them to the From domain) did not fail."""
    found = []
    for mail, receipt in ((r["ses"]["mail"], r["ses"]["receipt"]) for r in event.get("Records") or []):
        if _verdict(receipt, "virusVerdict") == "FAIL":
            continue
        common = mail.get("commonHeaders") or {}
        headers = {h["name"].lower(): h["value"] for h in mail.get("headers") or []}
        name, address = parseaddr((common.get("from") or [headers.get("from", "")])[0])
        subject = common.get("subject") or headers.get("subject") or ""
        message_id = common.get("messageId") or headers.get("message-id")
        stored = _stored_at(mail, receipt, mail_store) if body_reader else None
        text, attachments = _plain_text(body_reader(*stored)) if body_reader and stored else (None, [])
        detail = {"message_id": message_id, "to": mail.get("destination") or [], "attachments": attachments,
                  "spam": _verdict(receipt, "spamVerdict"), "dmarc": _verdict(receipt, "dmarcVerdict")}
        if answered := _answered(headers):  # the mail we sent that this one answers
            detail["reply_to"] = answered
        if stored:  # where the raw mail is, so the contact can name it (erasing the sender deletes it)
            detail["raw_mail"] = {"bucket": stored[0], "key": stored[1]}
        found.append(InboundContact(
            channel="email", provider_id=mail["messageId"], sender=address.lower(), sender_name=name or None,
            text=text or subject, subject=subject, occurred_at=isoformat(datetime.fromisoformat(mail["timestamp"])),
            conversation=_thread(headers, message_id),
            authenticated=_verdict(receipt, "spfVerdict") == "PASS" and _verdict(receipt, "dkimVerdict") == "PASS"
            and _verdict(receipt, "dmarcVerdict") != "FAIL", detail=detail))
    return found


def send_reply(to: str, text: str, *, subject: str, language: str = "nl") -> str:
    """An answer to a mail, "Re:" its subject, answerable to the service address, in `language`
    (the desk writes Dutch unless it knows otherwise); the message id."""
    try:
        return send_email(to, subject if subject.lower().startswith("re:") else f"Re: {subject}", text,
                          language=language, reply_to=settings().service_address or None)
    except ClientError as error:  # SES's refusal names the reason
        raise DeliveryFailed(f"e-mail: {error}") from error
