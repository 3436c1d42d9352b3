"""Paying an invoice at once with iDEAL or a card, through the Stripe stand-in and its signed
webhooks: paid as soon as the event is processed, each event one effect however it arrives."""

from __future__ import annotations

import random
import threading

import pytest
import requests

from infra.local.runtime import STRIPE
from infra.local.sandbox.stripe.wire import FORGERIES, forged_delivery
from tests.conftest import TableWrites, bill, give_product

SECRET = STRIPE["payments_webhook_secret"]


@pytest.fixture
def invoice(cloud, customer) -> dict:
    """An open October invoice of EUR 42.50 (fibre)."""
    give_product(customer, "FIBRE-100")
    return bill(cloud, customer)


def _pay(customer, invoice: dict, **body) -> dict:
    response = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _read(customer, invoice: dict) -> dict:
    return customer.get(f"/me/invoices/{invoice['invoice_id']}").json()


def _ledger_kinds(customer) -> list[str]:
    from opencounter.billing.ledger import ledger

    return sorted(t["kind"] for t in ledger(customer.customer_id))


def _endpoint(cloud) -> str:
    return f"{cloud.url}/webhooks/stripe"


def test_an_invoice_paid_with_ideal_is_paid_at_once_on_every_channel(cloud, customer, agent, invoice):
    # When the customer starts paying
    checkout = _pay(customer, invoice, method="ideal")

    # Then the client gets what it needs to complete it, for the whole amount
    assert checkout["amount_cents"] == 4250 and checkout["currency"] == "EUR"
    assert checkout["payment_method_types"] == ["ideal"]
    assert checkout["client_secret"].startswith(checkout["payment_id"])
    assert checkout["status"] == "requires_payment_method"

    # When the customer approves the payment at their bank (the stand-in's test bank page)
    page = requests.get(checkout["checkout_url"], timeout=10)
    assert page.status_code == 200 and "42.50" in page.text
    submit = checkout["checkout_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/paid"
    answer = requests.post(submit, data={"method": "ideal", "bank": "rabobank", "outcome": "approve"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and "redirect_status=succeeded" in answer.headers["Location"]

    # Then the invoice is paid, for the customer and for staff, with the payment in its history
    paid = _read(customer, invoice)
    assert paid["status"] == "paid" and paid["balance_cents"] == 0 and paid["paid_cents"] == 4250
    [payment] = paid["payments"]
    assert (payment["status"], payment["received_cents"], payment["method"]) == ("succeeded", 4250, "ideal")
    assert agent.get(f"/agent/customers/{customer.customer_id}/invoices/{invoice['invoice_id']}").json()[
        "status"] == "paid"
    # And the timeline says so, and the ledger booked it once, the customer owing nothing
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert "InvoicePaid" in types and "PaymentReceived" in types
    from opencounter.billing.ledger import balances

    assert _ledger_kinds(customer) == ["invoice_issued", "payment_received"]
    assert balances(customer.customer_id)["receivable"] == 0
    # And there is nothing more to pay
    again = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={})
    assert again.status_code == 409


def test_asking_to_pay_twice_gives_the_same_payment_not_a_second_charge(cloud, customer, invoice):
    first = _pay(customer, invoice)
    second = _pay(customer, invoice)
    assert second["payment_id"] == first["payment_id"]
    assert first["payment_method_types"] == ["ideal", "card"]
    # Choosing another method replaces the unfinished payment (the old one is cancelled at Stripe)
    by_card = _pay(customer, invoice, method="card")
    assert by_card["payment_id"] != first["payment_id"]
    assert cloud.stripe.intents[first["payment_id"]]["status"] == "canceled"
    # And the invoice's history shows both attempts as they are
    history = {p["payment_id"]: p for p in _read(customer, invoice)["payments"]}
    assert history[by_card["payment_id"]]["method"] == "card"
    assert history[by_card["payment_id"]]["status"] == "pending"
    assert history[first["payment_id"]]["status"] == "canceled"


def test_a_declined_card_leaves_the_invoice_open_and_tells_the_customer(cloud, customer, invoice):
    checkout = _pay(customer, invoice, method="card")
    cloud.stripe.complete_payment(checkout["payment_id"], outcome="failed", method="card")

    after = _read(customer, invoice)
    assert after["status"] in ("open", "overdue") and after["balance_cents"] == 4250
    [payment] = after["payments"]
    assert payment["status"] == "failed" and "declined" in payment["last_error"]
    assert any(e["type"] == "PaymentFailed" for e in customer.get("/me/timeline").json()["items"])
    assert any(m["subject"] == "Uw betaling is niet gelukt" for m in cloud.cloud.mailbox(customer.email))
    # And the same payment can still be completed
    cloud.stripe.complete_payment(checkout["payment_id"], method="card")
    assert _read(customer, invoice)["status"] == "paid"


def test_the_same_webhook_ten_times_in_every_order_has_one_effect(cloud, customer, invoice):
    # Given a paid invoice (its events delivered once already)
    checkout = _pay(customer, invoice)
    cloud.stripe.complete_payment(checkout["payment_id"])
    succeeded = next(e for e in cloud.stripe.events.values() if e["type"] == "payment_intent.succeeded"
                     and e["data"]["object"]["id"] == checkout["payment_id"])
    others = [e for e in cloud.stripe.events.values() if e["data"]["object"].get("payment_intent")
              == checkout["payment_id"] or e["data"]["object"].get("id") == checkout["payment_id"]]
    writes = TableWrites(cloud)

    # When it is delivered ten times in a row, ten times at once, and shuffled among the others
    assert set(cloud.stripe.redeliver(succeeded["id"], times=10)) == {200}
    threads = [threading.Thread(target=cloud.stripe.deliver, args=(_endpoint(cloud), SECRET, succeeded))
               for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mixed = [succeeded] * 10 + others
    random.Random(7).shuffle(mixed)
    for event in mixed:
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, event) == 200

    # Then nothing was written: the one effect happened on the first delivery
    assert writes.since() == []
    assert _ledger_kinds(customer) == ["invoice_issued", "payment_received"]
    assert _read(customer, invoice)["paid_cents"] == 4250


def test_paying_again_before_the_first_payments_webhook_is_in_never_charges_twice(cloud, customer, invoice):
    # Given a payment the bank approved whose webhook has not come in yet
    checkout = _pay(customer, invoice)
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, [w for w in cloud.stripe.webhooks
                                                              if "/webhooks/stripe" not in w[0]]
    try:
        cloud.stripe.complete_payment(checkout["payment_id"])
        # When the customer pays again (another tab, or the page not yet up to date)
        again = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"})
    finally:
        cloud.stripe.webhooks = webhooks

    # Then they are told it is being processed, and no second charge is made
    assert again.status_code == 409 and again.json()["reason"] == "payment_processing"
    intents = [i for i in cloud.stripe.payments.intents.values()
               if (i.get("metadata") or {}).get("invoice_id") == invoice["invoice_id"]]
    assert [i["id"] for i in intents] == [checkout["payment_id"]]
    # And once the webhook is in, the invoice is paid once
    for event in [e for e in cloud.stripe.events.values() if e["type"] == "payment_intent.succeeded"
                  and e["data"]["object"]["id"] == checkout["payment_id"]]:
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, event) == 200
    cloud.cloud.settle()
    after = _read(customer, invoice)
    assert (after["status"], after["paid_cents"]) == ("paid", 4250)


def test_events_arriving_out_of_order_end_in_the_right_state(cloud, customer, invoice):
    from opencounter.billing.ledger import balances

    # Given a payment that succeeded and was then refunded in full, its webhooks held back
    checkout = _pay(customer, invoice)
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, [w for w in cloud.stripe.webhooks
                                                              if "/webhooks/stripe" not in w[0]]
    try:
        cloud.stripe.complete_payment(checkout["payment_id"])
        import stripe

        stripe.StripeClient(STRIPE["secret_key"], base_addresses={
            "api": f"{cloud.url}{cloud.stripe.PREFIX}"}).v1.refunds.create(
            params={"payment_intent": checkout["payment_id"]})
    finally:
        cloud.stripe.webhooks = webhooks
    by_type = {e["type"]: e for e in cloud.stripe.events.values()
               if checkout["payment_id"] in (e["data"]["object"].get("id"), e["data"]["object"].get("payment_intent"))}

    # When the refund arrives first, then the success
    for kind in ("charge.refunded", "payment_intent.succeeded", "charge.succeeded"):
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, by_type[kind]) == 200
    cloud.cloud.settle()

    # Then the money came in and went back: the invoice is open again, the ledger balanced
    after = _read(customer, invoice)
    assert after["paid_cents"] == 0 and after["balance_cents"] == 4250 and after["status"] in ("open", "overdue")
    [payment] = after["payments"]
    assert (payment["received_cents"], payment["refunded_cents"]) == (4250, 4250)
    assert _ledger_kinds(customer) == ["invoice_issued", "payment_received", "payment_refunded"]
    assert balances(customer.customer_id)["receivable"] == 4250
    assert balances(customer.customer_id)["payment_provider"] == 0


