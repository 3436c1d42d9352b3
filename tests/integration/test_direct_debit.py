"""Paying by direct debit (SEPA automatische incasso), through the Stripe stand-in and its signed
webhooks: the customer gives a mandate at the bank's page; each invoice issued after is announced
with its collection day (the pre-notification, 14 days ahead) and collected on that day by the daily
run, once however often or however many runs come; the bank's answer comes as webhooks: paid, or
returned (the invoice open again, the customer told why and offered to pay at once). Nothing is
collected of what is paid, held in a dispute or spread in an arrangement, before its day, or without
the mandate in force. The IBAN the customer typed is nowhere but at the bank.

The daily run is invoked as its schedule fires it, its clock set to the morning of each day; the
invoices are of months of 2024 (held since 2024), so no other test's invoice is collected on these days."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import requests

from bench.samples import at_once
from infra.local.runtime import STRIPE
from tests.conftest import Caller, TableWrites, bill, give_product, new_customer, run_reminders, verified_phone

SECRET = STRIPE["payments_webhook_secret"]
#: the customer's account: a valid Dutch IBAN (Stripe's test IBAN), typed on the bank's page only
IBAN = "NL39RABO0300065264"
MASKED = "NL** **** **** **52 64"
SINCE = "2024-01-01"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def today(clock, monkeypatch):
    """Direct debit's own idea of today follows the test's clock (the announcement's day, the run's)."""
    def business_today() -> date:
        return clock().astimezone(AMSTERDAM).date()

    monkeypatch.setattr("opencounter.billing.mandates.business_today", business_today)
    monkeypatch.setattr("opencounter.billing.debits.business_today", business_today)
    return clock


def _on(clock, day: date, hour: int = 9) -> None:
    clock.set(datetime.combine(day, time(hour), AMSTERDAM))


def _give_mandate(cloud, customer: Caller) -> dict:
    """The customer sets up direct debit: the bank's page (the stand-in's test bank), IBAN typed, accepted."""
    started = customer.post("/me/direct-debit/mandates")
    assert started.status_code == 201, started.text
    setup = started.json()
    assert setup["status"] == "pending" and setup["iban"] is None and setup["confirm_url"]
    page = requests.get(setup["confirm_url"], timeout=10)
    assert page.status_code == 200 and "IBAN" in page.text
    submit = setup["confirm_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/back"
    answer = requests.post(submit, data={"name": "Test Klant", "iban": IBAN, "outcome": "accept"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and "redirect_status=succeeded" in answer.headers["Location"]
    cloud.cloud.settle()
    return customer.get("/me/direct-debit").json()


def _invoice(cloud, customer: Caller, clock, period: str = "2024-03") -> dict:
    """The month's invoice of fibre (EUR 42.50), issued on the 1st of the next month."""
    give_product(customer, "FIBRE-100", started_at=SINCE)
    year, month = (int(p) for p in period.split("-"))
    _on(clock, date(year + month // 12, month % 12 + 1, 1), 6)
    return bill(cloud, customer, period)


def _read(customer: Caller, invoice: dict) -> dict:
    return customer.get(f"/me/invoices/{invoice['invoice_id']}").json()


def _debits(cloud, invoice: dict) -> list[dict]:
    """The PaymentIntents made at the provider for the invoice."""
    return [i for i in cloud.stripe.intents.values() if i["metadata"].get("invoice_id") == invoice["invoice_id"]]


def _mails(cloud, customer: Caller, invoice: dict) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if invoice["invoice_id"] in m["subject"]]


def _run(cloud, clock, day: date) -> None:
    run_reminders(cloud, clock, day)


def _at_the_bank(cloud, customer: Caller, clock) -> tuple[dict, dict]:
    """A mandate given, the March invoice announced and, on its day (15 April 2024), collected: the
    invoice and its debit, processing at the bank."""
    _on(clock, date(2024, 3, 20))
    _give_mandate(cloud, customer)
    invoice = _invoice(cloud, customer, clock)
    _run(cloud, clock, date(2024, 4, 15))
    [debit] = _debits(cloud, invoice)
    return invoice, debit


def test_a_mandate_given_collects_the_next_invoice_once_on_its_announced_day(cloud, customer, agent, today):
    # Given the customer gives a mandate at their bank's page
    _on(today, date(2024, 3, 20))
    given = _give_mandate(cloud, customer)

    # Then they pay by direct debit from their account, masked, and staff see the same
    assert given["method"] == "direct_debit"
    mandate = given["mandate"]
    assert (mandate["status"], mandate["iban"], mandate["iban_last4"]) == ("active", MASKED, "5264")
    assert mandate["reference"] and mandate["accepted_at"]
    staff = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert staff["collection"]["method"] == "direct_debit" and staff["collection"]["mandate"]["iban"] == MASKED
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert "DirectDebitMandateGiven" in types

    # When the March invoice is issued on 1 April 2024 (due the 15th)
    invoice = _invoice(cloud, customer, today)

    # Then it is announced: collected on its due date, 14 days after the notice, not reminded of
    assert invoice["debit"] == {"status": "announced", "announced_on": "2024-04-01", "collect_on": "2024-04-15",
                                "amount_cents": 4250, "returned": None, "stopped": None}
    assert invoice["reminders"] is None
    [notice] = _mails(cloud, customer, invoice)
    assert notice["subject"] == f"Aankondiging automatische incasso: factuur {invoice['invoice_id']}"
    # one message: the announcement tells of the invoice, no "pay it at once" beside it
    assert not [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    assert "15 april 2024" in notice["body"] and "€ 42,50" in notice["body"] and MASKED in notice["body"]

    # When the daily run runs up to the day before: nothing is collected
    _run(cloud, today, date(2024, 4, 14))
    assert _debits(cloud, invoice) == []

    # When it runs on the day, twice, and four runs come at once
    _run(cloud, today, date(2024, 4, 15))
    _run(cloud, today, date(2024, 4, 15))
    moment = today.set(datetime.combine(date(2024, 4, 15), time(7), AMSTERDAM)).isoformat()
    at_once([lambda: cloud.cloud.invoke("InvoiceRemindersFunction", {"scheduled_at": moment})] * 4)
    cloud.cloud.settle()

    # Then one debit is at the bank: off-session on the mandate, for the whole invoice
    [debit] = _debits(cloud, invoice)
    assert debit["status"] == "processing" and debit["amount"] == 4250
    assert debit["payment_method_types"] == ["sepa_debit"]
    assert _read(customer, invoice)["debit"]["status"] == "processing"

    # When the bank pays it
    cloud.stripe.complete_debit(debit["id"])
    cloud.cloud.settle()

    # Then the invoice is paid, collected once, and the mandate remembers its last collection
    paid = _read(customer, invoice)
    assert (paid["status"], paid["paid_cents"], paid["debit"]["status"]) == ("paid", 4250, "collected")
    assert [p["method"] for p in paid["payments"]] == ["sepa_debit"]
    assert customer.get("/me/direct-debit").json()["mandate"]["last_collected_on"] == "2024-04-15"


def test_concurrent_collections_of_one_invoice_make_one_debit(cloud, customer, today):
    from opencounter.billing.debits import collect

    _on(today, date(2024, 3, 20))
    _give_mandate(cloud, customer)
    invoice = _invoice(cloud, customer, today, "2024-05")
    day = date.fromisoformat(invoice["debit"]["collect_on"])

    # When eight collections of it run at the very same moment
    outcomes = at_once([lambda: collect(customer.customer_id, invoice["invoice_id"], day)] * 8)
    cloud.cloud.settle()

    # Then one debit was made, and the others found it made
    assert len(_debits(cloud, invoice)) == 1
    assert "collected" in outcomes and set(outcomes) <= {"collected", "done"}, outcomes
    assert len([i for i in cloud.stripe.intents.values() if i["metadata"].get("invoice_id") == invoice["invoice_id"]
                and i["status"] == "processing"]) == 1
    assert _read(customer, invoice)["debit"]["status"] == "processing"


def test_a_returned_debit_reopens_the_invoice_and_tells_the_customer_why(cloud, customer, today):
    invoice, debit = _at_the_bank(cloud, customer, today)

    # When the bank returns the debit: not enough money in the account
    cloud.stripe.complete_debit(debit["id"], outcome="failed", failure_code="insufficient_funds")
    cloud.cloud.settle()

    # Then the invoice is open again, says why, and can be paid at once
    reopened = _read(customer, invoice)
    assert reopened["status"] == "overdue" and reopened["balance_cents"] == 4250  # (its due date is long past)
    assert reopened["debit"]["status"] == "returned"
    assert reopened["debit"]["returned"] == {"on": "2024-04-15", "reason": "insufficient_funds"}
    assert reopened["actions"]["pay"] is True
    # and it is reminded of as any invoice, a week after its due date
    assert reopened["reminders"]["next"] == {"step": "reminder", "on": "2024-04-22"}
    # And the customer is told, in plain Dutch, with the link to pay
    told = [m for m in _mails(cloud, customer, invoice) if m["subject"].startswith("Automatische incasso niet")]
    assert len(told) == 1
    assert "er stond niet genoeg geld op uw rekening" in told[0]["body"]
    assert f"/#/invoices/{invoice['invoice_id']}" in told[0]["body"]
    # no "payment failed" notice besides it
    assert not [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw betaling is niet gelukt"]

    # When the customer pays at once with iDEAL
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "ideal"})
    assert checkout.status_code == 201, checkout.text
    cloud.stripe.complete_payment(checkout.json()["payment_id"])
    cloud.cloud.settle()
    assert _read(customer, invoice)["status"] == "paid"


def test_a_debit_event_delivered_again_and_out_of_order_has_one_effect(cloud, customer, today):
    invoice, debit = _at_the_bank(cloud, customer, today)
    endpoints = cloud.stripe.webhooks
    # the bank's answer held back: it is delivered below, shuffled and ten times over
    cloud.stripe.webhooks = []
    try:
        cloud.stripe.complete_debit(debit["id"], outcome="failed", failure_code="debit_not_authorized")
    finally:
        cloud.stripe.webhooks = endpoints
    events = [e for e in cloud.stripe.events.values()
              if e["data"]["object"].get("id") == debit["id"] or e["type"] == "mandate.updated"]
    events = [e for e in events if e["type"] in ("payment_intent.processing", "payment_intent.payment_failed",
                                                 "mandate.updated")]
    deliveries = events * 10
    random.Random(7).shuffle(deliveries)
    url = f"{cloud.url}/webhooks/stripe"
    answers = at_once([lambda e=e: cloud.stripe.deliver(url, SECRET, e) for e in deliveries])
    cloud.cloud.settle()
    assert set(answers) == {200}, answers

    # Then the debit was returned once: one notice, the invoice open once, the mandate ended once
    told = [m for m in _mails(cloud, customer, invoice) if m["subject"].startswith("Automatische incasso niet")]
    assert len(told) == 1 and "uw machtiging is daarmee ook ingetrokken" in told[0]["body"]
    reopened = _read(customer, invoice)
    assert (reopened["status"], reopened["paid_cents"], reopened["debit"]["status"]) == ("overdue", 0, "returned")
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert types.count("DirectDebitReturned") == 1 and types.count("DirectDebitMandateEnded") == 1
    # And the customer pays by hand from now on: the bank revoked the mandate
    now = customer.get("/me/direct-debit").json()
    assert now["method"] == "manual" and now["mandates"][0]["ended_reason"] == "revoked"


def test_nothing_is_collected_of_an_amount_in_dispute_in_an_arrangement_or_paid(cloud, customer, other_customer,
                                                                               today):
    payer = new_customer(cloud)
    _on(today, date(2024, 3, 20))
    for someone in (customer, other_customer, payer):
        _give_mandate(cloud, someone)
    held = _invoice(cloud, customer, today)
    arranged = _invoice(cloud, other_customer, today)
    paid = _invoice(cloud, payer, today)

    # When the third pays by hand before the day (iDEAL): the invoice says it will not be collected
    checkout = payer.post(f"/me/invoices/{paid['invoice_id']}/payments", json={"method": "ideal"})
    assert checkout.status_code == 201, checkout.text
    cloud.stripe.complete_payment(checkout.json()["payment_id"])
    cloud.cloud.settle()
    assert _read(payer, paid)["debit"]["status"] == "stopped"

    # When the customer disputes the whole invoice (on hold), and the other spreads theirs
    filed = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": held["invoice_id"], "line": 0},
        "reason": "not_delivered", "explanation": "De monteur is nooit geweest."})
    assert filed.status_code == 201, filed.text
    spread = other_customer.post(f"/me/invoices/{arranged['invoice_id']}/arrangement", json={"instalments": 2})
    assert spread.status_code == 201, spread.text

    # And the run comes on the collection day
    _run(cloud, today, date(2024, 4, 15))

    # Then none is collected: each is paid by hand, and says why
    assert all(i["payment_method_types"] != ["sepa_debit"] for i in _debits(cloud, paid))
    assert _read(payer, paid)["debit"]["stopped"]["reason"] == "paid"
    assert _debits(cloud, held) == [] and _debits(cloud, arranged) == []
    assert _read(customer, held)["debit"]["stopped"] == {"on": "2024-04-15", "reason": "in_dispute"}
    assert _read(other_customer, arranged)["debit"]["stopped"] == {"on": "2024-04-15", "reason": "in_arrangement"}


