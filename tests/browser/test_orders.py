"""Ordering more in the browser: a customer who has an account picks another product from the
products page, signs with the code mailed to them, and sees it working at once; staff do the same
at the desk, the customer reading out their code."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import give_product

PRODUCTS = '[data-page="products"]'
SAID = f"{PRODUCTS} .ordering-status"


def _code(cloud, email: str) -> str:
    mails = [m for m in cloud.cloud.mailbox(email) if m["subject"] == "Your signing code"]
    assert mails, f"no signing code mailed to {email}"
    return re.search(r"\b(\d{6})\b", mails[-1]["body"]).group(1)


def _sign(browser: Browser, panel, code: str) -> None:
    form = panel.find_element(By.TAG_NAME, "form")
    browser.fill(form, code=code)
    form.find_element(By.NAME, "accept").click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()


def test_the_customer_orders_another_product_from_the_products_page_and_it_works_at_once(browser: Browser, cloud,
                                                                                        customer):
    give_product(customer, "MOBILE-5GB")
    browser.sign_in(customer.email, "pw")
    browser.open("/#/products")
    browser.page("products")

    # The catalogue is listed below the products held, every plan with its price and one-off costs
    form = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} form.order-form"))
    assert "Meer bestellen" in browser.text(PRODUCTS)
    listed = form.text
    assert "Glasvezel internet" in listed and "Mobiel abonnement" in listed
    assert "1 Gbit/s – € 60,00 per maand, eenmalig € 25,00 aansluitkosten" in listed
    browser.check("products-order")

    # When they choose fibre and order it
    form.find_element(By.CSS_SELECTOR, 'input[value="FIBRE/FIBRE-100"]').click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then the order waits to be signed: no identification is asked for
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} [data-order]"))
    assert "Nog te tekenen: Glasvezel internet – 100 Mbit/s" in panel.text
    assert "We hebben uw bestelling van Glasvezel internet" in browser.find(SAID).text
    assert "identi" not in browser.text(PRODUCTS).lower()
    browser.check("products-to-sign")

    # When they ask for the code and sign with it
    panel.find_element(By.CSS_SELECTOR, "button.secondary").click()
    browser.wait(lambda d: "We mailden een code naar" in panel.text)
    _sign(browser, panel, _code(cloud, customer.email))

    # Then fibre works at once and shows among their products, and nothing is left to sign
    said = browser.wait(lambda d: (text := d.find_element(By.CSS_SELECTOR, SAID).text) and "werkt nu" in text and text)
    assert re.search(r"Glasvezel internet werkt nu\. Nummer: FTTH-\d{10}\.", said), said
    cards = browser.wait(lambda d: len(browser.all("#products [data-product]")) == 2 and browser.all("#products .card"))
    fibre = next(c for c in cards if "Glasvezel internet" in c.text)
    assert "actief" in fibre.text and "€ 42,50 per maand" in fibre.text
    assert browser.all(f"{PRODUCTS} [data-order]") == []
    assert sorted(p["product_code"] for p in customer.get("/me").json()["products"]) == ["FIBRE", "MOBILE"]
    browser.check("products-ordered")

    # And a second fibre connection at the same address is refused in words
    form = browser.find(f"{PRODUCTS} form.order-form")
    form.find_element(By.CSS_SELECTOR, 'input[value="FIBRE/FIBRE-1000"]').click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    refused = browser.wait(lambda d: form.find_element(By.CSS_SELECTOR, ".status").text)
    assert refused == "U heeft al Glasvezel internet. Daarvan kunt u er één per adres hebben."


def test_staff_order_for_the_customer_at_the_desk_with_the_code_the_customer_reads_out(browser: Browser, cloud,
                                                                                       customer):
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    summary = browser.wait(lambda d: next((s for s in browser.all("#on-behalf details > summary")
                                           if s.text == "Product bestellen"), None))
    ordering = summary.find_element(By.XPATH, "..")
    summary.click()
    form = ordering.find_element(By.CSS_SELECTOR, "form.order-form")
    form.find_element(By.CSS_SELECTOR, 'input[value="MOBILE/MOBILE-20GB"]').click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # The order waits for the customer's code; the agent sends it to the customer
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, '[data-page="customer"] [data-order]'))
    assert "De klant krijgt de code per e-mail" in panel.text
    browser.check("customer-order")
    panel.find_element(By.CSS_SELECTOR, "button.secondary").click()
    browser.wait(lambda d: "We mailden een code naar" in panel.text)
    _sign(browser, panel, _code(cloud, customer.email))  # the code the customer reads out

    said = '[data-page="customer"] .ordering-status'
    browser.wait(lambda d: "werkt nu" in d.find_element(By.CSS_SELECTOR, said).text)
    browser.wait(lambda d: "Mobiel abonnement" in browser.text("#customer-products"))
    signed = customer.get("/me/orders").json()["items"][0]
    assert (signed["status"], signed["evidence"]["actor"]["type"], signed["evidence"]["channel"]) == (
        "ACTIVE", "agent", "agent")
    browser.check("customer-ordered")
