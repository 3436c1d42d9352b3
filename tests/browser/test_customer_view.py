"""The whole customer view in the browser: the customer's overview asks for what the record lacks
and tells what is coming; the desk shows staff the customer's value, segment, gaps and coming
events beside the next best action. In Dutch, checked with axe-core as each page is visited."""

from __future__ import annotations

from datetime import date, timedelta

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from opencounter.core.clock import business_today
from opencounter.pricing.rating import add_months
from tests.browser.conftest import Browser
from tests.conftest import give_product

DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
                "november", "december")


def _dutch(day: date) -> str:
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


def test_the_overview_prompts_for_what_is_missing_and_the_desk_shows_value_and_what_is_coming(
        browser: Browser, customer):
    # A customer on a fixed price for a year that ends in three weeks, phone not proven, no choice about offers
    started = business_today() - timedelta(days=365 - 21)
    give_product(customer, "POWER-FIXED-1Y", started_at=started.isoformat())
    ends = add_months(started, 12)
    browser.sign_in(customer.email, "pw")
    browser.page("overview")

    # The overview tells what is coming, and asks for what is missing, each leading to the settings
    coming = browser.wait(lambda d: d.find_element(By.ID, "coming-events"))
    assert coming.text == f"De vaste prijs van Groene stroom (Vast 1 jaar) eindigt op {_dutch(ends)}. " \
                          "Kies op tijd een nieuw tarief."
    prompts = browser.all("#missing-data a")
    assert [a.text for a in prompts] == ["Bevestig uw mobiele nummer met de code die we u sms'en.",
                                         "Kies of u aanbiedingen van ons wilt ontvangen, en hoe.",
                                         "Vertel ons met hoeveel personen u woont: dan schatten we uw verbruik "
                                         "beter in."]
    assert all(a.get_attribute("href").endswith("#/settings") for a in prompts)
    browser.check("overview-prompts")
    # The household is told on the settings page, and is asked no more
    prompts[2].click()
    form = browser.page("settings").find_element(By.ID, "change-form")
    browser.wait(lambda d: form.find_element(By.NAME, "email").get_attribute("value") == customer.email)
    browser.fill(form, household_size="2")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert browser.status("change-status") == "Opgeslagen: geldt meteen, op elk kanaal."
    assert customer.get("/me").json()["personal"]["household_size"] == 2
    browser.open("/#/overview")
    browser.wait(lambda d: len(browser.all("#missing-data a")) == 2)

    # Staff see the value and segment, the gaps and what is coming, and what to do about it
    browser.fresh()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    value = browser.wait(lambda d: "Segment" in browser.text("#customer-value") and browser.find("#customer-value"))
    assert "Standaard" in value.text
    assert "Nog niets te betalen" in value.text
    assert "een keuze over aanbiedingen" in value.text and "huishouden" not in value.text
    assert f"{_dutch(ends)}: Vaste prijs eindigt – Groene stroom" in value.text
    actions = browser.text("#nba")
    assert f"Bied een nieuw tarief aan: de vaste prijs van Vast 1 jaar eindigt op {_dutch(ends)}." in actions
    assert "Vraag de klant naar: een keuze over aanbiedingen." in actions
    browser.check("customer-value")
