"""The monthly billing run: every customer billed once a month at the cheapest eligible tariff,
invoices every channel can read without help, the booking in the ledger, payment arrangements."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import (
    TableWrites,
    bill,
    give_product,
    new_customer,
    over_the_bundle_twice,
    run_billing,
    send_usage,
    usage,
    verified_phone,
)


def _october_invoice(customer) -> dict:
    items = [i for i in customer.get("/me/invoices").json()["items"] if i["period"] == "2026-10"]
    assert len(items) == 1, items
    response = customer.get(f"/me/invoices/{items[0]['invoice_id']}")
    assert response.status_code == 200
    return response.json()


def _mobile_costs(data_mb: int) -> dict[str, int]:
    # the catalogue's mobile plans, worked out by hand: fee + 1 cent per MB beyond the bundle
    return {"MOBILE-5GB": 1250 + max(0, data_mb - 5120), "MOBILE-20GB": 1950 + max(0, data_mb - 20480),
            "MOBILE-UNLIMITED": 3000}


def test_a_billing_run_bills_every_customer_once_at_the_cheapest_eligible_plan(cloud):
    # Given customers on the 5 GB plan with very different use in October
    uses = [0, 3000, 5820, 5821, 12000, 21600, 40000]
    customers = []
    for data_mb in uses:
        customer = new_customer(cloud)
        product = give_product(customer, "MOBILE-5GB")
        if data_mb:
            send_usage(cloud, usage(customer, product, "data_mb", data_mb))
        customers.append((customer, product, data_mb))

    # When October is billed
    totals = run_billing(cloud, "2026-10")

    # Then each has one invoice for October at the cheapest plan for their use
    assert totals["counts"]["issued"] >= len(uses)
    for customer, _, data_mb in customers:
        invoice = _october_invoice(customer)
        costs = _mobile_costs(data_mb)
        assert invoice["total_cents"] == min(costs.values()), (data_mb, invoice["lines"])
        [tariff] = invoice["best_tariff"]
        assert tariff["current_plan"] == "MOBILE-5GB"
        assert tariff["billed_cents"] == min(costs.values())
        assert tariff["saving_cents"] == costs["MOBILE-5GB"] - min(costs.values())
        assert costs[tariff["billed_plan"]] == min(costs.values())
        assert invoice["status"] in ("open", "overdue") and invoice["due_on"] == "2026-11-15"

    # And running the month again bills nobody twice and writes no invoice
    writes = TableWrites(cloud)
    again = run_billing(cloud, "2026-10")
    assert again["counts"]["issued"] == 0
    assert again["counts"]["already_billed"] >= len(uses)
    assert writes.items("Invoice") == []


def test_an_invoice_reads_clearly_and_its_booking_balances(cloud, customer):
    from opencounter.billing.ledger import balances, ledger

    # Given a mobile plan used beyond its bundle and an energy product
    mobile = give_product(customer, "MOBILE-5GB")
    power = give_product(customer, "POWER-VARIABLE")
    send_usage(cloud, usage(customer, mobile, "data_mb", 5300), usage(customer, mobile, "minutes", 320),
               usage(customer, power, "kwh", 150))

    # When October is billed
    run_billing(cloud, "2026-10")
    invoice = _october_invoice(customer)

    # Then every line says what it is for, per product, and they add up to the total
    lines = [(line["product"], line["description"], line["amount_cents"]) for line in invoice["lines"]]
    assert ("Mobiel abonnement", "5 GB: monthly fee", 1250) in lines
    assert ("Mobiel abonnement", "MB of data beyond your bundle (5300 used, 5120 included)", 180) in lines
    assert ("Mobiel abonnement", "call minutes beyond your bundle (320 used, 300 included)", 200) in lines
    assert ("Groene stroom", "Variabel: monthly fee", 650) in lines
    assert ("Groene stroom", "kWh used", 150 * 27) in lines
    assert invoice["total_cents"] == sum(amount for *_, amount in lines) == 1250 + 180 + 200 + 650 + 4050
    # And the VAT inside it is shown (21% of each product's amount, incl. VAT)
    assert invoice["vat_cents"] == round(1630 * 21 / 121) + round(4700 * 21 / 121)
    # And the ledger books it once, balanced: the customer owes the total
    [booking] = ledger(customer.customer_id)
    assert sum(e["amount_cents"] for e in booking["entries"]) == 0
    assert balances(customer.customer_id)["receivable"] == invoice["total_cents"]
    # And the customer was told, on the timeline and by e-mail
    assert any(e["type"] == "InvoiceIssued" for e in customer.get("/me/timeline").json()["items"])
    assert any("Uw factuur staat klaar" == m["subject"] for m in cloud.cloud.mailbox(customer.email))
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    assert mail["body"].startswith("Beste Test,") and "€ " in mail["body"] and "EUR" not in mail["body"]


def test_a_plan_change_and_a_cancellation_are_billed_per_day(cloud, customer):
    from opencounter.core.clock import business_today

    today = business_today()
    first, days = date(today.year, today.month, 1), (date(today.year + today.month // 12, today.month % 12 + 1, 1)
                                                     - date(today.year, today.month, 1)).days
    # Given a 5 GB plan changed to unlimited today by someone using 60 GB this month (so the plans as
    # held are the cheapest way to bill it), and a fibre product cancelled today
    mobile = give_product(customer, "MOBILE-5GB")
    fibre = give_product(customer, "FIBRE-100")
    send_usage(cloud, usage(customer, mobile, "data_mb", 60000, day=today.isoformat()))
    record = customer.get("/me").json()
    version = next(p["version"] for p in record["products"] if p["product_id"] == mobile)
    assert customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-UNLIMITED", "version": version}) \
        .status_code == 200
    assert customer.post(f"/me/products/{fibre}/cancellation", json={"when": "now"}).status_code == 201

    # When this month is billed
    run_billing(cloud, f"{today:%Y-%m}")
    invoice = next(i for i in customer.get("/me/invoices").json()["items"] if i["period"] == f"{today:%Y-%m}")
    lines = customer.get(f"/me/invoices/{invoice['invoice_id']}").json()["lines"]

    # Then each plan's fee is charged for its own days, and fibre up to today
    def per_day(fee: int, held: int) -> int:
        return (fee * held * 2 + days) // (2 * days)  # rounded half up, by hand

    fees = {(line["plan_code"], line["quantity"]): line["amount_cents"] for line in lines}
    if today > first:
        assert fees[("MOBILE-5GB", today.day - 1)] == per_day(1250, today.day - 1)
    assert fees[("MOBILE-UNLIMITED", days - today.day + 1)] == per_day(3000, days - today.day + 1)
    assert fees[("FIBRE-100", today.day)] == per_day(4250, today.day)


def test_two_months_over_the_bundle_bring_advice_on_the_timeline_and_by_e_mail(cloud, customer):
    # Given a 5 GB customer who used 9 GB in September and in October, when both months are billed
    over_the_bundle_twice(cloud, customer)

    # Then both were billed at 20 GB, and the customer is told 20 GB fits better
    advice = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "BetterPlanAdvised"]
    assert len(advice) == 1
    assert advice[0]["data"]["advised_plan"] == "MOBILE-20GB"
    assert advice[0]["data"]["saving_cents"] == 2 * ((1250 + 9000 - 5120) - 1950)
    assert any(m["subject"] == "Een abonnement dat beter bij u past" for m in cloud.cloud.mailbox(customer.email))


def test_a_fixed_price_ending_is_told_once_with_the_invoice_of_the_month_before_its_end(cloud, customer):
    # Given a fixed price for a year from 10 December 2025: it ends on 10 December 2026
    give_product(customer, "POWER-FIXED-1Y", started_at="2025-12-10")

    def told() -> list[dict]:
        return [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "FixedPriceEnding"]

    # When September is billed (in October), nothing is told yet: the end is two months off
    bill(cloud, customer, "2026-09")
    assert told() == []

    # When October is billed (in November), the customer is told of December's end, once
    bill(cloud, customer, "2026-10")
    [ending] = told()
    assert (ending["data"]["ends_on"], ending["data"]["plan_name"], ending["title"]) == (
        "2026-12-10", "Vast 1 jaar", "Your fixed price is ending")
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw vaste prijs loopt af"]
    assert "De vaste prijs van Groene stroom (Vast 1 jaar) loopt af op 10 december 2026." in mail["body"]

    # And November's invoice does not tell it again
    bill(cloud, customer, "2026-11")
    assert len(told()) == 1
    assert len([m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw vaste prijs loopt af"]) == 1


@pytest.mark.parametrize(("preferred", "proven", "told_by"), [
    ("whatsapp", True, "whatsapp"), ("phone", True, "sms"), ("whatsapp", False, "email"), ("phone", False, "email"),
    ("post", True, "email")])
def test_a_new_invoice_is_told_on_the_preferred_channel_and_by_phone_only_to_a_proven_number(
        cloud, customer, preferred, proven, told_by):
    # Given a customer who prefers a channel, with their phone number proven or not
    phone = verified_phone(customer) if proven else customer.get("/me").json()["contact"]["phone"]
    record = customer.get("/me").json()
    assert customer.patch("/me", json={"version": record["version"],
                                       "settings": {"preferred_channel": preferred}}).status_code == 200
    texts_before = len(cloud.cloud.mailbox(phone))

    # When October is billed
    give_product(customer, "FIBRE-100")
    run_billing(cloud, "2026-10")
    invoice = _october_invoice(customer)

    # Then the notice went by that channel only (WhatsApp: the approved template with its figures)
    whatsapp = [m["text"] for m in cloud.providers.sent if m["to"] == phone]
    sms = [m["body"] for m in cloud.cloud.mailbox(phone)[texts_before:]]
    emails = [m["body"] for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    told = {"whatsapp": whatsapp, "sms": sms, "email": emails}
    assert {channel for channel, messages in told.items() if messages} == {told_by}
    [message] = told[told_by]
    assert invoice["invoice_id"] in message
    if told_by == "whatsapp":
        due = date.fromisoformat(invoice["due_on"])
        months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                  "oktober", "november", "december")
        due_text = f"{due.day} {months[due.month - 1]} {due.year}"
        assert message == f"invoice_ready: {invoice['invoice_id']} | € 42,50 | {due_text}"


def test_a_customer_who_reads_english_is_told_in_english(cloud, customer):
    record = customer.get("/me").json()
    assert customer.patch("/me", json={"version": record["version"], "settings": {"language": "en"}}).status_code == 200
    give_product(customer, "FIBRE-100")
    bill(cloud, customer)
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Your invoice is ready"]
    assert mail["body"].startswith("Dear Test,") and "EUR 42.50" in mail["body"]


def test_a_notice_whatsapp_refuses_goes_by_e_mail(cloud, customer, monkeypatch):
    # Given a customer who prefers WhatsApp, and a token Meta no longer accepts
    phone = verified_phone(customer)
    record = customer.get("/me").json()
    assert customer.patch("/me", json={"version": record["version"],
                                       "settings": {"preferred_channel": "whatsapp"}}).status_code == 200
    monkeypatch.setattr(cloud.providers, "meta_token", "a-token-issued-after-ours")  # ours is revoked

    # When October is billed / Then the notice arrives by e-mail, once, and nothing by WhatsApp
    give_product(customer, "FIBRE-100")
    run_billing(cloud, "2026-10")
    assert [m["subject"] for m in cloud.cloud.mailbox(customer.email)].count("Uw factuur staat klaar") == 1
    assert not [m for m in cloud.providers.sent if m["to"] == phone]


def test_staff_see_a_customers_invoices_and_other_customers_never_do(cloud, customer, other_customer, agent):
    give_product(customer, "FIBRE-100")
    run_billing(cloud, "2026-10")
    invoice_id = _october_invoice(customer)["invoice_id"]

    staff_view = agent.get(f"/agent/customers/{customer.customer_id}/invoices")
    assert staff_view.status_code == 200
    assert [i["invoice_id"] for i in staff_view.json()["items"]] == [invoice_id]
    assert agent.get(f"/agent/customers/{customer.customer_id}/invoices/{invoice_id}").json()["total_cents"] == 4250
    assert other_customer.get(f"/me/invoices/{invoice_id}").status_code == 404
    assert other_customer.post(f"/me/invoices/{invoice_id}/payments", json={}).status_code == 404
    assert other_customer.post(f"/me/invoices/{invoice_id}/arrangement", json={"instalments": 2}).status_code == 404
    assert customer.get(f"/agent/customers/{customer.customer_id}/invoices").status_code == 403


def test_an_open_invoice_can_be_spread_over_instalments_within_the_rules(cloud, customer):
    # Given an October invoice of EUR 60.01 (fibre plus one text message) and one of EUR 12.50
    give_product(customer, "FIBRE-1000")
    mobile = give_product(customer, "MOBILE-5GB", started_at="2026-10-01")
    send_usage(cloud, usage(customer, mobile, "sms", 1))
    run_billing(cloud, "2026-10")
    invoice = _october_invoice(customer)
    assert invoice["total_cents"] == 6000 + 1250 + 10

    # When the customer asks for 7 instalments, then 3
    too_many = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 7})
    agreed = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 3})

    # Then 7 is refused naming the field, and 3 monthly instalments are agreed that add up exactly
    assert too_many.status_code == 400 and too_many.json()["field"] == "instalments"
    assert agreed.status_code == 201
    body = agreed.json()
    assert body["status"] == "in_arrangement"
    amounts = [i["amount_cents"] for i in body["arrangement"]["instalments"]]
    assert amounts == [2420, 2420, 2420] and sum(amounts) == body["total_cents"]
    dues = [date.fromisoformat(i["due_on"]) for i in body["arrangement"]["instalments"]]
    assert [(d.year * 12 + d.month) - (dues[0].year * 12 + dues[0].month) for d in dues] == [0, 1, 2]
    # And paying now means paying the first instalment
    assert body["due_now_cents"] == 2420
    # And asking again is refused: one arrangement at a time
    again = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 2})
    assert again.status_code == 409
    # And the timeline shows it
    assert any(e["type"] == "PaymentArrangementAgreed" for e in customer.get("/me/timeline").json()["items"])


@pytest.mark.parametrize("body", [{}, {"instalments": 1}, {"instalments": "3"}, {"instalments": 3, "extra": 1}])
def test_a_bad_arrangement_request_is_refused_and_changes_nothing(cloud, customer, body):
    give_product(customer, "FIBRE-1000")
    run_billing(cloud, "2026-10")
    invoice = _october_invoice(customer)
    writes = TableWrites(cloud)
    response = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json=body)
    assert response.status_code == 400
    assert response.json()["field"] in ("instalments", "extra")
    assert writes.since() == []


def test_a_small_invoice_is_not_split(cloud, customer):
    give_product(customer, "MOBILE-5GB")
    run_billing(cloud, "2026-10")
    invoice = _october_invoice(customer)
    response = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 2})
    assert response.status_code == 409
    assert response.json()["field"] == "balance"
