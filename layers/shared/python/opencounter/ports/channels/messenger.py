"""Facebook Messenger: the messages and button presses in a webhook delivery, and answers through
the Send API."""

from __future__ import annotations

from typing import Any

from opencounter.core.secrets import secret
from opencounter.ports.channels.contact import InboundContact, from_epoch
from opencounter.ports.channels.delivery import post
from opencounter.ports.channels.meta import graph_api


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
            subject=None, occurred_at=from_epoch(event["timestamp"], millis=True), conversation=None,
            authenticated=True, detail={"page_id": (event.get("recipient") or {}).get("id"),
                                        **{k: v for k, v in detail.items() if v}}))
    return found


def send_text(to: str, text: str) -> str:
    """An answer to a person (their page-scoped id); the message id."""
    answer = post(f"{graph_api()}/me/messages", secret("meta", "access_token"),
                  {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": {"text": text}})
    return str(answer["message_id"])
