"""Ideas in the portal: a customer proposes an idea, another votes for it and follows it, and a
product owner answers it and plans it at the desk, where operations also read the voice of the
customer as charts. After a move, the overview asks one question about it."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from opencounter.core.clock import business_today
from tests.browser.conftest import Browser
from tests.conftest import new_customer


def _sign_out(browser: Browser) -> None:
    browser.find("#sign-out").click()
    browser.wait(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
    browser.fresh()


def test_a_customer_proposes_an_idea_and_another_votes_for_it_and_follows_it(browser: Browser, cloud):
    title = f"Stroomverbruik per uur {uuid.uuid4().hex[:4]}"
    author, voter = new_customer(cloud), new_customer(cloud)

    # Given the author proposes an idea on the Ideas page
    browser.sign_in(author.email, "pw")
    browser.find("#nav-customer a[href='#/ideas']").click()
    browser.page("ideas")
    browser.find("#idea-new summary").click()
    browser.check("ideas")
    form = browser.find("#idea-form")
    browser.fill(form, title=title, text="Ik wil in de app per uur zien hoeveel stroom ik gebruik.", topic="energy")
    form.find_element(By.CSS_SELECTOR, "button.primary").click()

    # Then it opens, new, by them
    browser.page("idea")
    browser.wait(lambda d: browser.text("#idea-title") == title)
    assert "nieuw" in browser.text("#idea-body") and "door u" in browser.text("#idea-body")
    browser.check("idea")
    _sign_out(browser)

    # When another customer finds it, votes for it and follows it
    browser.sign_in(voter.email, "pw")
    browser.open("/#/ideas")
    browser.page("ideas")
    form = browser.find("#ideas-filter")
    browser.fill(form, status="new", sort="newest")
    form.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: d.find_element(By.ID, "ideas-list").get_attribute("aria-busy") is None)

    def card(d):
        return next((c for c in d.find_elements(By.CSS_SELECTOR, "#ideas-list li") if title in c.text), None)

    def vote(d):
        found = card(d)
        assert author.email not in found.text and "door klant" in found.text
        found.find_element(By.TAG_NAME, "button").click()
        return True

    browser.wait(vote)
    browser.wait(lambda d: card(d).find_element(By.TAG_NAME, "button").get_attribute("aria-pressed") == "true")
    assert "1 stem" in card(browser.driver).text
    browser.check("ideas-voted")
    card(browser.driver).find_element(By.TAG_NAME, "a").click()
    browser.page("idea")
    follow = browser.wait(lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "#idea-body button")
                                          if b.text == "Volgen"), None))
    follow.click()
    assert browser.status("idea-status").startswith("U volgt dit idee")


def test_a_product_owner_answers_and_plans_an_idea_and_reads_the_voice_of_the_customer(browser: Browser, cloud):
    from infra.local.demo import DEMO_PASSWORD

    author = new_customer(cloud)
    title = f"Factuur delen met huisgenoten {uuid.uuid4().hex[:4]}"
    idea = author.post("/me/ideas", json={"title": title, "topic": "service",
                                          "text": "Een knop om de factuur te delen met mijn huisgenoten."}).json()

    # Given a product owner at the desk's Ideas page
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-staff a[href='#/ideas-desk']").click()
    browser.page("staff-ideas")
    form = browser.find("#staff-ideas-filter")
    browser.fill(form, status="new", sort="newest")
    form.find_element(By.TAG_NAME, "button").click()
    def row(d):
        return next((r for r in d.find_elements(By.CSS_SELECTOR, "#staff-ideas li") if title in r.text), None)

    browser.wait(row)
    browser.check("staff-ideas")
    browser.wait(lambda d: row(d).find_element(By.TAG_NAME, "a").click() or True)
    browser.page("staff-idea")
    browser.wait(lambda d: browser.text("#staff-idea-title") == title)

    # When they answer it
    answer = next(d for d in browser.all("#staff-idea-body details") if "Beantwoorden" in d.text)
    answer.find_element(By.TAG_NAME, "summary").click()
    browser.fill(answer.find_element(By.TAG_NAME, "form"), text="Goed idee: we bekijken het deze maand.")
    answer.find_element(By.CSS_SELECTOR, "button.primary").click()
    assert browser.status("staff-idea-status").startswith("Het antwoord staat erbij")
    # And plan it, with a reason
    move = browser.wait(lambda d: next(x for x in d.find_elements(By.CSS_SELECTOR, "#staff-idea-body details")
                                       if "Status wijzigen" in x.text))
    move.find_element(By.TAG_NAME, "summary").click()
    browser.fill(move.find_element(By.TAG_NAME, "form"), status="planned", reason="Komt in de app van maart")
    move.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.wait(lambda d: browser.status("staff-idea-status").startswith("De status is gewijzigd"))
    browser.wait(lambda d: "gepland" in browser.text("#staff-idea-body"))
    browser.check("staff-idea")
    cloud.cloud.settle()

    # Then the author reads both, and was told
    page = author.get(f"/me/ideas/{idea['idea_id']}").json()
    assert page["status"] == "planned" and page["answer"]["text"] == "Goed idee: we bekijken het deze maand."
    assert [m for m in cloud.cloud.mailbox(author.email) if m["subject"] == "Een idee dat u volgt is verder"]

    # And the voice of the customer shows as charts
    browser.find("#nav-staff a[href='#/voice']").click()
    browser.page("voice")
    browser.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#voice-parts .bar-row"))
    assert "Vragen zonder antwoord in de FAQ" in browser.text("#voice-parts")
    # with what a page, an invoice line or a notice could have prevented
    assert "Voorkomen bij de bron" in browser.text("#voice-prevention")
    browser.check("voice")


def test_after_a_move_the_overview_asks_how_easy_it_was(browser: Browser, cloud):
    customer = new_customer(cloud)
    moved = customer.post("/me/moves", json={"street": "Lange Voorhout", "house_number": 34, "postcode": "2514ee",
                                             "city": "Den Haag", "move_date": business_today().isoformat()})
    assert moved.status_code == 201
    cloud.cloud.settle()

    browser.sign_in(customer.email, "pw")
    card = browser.wait(lambda d: d.find_element(By.ID, "feedback-card"))
    assert "Hoe makkelijk was het om uw verhuizing door te geven?" in card.text
    browser.check("overview-feedback")
    card.find_element(By.CSS_SELECTOR, "input[value='5']").click()
    browser.fill(card.find_element(By.TAG_NAME, "form"), comment="Heel snel geregeld.")
    card.find_element(By.CSS_SELECTOR, "button.primary").click()
    browser.wait(lambda d: "Dank u wel" in d.find_element(By.ID, "feedback-card").text)
    assert customer.get("/me/feedback/pending").json() == {"question": None}