def test_a_disputed_payment_opens_the_invoice_again(cloud, customer, invoice):
    checkout = _pay(customer, invoice)
    cloud.stripe.complete_payment(checkout["payment_id"], method="card")
    cloud.stripe.dispute(checkout["payment_id"])

    after = _read(customer, invoice)
    assert after["balance_cents"] == 4250
    assert after["payments"][0]["disputed_cents"] == 4250
    disputed = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "PaymentDisputed"]
    assert disputed and disputed[0]["data"]["reason"] == "fraudulent"


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_webhook_with_a_bad_or_stale_signature_gets_400_and_writes_nothing(cloud, customer, invoice, forgery):
    # Given a real event about this invoice (the payment succeeded, delivery held back)
    checkout = _pay(customer, invoice)
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, []
    try:
        cloud.stripe.complete_payment(checkout["payment_id"])
    finally:
        cloud.stripe.webhooks = webhooks
    event = next(e for e in cloud.stripe.events.values() if e["type"] == "payment_intent.succeeded"
                 and e["data"]["object"]["id"] == checkout["payment_id"])
    payload, headers = forged_delivery(event, forgery, SECRET)
    writes = TableWrites(cloud)

    # When it is delivered
    response = requests.post(_endpoint(cloud), data=payload, headers=headers, timeout=10)

    # Then it is refused naming the header, and nothing is written
    assert response.status_code == 400
    assert response.json()["field"] == "Stripe-Signature"
    assert writes.since() == []
    assert _read(customer, invoice)["status"] in ("open", "overdue")


