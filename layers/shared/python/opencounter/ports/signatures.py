"""Webhook signatures of the kind Stripe made common, checked in one place for every provider
that signs this way (Stripe, the field service and its carriers): a header
`t=<unix time>,v1=<hex>[,v1=<hex>...]`, each v1 an HMAC-SHA256 of "<t>.<raw body>" with the
endpoint's secret. Several v1 values are allowed while a secret is being rotated (one per secret);
each is compared in constant time; a `t` older than the tolerance is a replay; an empty secret
refuses everything (fail closed)."""

from __future__ import annotations

import hashlib
import hmac
import time

from opencounter.core.errors import InvalidInput

#: seconds a delivery's signature stays good: an older one is a replay
TOLERANCE_S = 300
SCHEME = "v1"


def signed_text(payload: bytes, header: str | None, endpoint_secret: str, *, header_name: str,
                tolerance_s: int = TOLERANCE_S) -> str:
    """The payload as text if `header` (named `header_name` in what a refusal says) signs it
    with `endpoint_secret`; otherwise InvalidInput naming the header, reason signature_invalid.
    Parsed as the stripe library parses it: comma-separated key=value, the first `t` counts."""
    def refused(why: str) -> InvalidInput:
        return InvalidInput(f"{header_name}: {why}", field=header_name, reason="signature_invalid")

    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise refused("the payload is not UTF-8") from None
    if not header:
        raise refused(f"no {header_name} header was provided")
    if not endpoint_secret.strip(" \t\r\n\f\v"):
        raise refused("no webhook secret was provided")
    try:
        items = [item.split("=", 2) for item in header.split(",")]
        timestamp = int([item[1] for item in items if item[0] == "t"][0])
        signatures = [item[1] for item in items if item[0] == SCHEME]
    except (IndexError, ValueError):
        raise refused("unable to extract timestamp and signatures from header") from None
    if not signatures:
        raise refused(f"no signatures found with expected scheme {SCHEME}")
    expected = sign(text.encode(), endpoint_secret, timestamp)
    if not any(hmac.compare_digest(expected.encode(), given.encode()) for given in signatures):
        raise refused("no signatures found matching the expected signature for payload")
    if tolerance_s and timestamp < time.time() - tolerance_s:
        raise refused(f"timestamp outside the tolerance zone ({timestamp})")
    return text


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The v1 signature of `payload` signed at `timestamp` (lower-case hex)."""
    return hmac.new(secret.encode(), f"{timestamp:d}.".encode() + payload, hashlib.sha256).hexdigest()

