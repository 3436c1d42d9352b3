"""Complaints in the portal, in Dutch: a customer files a complaint and sees at once its number and
the day of the answer; a complaints officer takes it and answers it from the customer's page at the
desk; the customer reads who handles it (by role, never a name), the follow-up and the answer, and
closes it satisfied. Every page passes the accessibility checks at both widths."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser
from tests.conftest import new_customer


def _sign_out(browser: Browser) -> None:
    browser.find("#sign-out").click()
    browser.wait(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    browser.fresh()


def test_a_customer_files_a_complaint_and_follows_it_to_its_answer_in_dutch(browser: Browser, cloud):
    from infra.local.demo import DEMO_PASSWORD

    customer = new_customer(cloud)

    # Given the customer files a complaint on the Complaints page
    browser.sign_in(customer.email, "pw")
    browser.find("#nav-customer a[href='#/complaints']").click()
    browser.page("complaints")
    assert browser.text('[data-page="complaints"] h1') == "Mijn klachten"
    browser.check("complaints")
    form = browser.find("#complaint-form")
    browser.fill(form, about="delay", text="De monteur is twee keer niet gekomen en niemand belde mij af.")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then it is acknowledged at once with its number and the day of the answer
    acknowledged = browser.status("complaints-status")
    assert acknowledged.startswith("We hebben uw klacht ontvangen (klachtnummer K-") and "uiterlijk" in acknowledged
    complaint = customer.get("/me/complaints").json()["items"][0]
    card = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-complaint="{complaint["complaint_id"]}"]'))
    assert "Een vertraging" in card.text and "ontvangen" in card.text
    browser.check("complaints-filed")
    _sign_out(browser)

    # When a member of staff takes it and answers it from the customer's page at the desk
    staff = "agent@opencounter.example"
    browser.sign_in(staff, DEMO_PASSWORD)
    browser.find("#nav-staff a[href='#/complaints-desk']").click()
    browser.page("staff-complaints")
    browser.wait(lambda d: complaint["complaint_id"] in browser.text("#staff-complaints"))
    browser.check("complaints-desk")
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")

    def in_view(d):
        return d.find_element(By.CSS_SELECTOR, f'#customer-complaints [data-complaint="{complaint["complaint_id"]}"]')

    browser.wait(lambda d: next(b for b in in_view(d).find_elements(By.TAG_NAME, "button")
                                if b.text == "In behandeling nemen")).click()
    assert browser.status("staff-complaint-status").startswith(f"Klacht {complaint['complaint_id']}")
    browser.wait(lambda d: "in behandeling" in in_view(d).text)
    answer = browser.wait(lambda d: next(s for s in in_view(d).find_elements(By.TAG_NAME, "summary")
                                         if s.text == "Antwoord schrijven"))
    answer.click()
    form = answer.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "form")
    browser.fill(form, text="Excuses: de afspraken vervielen door een storing in de planning. We crediteren de "
                            "voorrijkosten.")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.wait(lambda d: "beantwoord" in in_view(d).text)
    browser.check("customer-complaints")
    _sign_out(browser)

    # Then the customer reads the answer, who handled it by role, and closes it satisfied
    browser.sign_in(customer.email, "pw")
    browser.open(f"/#/complaints/{complaint['complaint_id']}")
    browser.page("complaint")
    browser.wait(lambda d: "Ons antwoord" in browser.text("#complaint-body"))
    body = browser.text("#complaint-body")
    assert "In behandeling bij een klachtbehandelaar." in body and staff not in body
    assert "We crediteren de voorrijkosten." in body
    browser.check("complaint-answered")
    browser.wait(lambda d: next(b for b in d.find_elements(By.CSS_SELECTOR, "#complaint-body button")
                                if b.text == "Ik ben tevreden")).click()
    assert browser.status("complaint-status") == "Dank u. Uw klacht is afgesloten."
    browser.wait(lambda d: "Geschillencommissie" in browser.text("#complaint-body"))
    assert browser.console_errors() == []
