"""A payment the customer's bank disputes at Stripe (a chargeback) is a dispute of the customer's,
linked to the invoice: the amount on hold while the bank decides, the evidence we hold sent to the
bank once, and the bank's decision booked in the ledger. Each of Stripe's events has one effect,
however often and in whatever order it arrives."""

from __future__ import annotations

import pytest
import requests
import stripe

from infra.local.runtime import STRIPE
from infra.local.sandbox.stripe.wire import FORGERIES, forged_delivery
from tests.conftest import TableWrites, bill, send_usage, usage

SECRET = STRIPE["payments_webhook_secret"]
SIGNED_FROM = "203.0.113.7"


def _signed_product(customer, plan_code: str) -> str:
    """A product the customer signed up for online: the signature kept as the sign-up keeps it."""
    import json
    import uuid

    from infra.local.template import ROOT
    from opencounter.customers.service import hold_product
    from opencounter.signups.records import SignatureEvidence

    catalogue = json.loads((ROOT / "catalogue" / "products.json").read_text())
    product, plan = next((p, plan) for p in catalogue["products"] for plan in p["plans"] if plan["code"] == plan_code)
    signup_id = str(uuid.uuid4())
    SignatureEvidence(*SignatureEvidence.keys(signup_id), terms_version="2026-11", terms_sha256="ab" * 32,
                      accepted_at="2026-01-01T09:30:00.000Z", ip=SIGNED_FROM, user_agent="Mozilla/5.0 (test)",
                      code_check={"method": "email_one_time_code", "sent_to": customer.email,
                                  "sent_at": "2026-01-01T09:28:00.000Z", "verified_at": "2026-01-01T09:30:00.000Z",
                                  "wrong_attempts": 0}).save()
    return hold_product(customer.customer_id, {
        "product_code": product["code"], "name": product["name"], "kind": product["kind"], "plan": plan["name"],
        "plan_code": plan_code, "catalogue_version": catalogue["version"], "started_at": "2026-01-01",
        "monthly_fee_cents": plan["monthly_fee_cents"], "signup_id": signup_id},
        actor={"type": "system", "id": "tests"}, channel="system")


@pytest.fixture
def paid(cloud, customer) -> dict:
    """An October invoice (mobile, with the month's use) paid by card: the invoice and its payment id."""
    product_id = _signed_product(customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, product_id, "data_mb", 1234))
    invoice = bill(cloud, customer)
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"})
    assert checkout.status_code == 201, checkout.text
    cloud.stripe.complete_payment(checkout.json()["payment_id"], method="card")
    assert _invoice(customer, invoice)["status"] == "paid"
    return {**invoice, "payment_id": checkout.json()["payment_id"]}


def _invoice(customer, invoice: dict) -> dict:
    return customer.get(f"/me/invoices/{invoice['invoice_id']}").json()


def _chargebacks(customer) -> list[dict]:
    return [d for d in customer.get("/me/disputes").json()["items"] if d["source"] == "provider"]


def _events_of(cloud, dispute: dict) -> dict[str, dict]:
    return {e["type"]: e for e in cloud.stripe.events.values() if e["data"]["object"].get("id") == dispute["id"]}


def _ledger(customer) -> list[str]:
    from opencounter.billing.ledger import ledger

    transactions = ledger(customer.customer_id)
    assert all(sum(e["amount_cents"] for e in t["entries"]) == 0 for t in transactions)
    return sorted(t["kind"] for t in transactions)


def _balances(customer) -> dict[str, int]:
    from opencounter.billing.ledger import balances

    return balances(customer.customer_id)


def _endpoint(cloud) -> str:
    return f"{cloud.url}/webhooks/stripe"


