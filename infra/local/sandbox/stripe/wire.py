"""Stripe on the wire: its form encoding, its error bodies and ids, and the Stripe-Signature on
webhook deliveries (also forged, for tests that must see a forgery refused)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

API_VERSION = "2025-10-29.clover"


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (a[b][c]=v, a[0]=v) back into nested data, indexed keys into lists."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return _lists(result)


def _lists(value: Any, key: str = "") -> Any:
    if not isinstance(value, dict):
        return value
    value = {k: _lists(v, k) for k, v in value.items()}
    if key != "metadata" and value and set(value) == {str(i) for i in range(len(value))}:  # metadata keys are free
        return [value[str(i)] for i in range(len(value))]
    return value


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


#: the ways a delivery's signature can be wrong, as forged_delivery() makes them
FORGERIES = ("wrong_secret", "stale", "missing", "tampered")


def forged_delivery(event: dict[str, Any], kind: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a delivery of `event` whose signature an endpoint with `secret` must
    refuse: signed with another secret, 301 s old (beyond the 300 s tolerance), unsigned, or
    signed and then changed (the amount received, or a dispute's amount, a hundredfold)."""
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0"}
    if kind == "wrong_secret":
        headers["Stripe-Signature"] = signature_header(payload, "whsec_someone_else")
    elif kind == "stale":
        headers["Stripe-Signature"] = signature_header(payload, secret, timestamp=int(time.time()) - 301)
    elif kind == "tampered":
        headers["Stripe-Signature"] = signature_header(payload, secret)
        field = "amount_received" if "amount_received" in event["data"]["object"] else "amount"
        amount = event["data"]["object"][field]
        changed = payload.replace(f'"{field}": {amount}'.encode(), f'"{field}": {amount * 100}'.encode(), 1)
        if changed == payload:
            raise RuntimeError("the tampered payload is the same as the signed one")
        payload = changed
    elif kind != "missing":
        raise ValueError(kind)
    return payload, headers


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def error(status: int, message: str, kind: str = "invalid_request_error", **details: Any) -> Response:
    """Stripe's error body: type and message, and where they apply code (with its doc_url), param and more."""
    if details.get("code"):
        details["doc_url"] = f"https://stripe.com/docs/error-codes/{details['code'].replace('_', '-')}"
    return json_response({"error": {"type": kind, "message": message, **details}}, status)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def money(cents: int, currency: str) -> str:
    return f"{'€' if currency == 'eur' else currency.upper() + ' '}{cents // 100}.{cents % 100:02d}"


def amount(value: Any, least: int) -> int | Response:
    """An amount in cents, at least `least`, or Stripe's refusal naming the param."""
    if value is None or not str(value).isdigit():
        return error(400, f"Invalid integer: {value}" if value else "Missing required param: amount.", param="amount",
                      code="parameter_invalid_integer" if value else "parameter_missing")
    if int(value) < least:
        return error(400, f"Amount must be at least {money(least, 'eur')} eur", code="amount_too_small",
                      param="amount")
    return int(value)


def missing(name: str, key: str, param: str = "id", status: int = 404) -> Response:
    """Stripe's answer for an object it does not have."""
    return error(status, f"No such {name}: '{key}'", code="resource_missing", param=param)
