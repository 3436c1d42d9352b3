"""Payments at the Stripe stand-in, driven over HTTP by the official stripe library as our functions
drive Stripe, with webhooks received by an endpoint that checks each signature as Stripe's library does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.standin import StripeStandIn
from infra.local.sandbox.stripe.wire import decode_form

API_KEY = "sk_test_x"
WEBHOOK_SECRET = "whsec_test_payments"
RETURN_URL = "https://shop.example/paid?order=7"


@dataclass
class Receiver:
    """A webhook endpoint keeping (path, event) for every delivery whose signature is valid."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: int = 0
    #: cleared, a delivery waits until it is set again (and `arrived` tells that one is waiting)
    open: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        self.arrived.set()
        self.open.wait(10)
        try:
            event = stripe.Webhook.construct_event(request.get_data(), request.headers.get("Stripe-Signature"),
                                                   WEBHOOK_SECRET)
        except (ValueError, stripe.SignatureVerificationError):
            self.rejected += 1
            return Response(status=400)(environ, start_response)
        self.events.append((request.path, event.to_dict()))
        return Response("{}", content_type="application/json")(environ, start_response)

    def about(self, object_id: str, path: str = "/payments") -> list[str]:
        """Types of the events received on `path` about an object or the payment it belongs to, in order."""
        return [event["type"] for at, event in self.events if at == path and object_id in (
            event["data"]["object"]["id"], event["data"]["object"].get("payment_intent"))]

    def last(self, kind: str, object_id: str) -> dict[str, Any]:
        return [e for _, e in self.events if e["type"] == kind and e["data"]["object"]["id"] == object_id][-1]


@dataclass
class Sandbox:
    standin: StripeStandIn
    client: stripe.StripeClient
    base: str
    receiver: Receiver

    def intent(self, amount: int = 1250, types: tuple[str, ...] = ("card",), **params: Any) -> Any:
        return self.client.v1.payment_intents.create(params={
            "amount": amount, "currency": "eur", "payment_method_types": list(types), **params})

    def paid(self, amount: int = 1000) -> Any:
        intent = self.intent(amount, metadata={"invoice": "inv-1"})
        return self.client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})

    def page(self, path: str) -> str:
        return f"{self.base}{StripeStandIn.PREFIX}{path}"


def _serve(app: Any) -> tuple[Any, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    standin = StripeStandIn(API_KEY, synchronous=True)
    stripe_server, base = _serve(lambda environ, start: standin.handle(Request(environ))(environ, start))
    standin.base_url = base
    receiver = Receiver()
    receiver.open.set()
    hook_server, hook_base = _serve(receiver)
    standin.add_webhook(f"{hook_base}/payments", WEBHOOK_SECRET, ("payment_intent.", "charge.", "refund."))
    standin.add_webhook(f"{hook_base}/identity", WEBHOOK_SECRET, "identity.")
    client = stripe.StripeClient(API_KEY, base_addresses={"api": base + StripeStandIn.PREFIX})
    yield Sandbox(standin, client, base, receiver)
    stripe_server.shutdown()
    hook_server.shutdown()


def _redirected(response: requests.Response) -> dict[str, str]:
    """The query a 303 from the stand-in's pages hands the shop's return_url."""
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(RETURN_URL + "&")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_form_arrays_decode_to_lists_but_metadata_keeps_its_keys():
    assert decode_form("payment_method_types[0]=ideal&payment_method_types[1]=card&metadata[0]=x&a[b][c]=1") == {
        "payment_method_types": ["ideal", "card"], "metadata": {"0": "x"}, "a": {"b": {"c": "1"}}}


def test_an_intent_is_created_and_retrieved_as_stripe_shapes_it(sandbox):
    intent = sandbox.intent(1250, ("ideal",), metadata={"order": "o-1"}, description="Connection fee",
                            receipt_email="ada@example.org")

    assert intent.id.startswith("pi_") and intent.object == "payment_intent"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert (intent.status, intent.amount, intent.currency, intent.payment_method_types) == (
        "requires_payment_method", 1250, "eur", ["ideal"])
    assert (intent.amount_received, intent.latest_charge, intent.next_action, intent.livemode) == (0, None, None, False)
    assert intent.metadata.to_dict() == {"order": "o-1"}
    assert sandbox.client.v1.payment_intents.retrieve(intent.id).to_dict() == intent.to_dict()
    assert sandbox.intent(types=()).payment_method_types == ["card"]


def test_too_small_an_amount_is_refused_naming_the_param(sandbox):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sandbox.intent(49)
    assert (refused.value.http_status, refused.value.param, refused.value.code) == (400, "amount", "amount_too_small")


def test_the_same_idempotency_key_returns_the_same_intent(sandbox):
    create = sandbox.client.v1.payment_intents.create
    params = {"amount": 5000, "currency": "eur"}
    first = create(params=params, options={"idempotency_key": "order-42"})
    count = len(sandbox.standin.intents)

    again = create(params=params, options={"idempotency_key": "order-42"})

    assert again.id == first.id and len(sandbox.standin.intents) == count
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError):
        create(params={**params, "amount": 6000}, options={"idempotency_key": "order-42"})


