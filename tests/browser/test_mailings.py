"""Mailings at the desk: operations write an offer in both languages and send it; it reaches the
customer who consented to offers by e-mail, and the desk shows how it went."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import give_product, new_customer
from tests.integration.test_consents import _consent


def test_operations_send_a_mailing_and_see_how_it_went(browser: Browser, cloud):
    # Given a customer with power who allows offers by e-mail
    customer = new_customer(cloud)
    give_product(customer, "POWER-VARIABLE")
    _consent(customer, "email", "marketing", True)

    # When operations write a mailing to customers with energy and send it
    browser.sign_in("admin@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-staff a[href='#/mailings']").click()
    browser.page("mailings")
    form = browser.wait(lambda d: (f := d.find_element(By.ID, "mailing-form")).is_displayed() and f)
    browser.check("mailings")
    browser.fill(form, name="Groene stroom", product_kind="energy", subject_nl="Stroom van eigen bodem",
                 body_nl="Kies voor Nederlandse wind.", subject_en="Power from home", body_en="Choose Dutch wind.")
    form.find_element(By.TAG_NAME, "button").click()

    # Then it is being sent, and shows with its figures as bars
    browser.wait(lambda d: browser.status("mailing-status").startswith("De mailing wordt verstuurd"))
    cloud.cloud.settle()
    browser.find("#nav-staff a[href='#/mailings']").click()
    card = browser.wait(lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, "#mailings li")
                                        if "Groene stroom" in c.text), None))
    assert "Klanten met energie" in card.text and "Verstuurd" in card.text
    assert card.find_elements(By.CSS_SELECTOR, ".bar-row")
    browser.check("mailings-sent")
    # And the customer has it in their own language
    assert [m["subject"] for m in cloud.cloud.mailbox(customer.email)
            if m["subject"] == "Stroom van eigen bodem"] == ["Stroom van eigen bodem"]
