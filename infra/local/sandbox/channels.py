"""Customers writing in on the messaging channels, for the local cloud: each payload is built as its
provider builds it and signed as it signs it, so our endpoints run the same checks as in AWS.

WhatsApp (Cloud API) and Messenger deliveries are POSTed with Meta's X-Hub-Signature(-256) headers,
X Account Activity deliveries with x-twitter-webhooks-signature, all as compact JSON with non-ASCII
escaped (as Meta and X send it: the signature covers those exact bytes). E-mail and phone calls
reach no HTTP endpoint in AWS: SES and Amazon Connect invoke the function with an event, so
email_event() and phone_call() return that event for the local cloud to invoke the function with;
what became of a call comes as Connect's contact events on the default bus (contact_event()).
The `*_payload` builders give the bare payloads, for tests that need no HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from secrets import randbits, token_bytes, token_hex, token_urlsafe
from typing import Any

import requests

PAGE_ID = "104857600000001"
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "31850000000"
MAIL_DOMAIN = "mail.opencounter.test"
CONNECT_INSTANCE = "arn:aws:connect:eu-west-1:123456789012:instance/6f0b1d7e-3c2a-4b8e-9d51-2a7c0e4f1b93"
SERVICE_NUMBER = "+31850000000"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and Z, as AWS services write their timestamps."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


class ChannelSandbox:
    """Sends as the providers send. `store(bucket, key, raw)` stands in for the receipt rule's S3
    action, which stores the raw mail as <mail_prefix><SES message id> before the Lambda action."""

    def __init__(self, base_url: str, secrets: dict[str, str], *, store: Callable[[str, str, bytes], Any] | None = None,
                 mail_bucket: str = "opencounter-inbound-mail", mail_prefix: str = "mail/") -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = dict(secrets)
        self.store = store
        self.mail_bucket = mail_bucket
        self.mail_prefix = mail_prefix
        self.deliveries: list[dict[str, Any]] = []

    # ------------------------------------------------------------ signing and posting

    def meta_signature(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secrets["meta_app_secret"].encode(), body, hashlib.sha256).hexdigest()

    def x_signature(self, body: bytes) -> str:
        digest = hmac.new(self.secrets["x_consumer_secret"].encode(), body, hashlib.sha256).digest()
        return "sha256=" + base64.b64encode(digest).decode()

    def _post(self, url_path: str, body: bytes, headers: dict[str, str]) -> int:
        """POST as the provider does; the endpoint's status code, 0 when it cannot be reached."""
        try:
            status = requests.post(self.base_url + url_path, data=body, timeout=30,
                                   headers={"Content-Type": "application/json", **headers}).status_code
        except requests.RequestException:
            status = 0
        self.deliveries.append({"url": url_path, "status": status})
        return status

    def meta_delivery(self, payload: dict[str, Any], signature: str | None = None) -> tuple[bytes, dict[str, str]]:
        """(body, headers) of a WhatsApp or Messenger delivery of `payload`, signed as Meta signs
        it (`signature` in place of X-Hub-Signature-256 to forge one), for a client of one's own."""
        body = _body(payload)
        sha1 = "sha1=" + hmac.new(self.secrets["meta_app_secret"].encode(), body, hashlib.sha1).hexdigest()
        return body, {"Content-Type": "application/json", "User-Agent": "facebookexternalua", "X-Hub-Signature": sha1,
                      "X-Hub-Signature-256": self.meta_signature(body) if signature is None else signature}

    def x_delivery(self, payload: dict[str, Any], signature: str | None = None) -> tuple[bytes, dict[str, str]]:
        """(body, headers) of an X Account Activity delivery of `payload`, signed as X signs it."""
        body = _body(payload)
        return body, {"Content-Type": "application/json",
                      "x-twitter-webhooks-signature": self.x_signature(body) if signature is None else signature}

    def _post_meta(self, url_path: str, payload: dict[str, Any], signature: str | None) -> int:
        return self._post(url_path, *self.meta_delivery(payload, signature))

    # ------------------------------------------------------------ WhatsApp Cloud API

    @staticmethod
    def whatsapp_payload(from_phone: str, text: str, *, name: str = "Test", message_id: str | None = None,
                         timestamp: int | None = None) -> dict[str, Any]:
        """A text message as the Cloud API delivers it: the number without "+", ids `wamid.…`."""
        digits = from_phone.lstrip("+")
        message = {"from": digits, "id": message_id or "wamid." + base64.b64encode(token_bytes(30)).decode(),
                   "timestamp": str(timestamp or int(time.time())), "text": {"body": text}, "type": "text"}
        return _whatsapp({"contacts": [{"profile": {"name": name}, "wa_id": digits}], "messages": [message]})

    @staticmethod
    def whatsapp_status_payload(message_id: str, to_phone: str, status: str = "delivered") -> dict[str, Any]:
        """The report on a message we sent (sent, delivered, read, failed): no `messages` in it."""
        digits = to_phone.lstrip("+")
        return _whatsapp({"statuses": [{
            "id": message_id, "status": status, "timestamp": str(int(time.time())), "recipient_id": digits,
            "conversation": {"id": token_hex(16), "origin": {"type": "service"}},
            "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"}}]})

    def whatsapp(self, from_phone: str, text: str, *, name: str = "Test", url_path: str = "/webhooks/whatsapp",
                 signature: str | None = None, message_id: str | None = None) -> int:
        return self._post_meta(url_path, self.whatsapp_payload(from_phone, text, name=name, message_id=message_id),
                               signature)

    # ------------------------------------------------------------ Messenger

    @staticmethod
    def messenger_payload(psid: str, text: str, *, mid: str | None = None, echo: bool = False,
                          timestamp: int | None = None) -> dict[str, Any]:
        """A text message a person sent the page; with echo=True the page's own message to them, as
        Messenger echoes it (sender and recipient swapped, is_echo and app_id set)."""
        stamp = timestamp or _now_ms()
        message: dict[str, Any] = {"mid": mid or "m_" + token_urlsafe(48), "text": text}
        sender, recipient = (PAGE_ID, psid) if echo else (psid, PAGE_ID)
        if echo:
            message = {"is_echo": True, "app_id": 1517776481860111, **message}
        return {"object": "page", "entry": [{"id": PAGE_ID, "time": stamp, "messaging": [
            {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": stamp, "message": message}]}]}

    def messenger(self, psid: str, text: str, *, url_path: str = "/webhooks/messenger", signature: str | None = None,
                  mid: str | None = None) -> int:
        return self._post_meta(url_path, self.messenger_payload(psid, text, mid=mid), signature)

    # ------------------------------------------------------------ X Account Activity API

    @staticmethod
    def x_dm_payload(user_id: str, text: str, *, name: str = "Test User", for_user_id: str = "opencounter",
                     message_id: str | None = None, sender_id: str | None = None) -> dict[str, Any]:
        """A direct message as Account Activity delivers it; sender_id=for_user_id gives our own sent one."""
        sender = sender_id or user_id
        recipient = for_user_id if sender != for_user_id else user_id
        stamp = str(_now_ms())
        event = {"type": "message_create", "id": message_id or str(randbits(62)), "created_timestamp": stamp,
                 "message_create": {"target": {"recipient_id": recipient}, "sender_id": sender,
                                    "message_data": {"text": text, "entities": {
                                        "hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}}}
        users = {uid: {"id": uid, "created_timestamp": stamp, "name": label, "screen_name": label.replace(" ", ""),
                       "protected": False, "verified": False, "followers_count": 0, "friends_count": 0,
                       "statuses_count": 0} for uid, label in ((user_id, name), (for_user_id, "OpenCounter"))}
        return {"for_user_id": for_user_id, "direct_message_events": [event], "users": users}

    @staticmethod
    def x_mention_payload(user_id: str, text: str, *, name: str = "Test User", for_user_id: str = "opencounter",
                          screen_name: str = "opencounter", tweet_id: str | None = None) -> dict[str, Any]:
        """A public post mentioning our account."""
        now, tweet_id = datetime.now(UTC), tweet_id or str(randbits(62))
        body = f"@{screen_name} {text}"
        tweet = {"created_at": now.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": int(tweet_id), "id_str": tweet_id,
                 "timestamp_ms": str(_now_ms()), "text": body, "truncated": False, "in_reply_to_status_id_str": None,
                 "in_reply_to_user_id_str": None,
                 "user": {"id_str": user_id, "name": name, "screen_name": name.replace(" ", "")},
                 "entities": {"hashtags": [], "urls": [], "symbols": [], "user_mentions": [
                     {"screen_name": screen_name, "name": "OpenCounter", "id_str": for_user_id,
                      "indices": [0, len(screen_name) + 1]}]}}
        return {"for_user_id": for_user_id, "user_has_blocked": False, "tweet_create_events": [tweet]}

    def x_direct_message(self, user_id: str, text: str, *, name: str = "Test User", for_user_id: str = "opencounter",
                         url_path: str = "/webhooks/x", signature: str | None = None,
                         message_id: str | None = None) -> int:
        return self._post(url_path, *self.x_delivery(
            self.x_dm_payload(user_id, text, name=name, for_user_id=for_user_id, message_id=message_id), signature))

    def x_crc(self, crc_token: str, *, url_path: str = "/webhooks/x") -> requests.Response:
        """X's challenge-response check: GET with crc_token; the answer must carry response_token."""
        return requests.get(self.base_url + url_path, params={"crc_token": crc_token}, timeout=30)

    # ------------------------------------------------------------ e-mail: SES receipt rule

    def email_event(self, from_address: str, subject: str, body: str, *, spf: str = "PASS", dkim: str = "PASS",
                    dmarc: str | None = None, virus: str = "PASS", spam: str = "PASS", message_id: str | None = None,
                    in_reply_to: str | None = None, to: str = f"service@{MAIL_DOMAIN}") -> dict[str, Any]:
        """The event a receipt rule's Lambda action delivers: headers and verdicts, never the body.
        With a `store`, the raw MIME is stored first, as the rule's S3 action does."""
        now = datetime.now(UTC)
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = from_address, to, subject
        mail["Date"] = format_datetime(now)
        mail["Message-ID"] = message_id or make_msgid(domain="mail.example")
        if in_reply_to:
            mail["In-Reply-To"] = mail["References"] = in_reply_to
        mail.set_content(body)
        ses_id = token_hex(16) + "0" * 8 + token_hex(4)
        if self.store is not None:
            self.store(self.mail_bucket, self.mail_prefix + ses_id, bytes(mail))
        stamp = _stamp(now)
        verdicts = {"spf": spf, "dkim": dkim, "virus": virus, "spam": spam,
                    "dmarc": dmarc or ("PASS" if "PASS" in (spf, dkim) else "FAIL")}
        headers = [{"name": "Return-Path", "value": f"<{_address(from_address)}>"},
                   {"name": "Received", "value": f"from mx.mail.example by inbound-smtp.eu-west-1.amazonaws.com "
                                                 f"with SMTP id {ses_id} for {to}; {format_datetime(now)}"},
                   {"name": "X-SES-Spam-Verdict", "value": spam}, {"name": "X-SES-Virus-Verdict", "value": virus},
                   *({"name": name, "value": str(value)} for name, value in mail.items())]
        common = {"returnPath": _address(from_address), "from": [from_address], "date": mail["Date"], "to": [to],
                  "messageId": mail["Message-ID"], "subject": subject}
        receipt = {"timestamp": stamp, "processingTimeMillis": 412, "recipients": [_address(to)],
                   **{f"{k}Verdict": {"status": v} for k, v in verdicts.items()},
                   "action": {"type": "Lambda", "invocationType": "Event",
                              "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:inbound-email"}}
        return {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {
            "mail": {"timestamp": stamp, "source": _address(from_address), "messageId": ses_id,
                     "destination": [_address(to)], "headersTruncated": False, "headers": headers,
                     "commonHeaders": common},
            "receipt": receipt}}]}

    # ------------------------------------------------------------ phone: Amazon Connect

    @staticmethod
    def phone_call(caller: str | None, *, queue: str = "Service", contact_id: str | None = None,
                   channel: str = "VOICE", attributes: dict[str, str] | None = None) -> dict[str, Any]:
        """What a contact flow's "Invoke AWS Lambda function" block sends; a withheld number (None)
        reaches Connect as "anonymous"."""
        contact = contact_id or str(uuid.uuid4())
        queue_id = uuid.uuid5(uuid.NAMESPACE_URL, queue)
        return {"Details": {"ContactData": {
            "Attributes": dict(attributes or {}), "Channel": channel, "ContactId": contact,
            "CustomerEndpoint": {"Address": caller or "anonymous", "Type": "TELEPHONE_NUMBER"},
            "InitialContactId": contact, "InitiationMethod": "INBOUND", "InstanceARN": CONNECT_INSTANCE,
            "PreviousContactId": contact, "Queue": {"ARN": f"{CONNECT_INSTANCE}/queue/{queue_id}", "Name": queue},
            "SystemEndpoint": {"Address": SERVICE_NUMBER, "Type": "TELEPHONE_NUMBER"}},
            "Parameters": {}}, "Name": "ContactFlowEvent"}


def contact_event(event_type: str, contact_id: str, *, enqueued_at: datetime | None = None,
                  answered_at: datetime | None = None, agent: str = "b2a1c3d4-0000-4000-8000-00000000a9e7",
                  ended_at: datetime | None = None, channel: str = "VOICE", queue: str = "Service") -> dict[str, Any]:
    """An "Amazon Connect Contact Event" as Connect puts it on the default bus (source aws.connect):
    CONNECTED_TO_AGENT with the agent's part, DISCONNECTED with it only when an agent answered."""
    now = datetime.now(UTC)
    queue_id = uuid.uuid5(uuid.NAMESPACE_URL, queue)
    detail: dict[str, Any] = {
        "eventType": event_type, "contactId": contact_id, "initialContactId": contact_id, "channel": channel,
        "instanceArn": CONNECT_INSTANCE, "initiationMethod": "INBOUND",
        "initiationTimestamp": _stamp(enqueued_at or now),
        "queueInfo": {"queueArn": f"{CONNECT_INSTANCE}/queue/{queue_id}", "queueType": "STANDARD",
                      "enqueueTimestamp": _stamp(enqueued_at or now)},
    }
    if answered_at is not None:
        detail["agentInfo"] = {"agentArn": f"{CONNECT_INSTANCE}/agent/{agent}",
                               "connectedToAgentTimestamp": _stamp(answered_at)}
    if event_type == "DISCONNECTED":
        detail["disconnectTimestamp"] = _stamp(ended_at or now)
    return {"Source": "aws.connect", "DetailType": "Amazon Connect Contact Event", "Detail": json.dumps(detail),
            "Resources": [f"{CONNECT_INSTANCE}/contact/{contact_id}", CONNECT_INSTANCE]}


def _whatsapp(value: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [{"value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}, **value},
        "field": "messages"}]}]}


def _address(header: str) -> str:
    return parseaddr(header)[1]
