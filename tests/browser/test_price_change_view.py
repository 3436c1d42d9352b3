"""A price rise announced shows in the customer's overview ("Binnenkort", with the fee now and
then, and that cancelling before is free) and on the desk, with what to do about it (ADR 38)."""

from __future__ import annotations

from datetime import date

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.browser.test_customer_view import _dutch
from tests.conftest import give_product
from tests.integration.test_price_changes import _first_of_month_after, _shipped, _version


def test_a_coming_rise_shows_in_the_overview_and_on_the_desk(browser: Browser, cloud, customer):
    from opencounter.catalogue.service import load_catalogue

    give_product(customer, "MOBILE-5GB")
    day = _first_of_month_after(30)
    load_catalogue(_version(200, day))
    try:
        browser.sign_in(customer.email, "pw")
        browser.page("overview")
        coming = browser.wait(lambda d: "prijs" in browser.text("#coming-events") and browser.find("#coming-events"))
        assert coming.text == (f"De prijs van Mobiel abonnement (5 GB) wordt € 14,50 per maand (nu € 12,50) vanaf "
                               f"{_dutch(date.fromisoformat(day))}. U mag vóór die dag kosteloos opzeggen.")
        browser.check("overview-price-change")

        browser.fresh()
        browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
        browser.open(f"/#/customers/{customer.customer_id}")
        browser.page("customer")
        value = browser.wait(lambda d: "Segment" in browser.text("#customer-value") and browser.find("#customer-value"))
        assert f"{_dutch(date.fromisoformat(day))}: Prijswijziging – Mobiel abonnement" in value.text
        assert f"Leg de prijswijziging uit: 5 GB gaat op {_dutch(date.fromisoformat(day))} omhoog." in \
            browser.text("#nba")
    finally:
        load_catalogue(_shipped())
        cloud.cloud.settle()