def test_paying_under_an_arrangement_pays_the_next_instalment(cloud, customer):
    give_product(customer, "FIBRE-1000")
    invoice = bill(cloud, customer)
    agreed = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 2})
    assert agreed.status_code == 201

    checkout = _pay(customer, invoice)
    assert checkout["amount_cents"] == 3000
    cloud.stripe.complete_payment(checkout["payment_id"])

    after = _read(customer, invoice)
    assert after["status"] == "in_arrangement" and after["paid_cents"] == 3000
    assert [i["paid"] for i in after["arrangement"]["instalments"]] == [True, False]
    second = _pay(customer, invoice)
    assert second["amount_cents"] == 3000 and second["payment_id"] != checkout["payment_id"]
    cloud.stripe.complete_payment(second["payment_id"])
    assert _read(customer, invoice)["status"] == "paid"


@pytest.mark.parametrize("body", [{"method": "bitcoin"}, {"return_url": "javascript:alert(1)"}, {"amount": 1},
                                  # not a URI (a letter a URI cannot hold, a space): the format is checked too
                                  {"return_url": "https://\u00cf"}, {"return_url": "https://shop example/paid"}])
def test_a_bad_payment_request_is_refused_naming_the_field(cloud, customer, invoice, body):
    writes = TableWrites(cloud)
    response = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json=body)
    assert response.status_code == 400
    assert response.json()["field"] == next(iter(body))
    assert writes.since() == []


