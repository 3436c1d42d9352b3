"""Sandbox senders for `make run`: POST /sandbox/channels/<channel> with {"from", "text"} (and
"subject" for e-mail) and the message reaches OpenCounter as the provider would deliver it:
signed webhooks for WhatsApp, Messenger and X; SES's receipt rule (raw mail stored in S3, then
the function invoked) for e-mail; the Amazon Connect contact flow's invocation for a call, and
Connect's contact events when an agent answers it or the line closes
(POST /sandbox/channels/phone/answered or /phone/ended with {"contact_id"}: the id the call gave)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.cloud import LocalCloud
from infra.local.sandbox.channels import ChannelSandbox, contact_event


class ChannelSenders:
    PREFIX = "/sandbox/channels"

    def __init__(self, cloud: LocalCloud, sandbox: ChannelSandbox) -> None:
        self.cloud = cloud
        self.sandbox = sandbox

    def email(self, sender: str, subject: str, text: str, **verdicts: Any) -> Any:
        """A mail to the service address, through the receipt rule's S3 and Lambda actions."""
        result = self.cloud.invoke("InboundEmailFunction", self.sandbox.email_event(sender, subject, text, **verdicts))
        self.cloud.settle() if self.cloud.synchronous else None
        return result

    def _call(self, caller: str | None) -> dict[str, Any]:
        contact_id = str(uuid.uuid4())  # Connect's, for the contact events that follow the call
        return {"result": self.call(caller, contact_id=contact_id), "contact_id": contact_id}

    def call(self, caller: str | None, **details: Any) -> Any:
        """A call answered by the contact flow, which announces it to OpenCounter."""
        result = self.cloud.invoke("PhoneContactFunction", self.sandbox.phone_call(caller, **details))
        self.cloud.settle() if self.cloud.synchronous else None
        return result

    def call_progress(self, event_type: str, contact_id: str, **moments: Any) -> None:
        """A contact event about a call, put on the default bus as Connect does."""
        self.cloud.client("events").put_events(Entries=[contact_event(event_type, contact_id, **moments)])
        self.cloud.settle() if self.cloud.synchronous else None

    def _answer_or_end(self, outcome: str, contact_id: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        if outcome == "answered":
            self.call_progress("CONNECTED_TO_AGENT", str(contact_id), enqueued_at=now - timedelta(seconds=12),
                               answered_at=now)
        else:
            self.call_progress("DISCONNECTED", str(contact_id), ended_at=now)
        return {"contact_id": contact_id, "event": outcome}

    def handle(self, request: Request) -> Response:
        channel = request.path.removeprefix(self.PREFIX).strip("/")
        body = request.get_json(silent=True) or {}
        if request.method != "POST" or not isinstance(body, dict):
            return _json(405, {"message": "POST a JSON object: {\"from\", \"text\"}"})
        if channel in ("phone/answered", "phone/ended"):
            if not body.get("contact_id"):
                return _json(400, {"message": "give the \"contact_id\" the call answered with"})
            return _json(200, self._answer_or_end(channel.split("/")[1], body["contact_id"]))
        sender, text = body.get("from"), body.get("text", "")
        senders = {
            "whatsapp": lambda: {"status": self.sandbox.whatsapp(sender, text, name=body.get("name", "Test"))},
            "messenger": lambda: {"status": self.sandbox.messenger(sender, text)},
            "x": lambda: {"status": self.sandbox.x_direct_message(sender, text)},
            "email": lambda: {"result": self.email(sender, body.get("subject", text[:60]), text)},
            "phone": lambda: self._call(sender),
        }
        if channel not in senders or (not sender and channel != "phone"):
            return _json(400, {"message": f"channels: {', '.join(senders)}; give \"from\" (and \"text\")"})
        return _json(200, senders[channel]())


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
