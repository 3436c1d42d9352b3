"""Signing up in the browser from the first screen to an active product and the first sign-in,
and the counter desk as staff use it."""

from __future__ import annotations

import re
import secrets

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import bill, give_product


def _mailed(cloud, to: str, subject: str) -> str:
    mails = [m for m in cloud.cloud.mailbox(to) if m["subject"] == subject]
    assert mails, f"no mail {subject!r} to {to}"
    return mails[-1]["body"]


def test_a_new_customer_signs_up_and_signs_in_for_the_first_time(browser: Browser, cloud):
    email = f"nieuw-{secrets.token_hex(4)}@example.nl"
    browser.open("/signup.html")
    form = browser.wait(lambda d: d.find_element(By.ID, "apply-form"))
    browser.wait(lambda d: browser.all("#plans option"))
    # the price shows every cost before anything is committed, the one-off fee included
    browser.fill(form, plan="FIBRE/FIBRE-100")
    assert "€ 42,50 per maand" in browser.text("#price") and "€ 25,00 aansluitkosten" in browser.text("#price")
    browser.check("signup")
    # the engineer's half hour is chosen with the product, from the windows free at the postcode typed
    assert browser.text("#visit legend") == "Wanneer komt de monteur uw glasvezel aansluiten?"
    assert "postcode" in browser.text("#visit-lead")
    browser.fill(form, given_name="Noor", family_name="Visser", email=email, phone="06 1234 9876", income="3100",
                 postcode="1017 GB", house_number="5", street="Kerkstraat", city="Amsterdam")
    browser.driver.execute_script("arguments[0].value = '1991-03-14'", form.find_element(By.NAME, "birth_date"))
    form.find_element(By.NAME, "privacy").click()
    browser.wait(lambda d: browser.all('#visit-windows input[name="visit_slot"]'))
    days = browser.all("#visit-day option")
    assert days and re.match(r"^(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d+ ", days[0].text)
    browser.fill(form, visit_day=days[1].get_attribute("value"))
    browser.wait(lambda d: browser.all('#visit-windows input[name="visit_slot"]'))
    window = browser.all("#visit-windows label")[0]
    assert re.fullmatch(r"\d{2}:\d{2}–\d{2}:\d{2}", window.text)
    chosen_window = window.text
    window.find_element(By.TAG_NAME, "input").click()
    browser.check("signup-visit")
    # in English by choice, the window chosen kept
    browser.find("#language").click()
    browser.wait(lambda d: browser.text("#visit legend") == "When does the engineer come to connect your fibre?")
    browser.wait(lambda d: browser.all('#visit-windows input[name="visit_slot"]:checked'))
    browser.find("#language").click()
    browser.wait(lambda d: browser.text("#visit legend").startswith("Wanneer")
                 and browser.all('#visit-windows input[name="visit_slot"]:checked'))
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # identifying (the identity provider's page is the stand-in's; its outcome arrives by webhook)
    browser.wait(lambda d: d.find_element(By.ID, "identify").is_displayed())
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", browser.text("#code"))
    assert chosen_window in browser.text("#visit-chosen") and "monteur" in browser.text("#visit-chosen")
    browser.check("signup-progress")
    browser.find("#identify-button").click()
    browser.wait(lambda d: len(d.window_handles) > 1)
    browser.driver.switch_to.window(browser.driver.window_handles[-1])
    browser.driver.close()
    browser.driver.switch_to.window(browser.driver.window_handles[0])
    session = next(s for s in cloud.stripe.sessions.values() if s["provided_details"].get("email") == email)
    cloud.stripe.complete_identity(session["id"])

    # signing with the code we mail
    browser.wait(lambda d: d.find_element(By.ID, "sign").is_displayed(), timeout=20)
    browser.find("#send-code").click()
    browser.wait(lambda d: browser.text("#code-hint"))
    code = re.search(r"\b(\d{6})\b", _mailed(cloud, email, "Your signing code")).group(1)
    sign = browser.find("#sign-form")
    browser.fill(sign, code=code)
    sign.find_element(By.NAME, "accept").click()
    sign.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert "werkt" in browser.status("signup-status", timeout=20)
    assert browser.text("#visit-chosen").startswith("Gepland: het bezoek van de monteur op ")
    assert chosen_window in browser.text("#visit-chosen")
    assert "Getekend op" in browser.text("#evidence")
    browser.check("signup-active")

    # the first sign-in: the invitation's temporary password, then one of their own
    cloud.cloud.settle()
    temporary = re.search(r"temporary password is (\S+)\.", _mailed(cloud, email, "Your OpenCounter login")).group(1)
    browser.fresh()
    browser.open("/")
    browser.wait(lambda d: browser.find("#sign-in").is_displayed())
    browser.find("#sign-in").click()
    browser.wait(lambda d: "/oauth2/authorize" in d.current_url)
    browser.fill(browser.find("form"), username=email, password=temporary)
    browser.find("form button").click()
    new_password = browser.wait(lambda d: d.find_element(By.NAME, "new_password"))
    assert browser.text("h1") == "Kies een nieuw wachtwoord"
    new_password.send_keys("Mijn-eigen-wachtwoord-1")
    browser.find("form button").click()
    browser.page("overview")
    # the title reads "Overzicht" until the record has come: wait for the greeting itself
    assert browser.wait(lambda d: browser.text("#overview-title").startswith("Goedendag")
                        and browser.text("#overview-title")) == "Goedendag, Noor"


