"""X (Twitter) through the Account Activity API: the CRC check X makes of the webhook, the
signature on every delivery, the direct messages and public posts addressed to us in it, and
answers as direct messages through the X API v2. X_API_BASE is empty in AWS; the local cloud
points it at its stand-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from typing import Any

from opencounter.core.clock import isoformat
from opencounter.core.errors import InvalidInput
from opencounter.core.secrets import secret
from opencounter.core.settings import settings
from opencounter.ports.channels.contact import InboundContact, check_signature, from_epoch
from opencounter.ports.channels.delivery import post

HEADER = "x-twitter-webhooks-signature"
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{1,200}")
X_API = "https://api.x.com/2"


def _x_digest(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def x_crc_response(crc_token: str, consumer_secret: str) -> dict[str, str]:
    """X re-checks the webhook (at registration and hourly) with a GET carrying crc_token; only
    the holder of the consumer secret can answer with its base64 HMAC-SHA256.

    That answer is the same HMAC that signs a delivery, so this GET would sign anything it is
    given: a token is answered only when it is a plain token (letters, digits, base64 signs),
    which no delivery (a JSON object) can be."""
    if not CRC_TOKEN.fullmatch(crc_token):
        raise InvalidInput("crc_token: give the token X sent (letters, digits, +/=_-; at most 200)",
                           field="crc_token", reason="crc_token_invalid")
    return {"response_token": "sha256=" + _x_digest(consumer_secret, crc_token.encode())}


def verify_x_signature(payload: bytes, header: str | None, consumer_secret: str) -> None:
    """X signs each POST body with the consumer secret: `sha256=<base64 HMAC-SHA256>`."""
    check_signature(HEADER, header, _x_digest(consumer_secret, payload))


def _pair(one: str, other: str) -> str:
    """X's key of a one-to-one conversation: both user ids, the lower first."""
    low, high = sorted((one, other), key=lambda i: (len(i), i))
    return f"{low}-{high}"


def _tweet_time(tweet: dict[str, Any]) -> str:
    if tweet.get("timestamp_ms"):
        return from_epoch(tweet["timestamp_ms"], millis=True)
    return isoformat(datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y"))


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
            text=data.get("text", ""), subject=None, occurred_at=from_epoch(event["created_timestamp"], millis=True),
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


def send_direct_message(to: str, text: str) -> str:
    """A direct message to an X user id; its event id."""
    if settings().x_api_base:
        settings().sandbox(f"the X API at {settings().x_api_base}")
    answer = post(f"{settings().x_api_base or X_API}/dm_conversations/with/{to}/messages",
                  secret("x", "access_token"), {"text": text})
    return str(answer["data"]["dm_event_id"])
