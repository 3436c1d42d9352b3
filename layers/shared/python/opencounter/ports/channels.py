"""Inbound messaging channels: what each provider delivers, turned into one InboundContact.

WhatsApp (Cloud API) and Messenger post signed webhooks from Meta; X posts signed Account Activity
webhooks; SES hands a receipt rule's Lambda action an event; Amazon Connect invokes a Lambda from a
contact flow. Each is checked the provider's own way before anything in it is believed: an unsigned
or wrongly signed delivery is InvalidInput naming the header, so nothing is stored for it. The two
AWS sources need no signature (only the services allowed by the function's resource policy can
invoke it); there, what the provider itself checked (SPF, DKIM, caller id) sets `authenticated`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, cast

from opencounter.core.errors import Forbidden, InvalidInput
from opencounter.core.settings import settings

META_HEADER = "X-Hub-Signature-256"
X_HEADER = "x-twitter-webhooks-signature"
E164 = re.compile(r"\+[1-9]\d{1,14}")
#: the WhatsApp message types that carry media, whose only text is an optional caption
MEDIA = ("image", "video", "document", "audio", "voice", "sticker")


@dataclass(frozen=True)
class InboundContact:
    channel: str  # "whatsapp" | "messenger" | "x" | "email" | "phone" | "chat"
    provider_id: str  # the provider's id of this message or contact: unique, so it is stored once
    sender: str  # E.164 phone, Messenger PSID, X user id or lower-cased e-mail address
    sender_name: str | None
    text: str
    subject: str | None
    occurred_at: str  # ISO 8601 UTC with Z
    conversation: str | None
    authenticated: bool
    detail: dict[str, Any] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _from_epoch(value: Any, *, millis: bool = False) -> str:
    seconds = int(value) / 1000 if millis else int(value)
    return _iso(datetime.fromtimestamp(seconds, UTC))


def _check(header_name: str, header: str | None, expected: str) -> None:
    """Constant-time comparison of `sha256=<digest>` with what the secret gives for the body."""
    if not header:
        raise InvalidInput(f"{header_name}: missing", field=header_name)
    if not hmac.compare_digest(header.strip().encode(), f"sha256={expected}".encode()):
        raise InvalidInput(f"{header_name}: does not match the payload", field=header_name)


# ------------------------------------------------------------ Meta: WhatsApp Cloud API and Messenger

def verify_meta_signature(payload: bytes, header: str | None, app_secret: str) -> None:
    """Meta signs the raw body (unicode escaped as \\uXXXX, so check the bytes as received, never
    re-serialised JSON) with the app secret: `X-Hub-Signature-256: sha256=<lower-case hex>`."""
    expected = hmac.new(app_secret.encode(), payload, hashlib.sha256).hexdigest()
    _check(META_HEADER, header.lower() if header else header, expected)


def meta_verification_challenge(params: dict[str, str], verify_token: str) -> str:
    """Subscribing a webhook, Meta GETs it with hub.mode=subscribe, our own verify token and a
    challenge to echo; anyone else asking gets Forbidden (so the URL proves nothing by itself)."""
    token = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or not verify_token or not hmac.compare_digest(
            token.encode(), verify_token.encode()):
        raise Forbidden("hub.verify_token does not match this webhook")
    return params.get("hub.challenge") or ""


def _whatsapp_text(message: dict[str, Any]) -> str:
    """The words in a message of any type: text body, button or list choice, media caption, place."""
    kind = message.get("type", "")
    body = message.get(kind) or {}
    if kind == "text":
        return body.get("body", "")
    if kind == "button":
        return body.get("text", "")
    if kind == "interactive":
        return (body.get(body.get("type", "")) or {}).get("title", "")
    if kind == "location":
        return " ".join(str(body[k]) for k in ("name", "address") if body.get(k)) or \
            f"{body.get('latitude')},{body.get('longitude')}"
    if kind == "reaction":
        return body.get("emoji", "")
    return body.get("caption", "") if kind in MEDIA else ""


def whatsapp_contacts(payload: dict[str, Any]) -> list[InboundContact]:
    """Messages in a WhatsApp Cloud API delivery: entry[].changes[].value.messages[], the sender's
    profile name in value.contacts[] (matched on wa_id). A change with only `statuses` reports on
    messages we sent (sent, delivered, read) and holds nothing from a customer."""
    if payload.get("object") != "whatsapp_business_account":
        return []
    found = []
    for value in (change.get("value") or {} for entry in payload.get("entry") or []
                  for change in entry.get("changes") or [] if change.get("field", "messages") == "messages"):
        names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
        for message in value.get("messages") or []:
            kind = message.get("type", "")
            body = message.get(kind) if isinstance(message.get(kind), dict) else {}
            detail = {"type": kind, "phone_number_id": (value.get("metadata") or {}).get("phone_number_id")}
            detail.update({k: v for k, v in (("media_id", body.get("id") if kind in MEDIA else None),
                                             ("reply_to", (message.get("context") or {}).get("id")),
                                             ("payload", body.get("payload")),
                                             ("choice", (body.get(body.get("type", "")) or {}).get("id"))) if v})
            found.append(InboundContact(
                channel="whatsapp", provider_id=message["id"], sender="+" + message["from"].lstrip("+"),
                sender_name=names.get(message["from"]), text=_whatsapp_text(message), subject=None,
                occurred_at=_from_epoch(message["timestamp"]), conversation=None, authenticated=True,
                detail=detail))
    return found


def messenger_contacts(payload: dict[str, Any]) -> list[InboundContact]:
    """Messages and button presses a person sent the page: entry[].messaging[] with a `message`
    (or a `postback`). Echoes are our own page's messages; deliveries and reads report on them."""
    if payload.get("object") != "page":
        return []
    found = []
    for event in (e for entry in payload.get("entry") or [] for e in entry.get("messaging") or []):
        message, postback = event.get("message"), event.get("postback")
        if message and not message.get("is_echo") and message.get("mid"):
            text = message.get("text", "")
            detail = {"attachments": [a.get("type") for a in message.get("attachments") or []],
                      "quick_reply": (message.get("quick_reply") or {}).get("payload"),
                      "reply_to": (message.get("reply_to") or {}).get("mid")}
            mid = message["mid"]
        elif postback and postback.get("mid"):
            text, mid, detail = postback.get("title", ""), postback["mid"], {"postback": postback.get("payload")}
        else:
            continue
        found.append(InboundContact(
            channel="messenger", provider_id=mid, sender=event["sender"]["id"], sender_name=None, text=text,
            subject=None, occurred_at=_from_epoch(event["timestamp"], millis=True), conversation=None,
            authenticated=True, detail={"page_id": (event.get("recipient") or {}).get("id"),
                                        **{k: v for k, v in detail.items() if v}}))
    return found