def test_money_for_a_cancelled_invoice_is_paid_back(cloud, customer, invoice):
    from opencounter.billing.invoices import load_invoice
    from opencounter.billing.payments import void_invoice
    from opencounter.core.outbox import commit

    # Given a payment started, and then the invoice cancelled before the customer paid
    checkout = _pay(customer, invoice)
    commit(*void_invoice(load_invoice(customer.customer_id, invoice["invoice_id"]), "tests",
                         actor={"type": "system", "id": "tests"}))

    # When the payment goes through after all
    cloud.stripe.complete_payment(checkout["payment_id"])

    # Then it is refunded at once, and the invoice stays cancelled
    after = _read(customer, invoice)
    assert after["status"] == "void"
    assert (after["payments"][0]["received_cents"], after["payments"][0]["refunded_cents"]) == (4250, 4250)


def _intent_event(customer, invoice: dict, *, intent: str, amount: int, received: int, attempt: str = "1") -> dict:
    """A payment_intent.succeeded event as Stripe sends it (the stand-in signs it on delivery)."""
    return {"id": f"evt_{intent}", "object": "event", "type": "payment_intent.succeeded", "api_version": "2026-01-28",
            "created": 1795000000, "livemode": False, "data": {"object": {
                "id": intent, "object": "payment_intent", "amount": amount, "amount_received": received,
                "currency": "eur", "status": "succeeded", "metadata": {
                    "customer_id": customer.customer_id, "invoice_id": invoice["invoice_id"], "attempt": attempt}}}}


def test_a_payment_this_system_did_not_start_pays_nothing(cloud, customer, invoice):
    # Given a rightly signed event about an intent that was never made here, naming the invoice
    writes = TableWrites(cloud)
    unknown = _intent_event(customer, invoice, intent="pi_made_elsewhere", amount=4250, received=4250)

    # Then it is answered (Stripe would retry otherwise) and nothing is paid or written
    assert cloud.stripe.deliver(_endpoint(cloud), SECRET, unknown) == 200
    assert writes.since() == []
    assert _read(customer, invoice)["paid_cents"] == 0

    # Nor does one for our own intent, claiming another amount than it was made for
    checkout = _pay(customer, invoice)
    writes = TableWrites(cloud)
    inflated = _intent_event(customer, invoice, intent=checkout["payment_id"], amount=425000, received=425000)
    assert cloud.stripe.deliver(_endpoint(cloud), SECRET, inflated) == 200
    assert writes.since() == []

    # And once the invoice is paid, another made-up payment does not pay it twice
    cloud.stripe.complete_payment(checkout["payment_id"])
    assert _read(customer, invoice)["status"] == "paid"
    again = _intent_event(customer, invoice, intent="pi_again", amount=4250, received=4250, attempt="2")
    assert cloud.stripe.deliver(_endpoint(cloud), SECRET, again) == 200
    assert _read(customer, invoice)["paid_cents"] == 4250
    assert _ledger_kinds(customer) == ["invoice_issued", "payment_received"]


def test_an_intent_made_by_a_request_that_died_before_storing_it_is_still_ours(cloud, customer, invoice, monkeypatch):
    from opencounter.billing import payments

    # Given a request that made the intent at the provider and died before storing it
    real_commit, made = payments.commit, []

    def dies_storing_the_payment(writes, events):
        if any(type(w.model).__name__ == "Payment" for w in writes):
            made.append(True)
            raise RuntimeError("the process died")
        return real_commit(writes, events)

    monkeypatch.setattr(payments, "commit", dies_storing_the_payment)
    assert customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"}).status_code == 500
    monkeypatch.undo()
    [intent] = [i for i in cloud.stripe.payments.intents.values()
                if i["metadata"].get("invoice_id") == invoice["invoice_id"]]

    # When the customer still completes it (the client had it) and Stripe reports it
    cloud.stripe.complete_payment(intent["id"], method="card")

    # Then it pays the invoice, for the amount reserved before the intent was made
    after = _read(customer, invoice)
    assert made and after["status"] == "paid" and after["paid_cents"] == 4250
    assert [p["payment_id"] for p in after["payments"]] == [intent["id"]]
