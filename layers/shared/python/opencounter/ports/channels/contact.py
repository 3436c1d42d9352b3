"""What every channel's delivery becomes: one InboundContact, whatever the provider; and the
constant-time check of a webhook signature that the providers' schemes share."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opencounter.core.clock import isoformat
from opencounter.core.errors import InvalidInput


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


def from_epoch(value: Any, *, millis: bool = False) -> str:
    """A provider's Unix time (seconds, or milliseconds) as an ISO 8601 moment."""
    seconds = int(value) / 1000 if millis else int(value)
    return isoformat(datetime.fromtimestamp(seconds, UTC))


def check_signature(header_name: str, header: str | None, expected: str) -> None:
    """Constant-time comparison of `sha256=<digest>` with what the secret gives for the body."""
    if not header:
        raise InvalidInput(f"{header_name}: missing", field=header_name, reason="signature_missing")
    if not hmac.compare_digest(header.strip().encode(), f"sha256={expected}".encode()):
        raise InvalidInput(f"{header_name}: does not match the payload", field=header_name, reason="signature_invalid")
