"""Deliveries in the portal: the customer plans the courier bringing their SIM card in a
30-minute window, leaves the parcel at a pick-up point instead, has it brought home after all, and
sends it to another address, reading each outcome in Dutch."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser
from tests.browser.test_appointments import _pick
from tests.conftest import give_product


def _open(card, summary: str) -> None:
    folded = card.find_element(By.XPATH, f".//summary[normalize-space()='{summary}']")
    if not folded.find_element(By.XPATH, "..").get_attribute("open"):
        folded.click()


def _card(browser: Browser, appointment_id: str):
    return browser.find(f'#appointments [data-appointment="{appointment_id}"]')


def test_a_customer_plans_the_courier_then_a_pick_up_point_then_home_then_another_address(
        browser: Browser, cloud, customer):
    give_product(customer, "MOBILE-20GB")
    browser.sign_in(customer.email, "pw")
    browser.open("/#/appointments")
    browser.page("appointments")
    waiting = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#appointments-to-plan [data-product]"))
    assert "Een bezorger brengt uw pakket" in waiting.text

    _pick(browser, waiting, "Plan een afspraak")

    browser.wait(lambda d: browser.text("#appointments-status").startswith("Gepland: "))
    [planned] = customer.get("/me/appointments").json()["items"]
    card = _card(browser, planned["appointment_id"])
    assert "Bezorging van uw pakket" in card.text and "Damrak 1, 1012 LG Amsterdam" in card.text

    # Not at home that evening: the parcel goes to a pick-up point
    _open(card, "Ophalen bij een afhaalpunt")
    points = browser.wait(lambda d: card.find_elements(By.CSS_SELECTOR, "input[name^=pickup]") or None)
    browser.check("deliveries: pick-up points to choose from")
    points[0].click()
    card.find_element(By.XPATH, ".//button[normalize-space()='Hier ophalen']").click()
    said = browser.wait(lambda d: (text := browser.text("#appointments-status")).startswith("Uw pakket ligt") and text)
    [left] = customer.get("/me/appointments").json()["items"]
    assert left["pickup_point"]["name"] in said
    card = _card(browser, planned["appointment_id"])
    assert "Afhaalpunt" in card.text and left["pickup_point"]["opening_hours"] in card.text

    # Home after all
    card.find_element(By.XPATH, ".//button[normalize-space()='Toch thuis bezorgen']").click()
    browser.wait(lambda d: browser.text("#appointments-status").startswith("We bezorgen op Damrak 1"))
    assert customer.get("/me/appointments").json()["items"][0]["pickup_point"] is None

    # And then to the office in Rotterdam, in the same window where a courier is free there
    card = _card(browser, planned["appointment_id"])
    _open(card, "Ander bezorgadres")
    form = browser.wait(lambda d: card.find_element(By.CSS_SELECTOR, "input[name=street]"))
    for name, value in (("street", "Coolsingel"), ("house_number", "40"), ("postcode", "3011 AD"),
                        ("city", "Rotterdam")):
        card.find_element(By.CSS_SELECTOR, f"input[name={name}]").send_keys(value)
    assert form.is_displayed()
    card.find_element(By.XPATH, ".//button[normalize-space()='Naar dit adres bezorgen']").click()
    said = browser.wait(lambda d: (text := browser.text("#appointments-status")).startswith("We bezorgen op Cool")
                        and text)
    [sent] = customer.get("/me/appointments").json()["items"]
    assert sent["address"]["city"] == "Rotterdam" and sent["window"] == planned["window"]
    assert f"{sent['window']['from']}–{sent['window']['until']}" in said
    browser.check("deliveries: sent to another address")
