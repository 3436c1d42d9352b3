"""Ordering more in the browser: a customer who has an account picks another product from the
products page, with the half hour the engineer comes in where it needs a visit, signs with the code
mailed to them, and sees it waiting for the visit, then working once it is done (or at once where
nothing has to happen at home); staff do the same at the desk, the customer reading out their code."""

from __future__ import annotations

import re
from datetime import date

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import give_product, new_customer, visit_done

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


def test_the_customer_orders_fibre_with_the_engineers_window_and_it_works_once_the_visit_is_done(
        browser: Browser, cloud, customer):
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

    # When they choose fibre: the days and half hours the engineer can come at their postcode are offered
    form.find_element(By.CSS_SELECTOR, 'input[value="FIBRE/FIBRE-100"]').click()
    visit = browser.wait(lambda d: (box := form.find_element(By.CSS_SELECTOR, ".order-visit")).is_displayed() and box)
    assert "Wanneer komt de monteur uw glasvezel aansluiten?" in visit.text
    offered = customer.get("/appointments/slots?postcode=1012LG&kind=engineer_visit").json()
    second_day = [d for d in offered["days"] if d["slots"]][1]
    Select(visit.find_element(By.NAME, "visit_day")).select_by_value(second_day["date"])
    window = second_day["slots"][1]
    choice = browser.wait(lambda d: visit.find_element(By.CSS_SELECTOR, f'input[value="{window["start"]}"]'))
    assert f"{window['from']}–{window['until']}" in visit.text
    browser.check("products-order-visit")
    # And order it with the window chosen
    choice.click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then the order waits to be signed, with the visit's time: no identification is asked for
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} [data-order]"))
    assert "Nog te tekenen: Glasvezel internet – 100 Mbit/s" in panel.text
    assert "dan komen we op " in browser.find(SAID).text
    assert f"{window['from']}–{window['until']}" in browser.find(SAID).text
    assert "identi" not in browser.text(PRODUCTS).lower()
    browser.check("products-to-sign")

    # When they ask for the code and sign with it
    panel.find_element(By.CSS_SELECTOR, "button.secondary").click()
    browser.wait(lambda d: "We mailden een code naar" in panel.text)
    _sign(browser, panel, _code(cloud, customer.email))

    # Then it waits for the visit on the day and half hour chosen, and nothing is left to sign
    said = browser.wait(lambda d: (text := d.find_element(By.CSS_SELECTOR, SAID).text) and "wacht op" in text and text)
    assert said.startswith("Getekend. Glasvezel internet wacht op het bezoek van de monteur op ")
    assert said.endswith(f", {window['from']}–{window['until']}."), said
    assert browser.all(f"{PRODUCTS} [data-order]") == []
    assert len(browser.all("#products [data-product]")) == 1
    browser.check("products-waiting-for-visit")

    # When the engineer has been, fibre shows among their products, working
    [order] = customer.get("/me/orders").json()["items"]
    visit_done(cloud, customer, order)
    browser.driver.refresh()
    browser.page("products")
    cards = browser.wait(lambda d: len(browser.all("#products [data-product]")) == 2 and browser.all("#products .card"))
    fibre = next(c for c in cards if "Glasvezel internet" in c.text)
    assert "actief" in fibre.text and "€ 42,50 per maand" in fibre.text
    assert "wacht op" not in browser.text(PRODUCTS)
    assert sorted(p["product_code"] for p in customer.get("/me").json()["products"]) == ["FIBRE", "MOBILE"]
    browser.check("products-ordered")

    # And a second fibre connection at the same address is refused in words
    form = browser.find(f"{PRODUCTS} form.order-form")
    form.find_element(By.CSS_SELECTOR, 'input[value="FIBRE/FIBRE-1000"]').click()
    browser.wait(lambda d: form.find_element(By.CSS_SELECTOR, 'input[name="visit_slot"]')).click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    refused = browser.wait(lambda d: form.find_element(By.CSS_SELECTOR, ":scope > .status").text)
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
    # The courier's windows at the customer's postcode are offered: the agent picks the one the customer chose
    visit = browser.wait(lambda d: (box := form.find_element(By.CSS_SELECTOR, ".order-visit")).is_displayed() and box)
    assert "Wanneer bezorgen we?" in visit.text
    browser.wait(lambda d: visit.find_element(By.CSS_SELECTOR, 'input[name="visit_slot"]')).click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # The order waits for the customer's code; the agent sends it to the customer
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, '[data-page="customer"] [data-order]'))
    assert "De klant krijgt de code per e-mail" in panel.text
    browser.check("customer-order")
    panel.find_element(By.CSS_SELECTOR, "button.secondary").click()
    browser.wait(lambda d: "We mailden een code naar" in panel.text)
    _sign(browser, panel, _code(cloud, customer.email))  # the code the customer reads out

    said = '[data-page="customer"] .ordering-status'
    browser.wait(lambda d: "wacht op de bezorging op" in d.find_element(By.CSS_SELECTOR, said).text)
    signed = customer.get("/me/orders").json()["items"][0]
    assert (signed["status"], signed["fulfilment"]["kind"], signed["evidence"]["actor"]["type"],
            signed["evidence"]["channel"]) == ("SIGNED", "delivery", "agent", "agent")
    browser.check("customer-ordered")