def test_a_key_still_in_use_gets_a_conflict_and_later_the_first_answer(sandbox):
    intent = sandbox.intent()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": sandbox.page("")}, max_network_retries=0)
    pay = {"params": {"payment_method": "pm_card_visa"}, "options": {"idempotency_key": f"pay-{intent.id}"}}
    answers: list[Any] = []
    sandbox.receiver.open.clear()
    sandbox.receiver.arrived.clear()
    first = threading.Thread(target=lambda: answers.append(client.v1.payment_intents.confirm(intent.id, **pay)))
    first.start()
    try:
        assert sandbox.receiver.arrived.wait(10)  # the first confirmation is delivering its webhooks
        with pytest.raises(stripe.APIError) as conflict:
            client.v1.payment_intents.confirm(intent.id, **pay)
        assert (conflict.value.http_status, conflict.value.error.code) == (409, "idempotency_key_in_use")
    finally:
        sandbox.receiver.open.set()
        first.join(10)

    assert answers[0].status == "succeeded"
    assert client.v1.payment_intents.confirm(intent.id, **pay).to_dict() == answers[0].to_dict()


def test_a_test_card_pays_at_once_and_both_events_arrive_signed(sandbox):
    intent = sandbox.paid(1000)

    assert (intent.status, intent.amount_received) == ("succeeded", 1000)
    charge = sandbox.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.object, charge.status, charge.paid, charge.captured, charge.amount_captured) == (
        "charge", "succeeded", True, True, 1000)
    assert charge.payment_method_details.to_dict() == {"type": "card", "card": {"brand": "visa", "last4": "4242"}}
    assert (charge.payment_intent, charge.metadata.to_dict(), charge.refunded) == (intent.id, {"invoice": "inv-1"},
                                                                                   False)
    assert sandbox.receiver.about(intent.id)[-2:] == ["charge.succeeded", "payment_intent.succeeded"]
    assert sandbox.receiver.last("payment_intent.succeeded", intent.id)["data"]["object"]["latest_charge"] == charge.id
    assert sandbox.receiver.rejected == 0
    assert sandbox.receiver.about(intent.id, "/identity") == []