def test_a_withdrawn_mandate_collects_nothing_more_and_anothers_is_not_found(cloud, customer, other_customer,
                                                                           today):
    _on(today, date(2024, 3, 20))
    given = _give_mandate(cloud, customer)["mandate"]
    invoice = _invoice(cloud, customer, today)
    path = f"/me/direct-debit/mandates/{given['mandate_id']}"

    # Another customer cannot see or end it
    assert other_customer.request("DELETE", path).status_code == 404
    assert customer.get("/me/direct-debit").json()["method"] == "direct_debit"
    # Nor give a second one while it is in force
    second = customer.post("/me/direct-debit/mandates")
    assert second.status_code == 409 and second.json()["reason"] == "mandate_active"

    # When the customer withdraws it before the collection day (twice: the second changes nothing)
    _on(today, date(2024, 4, 5))
    ended = customer.request("DELETE", path)
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["ended_reason"]) == ("inactive", "withdrawn")
    assert customer.request("DELETE", path).json()["status"] == "inactive"

    # Then it is ended at the bank too, and the invoice is paid by hand (reminded of when overdue)
    stripe_mandate = cloud.stripe.debits.setups[given["mandate_id"]]["mandate"]
    assert cloud.stripe.mandates[stripe_mandate]["status"] == "inactive"
    now = _read(customer, invoice)
    assert now["debit"]["stopped"]["reason"] == "no_mandate" and now["reminders"]["next"]["step"] == "reminder"
    assert customer.get("/me/direct-debit").json()["method"] == "manual"
    # And nothing is collected on the day
    _run(cloud, today, date(2024, 4, 15))
    assert _debits(cloud, invoice) == []


