"""Direct debit in the portal: on the invoices page the customer reads how they pay, sets up direct
debit at their bank's page (the Stripe stand-in's mandate page: the IBAN typed there only), comes
back to see it with the account masked, and withdraws it to pay by hand again; a colleague at the
desk reads the same on the customer's 360 view."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser

IBAN = "NL39 RABO 0300 0652 64"
MASKED = "NL** **** **** **52 64"


def _button(browser: Browser, css: str, text: str):
    return browser.wait(lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, f"{css} button")
                                        if b.text.strip() == text and b.is_displayed()), None))


def test_the_customer_sets_up_direct_debit_sees_it_masked_and_withdraws_it(browser: Browser, cloud, customer):
    # Given a customer who pays by hand, on the invoices page
    browser.sign_in(customer.email, "pw")
    browser.open("/#/invoices")
    browser.page("invoices")
    assert browser.wait(lambda d: "U betaalt uw facturen zelf" in browser.text("#direct-debit"))
    assert "minstens 14 dagen van tevoren" in browser.text("#direct-debit")
    browser.check("direct-debit-manual")

    # When they set up direct debit: their bank's page, the IBAN typed there, the mandate accepted
    _button(browser, "#direct-debit", "Automatische incasso instellen").click()
    browser.wait(lambda d: "/sandbox/stripe/" in d.current_url and d.find_element(By.NAME, "iban"))
    form = browser.find("form")
    browser.fill(form, name="Test Klant", iban=IBAN)
    form.find_element(By.CSS_SELECTOR, "button[value=accept]").click()

    # Then they are back on the invoices page, paying by direct debit from their account, masked
    browser.page("invoices")
    shown = browser.wait(lambda d: (text := browser.text("#direct-debit")) and MASKED in text and text)
    assert f"U betaalt met automatische incasso van rekening {MASKED}." in shown
    assert "NL39" not in browser.find("body").text and "RABO" not in browser.find("body").text
    browser.check("direct-debit-active")

    # And a colleague at the desk reads the same on the customer's 360 view
    browser.fresh()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    assert browser.wait(lambda d: f"automatische incasso van {MASKED} (machtiging actief)"
                        in browser.text("#customer-collection"))

    # When the customer withdraws the mandate
    browser.fresh()
    browser.sign_in(customer.email, "pw")
    browser.open("/#/invoices")
    browser.page("invoices")
    _button(browser, "#direct-debit", "Machtiging intrekken en zelf betalen").click()

    # Then they pay by hand again, and are told so
    assert browser.status("direct-debit-status") == "De machtiging is ingetrokken. U betaalt uw facturen weer zelf."
    assert browser.wait(lambda d: "U betaalt uw facturen zelf" in browser.text("#direct-debit"))
    assert customer.get("/me/direct-debit").json()["mandates"][0]["ended_reason"] == "withdrawn"
