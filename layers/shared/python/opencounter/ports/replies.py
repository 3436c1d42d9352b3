"""Answers to customers on the channel they wrote in: WhatsApp (Cloud API) and Messenger (Send
API) through Meta's Graph API, X direct messages through the X API v2, e-mail through SES. A chat
or a call needs no sending: the answer is in the customer's contact history (or was said).
Messages we start on WhatsApp (notices) are Meta-approved templates, as WhatsApp requires.

META_API_BASE and X_API_BASE are empty in AWS (the providers' own addresses); the local cloud
points them at its stand-ins. The tokens are the template's MetaAccessToken (a system user's,
granted the WhatsApp number and the Facebook page) and XAccessToken (the service account's)."""

from __future__ import annotations

import json
from typing import Any

import urllib3
from botocore.exceptions import ClientError

from opencounter.core.settings import settings
from opencounter.ports.messaging import send_email

META_API = "https://graph.facebook.com/v21.0"
X_API = "https://api.x.com/2"
TIMEOUT_S = 5.0
#: the channels whose answers leave OpenCounter; the others are read in the contact history
SENDS_OUT = ("whatsapp", "messenger", "x", "email")

_http: Any = None


class DeliveryFailed(Exception):
    """The provider refused the message or could not be reached; the message says why."""


def send_reply(channel: str, to: str, text: str, *, subject: str) -> str:
    """Send `text` to `to` (the contact's sender) on `channel`; returns the provider's message id."""
    if channel == "whatsapp":
        return _whatsapp(to, {"type": "text", "text": {"preview_url": False, "body": text}})
    if channel == "messenger":
        answer = _post(f"{_meta()}/me/messages", settings().meta_access_token,
                       {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": {"text": text}})
        return str(answer["message_id"])
    if channel == "x":
        answer = _post(f"{settings().x_api_base or X_API}/dm_conversations/with/{to}/messages",
                       settings().x_access_token, {"text": text})
        return str(answer["data"]["dm_event_id"])
    if channel == "email":
        try:
            return send_email(to, subject if subject.lower().startswith("re:") else f"Re: {subject}", text,
                              reply_to=settings().service_address or None)
        except ClientError as error:  # SES's refusal names the reason
            raise DeliveryFailed(f"e-mail: {error}") from error
    raise DeliveryFailed(f"{channel}: answers on this channel are not sent, they are in the contact history")


def send_whatsapp_template(to: str, template: str, language: str, parameters: list[str]) -> str:
    """A message we start on WhatsApp: an approved template with its body's parameters in order
    (free text is only allowed within 24 hours of the customer's last message)."""
    return _whatsapp(to, {"type": "template", "template": {
        "name": template, "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]}})


def _whatsapp(to: str, content: dict[str, Any]) -> str:
    """One Cloud API message from the business number to `to` (E.164); its message id."""
    answer = _post(f"{_meta()}/{settings().whatsapp_phone_number_id}/messages",
                   settings().meta_access_token,
                   {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+"), **content})
    return str(answer["messages"][0]["id"])


def _meta() -> str:
    return settings().meta_api_base or META_API


def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    global _http
    if _http is None:
        _http = urllib3.PoolManager(timeout=urllib3.Timeout(total=TIMEOUT_S), retries=False)
    try:
        response = _http.request("POST", url, body=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except urllib3.exceptions.HTTPError as error:
        raise DeliveryFailed(f"the provider could not be reached: {error}") from error
    try:
        answer = json.loads(response.data or b"{}")
    except ValueError:
        answer = {}
    if response.status >= 300:
        raise DeliveryFailed(_reason(answer, response.status))
    return answer


def _reason(answer: dict[str, Any], status: int) -> str:
    """The provider's own words: Meta's {"error": {"message", "code", "error_data": {"details"}}},
    X's {"title", "detail"} or {"errors": [{"message"}]}."""
    if isinstance(answer.get("error"), dict):
        error = answer["error"]
        details = (error.get("error_data") or {}).get("details")
        return f"{error.get('message', 'refused')} (code {error.get('code')}){': ' + details if details else ''}"
    if answer.get("detail") or answer.get("title"):
        return f"{answer.get('title', 'refused')}: {answer.get('detail', '')}".rstrip(": ")
    if answer.get("errors"):
        return "; ".join(str(e.get("message")) for e in answer["errors"])
    return f"refused with HTTP {status}"