def test_a_chargeback_is_a_dispute_of_the_invoice_and_our_evidence_goes_to_the_bank_once(cloud, customer, paid):
    total = paid["total_cents"]

    # When the customer's bank disputes the payment, and Stripe sends the dispute twice more
    dispute = cloud.stripe.dispute(paid["payment_id"], reason="fraudulent")
    assert set(cloud.stripe.redeliver(_events_of(cloud, dispute)["charge.dispute.created"]["id"], times=2)) == {200}
    cloud.cloud.settle()

    # Then the customer sees one dispute, by their bank, linked to the invoice and the payment
    [mine] = _chargebacks(customer)
    assert (mine["status"], mine["invoice_id"], mine["reason"]) == ("with_provider", paid["invoice_id"], "not_mine")
    assert mine["transaction"] == {"kind": "payment", "invoice_id": paid["invoice_id"],
                                   "payment_id": paid["payment_id"], "amount_cents": total}
    assert [s["step"] for s in mine["steps"]] == ["charged_back", "evidence_sent"]
    assert mine["held_cents"] == total and mine["actions"]["appeal"] is False and mine["decision"] is None
    assert customer.get(f"/me/disputes/{mine['dispute_id']}").json() == {**mine, "evidence": []}
    # And the invoice is open again, the amount on hold while the bank decides: nothing to pay now
    invoice = _invoice(customer, paid)
    assert invoice["status"] in ("open", "overdue") and invoice["balance_cents"] == total
    assert (invoice["in_dispute_cents"], invoice["due_now_cents"], invoice["actions"]["pay"]) == (total, 0, False)
    assert invoice["payments"][0]["disputed_cents"] == total
    # And the money the bank took back is booked once, the ledger balanced
    assert _ledger(customer) == ["invoice_issued", "payment_disputed", "payment_received"]
    assert _balances(customer)["receivable"] == total
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert types.count("ChargebackFiled") == 1 and types.count("PaymentDisputed") == 1

    # And what we hold went to the bank once: who the customer is, what they signed, billed and used
    at_stripe = cloud.stripe.disputes[dispute["id"]]
    assert (at_stripe["status"], at_stripe["evidence_details"]["submission_count"]) == ("under_review", 1)
    evidence = at_stripe["evidence"]
    assert evidence["customer_email_address"] == customer.email
    assert evidence["customer_name"].startswith("Test Customer")
    assert evidence["billing_address"] == "Damrak 1, 1012 LG Amsterdam, NL"
    assert paid["invoice_id"] in evidence["product_description"]
    assert paid["lines"][0]["description"] in evidence["product_description"]
    assert evidence["service_date"].startswith("October 2026")
    assert evidence["customer_purchase_ip"] == SIGNED_FROM
    assert "one-time code" in evidence["uncategorized_text"] and "1,234 MB of data" in evidence["uncategorized_text"]

    # And the customer cannot dispute that payment a second time themselves
    again = customer.post("/me/disputes", json={"transaction": {"kind": "payment", "payment_id": paid["payment_id"]},
                                                "reason": "not_mine", "explanation": "Niet ik."})
    assert again.status_code == 409 and again.json()["reason"] == "payment_charged_back"


def test_a_chargeback_won_books_the_money_back_once_and_the_invoice_is_paid_again(cloud, customer, paid):
    total = paid["total_cents"]
    dispute = cloud.stripe.dispute(paid["payment_id"])
    cloud.cloud.settle()

    # When the bank decides for us, and Stripe sends its decision twice
    cloud.stripe.decide_dispute(dispute["id"], "won")
    events = _events_of(cloud, dispute)
    for kind in ("charge.dispute.funds_reinstated", "charge.dispute.closed"):
        assert cloud.stripe.redeliver(events[kind]["id"]) == [200]
    cloud.cloud.settle()

    # Then the dispute says the payment stands, and the invoice is paid again
    [mine] = _chargebacks(customer)
    assert (mine["status"], mine["held_cents"]) == ("won", 0)
    assert [(s["step"], s.get("outcome")) for s in mine["steps"]][-1] == ("decided", "won")
    invoice = _invoice(customer, paid)
    assert (invoice["status"], invoice["balance_cents"], invoice["in_dispute_cents"]) == ("paid", 0, 0)
    assert (invoice["payments"][0]["disputed_cents"], invoice["payments"][0]["reinstated_cents"]) == (total, total)
    # And the money back is booked once: the customer owes nothing, the provider holds it all again
    assert _ledger(customer) == ["invoice_issued", "payment_disputed", "payment_received", "payment_reinstated"]
    assert (_balances(customer)["receivable"], _balances(customer)["payment_provider"]) == (0, total)
    # And the customer is told, once
    subjects = [m["subject"] for m in cloud.cloud.mailbox(customer.email)]
    assert subjects.count("Uw bank besliste: de betaling blijft staan") == 1


def test_a_chargeback_lost_leaves_the_invoice_due_again(cloud, customer, paid):
    total = paid["total_cents"]
    dispute = cloud.stripe.dispute(paid["payment_id"])
    cloud.cloud.settle()

    cloud.stripe.decide_dispute(dispute["id"], "lost")
    cloud.cloud.settle()

    [mine] = _chargebacks(customer)
    assert (mine["status"], mine["held_cents"]) == ("lost", 0)
    invoice = _invoice(customer, paid)
    assert invoice["status"] in ("open", "overdue") and invoice["in_dispute_cents"] == 0
    assert (invoice["balance_cents"], invoice["due_now_cents"], invoice["actions"]["pay"]) == (total, total, True)
    assert _ledger(customer) == ["invoice_issued", "payment_disputed", "payment_received"]
    assert _balances(customer)["receivable"] == total
    assert any(m["subject"] == "Uw bank gaf u het bedrag terug" for m in cloud.cloud.mailbox(customer.email))