@pytest.mark.parametrize(("card", "decline_code"), [("pm_card_chargeDeclined", "generic_decline"),
                                                    ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds")])
def test_a_declined_card_raises_a_card_error_and_the_intent_waits_for_another(sandbox, card, decline_code):
    intent = sandbox.intent()

    with pytest.raises(stripe.CardError) as declined:
        sandbox.client.v1.payment_intents.confirm(intent.id, params={"payment_method": card})

    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (402, "card_declined", decline_code)
    assert error.error.payment_intent.id == intent.id
    assert error.error.payment_intent.status == "requires_payment_method"
    after = sandbox.client.v1.payment_intents.retrieve(intent.id)
    assert (after.status, after.last_payment_error.decline_code) == ("requires_payment_method", decline_code)
    assert sandbox.receiver.about(intent.id)[-2:] == ["charge.failed", "payment_intent.payment_failed"]
    retried = sandbox.client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_mastercard"})
    assert (retried.status, retried.last_payment_error) == ("succeeded", None)


def test_ideal_redirects_to_the_bank_which_approves_and_sends_the_shopper_back(sandbox):
    intent = sandbox.intent(2500, ("ideal",))

    confirmed = sandbox.client.v1.payment_intents.confirm(intent.id, params={
        "payment_method_data": {"type": "ideal", "ideal": {"bank": "rabobank"}}, "return_url": RETURN_URL})

    assert confirmed.status == "requires_action"
    assert confirmed.next_action.to_dict() == {"type": "redirect_to_url", "redirect_to_url": {
        "url": sandbox.page(f"/bank/{intent.id}"), "return_url": RETURN_URL}}
    assert "Approve at the bank" in requests.get(confirmed.next_action.redirect_to_url.url, timeout=10).text
    back = requests.post(sandbox.page(f"/bank/{intent.id}/submit"), data={"outcome": "approve"},
                         allow_redirects=False, timeout=10)
    assert _redirected(back) == {"order": "7", "payment_intent": intent.id,
                                 "payment_intent_client_secret": intent.client_secret, "redirect_status": "succeeded"}
    paid = sandbox.client.v1.payment_intents.retrieve(intent.id)
    assert (paid.status, paid.amount_received, paid.next_action) == ("succeeded", 2500, None)
    charge = sandbox.client.v1.charges.retrieve(paid.latest_charge)
    assert charge.payment_method_details.to_dict() == {"type": "ideal", "ideal": {"bank": "rabobank"}}
    assert sandbox.receiver.about(intent.id)[-3:] == [
        "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded"]


def test_a_refusal_at_the_bank_leaves_the_intent_without_a_payment(sandbox):
    intent = sandbox.intent(types=("ideal",))
    sandbox.client.v1.payment_intents.confirm(intent.id, params={"payment_method_data": {"type": "ideal"},
                                                                 "return_url": RETURN_URL})

    back = requests.post(sandbox.page(f"/bank/{intent.id}/submit"), data={"outcome": "refuse", "bank": "ing"},
                         allow_redirects=False, timeout=10)

    assert _redirected(back)["redirect_status"] == "failed"
    after = sandbox.client.v1.payment_intents.retrieve(intent.id)
    assert (after.status, after.latest_charge, after.next_action) == ("requires_payment_method", None, None)
    assert after.last_payment_error.code == "payment_intent_authentication_failure"
    assert sandbox.receiver.about(intent.id)[-1] == "payment_intent.payment_failed"
    again = requests.post(sandbox.page(f"/bank/{intent.id}/submit"), data={"outcome": "approve"},
                          allow_redirects=False, timeout=10)
    assert again.status_code == 400


def test_a_confirmation_stripe_would_refuse_is_refused_the_same_way(sandbox):
    ideal, card = sandbox.intent(types=("ideal",)), sandbox.intent()
    confirm = sandbox.client.v1.payment_intents.confirm
    for intent_id, params, param in [
            (ideal.id, {"payment_method_data": {"type": "ideal"}}, "return_url"),
            (ideal.id, {"payment_method": "pm_card_visa"}, "payment_method"),
            (card.id, {"payment_method": "pm_card_unknown"}, "payment_method")]:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            confirm(intent_id, params=params)
        assert (refused.value.http_status, refused.value.param) == (400, param)


def test_the_checkout_page_pays_by_card_and_needs_the_client_secret(sandbox):
    intent = sandbox.intent(1999, ("ideal", "card"), description="Deposit for <Ada>")
    query = {"client_secret": intent.client_secret, "return_url": RETURN_URL}

    page = requests.get(sandbox.page(f"/pay/{intent.id}"), params=query, timeout=10)
    assert page.status_code == 200 and "€19.99" in page.text and "Deposit for &lt;Ada&gt;" in page.text
    assert "Approve at the bank" in page.text and "Pay with test card 4242" in page.text
    for path in (f"/pay/{intent.id}", f"/pay/{intent.id}/submit"):
        wrong = requests.post(sandbox.page(path), params={**query, "client_secret": f"{intent.id}_secret_wrong"},
                              data={"method": "card", "outcome": "approve"}, allow_redirects=False, timeout=10)
        assert wrong.status_code == 403
    assert sandbox.client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"

    back = requests.post(sandbox.page(f"/pay/{intent.id}/submit"), params=query,
                         data={"method": "card", "outcome": "approve"}, allow_redirects=False, timeout=10)

    assert _redirected(back)["redirect_status"] == "succeeded"
    assert sandbox.client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_refunds_take_part_then_the_rest_and_no_more(sandbox):
    intent = sandbox.paid(1000)
    refunds = sandbox.client.v1.refunds

    part = refunds.create(params={"payment_intent": intent.id, "amount": 300, "reason": "requested_by_customer"})
    assert (part.object, part.amount, part.status, part.charge, part.payment_intent) == (
        "refund", 300, "succeeded", intent.latest_charge, intent.id)
    charge = sandbox.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (300, False)
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        refunds.create(params={"charge": charge.id, "amount": 701})
    assert (too_much.value.param, too_much.value.code) == ("amount", "amount_too_large")

    rest = refunds.create(params={"charge": charge.id})

    assert rest.amount == 700
    charge = sandbox.client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.amount_refunded, charge.refunded, charge.refunds.total_count) == (1000, True, 2)
    assert sandbox.receiver.about(intent.id)[-4:] == ["charge.refunded", "refund.created"] * 2
    first = [e for _, e in sandbox.receiver.events if e["type"] == "charge.refunded"
             and e["data"]["object"]["id"] == charge.id][0]
    assert first["data"]["object"]["amount_refunded"] == 300  # the charge as it was then
    with pytest.raises(stripe.InvalidRequestError) as again:
        refunds.create(params={"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"


def test_an_intent_that_never_succeeded_has_nothing_to_refund(sandbox):
    intent = sandbox.intent()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sandbox.client.v1.refunds.create(params={"payment_intent": intent.id})
    assert intent.id in str(refused.value.user_message) and refused.value.http_status == 400


def test_a_dispute_marks_the_charge_and_sends_its_event(sandbox):
    intent = sandbox.paid(4200)

    dispute = sandbox.standin.dispute(intent.id, reason="product_not_received")

    assert (dispute["object"], dispute["amount"], dispute["status"], dispute["reason"], dispute["charge"]) == (
        "dispute", 4200, "needs_response", "product_not_received", intent.latest_charge)
    assert dispute["evidence_details"]["due_by"] > dispute["created"]
    assert sandbox.client.v1.charges.retrieve(intent.latest_charge).disputed is True
    assert sandbox.receiver.last("charge.dispute.created", dispute["id"])["data"]["object"] == dispute
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sandbox.client.v1.refunds.create(params={"payment_intent": intent.id})
    assert refused.value.code == "charge_disputed"


def test_a_disputes_funds_are_withdrawn_at_once_with_a_balance_transaction(sandbox):
    intent = sandbox.paid(4200)

    dispute = sandbox.standin.dispute(intent.id)

    assert sandbox.receiver.about(dispute["id"])[-2:] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    [withdrawal] = sandbox.receiver.last("charge.dispute.funds_withdrawn", dispute["id"])["data"]["object"][
        "balance_transactions"]
    assert (withdrawal["object"], withdrawal["amount"], withdrawal["reporting_category"], withdrawal["source"]) == (
        "balance_transaction", -4200, "dispute", dispute["id"])
    assert withdrawal["net"] == -4200 - withdrawal["fee"]
    retrieved = sandbox.client.v1.disputes.retrieve(dispute["id"])
    assert retrieved.to_dict() == dispute and retrieved.payment_intent == intent.id


def test_evidence_is_staged_then_submitted_once_and_the_dispute_is_then_under_review(sandbox):
    dispute = sandbox.standin.dispute(sandbox.paid(4200).id)
    disputes = sandbox.client.v1.disputes

    staged = disputes.update(dispute["id"], params={"evidence": {"customer_name": "Ada Lovelace"}, "submit": False})

    assert (staged.status, staged.evidence.customer_name) == ("needs_response", "Ada Lovelace")
    assert (staged.evidence_details.has_evidence, staged.evidence_details.submission_count) == (True, 0)
    assert sandbox.receiver.last("charge.dispute.updated", dispute["id"])["data"]["object"]["status"] == \
        "needs_response"

    evidence = {"product_description": "Fibre 100, October", "uncategorized_text": "Used every day."}
    key = {"idempotency_key": f"evidence-{dispute['id']}"}
    submitted = disputes.update(dispute["id"], params={"evidence": evidence}, options=key)
    again = disputes.update(dispute["id"], params={"evidence": evidence}, options=key)

    assert (submitted.status, submitted.evidence_details.submission_count) == ("under_review", 1)
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    stored = sandbox.standin.disputes[dispute["id"]]
    assert stored["evidence_details"]["submission_count"] == 1
    assert {k: v for k, v in stored["evidence"].items() if v} == {"customer_name": "Ada Lovelace", **evidence}
    assert sandbox.receiver.last("charge.dispute.updated", dispute["id"])["data"]["object"]["status"] == \
        "under_review"


@pytest.mark.parametrize(("evidence", "param", "code"), [
    ({"favourite_colour": "blue"}, "evidence[favourite_colour]", "parameter_unknown"),
    ({"customer_signature": "signed on the dotted line"}, "evidence[customer_signature]", "resource_missing"),
    ({"uncategorized_text": "x" * 150_001}, "evidence", None),
])
def test_evidence_stripe_would_not_take_is_refused_naming_the_param(sandbox, evidence, param, code):
    dispute = sandbox.standin.dispute(sandbox.paid().id)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        sandbox.client.v1.disputes.update(dispute["id"], params={"evidence": evidence})

    assert (refused.value.http_status, refused.value.param, refused.value.code) == (400, param, code)
    assert sandbox.standin.disputes[dispute["id"]]["evidence_details"]["submission_count"] == 0


def test_the_bank_decides_for_the_business_the_funds_come_back_then_it_closes(sandbox):
    dispute = sandbox.standin.dispute(sandbox.paid(4200).id)

    won = sandbox.standin.decide_dispute(dispute["id"], "won")

    assert won["status"] == "won"
    assert [t["amount"] for t in won["balance_transactions"]] == [-4200, 4200]
    assert sandbox.receiver.about(dispute["id"])[-2:] == ["charge.dispute.funds_reinstated", "charge.dispute.closed"]
    with pytest.raises(ValueError):
        sandbox.standin.decide_dispute(dispute["id"], "lost")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sandbox.client.v1.disputes.update(dispute["id"], params={"evidence": {"customer_name": "Late"}})
    assert refused.value.param == "evidence"


def test_the_bank_decides_for_the_payer_and_only_closes_it(sandbox):
    dispute = sandbox.standin.dispute(sandbox.paid(4200).id)

    lost = sandbox.standin.decide_dispute(dispute["id"], "lost")

    assert lost["status"] == "lost" and [t["amount"] for t in lost["balance_transactions"]] == [-4200]
    assert sandbox.receiver.about(dispute["id"])[-1] == "charge.dispute.closed"
    assert sandbox.receiver.last("charge.dispute.closed", dispute["id"])["data"]["object"]["status"] == "lost"


def test_accepting_a_dispute_loses_it_once(sandbox):
    dispute = sandbox.standin.dispute(sandbox.paid(4200).id)

    accepted = sandbox.client.v1.disputes.close(dispute["id"])

    assert accepted.status == "lost"
    assert sandbox.receiver.last("charge.dispute.closed", dispute["id"])["data"]["object"]["status"] == "lost"
    with pytest.raises(stripe.InvalidRequestError):
        sandbox.client.v1.disputes.close(dispute["id"])
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sandbox.client.v1.disputes.close("dp_nothing")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_a_canceled_intent_can_no_longer_be_paid_and_a_paid_one_not_canceled(sandbox):
    intent = sandbox.intent()
    intents = sandbox.client.v1.payment_intents

    canceled = intents.cancel(intent.id, params={"cancellation_reason": "abandoned"})

    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned") and canceled.canceled_at
    assert sandbox.receiver.about(intent.id)[-1] == "payment_intent.canceled"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    assert refused.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        intents.cancel(sandbox.paid().id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_an_unknown_intent_is_a_missing_resource(sandbox):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sandbox.client.v1.payment_intents.retrieve("pi_x")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.user_message == "No such payment_intent: 'pi_x'"
    assert requests.get(sandbox.page("/pay/pi_x"), timeout=10).status_code == 404


def test_complete_payment_settles_as_the_person_did_and_events_can_be_sent_again(sandbox):
    intent = sandbox.intent(types=("ideal",))
    failed = sandbox.standin.complete_payment(intent.id, outcome="failed")
    assert failed["status"] == "requires_payment_method"
    paid = sandbox.standin.complete_payment(intent.id, method="ideal", bank="abn_amro")
    assert (paid["status"], sandbox.standin.charges[paid["latest_charge"]]["payment_method_details"]["ideal"]) == (
        "succeeded", {"bank": "abn_amro"})
    event_id = sandbox.receiver.last("payment_intent.succeeded", intent.id)["id"]
    assert sandbox.client.v1.events.retrieve(event_id).type == "payment_intent.succeeded"

    assert sandbox.standin.redeliver(event_id, times=2) == [200, 200]

    assert [e["id"] for _, e in sandbox.receiver.events].count(event_id) == 3
    with pytest.raises(ValueError):
        sandbox.standin.complete_payment(intent.id)


def test_identity_events_still_go_to_the_identity_endpoint_only(sandbox):
    session = sandbox.client.v1.identity.verification_sessions.create(params={
        "type": "document", "provided_details": {"email": "ada@example.org"}})

    event = sandbox.standin.complete_identity(session.id)

    assert event["type"] == "identity.verification_session.verified"
    assert sandbox.receiver.about(session.id, "/identity") == ["identity.verification_session.verified"]
    assert sandbox.receiver.about(session.id) == []
