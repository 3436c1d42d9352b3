"""A planned call-back in the browser: on the contact page the customer chooses a day and a quarter
of an hour, says what it is about and books it; it shows as planned, can be moved, and cancelled."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import Browser

CONTACT = '[data-page="contact"]'
SAID = "#callbacks-status"


def _choose_last(browser: Browser, form, name: str) -> str:
    """The last day offered and its last quarter of an hour; the slot's start."""
    day = Select(form.find_element(By.NAME, f"{name}_day"))
    day.select_by_index(len(day.options) - 1)
    quarter = browser.wait(lambda d: form.find_elements(By.CSS_SELECTOR, f'input[name="{name}"]'))[-1]
    quarter.click()
    return quarter.get_attribute("value")


def test_the_customer_plans_a_call_back_moves_it_and_cancels_it(browser: Browser, cloud, customer):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/contact")
    browser.page("contact")

    # The contact page offers a call-back at a time of their choosing, in Dutch
    form = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{CONTACT} form.callback-form"))
    assert "Bel mij terug op een moment dat mij past" in browser.text(CONTACT)
    browser.fill(form, subject="Vraag over mijn factuur")
    chosen = _choose_last(browser, form, "callback_slot")
    browser.check("contact-callback")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then it is planned: said, shown with its time, and among their planned contacts
    browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, SAID).text.startswith("We bellen u "))
    [planned] = [p for p in customer.get("/me").json()["planned_contacts"] if p["kind"] == "callback"]
    assert planned["window"]["start"] == chosen and planned["subject"] == "Vraag over mijn factuur"
    card = browser.find(f'{CONTACT} [data-callback="{planned["contact_id"]}"]')
    assert f"{planned['window']['from']}–{planned['window']['until']}" in card.text
    assert "Over: Vraag over mijn factuur" in card.text
    browser.check("contact-callback-planned")

    # When they move it to another quarter of an hour
    card.find_element(By.TAG_NAME, "summary").click()
    move = card.find_element(By.TAG_NAME, "form")
    day = Select(move.find_element(By.NAME, f"move-{planned['contact_id']}_day"))
    day.select_by_index(len(day.options) - 1)
    quarters = browser.wait(lambda d: move.find_elements(By.CSS_SELECTOR, "input[type=radio]"))
    quarters[-2].click()
    other = quarters[-2].get_attribute("value")
    move.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, SAID).text.startswith("Verzet: we bellen u "))
    [moved] = [p for p in customer.get("/me").json()["planned_contacts"] if p["kind"] == "callback"]
    assert moved["window"]["start"] == other != chosen

    # And cancel it
    card = browser.find(f'{CONTACT} [data-callback="{planned["contact_id"]}"]')
    next(b for b in card.find_elements(By.CSS_SELECTOR, ":scope > button") if b.text == "Annuleren").click()
    browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, SAID).text == "Het terugbellen is geannuleerd.")
    assert browser.all(f"{CONTACT} [data-callback]") == []
    assert [p for p in customer.get("/me").json()["planned_contacts"] if p["kind"] == "callback"] == []
