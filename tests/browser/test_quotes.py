"""Quotes in the browser: staff make one on the customer's page at the desk; the customer sees it
on their products page in Dutch, with its prices and last day, accepts it with the engineer's
window, and finds the order waiting to be signed."""

from __future__ import annotations

from datetime import timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from infra.local.demo import DEMO_PASSWORD
from opencounter.core.clock import business_today
from tests.browser.conftest import Browser

PRODUCTS = '[data-page="products"]'


def test_staff_make_a_quote_for_the_customer_from_their_page(browser: Browser, cloud, customer):
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    summary = browser.wait(lambda d: next((s for s in browser.all("#on-behalf details > summary")
                                           if s.text == "Offertes"), None))
    quotes = summary.find_element(By.XPATH, "..")
    summary.click()
    assert "U heeft geen offertes." in quotes.text

    form = quotes.find_element(By.CSS_SELECTOR, "form.quote-form")
    Select(form.find_element(By.NAME, "offer")).select_by_value("new/FIBRE/FIBRE-100")
    days = form.find_element(By.NAME, "valid_days")
    days.clear()
    days.send_keys("14")
    browser.check("customer-quote-form")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    said = '[data-page="customer"] .quotes-status'
    browser.wait(lambda d: "Offerte gemaakt" in d.find_element(By.CSS_SELECTOR, said).text)
    [quote] = customer.get("/me/quotes").json()["items"]
    assert (quote["product"]["plan_code"], quote["made_by"]["type"], quote["valid_until"]) == (
        "FIBRE-100", "agent", (business_today() + timedelta(days=14)).isoformat())
    card = browser.find(f'[data-page="customer"] [data-quote="{quote["quote_id"]}"]')
    assert "Offerte: Glasvezel internet – 100 Mbit/s" in card.text and "open" in card.text
    browser.check("customer-quote-made")


def test_the_customer_sees_a_quote_accepts_it_and_finds_the_order_to_sign(browser: Browser, cloud, agent,
                                                                         customer):
    made = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                      json={"product_code": "FIBRE", "plan_code": "FIBRE-100", "valid_days": 14})
    assert made.status_code == 201, made.text
    quote = made.json()
    browser.sign_in(customer.email, "pw")
    browser.open("/#/products")
    browser.page("products")

    # The quote is on the products page: what, the prices with VAT, until when
    card = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f'{PRODUCTS} [data-quote="{quote["quote_id"]}"]'))
    assert "Offertes" in browser.text(PRODUCTS)
    assert "Offerte: Glasvezel internet – 100 Mbit/s" in card.text
    assert "€ 42,50 per maand, eenmalig € 25,00 (inclusief btw)" in card.text
    assert "Geldig tot en met" in card.text
    # And the engineer's windows at their postcode, one to choose for accepting it
    visit = browser.wait(lambda d: (box := card.find_element(By.CSS_SELECTOR, ".order-visit")).is_displayed() and box)
    assert "Wanneer komt de monteur uw glasvezel aansluiten?" in visit.text
    browser.wait(lambda d: visit.find_element(By.CSS_SELECTOR, 'input[name="visit_slot"]')).click()
    browser.check("products-quote")

    # When they accept it
    card.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then they are told to sign the order, which waits below at the quoted prices
    said = f"{PRODUCTS} .quotes-status"
    browser.wait(lambda d: "U heeft de offerte geaccepteerd" in d.find_element(By.CSS_SELECTOR, said).text)
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} [data-order]"))
    assert "Nog te tekenen: Glasvezel internet – 100 Mbit/s" in panel.text
    accepted = browser.find(f'{PRODUCTS} [data-quote="{quote["quote_id"]}"]')
    assert "geaccepteerd" in accepted.text and "Offerte accepteren" not in accepted.text
    [order] = customer.get("/me/orders").json()["items"]
    assert (order["quote_id"], order["status"], order["product"]["monthly_fee_cents"]) == (
        quote["quote_id"], "PLACED", 4250)
    browser.check("products-quote-accepted")
