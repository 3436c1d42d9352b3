"""The providers' sending APIs, for the local cloud: what OpenCounter's answers to customers call
(opencounter/ports/replies.py) answers here as Meta's Graph API (WhatsApp Cloud API messages,
Messenger's Send API) and the X API v2 (direct messages) answer, and every message is kept, so
`make run` and the tests can see what a customer would have received:
GET /sandbox/providers/sent (optionally ?to=<number, PSID or X user id>).

As the providers do, a request without the right bearer token is refused (401), and WhatsApp
refuses free-form text to a number outside its 24-hour customer service window (error 131047):
here, any number ending in 0000. Templates (messages we start) go to any number, when they are
among the approved ones (TEMPLATES, as registered with Meta) in that language."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

WHATSAPP = re.compile(r"^/meta/v[\d.]+/(?P<phone_number_id>[^/]+)/messages$")
MESSENGER = re.compile(r"^/meta/v[\d.]+/me/messages$")
X_DM = re.compile(r"^/x/2/dm_conversations/with/(?P<participant>[^/]+)/messages$")
OUTSIDE_WINDOW = "0000"
#: the message templates approved for the business account: name -> (languages, body parameters)
TEMPLATES = {"invoice_ready": (("nl", "en"), 3), "payment_failed": (("nl", "en"), 2), "better_plan": (("nl", "en"), 2),
             "fixed_price_ending": (("nl", "en"), 3),
             "contact_answer": (("nl", "en"), 2), "payment_link": (("nl", "en"), 3),
             "signup_in_review": (("nl", "en"), 1), "dispute_with_staff": (("nl", "en"), 2),
             "dispute_decided": (("nl", "en"), 3), "chargeback_decided": (("nl", "en"), 3),
             "appointment_planned": (("nl", "en"), 3), "appointment_changed": (("nl", "en"), 3),
             "appointment_cancelled": (("nl", "en"), 2), "parcel_at_pickup_point": (("nl", "en"), 3),
             "appointment_reminder": (("nl", "en"), 3), "appointment_en_route": (("nl", "en"), 1),
             "appointment_done": (("nl", "en"), 2), "appointment_missed": (("nl", "en"), 4),
             "outage_started": (("nl", "en"), 3), "outage_resolved": (("nl", "en"), 2),
             "erasure_refused": (("nl", "en"), 1), "data_export_ready": (("nl", "en"), 2),
             "idea_status_changed": (("nl", "en"), 3), "idea_answered": (("nl", "en"), 2),
             "idea_hidden": (("nl", "en"), 2), "quote_made": (("nl", "en"), 2),
             "price_change": (("nl", "en"), 4),
             "callback_missed": (("nl", "en"), 1),
             "request_update": (("nl", "en"), 3), "dispute_escalated": (("nl", "en"), 2),
             "complaint_received": (("nl", "en"), 3), "complaint_update": (("nl", "en"), 2),
             "complaint_closed": (("nl", "en"), 1),
             # reminders before collection
             "invoice_reminder": (("nl", "en"), 4), "invoice_final_notice": (("nl", "en"), 5),
             # direct debit
             "direct_debit_announced": (("nl", "en"), 4), "direct_debit_returned": (("nl", "en"), 4)}


class ProviderApis:
    PREFIX = "/sandbox/providers"
    #: where the functions' META_API_BASE and X_API_BASE point, below the gateway's address
    META_BASE = f"{PREFIX}/meta/v21.0"
    X_BASE = f"{PREFIX}/x/2"

    def __init__(self, meta_token: str, x_token: str) -> None:
        self.meta_token = meta_token
        self.x_token = x_token
        self.sent: list[dict[str, Any]] = []

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.PREFIX)
        if request.method == "GET" and path.rstrip("/") == "/sent":
            to = request.args.get("to")
            return _json(200, {"items": [m for m in self.sent if to is None or m["to"] == to]})
        body = request.get_json(silent=True) or {}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if request.method == "POST" and MESSENGER.match(path):  # before WhatsApp's: "me" would match it
            return self._messenger(token, body)
        if request.method == "POST" and (match := WHATSAPP.match(path)):
            return self._whatsapp(match["phone_number_id"], token, body)
        if request.method == "POST" and (match := X_DM.match(path)):
            return self._x(match["participant"], token, body)
        return _json(404, {"error": {"message": f"Unknown path components: {path}", "type": "OAuthException",
                                     "code": 2500}})

    def _keep(self, channel: str, to: str, text: str, message_id: str) -> None:
        self.sent.append({"channel": channel, "to": to, "text": text, "message_id": message_id,
                          "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")})

    def _meta_refusal(self, token: str) -> Response | None:
        if token != self.meta_token:
            return _json(401, {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                                         "type": "OAuthException", "code": 190}})
        return None

    def _whatsapp(self, phone_number_id: str, token: str, body: dict[str, Any]) -> Response:
        if (refused := self._meta_refusal(token)) is not None:
            return refused
        to, text = str(body.get("to", "")), (body.get("text") or {}).get("body")
        if body.get("type") == "template" and to.isdigit():
            return self._whatsapp_template(to, body.get("template") or {})
        if body.get("messaging_product") != "whatsapp" or body.get("type") != "text" or not to.isdigit() or not text:
            return _json(400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}})
        if to.endswith(OUTSIDE_WINDOW):
            return _json(400, {"error": {
                "message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
                "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because more "
                               "than 24 hours have passed since the customer last replied to this number."}}})
        message_id = f"wamid.{uuid.uuid4().hex.upper()}"
        self._keep("whatsapp", f"+{to}", text, message_id)
        return _json(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                           "messages": [{"id": message_id}]})

    def _whatsapp_template(self, to: str, template: dict[str, Any]) -> Response:
        name, language = template.get("name"), (template.get("language") or {}).get("code")
        parameters = [p.get("text") for c in template.get("components") or [] if c.get("type") == "body"
                      for p in c.get("parameters") or []]
        languages, count = TEMPLATES.get(str(name), ((), 0))
        if language not in languages:
            return _json(404, {"error": {"message": "(#132001) Template name does not exist in the translation",
                                         "type": "OAuthException", "code": 132001,
                                         "error_data": {"details": f"template name ({name}) does not exist in "
                                                                   f"{language}"}}})
        if len(parameters) != count or not all(parameters):
            return _json(400, {"error": {"message": "(#132000) Number of parameters does not match the expected "
                                                    "number of params", "type": "OAuthException", "code": 132000}})
        message_id = f"wamid.{uuid.uuid4().hex.upper()}"
        self._keep("whatsapp", f"+{to}", f"{name}: {' | '.join(parameters)}", message_id)
        return _json(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                           "messages": [{"id": message_id, "message_status": "accepted"}]})

    def _messenger(self, token: str, body: dict[str, Any]) -> Response:
        if (refused := self._meta_refusal(token)) is not None:
            return refused
        psid, text = (body.get("recipient") or {}).get("id"), (body.get("message") or {}).get("text")
        if not psid or not text or body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return _json(400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}})
        message_id = f"m_{uuid.uuid4().hex}"
        self._keep("messenger", str(psid), text, message_id)
        return _json(200, {"recipient_id": psid, "message_id": message_id})

    def _x(self, participant: str, token: str, body: dict[str, Any]) -> Response:
        if token != self.x_token:
            return _json(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
        if not body.get("text"):
            return _json(400, {"errors": [{"message": "text or attachments must be provided"}],
                               "title": "Invalid Request",
                               "detail": "One or more parameters to your request was invalid.",
                               "type": "https://api.twitter.com/2/problems/invalid-request"})
        event_id = str(uuid.uuid4().int % 10**19)
        self._keep("x", participant, body["text"], event_id)
        return _json(201, {"data": {"dm_conversation_id": f"{participant}-1500000000000000000",
                                    "dm_event_id": event_id}})


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
