"""Stripe's webhook signatures are checked without the stripe library (its import is most of a
webhook's cold start), so the check is held here to the library's own: every delivery below is
given to both, signed by the library itself or forged, and both must accept it or both refuse
it; what is accepted is the event the library would have made of it."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from opencounter.core.errors import InvalidInput
from opencounter.ports.stripe_api import TOLERANCE_S, signed_event

SECRET = "whsec_endpoint"
EVENT = {"id": "evt_1", "object": "event", "api_version": "2025-10-29.clover", "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 4250, "amount_received": 4250,
                             "metadata": {"customer_id": "c1", "invoice_id": "i1", "attempt": "1"}}}}
PAYLOAD = json.dumps(EVENT).encode()


def signed(payload: bytes = PAYLOAD, secret: str = SECRET, age_s: int = 0) -> str:
    """The Stripe-Signature the stripe library makes for a payload, `age_s` seconds ago."""
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, int(time.time()) - age_s)


def v1(header: str) -> str:
    return header.split("v1=")[1]


def _deliveries() -> dict[str, tuple[bytes, str | None, str]]:
    """name -> (payload, Stripe-Signature header, the endpoint's secret)."""
    now = int(time.time())
    good = signed()
    other = signed(secret="whsec_someone_else")
    unicode_payload = json.dumps({**EVENT, "id": "evt_ü"}, ensure_ascii=False).encode()
    return {
        "signed by the library": (PAYLOAD, good, SECRET),
        "signed with another secret": (PAYLOAD, other, SECRET),
        "two v1 signatures, the second good (a secret being rolled)": (PAYLOAD, f"{other},v1={v1(good)}", SECRET),
        "two v1 signatures, the first good": (PAYLOAD, f"{good},v1={v1(other)}", SECRET),
        "a v0 signature only": (PAYLOAD, good.replace("v1=", "v0="), SECRET),
        "a v0 and a good v1": (PAYLOAD, f"t={now},v0=abc,v1={v1(good)}", SECRET),
        "the signature's case changed": (PAYLOAD, f"t={good.split(',')[0][2:]},v1={v1(good).upper()}", SECRET),
        "the signature cut short": (PAYLOAD, good[:-2], SECRET),
        "a payload changed after signing": (PAYLOAD.replace(b"4250", b"425000"), good, SECRET),
        "a payload with a character beyond ASCII": (unicode_payload, signed(unicode_payload), SECRET),
        "a payload that is not UTF-8": (b"\xff" + PAYLOAD, f"t={now},v1=00", SECRET),
        "signed 299 s ago": (PAYLOAD, signed(age_s=TOLERANCE_S - 1), SECRET),
        "signed 301 s ago": (PAYLOAD, signed(age_s=TOLERANCE_S + 1), SECRET),
        "signed an hour ago with a good signature": (PAYLOAD, signed(age_s=3600), SECRET),
        "signed a minute ahead of this clock": (PAYLOAD, signed(age_s=-60), SECRET),
        "no header": (PAYLOAD, None, SECRET),
        "an empty header": (PAYLOAD, "", SECRET),
        "a header without a timestamp": (PAYLOAD, f"v1={v1(good)}", SECRET),
        "a timestamp that is not a number": (PAYLOAD, f"t=soon,v1={v1(good)}", SECRET),
        "a header of nonsense": (PAYLOAD, "nonsense", SECRET),
        "a timestamp changed after signing": (PAYLOAD, f"t={now + 5},v1={v1(good)}", SECRET),
        "an empty secret": (PAYLOAD, good, ""),
        "a secret of blanks": (PAYLOAD, signed(secret="  "), "  "),
    }


#: the cases' names; each test signs its deliveries when it runs (a signature made when the tests
#: were collected would be older than the tolerance by the time a long run reaches them)
DELIVERIES = list(_deliveries())


def library(payload: bytes, header: str | None, secret: str) -> dict | None:
    """What the stripe library makes of a delivery: the event as a dict, or None when refused."""
    try:
        return stripe.Webhook.construct_event(payload, header, secret, tolerance=TOLERANCE_S).to_dict()
    except (ValueError, stripe.SignatureVerificationError):
        return None


def ours(payload: bytes, header: str | None, secret: str) -> dict | None:
    try:
        return signed_event(payload, header, secret)
    except InvalidInput as refused:
        assert refused.field == "Stripe-Signature" and refused.status == 400
        return None


@pytest.mark.parametrize("name", DELIVERIES)
def test_a_delivery_is_accepted_or_refused_as_the_stripe_library_does(name):
    # Given a delivery, signed by the stripe library or forged
    payload, header, secret = _deliveries()[name]
    # When both check it
    expected, got = library(payload, header, secret), ours(payload, header, secret)
    # Then both accept it, with the same event, or both refuse it
    assert got == expected


def test_the_cases_cover_both_outcomes():
    outcomes = {name: library(*delivery) is not None for name, delivery in _deliveries().items()}
    assert sum(outcomes.values()) >= 5 and not all(outcomes.values())
    assert outcomes["two v1 signatures, the second good (a secret being rolled)"]
    assert not outcomes["signed 301 s ago"]


@pytest.mark.parametrize("body", [
    b"[]",
    json.dumps({"object": "v2.core.event", "id": "evt_thin", "type": "v1.billing.meter.no_meter_found"}).encode(),
    json.dumps({**EVENT, "data": None}).encode(),
    b"not json",
])
def test_a_well_signed_payload_that_is_no_stripe_event_is_refused_as_input(body):
    # Given a body signed with the endpoint's secret that is not a Stripe snapshot event
    header = signed(body)
    # When it is checked
    with pytest.raises(InvalidInput) as refused:
        signed_event(body, header, SECRET)
    # Then it is refused as bad input naming the header: nothing may be done with it
    assert refused.value.field == "Stripe-Signature"