def test_the_iban_is_nowhere_in_the_table_the_events_or_the_timeline(cloud, customer, agent, today):
    writes = TableWrites(cloud)
    invoice, debit = _at_the_bank(cloud, customer, today)
    cloud.stripe.complete_debit(debit["id"], outcome="failed", failure_code="account_closed")
    cloud.cloud.settle()

    seen = [json.dumps(writes.since(), default=str), customer.get("/me/timeline").json(),
            customer.get("/me/direct-debit").json(), agent.get(f"/agent/customers/{customer.customer_id}").json(),
            _read(customer, invoice),
            cloud.cloud.mailbox(customer.email)]
    text = json.dumps(seen, default=str)
    assert MASKED in text  # the account is shown, masked
    for form in (IBAN, "NL39 RABO 0300 0652 64", "0300065264", "RABO0300"):
        assert form not in text, form
    events = [r for r in writes.since() if r["dynamodb"].get("NewImage", {}).get("entity", {}).get("S") ==
              "OutboxEvent"]
    assert events and all(IBAN not in json.dumps(e, default=str) for e in events)


def test_a_mandate_event_for_someone_elses_setup_is_not_ours(cloud, customer):
    started = customer.post("/me/direct-debit/mandates").json()
    assert started["status"] == "pending"
    # a payment method never given: nothing stored, the page refuses a wrong secret
    bad = requests.get(started["confirm_url"].split("?")[0] + "?client_secret=nope", timeout=10)
    assert bad.status_code == 403
    assert customer.get("/me/direct-debit").json()["mandate"]["status"] == "pending"


