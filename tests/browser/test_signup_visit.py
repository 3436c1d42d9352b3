"""Signing up on the page when the window chosen with the product filled before signing: the page
says so in words, offers the next free windows, and signs with the one chosen instead."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser
from tests.conftest import Applicant, new_customer
from tests.integration.test_signup_visit import EINDHOVEN, _fibre, _weekday_windows


def test_a_window_taken_before_signing_is_swapped_for_one_of_the_next_free(browser: Browser, cloud):
    # Given an applicant for fibre in Eindhoven, validated, with the one engineer's window chosen
    applicant: Applicant = _fibre(cloud)
    window = _weekday_windows(applicant.caller)[0]
    applicant.body["slot"] = window
    assert applicant.apply().status_code == 201
    assert applicant.identify().status_code == 201
    applicant.wait_for("VALIDATED")
    # and a neighbour who books that window meanwhile
    neighbour = new_customer(cloud, EINDHOVEN)
    assert neighbour.post("/me/appointments", json={"kind": "engineer_visit", "slot": window}).status_code == 201

    # When they continue on the page with their code and sign
    browser.open("/signup.html")
    resume = browser.wait(lambda d: d.find_element(By.ID, "resume-form"))
    browser.fill(resume, code=applicant.signup["resume_code"])
    resume.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: d.find_element(By.ID, "sign").is_displayed())
    assert "Gekozen tijd voor het bezoek van de monteur" in browser.text("#visit-chosen")
    browser.find("#send-code").click()
    browser.wait(lambda d: browser.text("#code-hint"))
    sign = browser.find("#sign-form")
    browser.fill(sign, code=applicant.last_code())
    sign.find_element(By.NAME, "accept").click()
    sign.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then the page says the time filled, in words, and offers the next free ones
    assert "Kies een andere tijd" in browser.status("signup-status")
    browser.wait(lambda d: browser.find("#other-window").is_displayed())
    assert "Kies een van deze tijden" in browser.text("#other-window legend")
    offered = browser.all("#other-window label")
    assert offered and re.search(r"\d{2}:\d{2}–\d{2}:\d{2}$", offered[0].text)
    browser.check("signup-window-taken")

    # When they choose the first and sign again with the same code
    offered[0].find_element(By.TAG_NAME, "input").click()
    sign.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then they are a customer with the visit planned in it
    browser.wait(lambda d: "werkt" in browser.text("#signup-status"), timeout=20)
    assert browser.text("#visit-chosen").startswith("Gepland: het bezoek van de monteur op ")
    assert offered[0].text.split(", ")[-1] in browser.text("#visit-chosen")
    assert applicant.status()["fulfilment"]["window"]["start"] != window
