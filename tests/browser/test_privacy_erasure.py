"""Having everything erased, in the portal (privacy page, Dutch): what stands in the way is said in
words with a link to settle each; with nothing in the way, the customer ticks that they want it,
asks, is told it is under way, and is signed out; their login is gone."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser
from tests.conftest import bill, give_product


def _privacy(browser: Browser) -> None:
    browser.open("/#/privacy")
    browser.page("privacy")
    browser.wait(lambda d: d.find_element(By.ID, "erasure-title").is_displayed())


def test_what_stands_in_the_way_is_said_in_words_with_where_to_settle_it(browser: Browser, cloud, customer):
    product = give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    browser.sign_in(customer.email, "pw")
    _privacy(browser)

    text = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, ".erasure-blockers").text)
    assert f"Factuur {invoice['invoice_id']} is nog niet betaald: € 42,50" in text
    assert "loopt nog. Zeg het eerst op." in text
    links = {a.text: a.get_attribute("href") for a in browser.all(".erasure-blockers a")}
    assert links["Betaal de factuur"].endswith(f"#/invoices/{invoice['invoice_id']}")
    assert links["Zeg het product op"].endswith("#/products")
    # what goes and what stays is said before anything can be asked; no form while something is in the way
    body = browser.text('[data-page="privacy"]')
    assert "Uw account: daarna kunt u niet meer inloggen." in body
    assert "zonder uw naam, adres en e-mailadres" in body and "Ze verdwijnen op 1 januari 2034." in body
    assert browser.all("#erasure-form") == []
    browser.check("privacy-erasure-blocked")
    assert customer.get("/me").status_code == 200 and product


def test_a_customer_asks_to_have_everything_erased_and_is_signed_out(browser: Browser, cloud, pool_customer):
    from opencounter.privacy.requests import customer_requests

    email, customer_id = pool_customer
    browser.sign_in(email, "Eerste-wachtwoord-1")
    _privacy(browser)
    assert "Facturen van u hebben we niet" in browser.text('[data-page="privacy"]')
    form = browser.wait(lambda d: d.find_element(By.ID, "erasure-form"))

    # Asked without ticking it: told what to do, nothing sent
    form.find_element(By.TAG_NAME, "button").click()
    assert browser.wait(lambda d: form.find_element(By.CSS_SELECTOR, "[role=status]").text) == \
        "Vink eerst aan dat u alles wilt laten wissen."
    assert customer_requests(customer_id) == []

    form.find_element(By.NAME, "confirm").click()
    form.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#erasure-action .status").text.startswith(
        "Uw verzoek is ontvangen. We wissen nu alles"))
    browser.check("privacy-erasure-under-way")
    cloud.cloud.settle()
    assert [r["status"] for r in customer_requests(customer_id)] == ["DONE"]

    # Signed out; the login is gone, so signing in again is refused
    browser.find("#erasure-sign-out").click()
    browser.wait(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    idp = cloud.cloud.client("cognito-idp")
    assert [u for u in idp.list_users(UserPoolId=cloud.cloud.resolver.physical["UserPool"])["Users"]
            if any(a["Value"] == email for a in u["Attributes"])] == []