def test_an_erased_customers_mandate_ends_at_the_bank_and_its_proof_is_kept_fourteen_months(cloud, customer):
    from opencounter.billing.records import Mandate
    from opencounter.core.retention import moment
    from opencounter.pricing.rating import add_months

    given = _give_mandate(cloud, customer)["mandate"]

    # When the customer asks to be erased
    asked = customer.post("/me/data-requests/erasure", json={"confirm": True})
    assert asked.status_code == 202, asked.text
    cloud.cloud.settle()

    # Then nothing more can be debited on the mandate, at the bank either
    stripe_mandate = cloud.stripe.debits.setups[given["mandate_id"]]["mandate"]
    assert cloud.stripe.mandates[stripe_mandate]["status"] == "inactive"
    # And the proof of the mandate (the account masked) is kept 14 months after it ended, then forgotten
    kept = Mandate.get(*Mandate.keys(customer.customer_id, given["mandate_id"]), consistent_read=True)
    assert (kept.status, kept.ended_reason, kept.iban_last4) == ("inactive", "withdrawn", "5264")
    ended = moment(kept.ended_at[:10])
    assert kept.expires_at == datetime.combine(add_months(ended.date(), 14), ended.timetz())


def test_a_customer_who_prefers_whatsapp_is_told_there_with_the_approved_templates(cloud, customer, today):
    # Given a customer who prefers WhatsApp, on a number they proved
    phone = verified_phone(customer)
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "settings": {"preferred_channel": "whatsapp"}}
                          ).status_code == 200

    # When an invoice is announced for collection, and the bank returns its debit
    invoice, debit = _at_the_bank(cloud, customer, today)
    cloud.stripe.complete_debit(debit["id"], outcome="failed", failure_code="insufficient_funds")
    cloud.cloud.settle()

    # Then both went on WhatsApp as templates: the day and the masked account, then why and the link to pay
    sent = [m["text"] for m in cloud.providers.sent if m["to"] == phone and invoice["invoice_id"] in m["text"]]
    assert [t.split(":")[0] for t in sent] == ["direct_debit_announced", "direct_debit_returned"]
    assert "15 april 2024" in sent[0] and MASKED in sent[0] and "€ 42,50" in sent[0]
    assert "er stond niet genoeg geld op uw rekening" in sent[1] and f"/#/invoices/{invoice['invoice_id']}" in sent[1]


