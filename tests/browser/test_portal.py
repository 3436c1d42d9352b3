"""The customer portal in the browser, journey by journey, as a customer uses it: signed in
through the managed login, in Dutch unless they choose English, every page checked at 375 px and
1280 px and with axe-core as it is visited."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from opencounter.core.clock import business_today
from tests.browser.conftest import Browser
from tests.conftest import bill, give_product

SANNE = "sanne@example.nl"


def test_a_visitor_sees_the_welcome_and_the_service_page_in_dutch(browser: Browser):
    browser.open("/")
    welcome = browser.page("welcome")
    assert welcome.find_element(By.TAG_NAME, "h1").text == "Welkom bij OpenCounter"
    assert browser.driver.execute_script("return document.documentElement.lang") == "nl"
    browser.check("welcome")
    browser.open("/#/service")
    browser.wait(lambda d: browser.all("#channels .card h3"))
    assert browser.wait(lambda d: browser.all("#faq details")), "the FAQ is there"
    assert "Wat staat er op mijn factuur?" in [s.get_attribute("textContent") for s in browser.all("#faq summary")]
    browser.check("service")


def test_a_customer_signs_in_with_the_managed_login_sees_the_overview_and_signs_out(browser: Browser):
    # When Sanne signs in through the login page (authorization code with PKCE)
    browser.sign_in(SANNE, DEMO_PASSWORD)

    # Then her overview shows what matters, in Dutch formats, and no token is in localStorage
    browser.page("overview")
    browser.wait(lambda d: browser.all("#overview-cards .card"))
    assert browser.text("#overview-title") == "Goedendag, Sanne"
    cards = browser.text("#overview-cards")
    assert re.search(r"Nog te betalen: € \d+,\d{2}", cards), cards
    assert "Mobiel abonnement – 20 GB" in cards and "GB van 20 GB" in cards
    assert browser.driver.execute_script("return Object.keys(localStorage).filter(k => /token/i.test(k)).length") == 0
    browser.check("overview")

    # When she signs out, the portal is signed out and her token is gone
    browser.find("#sign-out").click()
    browser.page("welcome")
    assert browser.driver.execute_script("return sessionStorage.getItem('opencounter.token')") is None


def test_a_wrong_password_is_told_on_the_login_page_in_words(browser: Browser):
    browser.open("/")
    browser.wait(lambda d: browser.find("#sign-in").is_displayed())
    browser.find("#sign-in").click()
    browser.wait(lambda d: "/oauth2/authorize" in d.current_url)
    form = browser.find("form")
    browser.fill(form, username=SANNE, password="not-her-password")
    form.find_element(By.TAG_NAME, "button").click()
    alert = browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=alert]"))  # the login page, again
    assert alert[0].text == "Dit e-mailadres en wachtwoord horen niet bij elkaar."
    browser.check("login")


def test_the_customer_pays_an_invoice_through_the_bank_and_sees_it_paid(browser: Browser, cloud, customer):
    # Given an open invoice of EUR 42.50
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    browser.sign_in(customer.email, "pw")

    # When the customer opens it from the list
    browser.open("/#/invoices")
    browser.page("invoices")
    browser.wait(lambda d: browser.all("#invoices a"))
    assert "€ 42,50" in browser.text("#invoices")
    browser.check("invoices")
    browser.find("#invoices a").click()
    browser.page("invoice")
    assert browser.wait(lambda d: "Nu te betalen: € 42,50" in browser.text("#invoice-actions"))
    # an invoice above EUR 30 may be spread, in 2 to 4 instalments of at least EUR 10
    options = [o.text for o in browser.all("#invoice-actions select option")]
    assert options == ["2 maanden", "3 maanden", "4 maanden"]
    browser.check("invoice")

    # And pays with iDEAL at the bank
    browser.find("#invoice-actions button.primary").click()
    browser.wait(lambda d: "/sandbox/stripe/" in d.current_url)
    browser.find("button[value=approve]").click()

    # Then they are back on the invoice, which says it is paid
    browser.page("invoice")
    assert browser.status("invoice-status") == "Betaling ontvangen: de factuur is betaald."
    assert "betaald" in browser.text("#invoice-facts")
    assert customer.get(f"/me/invoices/{invoice['invoice_id']}").json()["status"] == "paid"


def test_an_invoice_too_small_to_spread_offers_no_instalments(browser: Browser, cloud, customer):
    give_product(customer, "MOBILE-20GB")
    invoice = bill(cloud, customer)  # EUR 19.50: below the EUR 30 instalments are for
    browser.sign_in(customer.email, "pw")
    browser.open(f"/#/invoices/{invoice['invoice_id']}")
    browser.page("invoice")
    browser.wait(lambda d: "Nu te betalen" in browser.text("#invoice-actions"))
    assert browser.all("#invoice-actions select") == []


def test_the_customer_changes_plan_and_cancels_with_a_second_look(browser: Browser, customer):
    product = give_product(customer, "MOBILE-5GB")
    browser.sign_in(customer.email, "pw")
    browser.open("/#/products")
    card = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f'[data-product="{product}"]'))
    assert "5 GB" in card.text and "€ 12,50 per maand" in card.text
    browser.check("products")

    # When they switch to 20 GB
    form = card.find_element(By.CSS_SELECTOR, "form.inline")
    browser.fill(form, plan_code="MOBILE-20GB")
    form.find_element(By.TAG_NAME, "button").click()

    # Then the product says so and tells what this month costs more, next to the product
    browser.wait(lambda d: "U zit nu op 20 GB" in d.find_element(By.CSS_SELECTOR, f'[data-product="{product}"]').text)
    assert customer.get("/me").json()["products"][0]["plan_code"] == "MOBILE-20GB"

    # And the card's plan history lists both plans, newest first, with the days and how each came
    history = [li.text for li in browser.all(f'[data-product="{product}"] .plan-history li')]
    assert history[0].startswith("20 GB, sinds ") and history[0].endswith("u koos dit zelf")
    assert history[1].startswith("5 GB, van 1 januari 2026 tot en met ") and history[1].endswith("bij uw aanmelding")
    browser.check("products-history")

    # When they cancel, the page asks once more beside the button before it is done
    card = browser.find(f'[data-product="{product}"]')
    cancel = card.find_elements(By.CSS_SELECTOR, "form.inline")[-1]
    cancel.find_element(By.TAG_NAME, "button").click()
    assert "Weet u het zeker?" in card.text
    assert customer.get("/me").json()["products"][0]["ends_on"] is None
    cancel.find_element(By.TAG_NAME, "button").click()
    assert "is opgezegd en stopt op" in browser.status("products-status")


def test_the_customer_moves_sets_consents_and_reads_english_by_choice(browser: Browser, customer):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/settings")
    browser.page("settings")
    browser.wait(lambda d: browser.find("#change-form input[name=email]").get_attribute("value") == customer.email)
    # beside the channel they prefer, when their phone stays quiet
    assert "Tussen 21:00 en 08:00 sturen we geen WhatsApp of sms" in browser.text("#quiet-hours")
    browser.check("settings")

    # A Dutch phone number typed the Dutch way is taken
    form = browser.find("#change-form")
    browser.fill(form, phone="06 1234 5678")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert browser.status("change-status") == "Opgeslagen: geldt meteen, op elk kanaal."
    assert customer.get("/me").json()["contact"]["phone"] == "+31612345678"

    # A move, with a postcode in any form
    move = browser.find("#move-form")
    browser.fill(move, postcode="2514ee", house_number="7", street="Lange Voorhout", city="Den Haag")
    browser.driver.execute_script("arguments[0].value = arguments[1]", move.find_element(By.NAME, "move_date"),
                                  business_today().isoformat())
    move.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert "Lange Voorhout 7, 2514 EE Den Haag" in browser.status("move-status")

    # Consents per purpose and channel
    browser.find('#consents input[name="email/marketing"]').click()
    browser.find("#consents-form button.primary").click()
    assert browser.status("consents-status") == "Uw toestemmingen zijn opgeslagen."
    consents = customer.get("/me").json()["consents"]
    assert {"channel": "email", "purpose": "marketing", "granted": True} in [
        {k: c[k] for k in ("channel", "purpose", "granted")} for c in consents]

    # And English, by choice: the page and the record speak it from now on
    browser.fill(browser.find("#change-form"), language="en")
    browser.find("#change-form button.primary").click()
    browser.wait(lambda d: browser.text("#change-status") == "Saved: in effect at once, on every channel.")
    assert browser.text("[data-page=settings] h1") == "My details"
    assert customer.get("/me").json()["settings"]["language"] == "en"


def test_an_error_reads_as_a_sentence_in_the_customers_language(browser: Browser, customer):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/settings")
    browser.page("settings")
    move = browser.find("#move-form")
    browser.fill(move, postcode="0123 AB", house_number="1", street="Nergens", city="Nergens")
    browser.driver.execute_script("arguments[0].value = arguments[1]", move.find_element(By.NAME, "move_date"),
                                  business_today().isoformat())
    move.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert browser.status("move-status") == "Vul een Nederlandse postcode in, zoals 1234 AB."


def test_the_contact_funnel_offers_the_answer_first_then_the_channels_with_their_waits(browser: Browser, customer):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/contact")
    browser.page("contact")
    browser.check("contact")
    form = browser.find("#question-form")
    browser.fill(form, question="Hoe kan ik mijn factuur betalen met iDEAL?")
    form.find_element(By.TAG_NAME, "button").click()
    offers = browser.wait(lambda d: (o := d.find_element(By.ID, "offers")).is_displayed() and o)
    assert "Hoe betaal ik een factuur meteen?" in offers.text
    assert "Online hulp" in offers.text and "Persoonlijk contact" in offers.text
    browser.check("contact-offers")
    browser.find("#offers button.choice").click()  # "this answers my question"
    assert browser.status("contact-status").startswith("Fijn dat dit hielp")


def test_the_customer_starts_a_request_and_gets_a_code_to_continue_anywhere(browser: Browser, cloud, customer,
                                                                           agent):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/requests")
    browser.page("requests")
    browser.find("#request-new summary").click()
    form = browser.find("#request-form")
    browser.fill(form, kind="repair", subject="Internet valt weg", text="Elke avond rond acht uur.")
    form.find_element(By.TAG_NAME, "button").click()
    code = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#resume .code").text)
    assert re.fullmatch(r"[2-9A-Z]{8}", code)
    browser.wait(lambda d: "Internet valt weg" in browser.text("#requests"))
    browser.check("requests")
    # An agent moves it on: the customer's history says a staff member did, never who
    [request] = customer.get("/me/requests").json()["items"]
    stepped = agent.post(f"/agent/customers/{customer.customer_id}/requests/{request['request_id']}/steps",
                         json={"text": "We sturen een monteur.", "version": request["version"]})
    assert stepped.status_code == 200, stepped.text
    cloud.cloud.settle()
    browser.open("/#/history")
    browser.page("history")
    browser.wait(lambda d: "door een medewerker" in browser.text("#timeline"))
    assert "Uw verzoek is verder" in browser.text("#timeline") and agent.email not in browser.text("#timeline")
    browser.check("history")


def test_the_customer_chats_and_the_agents_answer_appears_without_reloading(browser: Browser, customer, agent,
                                                                             office_hours):
    # Given a customer who asks a question and chooses the chat
    browser.sign_in(customer.email, "pw")
    browser.open("/#/contact")
    form = browser.find("#question-form")
    browser.fill(form, question="Mijn internet valt elke avond weg")
    form.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: d.find_element(By.ID, "offers").is_displayed())
    [chat] = [b for b in browser.all("#offers button.choice") if b.text == "Kies chat"]
    chat.click()
    page = browser.page("chat")
    contact_id = browser.driver.current_url.rsplit("/", 1)[-1]
    # (the page shows before the conversation has loaded into it: wait for the words)
    browser.wait(lambda d: "Mijn internet valt elke avond weg" in browser.text("#chat-messages"))
    assert browser.status("chat-state").startswith("Even geduld: een medewerker komt zo bij u.")
    browser.check("chat")

    # When they write more while they wait
    message = page.find_element(By.ID, "chat-form")
    browser.fill(message, text="Het begon vorige week dinsdag.")
    message.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: "Het begon vorige week dinsdag." in browser.text("#chat-messages"))
    assert message.find_element(By.NAME, "text").get_attribute("value") == ""

    # Then the agent reads it, and their answer shows in the open page by itself
    taken = agent.post(f"/agent/contacts/{contact_id}/take?customer_id={customer.customer_id}").json()
    assert taken["messages"][-1]["text"] == "Het begon vorige week dinsdag."
    browser.wait(lambda d: browser.text("#chat-state") == "Een medewerker is bij u.")
    answered = time.monotonic()
    assert agent.post(f"/agent/contacts/{contact_id}/notes?customer_id={customer.customer_id}",
                      json={"text": "We zetten uw lijn opnieuw aan.", "for_customer": True, "reply": True}).ok
    browser.timed("chat_answer_visible_ms",
                  lambda d: "We zetten uw lijn opnieuw aan." in browser.text("#chat-messages"), answered)
    assert "medewerker" in browser.all("#chat-messages .from-agent")[-1].text
    browser.check("chat-answered")

    # And when the agent resolves it, the page says so and takes no more messages
    assert agent.post(f"/agent/contacts/{contact_id}/resolution?customer_id={customer.customer_id}",
                      json={"solution": "Lijn opnieuw aangezet."}).ok
    browser.wait(lambda d: browser.text("#chat-state").startswith("Dit gesprek is afgerond."))
    assert not message.is_displayed()


def test_a_forgotten_password_is_reset_on_the_login_pages_and_signs_in(browser: Browser, cloud, pool_customer):
    email, _ = pool_customer
    browser.open("/")
    browser.wait(lambda d: browser.find("#sign-in").is_displayed())
    browser.find("#sign-in").click()
    browser.wait(lambda d: "/oauth2/authorize" in d.current_url)
    browser.driver.find_element(By.LINK_TEXT, "Wachtwoord vergeten?").click()
    form = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "form[action^='/forgotPassword']"))
    browser.fill(form, username=email)
    form.find_element(By.TAG_NAME, "button").click()
    confirm = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "form[action^='/confirmForgotPassword']"))
    browser.check("login-reset")
    mail = [m for m in cloud.cloud.mailbox(email) if m["subject"] == "Your OpenCounter verification code"][-1]
    browser.fill(confirm, code=re.search(r"\b(\d{6})\b", mail["body"]).group(1), new_password="Nieuw-wachtwoord-9")
    confirm.find_element(By.TAG_NAME, "button").click()
    # back on the sign-in page, the address filled in: the new password signs in
    password = browser.wait(lambda d: d.find_element(By.NAME, "password"))
    password.send_keys("Nieuw-wachtwoord-9")
    browser.find("form button").click()
    browser.page("overview")
    # the title reads "Overzicht" until the record has come: wait for the greeting itself
    assert browser.wait(lambda d: browser.text("#overview-title").startswith("Goedendag")
                        and browser.text("#overview-title")) == "Goedendag, Pool"
