"""A price rise is told to every holder at least 30 days before it takes effect, and billed only
from its day; a drop applies at once; a quote's prices hold (ADR 38)."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date

import pytest

from tests.conftest import Caller, bill, give_product, new_customer, verified_phone

PRICE_RISE = "Uw prijs verandert"


def _first_of_month_after(days: int) -> str:
    from opencounter.core.clock import business_today

    day = date.fromordinal(business_today().toordinal() + days)
    return (date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)).isoformat() \
        if day.day != 1 else day.isoformat()


def _shipped() -> dict:
    from opencounter.overview.reference import CATALOGUE

    return json.loads(CATALOGUE.read_text())


def _version(change: int, prices_from: str | None = None) -> dict:
    """The shipped catalogue with every mobile plan's monthly fee changed by `change` cents, as a
    version of its own."""
    document = copy.deepcopy(_shipped())
    document["version"] = f"test-{uuid.uuid4().hex[:8]}"
    if prices_from:
        document["prices_from"] = prices_from
    for product in document["products"]:
        if product["code"] == "MOBILE":
            for plan in product["plans"]:
                plan["monthly_fee_cents"] += change
    return document


@pytest.fixture
def catalogue(cloud):
    """Load catalogue versions in a test; the shipped one is current again afterwards."""
    from opencounter.catalogue.service import load_catalogue

    yield load_catalogue
    load_catalogue(_shipped())
    cloud.cloud.settle()


def _fee_billed(invoice: dict, product_id: str) -> int:
    return sum(line["amount_cents"] for line in invoice["lines"]
               if line["product_id"] == product_id and line["kind"] == "subscription")


def _told(cloud, customer: Caller) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == PRICE_RISE]


def test_a_rise_is_told_once_and_billed_only_from_its_day(cloud, customer, catalogue):
    # Given a customer on the 5 GB mobile plan (12,50 a month)
    mobile = give_product(customer, "MOBILE-5GB")
    day = _first_of_month_after(30)
    month_before = f"{date.fromisoformat(day).year}-{date.fromisoformat(day).month - 1:02d}" \
        if date.fromisoformat(day).month > 1 else f"{date.fromisoformat(day).year - 1}-12"

    # When a version raising it by 2 euros from the first of a month 30 days ahead is loaded
    raised = _version(200, day)
    catalogue(raised)
    cloud.cloud.settle()
    # and the announcing is started again (a retry, a second delivery)
    cloud.cloud.invoke("MailingSenderFunction", {
        "detail-type": "CataloguePricesRaised",
        "detail": {"data": {"catalogue_version": raised["version"], "prices_from": day}}})
    cloud.cloud.settle()
    # and a later version keeps that rise and raises another plan (its holders told in turn)
    later = copy.deepcopy(raised)
    later["version"] = f"{raised['version']}-b"
    next(p for p in later["products"] if p["code"] == "MOBILE")["plans"][1]["monthly_fee_cents"] += 100
    catalogue(later)
    cloud.cloud.settle()

    # Then the customer is told once, of the old and new fee, the day, and that they may cancel free
    [told] = _told(cloud, customer)
    assert "€ 12,50" in told["body"] and "€ 14,50" in told["body"] and "kosteloos opzeggen" in told["body"]
    timeline = customer.get("/me/timeline").json()["items"]
    assert [e["title"] for e in timeline if e["type"] == "PriceChangeAnnounced"] == ["Your price is changing"]
    # And the month before the day is billed at the old fee, the month from it at the new one
    assert _fee_billed(bill(cloud, customer, month_before), mobile) == 1250
    assert _fee_billed(bill(cloud, customer, day[:7]), mobile) == 1450


def test_the_coming_rise_shows_in_the_overview_and_the_360_with_an_action(cloud, customer, agent, catalogue):
    give_product(customer, "MOBILE-5GB")
    day = _first_of_month_after(30)
    catalogue(_version(200, day))

    [coming] = [e for e in customer.get("/me").json()["coming_events"] if e["kind"] == "price_change"]
    assert (coming["on"], coming["old_fee_cents"], coming["new_fee_cents"], coming["plan_code"]) == (
        day, 1250, 1450, "MOBILE-5GB")
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert [e["on"] for e in view["coming_events"] if e["kind"] == "price_change"] == [day]
    [action] = [a for a in view["next_best_actions"] if a["action"] == "explain_price_change"]
    assert action["params"]["on"] == day


def test_a_new_customer_pays_the_new_price_at_once(cloud, catalogue):
    from opencounter.catalogue.service import current_version, plan_on_sale
    from opencounter.core.clock import business_today
    from opencounter.customers.service import hold_product

    day = _first_of_month_after(30)
    catalogue(_version(200, day))
    newcomer = new_customer(cloud)
    plan = plan_on_sale("MOBILE", "MOBILE-5GB")
    assert plan["monthly_fee_cents"] == 1450
    # held as an order or a sign-up holds it: under the version on sale now
    product = hold_product(newcomer.customer_id, {
        "product_code": "MOBILE", "name": plan["product_name"], "kind": "mobile", "plan": plan["name"],
        "plan_code": "MOBILE-5GB", "catalogue_version": current_version(), "started_at": "2026-01-01",
        "monthly_fee_cents": plan["monthly_fee_cents"], "awaiting": None},
        actor={"type": "system", "id": "tests"}, channel="system")
    cloud.cloud.settle()

    assert _fee_billed(bill(cloud, newcomer, business_today().isoformat()[:7]), product) == 1450
    assert _told(cloud, newcomer) == []
    assert [e for e in newcomer.get("/me").json()["coming_events"] if e["kind"] == "price_change"] == []


@pytest.mark.parametrize("prices_from", [None, "soon", "not_first"])
def test_a_rise_sooner_than_thirty_days_is_refused_and_nothing_changes(cloud, catalogue, prices_from):
    from opencounter.catalogue.service import current_version
    from opencounter.core.clock import business_today
    from opencounter.core.errors import InvalidInput

    day = {None: None, "soon": _first_of_month_after(0) if business_today().day != 1 else
           business_today().isoformat(),
           "not_first": date.fromordinal(business_today().toordinal() + 45).replace(day=2).isoformat()}[prices_from]
    before = current_version()
    with pytest.raises(InvalidInput) as refused:
        catalogue(_version(200, day))
    assert refused.value.reason == "price_rise_too_soon"
    assert "prices_from" in str(refused.value)
    assert current_version() == before


def test_a_drop_applies_at_once_to_everyone_without_notice(cloud, customer, catalogue):
    mobile = give_product(customer, "MOBILE-5GB")
    catalogue(_version(-200))
    cloud.cloud.settle()

    from opencounter.core.clock import business_today

    # this month's bill already has the lower fee
    assert _fee_billed(bill(cloud, customer, business_today().isoformat()[:7]), mobile) == 1050
    assert _told(cloud, customer) == []
    assert [e for e in customer.get("/me").json()["coming_events"] if e["kind"] == "price_change"] == []


def test_a_plan_change_quote_accepted_after_a_rise_bills_the_quoted_fee(cloud, customer, agent, catalogue):
    # Given a quote for 20 GB (19,50) made before a rise is loaded
    mobile = give_product(customer, "MOBILE-5GB")
    quote = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                       json={"product_id": mobile, "plan_code": "MOBILE-20GB"}).json()
    day = _first_of_month_after(30)
    catalogue(_version(200, day))
    cloud.cloud.settle()  # the holders told: this one of 5 GB's rise

    # When the customer accepts it after the rise was loaded
    accepted = customer.post(f"/me/quotes/{quote['quote_id']}/acceptance", json={})
    assert accepted.status_code == 200, accepted.text
    cloud.cloud.settle()

    # Then the month before the rise is rated at the quoted fee (the product holds the quote's
    # catalogue version), the month from it at the new one, as every holder told of it
    assert customer.get("/me").json()["products"][0]["monthly_fee_cents"] == 1950
    day_ = date.fromisoformat(day)
    before = f"{day_.year}-{day_.month - 1:02d}" if day_.month > 1 else f"{day_.year - 1}-12"
    rated = {month: next(t for t in bill(cloud, customer, month)["best_tariff"] if t["product_id"] == mobile)
             for month in (before, day[:7])}
    assert (rated[before]["current_plan"], rated[before]["current_plan_cents"]) == ("MOBILE-20GB", 1950)
    assert rated[day[:7]]["current_plan_cents"] == 2150
    # And they were told of the rise of the plan they now hold, as every holder of it was
    assert sorted(m["body"].count("€ 19,50") > 0 for m in _told(cloud, customer)) == [False, True]


def _prefer(customer: Caller, channel: str, withdrawn: list[str]) -> None:
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "settings": {"preferred_channel": channel},
                                       "consents": [{"channel": c, "purpose": "service", "granted": False}
                                                    for c in withdrawn]}).status_code == 200


def test_the_notice_goes_on_whatsapp_as_its_template_and_by_e_mail_without_consent(cloud, customer, catalogue):
    # Given a customer who prefers WhatsApp (proven number), service mail by e-mail withdrawn, and
    # another who withdrew service messages on both channels
    phone = verified_phone(customer)
    _prefer(customer, "whatsapp", ["email"])
    give_product(customer, "MOBILE-5GB")
    other = new_customer(cloud)
    verified_phone(other)
    _prefer(other, "whatsapp", ["email", "whatsapp"])
    give_product(other, "MOBILE-5GB")

    # When a rise is loaded
    day = _first_of_month_after(30)
    catalogue(_version(200, day))
    cloud.cloud.settle()

    # Then the first is told on WhatsApp, as the approved template with the fees and the day
    [sent] = [m["text"] for m in cloud.providers.sent if m["to"] == phone and m["text"].startswith("price_change")]
    assert "Mobiel abonnement" in sent and "€ 12,50" in sent and "€ 14,50" in sent
    assert _told(cloud, customer) == []
    # And the other by e-mail all the same, saying the law requires it
    [told] = _told(cloud, other)
    assert told["body"].rstrip().endswith("de wet verplicht ons ertoe.")


def test_cancelling_before_the_day_costs_nothing_and_the_last_month_is_at_the_old_price(cloud, customer, catalogue):
    from opencounter.billing.invoices import bill_customer
    from opencounter.catalogue.service import current_version
    from opencounter.core.clock import business_today
    from opencounter.pricing.rating import Period

    # Given a customer told of a rise, who cancels at the end of this month
    mobile = give_product(customer, "MOBILE-5GB")
    day = _first_of_month_after(30)
    catalogue(_version(200, day))
    cloud.cloud.settle()
    assert len(_told(cloud, customer)) == 1
    cancelled = customer.post(f"/me/products/{mobile}/cancellation", json={"when": "end_of_period"})
    assert cancelled.status_code == 201, cancelled.text

    # Then this month is billed at the old fee, with nothing else on the invoice
    month = business_today().isoformat()[:7]
    invoice = bill(cloud, customer, month)
    assert [(line["kind"], line["amount_cents"]) for line in invoice["lines"]] == [("subscription", 1250)]
    # And nothing is billed from the day of the rise
    later = bill_customer(customer.customer_id, Period.parse(day[:7]), current_version())
    assert later["outcome"] == "nothing_to_bill"
    # And the rise is no longer coming for them
    assert [e for e in customer.get("/me").json()["coming_events"] if e["kind"] == "price_change"] == []