def test_staff_find_a_customer_work_the_queue_and_see_the_360_view(browser: Browser, cloud):
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.page("desk")
    browser.check("desk")
    form = browser.find("#search-form")
    browser.fill(form, query="sanne@example.nl")
    form.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: browser.all("#search-results a"))
    browser.find("#search-results a").click()
    browser.page("customer")
    browser.wait(lambda d: browser.text("#customer-title") == "Sanne de Vries")
    browser.wait(lambda d: browser.all("#customer-timeline li"))
    assert "Mobiel abonnement" in browser.text("#customer-products")
    assert browser.all("#staff-contacts > li") and browser.all("#nba li")
    browser.check("customer")

    # a WhatsApp message from an unknown number waits in the queue; the agent takes it and answers
    cloud.channels.sandbox.whatsapp("31687600000", "Hallo, mijn internet doet het niet")
    cloud.cloud.settle()
    browser.open("/#/queue")
    browser.page("queue")
    item = browser.wait(lambda d: next((li for li in browser.all("#queue-list > li")
                                        if "mijn internet doet het niet" in li.text), None))
    browser.check("queue")
    item.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.wait(lambda d: "U pakte" in browser.text("[data-page=queue]"))

    # what the sender writes meanwhile shows in the contact the agent works on, without reloading
    working = browser.wait(lambda d: next((li for li in browser.all("#working > li")
                                           if "mijn internet doet het niet" in li.text), None))
    cloud.channels.sandbox.whatsapp("31687600000", "Het lampje knippert rood")
    cloud.cloud.settle()
    browser.wait(lambda d: "Het lampje knippert rood" in working.text)
    browser.check("queue-working")


def test_the_counter_finds_a_walk_in_and_acts_on_their_behalf(browser: Browser, cloud, customer):
    from opencounter.customers.views import customer_record

    give_product(customer, "MOBILE-5GB")
    invoice = bill(cloud, customer)
    record = customer_record(customer.customer_id)
    name = f"{record['personal']['given_name']} {record['personal']['family_name']}"
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.page("desk")

    # found by name and postcode, as the customer says them at the counter
    form = browser.find("#search-form")
    browser.fill(form, query=f"{record['personal']['family_name']} 1012lg")
    form.find_element(By.TAG_NAME, "button").click()
    link = browser.wait(lambda d: next((a for a in browser.all("#search-results a") if a.text == name), None))
    assert "Damrak 1" in link.find_element(By.XPATH, "..").text
    browser.check("desk-search")
    link.click()
    browser.page("customer")
    browser.wait(lambda d: browser.text("#customer-title") == name)
    browser.check("customer-on-behalf")

    # the visit recorded as a contact, solved on the spot
    panel = browser.find("#on-behalf")
    visit = panel.find_elements(By.TAG_NAME, "details")[0]
    visit.find_element(By.TAG_NAME, "summary").click()
    browser.fill(visit.find_element(By.TAG_NAME, "form"), subject="Vraag over de factuur",
                 solution="Samen doorgenomen.")
    visit.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert browser.status("customer-status") == "Vastgelegd: „Vraag over de factuur”."
    browser.wait(lambda d: "Vraag over de factuur" in browser.text("#staff-contacts"))

    # a plan change for the customer, asked at the counter
    card = browser.wait(lambda d: browser.find("#customer-products [data-product]"))
    browser.fill(card.find_element(By.CSS_SELECTOR, "form.inline"), plan_code="MOBILE-20GB")
    card.find_element(By.CSS_SELECTOR, "form.inline button").click()
    browser.wait(lambda d: "U zit nu op 20 GB" in browser.text("#customer-products"))  # told once shown again
    assert customer.get("/me").json()["products"][0]["plan_code"] == "MOBILE-20GB"
    # its plan history says staff changed it, by role
    browser.wait(lambda d: "gewijzigd door een medewerker" in browser.text("#customer-products .plan-history"))
    assert "de klant" not in browser.text("#customer-products .plan-history li:first-child")

    # a link to pay the invoice, sent to the customer
    row = browser.find(f'#customer-invoices [data-invoice="{invoice["invoice_id"]}"]')
    row.find_element(By.XPATH, ".//button").click()
    browser.wait(lambda d: "Betaallink voor" in row.text)
    cloud.cloud.settle()
    assert any(invoice["invoice_id"] in m["body"] for m in cloud.cloud.mailbox(customer.email)
               if m["subject"] == "Betaal uw factuur")

    # and everything is on the customer's timeline as this agent's doing
    browser.wait(lambda d: "Betaallink gestuurd" in browser.text("#customer-timeline"))
    timeline = browser.text("#customer-timeline")
    assert "Contact vastgelegd" in timeline and "Abonnement gewijzigd" in timeline
    assert "agent@opencounter.example" in timeline
    browser.check("customer-acted")