# ------------------------------------------------------------ X Account Activity API

def _x_digest(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """X re-checks the webhook (at registration and hourly) with a GET carrying crc_token; only
    the holder of the consumer secret can answer with its base64 HMAC-SHA256."""
    return {"response_token": "sha256=" + _x_digest(consumer_secret, crc_token.encode())}


def verify_x_signature(payload: bytes, header: str | None, consumer_secret: str) -> None:
    """X signs each POST body with the consumer secret: `sha256=<base64 HMAC-SHA256>`."""
    _check(X_HEADER, header, _x_digest(consumer_secret, payload))


def _pair(one: str, other: str) -> str:
    """X's key of a one-to-one conversation: both user ids, the lower first."""
    low, high = sorted((one, other), key=lambda i: (len(i), i))
    return f"{low}-{high}"


def _tweet_time(tweet: dict[str, Any]) -> str:
    if tweet.get("timestamp_ms"):
        return _from_epoch(tweet["timestamp_ms"], millis=True)
    return _iso(datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y"))


def x_contacts(payload: dict[str, Any]) -> list[InboundContact]:
    """Direct messages to our account and public posts addressed to it. X delivers our own sent
    DMs and posts as well (for_user_id is our account), and retweets: none of those is a customer
    speaking to us. Display names come from the payload's `users` map."""
    us = str(payload.get("for_user_id", ""))
    users = payload.get("users") or {}
    found = []
    for event in payload.get("direct_message_events") or []:
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id", ""))
        if event.get("type") != "message_create" or not sender or sender == us:
            continue
        data = create.get("message_data") or {}
        detail = {k: v for k, v in (("attachment", (data.get("attachment") or {}).get("type")),
                                    ("quick_reply", (data.get("quick_reply_response") or {}).get("metadata"))) if v}
        recipient = str((create.get("target") or {}).get("recipient_id") or us)
        found.append(InboundContact(
            channel="x", provider_id=str(event["id"]), sender=sender, sender_name=(users.get(sender) or {}).get("name"),
            text=data.get("text", ""), subject=None, occurred_at=_from_epoch(event["created_timestamp"], millis=True),
            conversation=_pair(sender, recipient), authenticated=True, detail={"public": False, **detail}))
    for tweet in payload.get("tweet_create_events") or []:
        user = tweet.get("user") or {}
        mentioned = {str(m.get("id_str")) for m in (tweet.get("entities") or {}).get("user_mentions") or []}
        if str(user.get("id_str")) == us or tweet.get("retweeted_status") or not (
                us in mentioned or str(tweet.get("in_reply_to_user_id_str")) == us):
            continue
        text = (tweet.get("extended_tweet") or {}).get("full_text") or tweet.get("text", "")
        found.append(InboundContact(
            channel="x", provider_id=str(tweet["id_str"]), sender=str(user["id_str"]), sender_name=user.get("name"),
            text=text, subject=None, occurred_at=_tweet_time(tweet),
            conversation=tweet.get("in_reply_to_status_id_str") or tweet["id_str"], authenticated=True,
            detail={"public": True, "screen_name": user.get("screen_name")}))
    return found


# ------------------------------------------------------------ e-mail: SES receipt rule

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
        found.append(InboundContact(
            channel="email", provider_id=mail["messageId"], sender=address.lower(), sender_name=name or None,
            text=text or subject, subject=subject, occurred_at=_iso(datetime.fromisoformat(mail["timestamp"])),
            conversation=_thread(headers, message_id),
            authenticated=_verdict(receipt, "spfVerdict") == "PASS" and _verdict(receipt, "dkimVerdict") == "PASS"
            and _verdict(receipt, "dmarcVerdict") != "FAIL", detail=detail))
    return found


# ------------------------------------------------------------ phone and chat: Amazon Connect

def connect_contact(event: dict[str, Any]) -> InboundContact:
    """The contact a Connect flow's "Invoke AWS Lambda function" block reports. Connect sends no
    time (it waits for the answer), so the contact occurred now. The caller id is the network's
    word for who calls, absent or not a number when withheld: then the caller is "anonymous"."""
    data = event["Details"]["ContactData"]
    caller = str((data.get("CustomerEndpoint") or {}).get("Address") or "")
    known = bool(E164.fullmatch(caller))
    channel = str(data.get("Channel") or "VOICE")
    detail = {"queue": (data.get("Queue") or {}).get("Name"), "initiation_method": data.get("InitiationMethod"),
              "system_endpoint": (data.get("SystemEndpoint") or {}).get("Address"),
              "attributes": data.get("Attributes") or {}, "instance": data.get("InstanceARN")}
    return InboundContact(
        channel="phone" if channel == "VOICE" else channel.lower(), provider_id=data["ContactId"],
        sender=caller if known else "anonymous", sender_name=None, text="", subject=None,
        occurred_at=_iso(datetime.now(UTC)), conversation=data.get("InitialContactId") or data["ContactId"],
        authenticated=known, detail=detail)


@dataclass(frozen=True)
class ContactProgress:
    """What became of a call (or Connect chat) after the contact flow announced it, from Amazon
    Connect's contact events: answered by an agent, or ended (answered before, or abandoned)."""

    provider_id: str  # Connect's ContactId, as the contact flow reported it
    channel: str  # "phone" | "chat"
    kind: str  # "answered" | "ended"
    enqueued_at: str | None  # ISO 8601 UTC with Z
    answered_at: str | None
    agent: str | None  # the agent's id in Connect
    ended_at: str | None


#: the contact events that move a contact on; the others (INITIATED, QUEUED, ...) say nothing new
CONTACT_EVENT_KINDS = {"CONNECTED_TO_AGENT": "answered", "DISCONNECTED": "ended"}


def connect_contact_progress(event: dict[str, Any]) -> ContactProgress | None:
    """A contact event ("Amazon Connect Contact Event" on the default bus) as progress of a
    contact, or None when it says nothing we act on. Connect sends its timestamps as ISO 8601;
    a DISCONNECTED event carries the agent's part too when the contact was answered."""
    detail = event.get("detail") or {}
    kind = CONTACT_EVENT_KINDS.get(str(detail.get("eventType")))
    channel = str(detail.get("channel") or "VOICE")
    if kind is None or channel not in ("VOICE", "CHAT") or not detail.get("contactId"):
        return None
    queue, agent = detail.get("queueInfo") or {}, detail.get("agentInfo") or {}

    def moment(value: Any) -> str | None:
        return _iso(datetime.fromisoformat(str(value).replace("Z", "+00:00"))) if value else None

    return ContactProgress(
        provider_id=str(detail["contactId"]), channel="phone" if channel == "VOICE" else "chat", kind=kind,
        enqueued_at=moment(queue.get("enqueueTimestamp")), answered_at=moment(agent.get("connectedToAgentTimestamp")),
        agent=str(agent["agentArn"]).rsplit("/", 1)[-1] if agent.get("agentArn") else None,
        ended_at=moment(detail.get("disconnectTimestamp")))
