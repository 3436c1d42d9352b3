"""WhatsApp through Meta's Cloud API: the messages in a webhook delivery, answers within the 24
hours after a customer's last message, and the Meta-approved templates we start a conversation
with (a notice), as WhatsApp requires."""

from __future__ import annotations

from typing import Any

from opencounter.core.secrets import secret
from opencounter.core.settings import settings
from opencounter.ports.channels.contact import InboundContact, from_epoch
from opencounter.ports.channels.delivery import post
from opencounter.ports.channels.meta import graph_api

#: the message types that carry media, whose only text is an optional caption
MEDIA = ("image", "video", "document", "audio", "voice", "sticker")


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
    messages we sent (sent, delivered, read: whatsapp_statuses) and holds nothing from a customer.
    A reply names the message it answers in detail.reply_to (its context.id)."""
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
                occurred_at=from_epoch(message["timestamp"]), conversation=None, authenticated=True,
                detail=detail))
    return found


#: what a WhatsApp status says of a message we sent, as the notices record it
STATUSES = {"delivered": "delivered", "read": "opened", "failed": "failed"}


def whatsapp_statuses(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What a WhatsApp Cloud API delivery reports on messages we sent: (message id, outcome,
    moment) for each of value.statuses[] that tells something ("sent" tells nothing new), the
    outcome "delivered", "opened" (read) or "failed"."""
    if payload.get("object") != "whatsapp_business_account":
        return []
    return [(status["id"], STATUSES[status["status"]], from_epoch(status["timestamp"]))
            for entry in payload.get("entry") or [] for change in entry.get("changes") or []
            if change.get("field", "messages") == "messages"
            for status in (change.get("value") or {}).get("statuses") or []
            if status.get("id") and status.get("status") in STATUSES and status.get("timestamp")]


def send_text(to: str, text: str) -> str:
    """An answer within the customer's 24-hour window; the message id."""
    return _send(to, {"type": "text", "text": {"preview_url": False, "body": text}})


def send_template(to: str, template: str, language: str, parameters: list[str]) -> str:
    """A message we start: an approved template with its body's parameters in order (free text
    is only allowed within 24 hours of the customer's last message)."""
    return _send(to, {"type": "template", "template": {
        "name": template, "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]}})


def _send(to: str, content: dict[str, Any]) -> str:
    """One Cloud API message from the business number to `to` (E.164); its message id."""
    answer = post(f"{graph_api()}/{settings().whatsapp_phone_number_id}/messages", secret("meta", "access_token"),
                  {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+"), **content})
    return str(answer["messages"][0]["id"])