def test_a_window_that_filled_before_signing_offers_the_next_ones_and_the_same_code_signs_for_one(
        browser: Browser, cloud):
    # Given a customer in Eindhoven, where one installer works a weekday, ordering power for a weekday window
    eindhoven = {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"}
    customer, neighbour = new_customer(cloud, eindhoven), new_customer(cloud, eindhoven)
    browser.sign_in(customer.email, "pw")
    browser.open("/#/products")
    browser.page("products")
    form = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} form.order-form"))
    form.find_element(By.CSS_SELECTOR, 'input[value="POWER/POWER-VARIABLE"]').click()
    visit = browser.wait(lambda d: (box := form.find_element(By.CSS_SELECTOR, ".order-visit")).is_displayed() and box)
    assert "Wanneer komt de installateur uw slimme meter plaatsen?" in visit.text
    offered = customer.get("/appointments/slots?postcode=5611JK&kind=installer_visit").json()
    weekday = next(d for d in offered["days"] if d["slots"] and date.fromisoformat(d["date"]).weekday() < 5)
    Select(visit.find_element(By.NAME, "visit_day")).select_by_value(weekday["date"])
    window = weekday["slots"][0]
    browser.wait(lambda d: visit.find_element(By.CSS_SELECTOR, f'input[value="{window["start"]}"]')).click()
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    panel = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{PRODUCTS} [data-order]"))
    panel.find_element(By.CSS_SELECTOR, "button.secondary").click()
    browser.wait(lambda d: "We mailden een code naar" in panel.text)
    code = _code(cloud, customer.email)

    # And the neighbour takes that window's only place meanwhile
    taken = neighbour.post("/me/appointments", json={"kind": "installer_visit", "slot": window["start"]})
    assert taken.status_code == 201, taken.text

    # When the customer signs: told in words the time is gone, and offered the next free ones
    _sign(browser, panel, code)
    other = browser.wait(lambda d: (found := panel.find_element(By.CSS_SELECTOR, "fieldset.slots")).is_displayed()
                         and found)
    assert "Die tijd is intussen vol. Kies een van deze tijden en teken opnieuw met dezelfde code." in other.text
    assert "Net iemand anders koos deze tijd" in panel.text
    browser.check("products-window-taken")
    choices = other.find_elements(By.CSS_SELECTOR, "input[type=radio]")
    assert choices and window["start"] not in [c.get_attribute("value") for c in choices]

    # And picks the first and signs again with the same code: signed, waiting for the installer then
    chosen = choices[0].get_attribute("value")
    choices[0].click()
    panel.find_element(By.CSS_SELECTOR, "form button.primary").click()
    said = browser.wait(lambda d: (text := d.find_element(By.CSS_SELECTOR, SAID).text) and "wacht op" in text and text)
    assert said.startswith("Getekend. Groene stroom wacht op het bezoek van de installateur op "), said
    [order] = customer.get("/me/orders").json()["items"]
    assert (order["status"], order["fulfilment"]["window"]["start"]) == ("SIGNED", chosen)