def test_a_collection_that_dies_halfway_makes_one_debit_when_it_comes_again(cloud, customer, today, monkeypatch):
    from opencounter.billing import debits

    _on(today, date(2024, 3, 20))
    _give_mandate(cloud, customer)
    invoice = _invoice(cloud, customer, today, "2024-06")
    day = date.fromisoformat(invoice["debit"]["collect_on"])
    real = debits.provider.collect

    def dies_before_the_bank(**_: object) -> None:
        raise RuntimeError("the process died")

    def dies_after_the_bank(**asked: object) -> None:
        real(**asked)  # type: ignore[arg-type]
        raise RuntimeError("the process died")

    # When the collection dies once the attempt is reserved, before the bank heard of it
    monkeypatch.setattr(debits.provider, "collect", dies_before_the_bank)
    with pytest.raises(RuntimeError):
        debits.collect(customer.customer_id, invoice["invoice_id"], day)
    assert _debits(cloud, invoice) == [] and _read(customer, invoice)["debit"]["status"] == "collecting"
    # and, coming again, dies once the bank made the debit, before it was stored
    monkeypatch.setattr(debits.provider, "collect", dies_after_the_bank)
    with pytest.raises(RuntimeError):
        debits.collect(customer.customer_id, invoice["invoice_id"], day)
    monkeypatch.setattr(debits.provider, "collect", real)
    cloud.cloud.settle()

    # Then the next run finds the one debit made, and makes no other
    _run(cloud, today, day)
    [debit] = _debits(cloud, invoice)
    assert debit["status"] == "processing"
    shown = _read(customer, invoice)
    assert shown["debit"]["status"] == "processing" and [p["payment_id"] for p in shown["payments"]] == [debit["id"]]


def test_staff_are_advised_to_offer_direct_debit_to_a_customer_reminded_of_an_invoice(cloud, customer, agent, today):
    # Given a customer who pays by hand and was reminded of their March invoice (due 15 April 2024)
    invoice = _invoice(cloud, customer, today)
    assert invoice["debit"] is None
    _run(cloud, today, date(2024, 4, 22))
    assert _read(customer, invoice)["reminders"]["reminder"]["on"] == "2024-04-22"

    # Then the desk is advised to offer direct debit
    def actions() -> set[str]:
        return {a["action"] for a in agent.get(f"/agent/customers/{customer.customer_id}").json()["next_best_actions"]}
    assert "offer_direct_debit" in actions()

    # And no longer once the customer gave a mandate
    _give_mandate(cloud, customer)
    assert "offer_direct_debit" not in actions()


def test_a_mandate_withdrawn_after_a_collection_was_reserved_is_not_debited(cloud, customer, today, monkeypatch):
    from opencounter.billing import debits

    _on(today, date(2024, 3, 20))
    given = _give_mandate(cloud, customer)["mandate"]
    invoice = _invoice(cloud, customer, today, "2024-06")
    day = date.fromisoformat(invoice["debit"]["collect_on"])

    # Given a collection that died once its attempt was reserved, before the bank heard of it
    def dies_before_the_bank(**_: object) -> None:
        raise RuntimeError("the process died")

    real = debits.provider.collect
    monkeypatch.setattr(debits.provider, "collect", dies_before_the_bank)
    with pytest.raises(RuntimeError):
        debits.collect(customer.customer_id, invoice["invoice_id"], day)
    monkeypatch.setattr(debits.provider, "collect", real)
    assert _read(customer, invoice)["debit"]["status"] == "collecting"

    # When the customer withdraws the mandate before the run comes again
    assert customer.request("DELETE", f"/me/direct-debit/mandates/{given['mandate_id']}").status_code == 200
    _run(cloud, today, day)

    # Then nothing is debited, and the invoice is theirs to pay by hand
    assert _debits(cloud, invoice) == []
    assert _read(customer, invoice)["debit"]["status"] == "stopped"
