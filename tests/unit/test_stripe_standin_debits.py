"""SEPA Direct Debit at the Stripe stand-in, driven by the official stripe library as our functions
drive Stripe: a mandate given through a SetupIntent, debits collected off-session on it (processing
until the bank settles them, paid or returned with Stripe's failure code), and the mandate ended by
detaching its payment method. Of the IBAN only its country and last four digits are ever answered."""

from __future__ import annotations

import json

import pytest
import stripe

from tests.unit.test_stripe_standin_payments import Sandbox, sandbox  # noqa: F401 (the fixture below uses it)

IBAN = "NL39RABO0300065264"


@pytest.fixture
def stand_in(sandbox: Sandbox) -> Sandbox:  # noqa: F811
    """The stand-in served over HTTP, the stripe library pointed at it (the payments' own)."""
    return sandbox


def _mandate(stand_in: Sandbox) -> tuple[str, str, str]:
    """A customer who gave a mandate: (customer, payment method, mandate)."""
    customer = stand_in.client.v1.customers.create(params={"metadata": {"customer_id": "c-1"}},
                                                  options={"idempotency_key": "customer-c-1"})
    setup = stand_in.client.v1.setup_intents.create(params={
        "customer": customer.id, "payment_method_types": ["sepa_debit"], "usage": "off_session",
        "metadata": {"customer_id": "c-1"}})
    assert (setup.status, setup.usage, setup.mandate) == ("requires_payment_method", "off_session", None)
    stand_in.standin.complete_setup(setup.id, iban=IBAN)
    given = stand_in.client.v1.setup_intents.retrieve(setup.id)
    assert given.status == "succeeded" and given.mandate and given.payment_method
    return customer.id, given.payment_method, given.mandate


def _debit(stand_in: Sandbox, customer: str, pm: str, mandate: str, key: str) -> dict:
    return stand_in.client.v1.payment_intents.create(params={
        "amount": 4250, "currency": "eur", "payment_method_types": ["sepa_debit"], "customer": customer,
        "payment_method": pm, "mandate": mandate, "off_session": True, "confirm": True,
        "metadata": {"invoice_id": "inv-1"}}, options={"idempotency_key": key}).to_dict()


def test_a_mandate_given_is_active_and_keeps_only_the_accounts_country_and_last_digits(stand_in):
    customer, pm, mandate_id = _mandate(stand_in)

    mandate = stand_in.client.v1.mandates.retrieve(mandate_id).to_dict()
    assert (mandate["status"], mandate["type"], mandate["payment_method"]) == ("active", "multi_use", pm)
    assert mandate["customer_acceptance"]["type"] == "online" and mandate["customer_acceptance"]["accepted_at"]
    assert mandate["payment_method_details"]["sepa_debit"]["reference"]
    account = stand_in.client.v1.payment_methods.retrieve(pm).to_dict()
    assert (account["type"], account["customer"]) == ("sepa_debit", customer)
    assert (account["sepa_debit"]["country"], account["sepa_debit"]["last4"]) == ("NL", "5264")
    assert IBAN not in json.dumps([mandate, account, *stand_in.standin.events.values()])


def test_a_debit_is_processing_until_the_bank_pays_it_or_returns_it(stand_in):
    customer, pm, mandate = _mandate(stand_in)

    debit = _debit(stand_in, customer, pm, mandate, "invoice-inv-1-debit-1")
    assert (debit["status"], debit["processing"], debit["amount_received"]) == (
        "processing", {"type": "sepa_debit"}, 0)
    assert _debit(stand_in, customer, pm, mandate, "invoice-inv-1-debit-1")["id"] == debit["id"]  # the same key

    paid = stand_in.standin.complete_debit(debit["id"])
    assert (paid["status"], paid["amount_received"]) == ("succeeded", 4250)

    returned = stand_in.standin.complete_debit(_debit(stand_in, customer, pm, mandate, "invoice-inv-2-debit-1")["id"],
                                              outcome="failed", failure_code="insufficient_funds")
    assert returned["status"] == "requires_payment_method"
    assert returned["last_payment_error"]["code"] == "insufficient_funds"
    assert returned["last_payment_error"]["payment_method"]["type"] == "sepa_debit"
    kinds = [e["type"] for e in stand_in.standin.events.values() if e["data"]["object"].get("id") == debit["id"]]
    assert kinds == ["payment_intent.processing", "payment_intent.succeeded"]


def test_a_detached_payment_method_ends_its_mandate_and_nothing_more_is_debited(stand_in):
    customer, pm, mandate = _mandate(stand_in)

    stand_in.client.v1.payment_methods.detach(pm)

    assert stand_in.client.v1.mandates.retrieve(mandate).status == "inactive"
    assert any(e["type"] == "mandate.updated" and e["data"]["object"]["id"] == mandate
               for e in stand_in.standin.events.values())
    with pytest.raises(stripe.InvalidRequestError):
        _debit(stand_in, customer, pm, mandate, "invoice-inv-3-debit-1")
