"""Sign-ups in review at the desk: a colleague finds the sign-up a check could not be completed for,
sees what could not be checked and the deadline, and verifies it; in Dutch, and in English."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import Applicant, crash_times


def test_a_colleague_verifies_a_sign_up_in_review_at_the_desk(browser: Browser, cloud, faults):
    # Given a sign-up whose checks could not be completed (every provider failing)
    faults["SignupCheckFunction"] = crash_times(1000)
    applicant = Applicant(cloud, applicant__given_name="Ilse", applicant__family_name="Bakker")
    signup = applicant.activate()
    del faults["SignupCheckFunction"]

    # When a colleague opens the sign-ups in review
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-staff a[href='#/signups-desk']").click()
    browser.page("staff-signups")
    listed = f'#staff-signups [data-signup="{signup["signup_id"]}"]'
    row = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, listed))
    # Then it is there, with what could not be checked and until when they have
    assert "Ilse Bakker" in row.text and "niet gecontroleerd: Identiteitsbewijs, Sanctielijsten, Adres" in row.text
    assert "beslissen vóór" in row.text
    browser.check("staff-signups")

    # And opening it shows every check and the decision form
    row.find_element(By.TAG_NAME, "a").click()
    browser.page("staff-signup")
    form = browser.wait(lambda d: d.find_element(By.ID, "signup-decision-form"))
    assert "Identiteitsbewijs: kon niet worden afgerond" in browser.text("#staff-signup-body")
    browser.check("staff-signup")

    # When they verify it, with their reasons
    browser.fill(form, outcome="verify", reasons="Paspoort en adres nagekeken; alles klopt.")
    form.find_element(By.TAG_NAME, "button").click()

    # Then the decision is recorded and the sign-up is verified, as theirs
    browser.wait(lambda d: browser.status("staff-signup-status") == "Besluit vastgelegd.")
    body = browser.wait(lambda d: (text := browser.text("#staff-signup-body")) and "bevestigd" in text and text)
    assert "Bevestigd door agent@opencounter.example op" in body
    assert "Paspoort en adres nagekeken; alles klopt." in body
    assert "signup-decision-form" not in browser.driver.page_source
    browser.check("staff-signup-decided")
    assert applicant.status()["status"] == "VERIFIED"  # the workflow went on with it

    # And the list no longer shows it; in English it reads as such
    browser.find("#language").click()
    browser.find("#nav-staff a[href='#/signups-desk']").click()
    browser.page("staff-signups")
    browser.wait(lambda d: not browser.all(listed))  # the list as it is now, without the decided one
    assert browser.text('[data-page="staff-signups"] h1') == "Sign-ups in review"
    browser.check("staff-signups-en")