def test_chargeback_events_out_of_order_and_again_have_one_effect_each(cloud, customer, paid):
    total = paid["total_cents"]
    # Given a chargeback answered and won at Stripe while none of its events had come in
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, [w for w in cloud.stripe.webhooks
                                                              if "/webhooks/stripe" not in w[0]]
    try:
        dispute = cloud.stripe.dispute(paid["payment_id"])
        stripe.StripeClient(STRIPE["secret_key"], base_addresses={"api": f"{cloud.url}{cloud.stripe.PREFIX}"}) \
            .v1.disputes.update(dispute["id"], params={"evidence": {"uncategorized_text": "Used all month."}})
        cloud.stripe.decide_dispute(dispute["id"], "won")
    finally:
        cloud.stripe.webhooks = webhooks
    events = _events_of(cloud, dispute)

    # When the decision arrives first
    for kind in ("charge.dispute.closed", "charge.dispute.funds_reinstated"):
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, events[kind]) == 200
    cloud.cloud.settle()

    # Then the dispute is filed already decided, with the evidence Stripe reports, and nothing more
    # goes to the bank; the money out and back is booked once each
    [mine] = _chargebacks(customer)
    assert mine["status"] == "won"
    assert [s["step"] for s in mine["steps"]] == ["charged_back", "evidence_sent", "decided"]
    assert cloud.stripe.disputes[dispute["id"]]["evidence_details"]["submission_count"] == 1
    assert _ledger(customer) == ["invoice_issued", "payment_disputed", "payment_received", "payment_reinstated"]
    assert _invoice(customer, paid)["status"] == "paid"

    # When the earlier events follow, the update after the decision, and the decision again
    writes = TableWrites(cloud)
    for kind in ("charge.dispute.updated", "charge.dispute.created", "charge.dispute.funds_withdrawn",
                 "charge.dispute.closed"):
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, events[kind]) == 200
    cloud.cloud.settle()

    # Then nothing changes but the receipts of the events not seen before
    assert {r["dynamodb"]["NewImage"]["entity"]["S"] for r in writes.since()} == {"ProviderEventReceipt"}
    assert customer.get(f"/me/disputes/{mine['dispute_id']}").json() == {**mine, "evidence": []}
    invoice = _invoice(customer, paid)
    assert (invoice["status"], invoice["paid_cents"], invoice["in_dispute_cents"]) == ("paid", total, 0)
    assert _balances(customer)["receivable"] == 0


def test_a_chargeback_lost_before_it_was_heard_of_is_filed_lost_with_nothing_on_hold(cloud, customer, paid):
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, [w for w in cloud.stripe.webhooks
                                                              if "/webhooks/stripe" not in w[0]]
    try:
        dispute = cloud.stripe.dispute(paid["payment_id"])
        cloud.stripe.decide_dispute(dispute["id"], "lost")
    finally:
        cloud.stripe.webhooks = webhooks
    events = _events_of(cloud, dispute)

    for kind in ("charge.dispute.closed", "charge.dispute.created", "charge.dispute.funds_withdrawn"):
        assert cloud.stripe.deliver(_endpoint(cloud), SECRET, events[kind]) == 200
    cloud.cloud.settle()

    [mine] = _chargebacks(customer)
    assert (mine["status"], mine["held_cents"]) == ("lost", 0)
    assert [s["step"] for s in mine["steps"]] == ["charged_back", "decided"]
    assert cloud.stripe.disputes[dispute["id"]]["evidence_details"]["submission_count"] == 0
    invoice = _invoice(customer, paid)
    assert (invoice["in_dispute_cents"], invoice["due_now_cents"]) == (0, paid["total_cents"])
    assert _ledger(customer) == ["invoice_issued", "payment_disputed", "payment_received"]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_chargeback_event_is_refused_and_writes_nothing(cloud, customer, paid, forgery):
    webhooks, cloud.stripe.webhooks = cloud.stripe.webhooks, []
    try:
        dispute = cloud.stripe.dispute(paid["payment_id"])
    finally:
        cloud.stripe.webhooks = webhooks
    payload, headers = forged_delivery(_events_of(cloud, dispute)["charge.dispute.created"], forgery, SECRET)
    writes = TableWrites(cloud)

    response = requests.post(_endpoint(cloud), data=payload, headers=headers, timeout=10)

    assert response.status_code == 400 and response.json()["field"] == "Stripe-Signature"
    assert writes.since() == []
    assert _chargebacks(customer) == [] and _invoice(customer, paid)["status"] == "paid"
    assert cloud.stripe.disputes[dispute["id"]]["evidence_details"]["submission_count"] == 0


def test_a_chargeback_of_a_cancelled_invoice_is_accepted_not_contested(cloud, customer, paid):
    from opencounter.billing.invoices import load_invoice
    from opencounter.billing.payments import void_invoice
    from opencounter.core.outbox import commit

    # Given the paid invoice was cancelled (nothing is owed on it)
    commit(*void_invoice(load_invoice(customer.customer_id, paid["invoice_id"]), "tests",
                         actor={"type": "system", "id": "tests"}))

    # When the customer's bank disputes the payment
    dispute = cloud.stripe.dispute(paid["payment_id"])
    cloud.cloud.settle()

    # Then we accept it at Stripe instead of sending evidence, and the customer sees it so
    at_stripe = cloud.stripe.disputes[dispute["id"]]
    assert (at_stripe["status"], at_stripe["evidence_details"]["submission_count"]) == ("lost", 0)
    [mine] = _chargebacks(customer)
    assert mine["status"] == "lost" and [s["step"] for s in mine["steps"]] == ["charged_back", "accepted", "decided"]
    assert _invoice(customer, paid)["status"] == "void"
    assert _ledger(customer) == ["invoice_issued", "invoice_voided", "payment_disputed", "payment_received"]
    assert _balances(customer)["receivable"] == 0
