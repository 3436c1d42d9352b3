"""Calls (and chats) through Amazon Connect: the contact a contact flow announces, and what its
contact events say became of it. Connect invokes us itself (only the services the function's
resource policy allows can), so there is no signature; the caller id is the network's word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opencounter.core.clock import isoformat
from opencounter.ports.channels.contact import InboundContact

E164 = re.compile(r"\+[1-9]\d{1,14}")


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
        occurred_at=isoformat(datetime.now(UTC)), conversation=data.get("InitialContactId") or data["ContactId"],
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
        return isoformat(datetime.fromisoformat(str(value).replace("Z", "+00:00"))) if value else None

    return ContactProgress(
        provider_id=str(detail["contactId"]), channel="phone" if channel == "VOICE" else "chat", kind=kind,
        enqueued_at=moment(queue.get("enqueueTimestamp")), answered_at=moment(agent.get("connectedToAgentTimestamp")),
        agent=str(agent["agentArn"]).rsplit("/", 1)[-1] if agent.get("agentArn") else None,
        ended_at=moment(detail.get("disconnectTimestamp")))
