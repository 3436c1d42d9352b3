"""Meta's side of WhatsApp and Messenger: the signature on every webhook delivery, the check
Meta makes when the webhook is subscribed, and the Graph API that answers go out through.
META_API_BASE is empty in AWS (Meta's own address); the local cloud points it at its stand-in."""

from __future__ import annotations

import hashlib
import hmac

from opencounter.core.errors import Forbidden
from opencounter.core.settings import settings
from opencounter.ports.channels.contact import check_signature

HEADER = "X-Hub-Signature-256"
GRAPH_API = "https://graph.facebook.com/v21.0"


def graph_api() -> str:
    if settings().meta_api_base:
        settings().sandbox(f"Meta's Graph API at {settings().meta_api_base}")
    return settings().meta_api_base or GRAPH_API


def verify_meta_signature(payload: bytes, header: str | None, app_secret: str) -> None:
    """Meta signs the raw body (unicode escaped as \\uXXXX, so check the bytes as received, never
    re-serialised JSON) with the app secret: `X-Hub-Signature-256: sha256=<lower-case hex>`."""
    expected = hmac.new(app_secret.encode(), payload, hashlib.sha256).hexdigest()
    check_signature(HEADER, header.lower() if header else header, expected)


def meta_verification_challenge(params: dict[str, str], verify_token: str) -> str:
    """Subscribing a webhook, Meta GETs it with hub.mode=subscribe, our own verify token and a
    challenge to echo; anyone else asking gets Forbidden (so the URL proves nothing by itself)."""
    token = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or not verify_token or not hmac.compare_digest(
            token.encode(), verify_token.encode()):
        raise Forbidden("hub.verify_token does not match this webhook", reason="signature_invalid")
    return params.get("hub.challenge") or ""
