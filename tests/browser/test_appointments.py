"""Appointments in the portal: the customer plans the engineer's visit for their fibre in a
30-minute window, moves it to another day, and within 24 hours reads in Dutch that the phone can
still help; the overview shows the visit planned; staff cancel a visit at the desk."""

from __future__ import annotations

from datetime import datetime, timedelta

from selenium.webdriver.common.by import By

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import give_product


def _pick(browser: Browser, card, summary: str, day: int = 0) -> str:
    """Open the card's folded form, choose the first window of the `day`-th day shown, send it;
    the window's start."""
    folded = card.find_element(By.XPATH, f".//summary[normalize-space()='{summary}']")
    if not folded.find_element(By.XPATH, "..").get_attribute("open"):
        folded.click()
    days = browser.wait(lambda d: card.find_elements(By.CSS_SELECTOR, "fieldset.slots") or None)
    choice = days[day].find_element(By.CSS_SELECTOR, "input[type=radio]")
    start = choice.get_attribute("value")
    choice.click()
    card.find_element(By.CSS_SELECTOR, "form button.primary").click()
    return start


def test_a_customer_plans_the_fibre_engineer_and_moves_the_visit(browser: Browser, cloud, customer, monkeypatch):
    give_product(customer, "FIBRE-100")
    browser.sign_in(customer.email, "pw")

    # The product waiting for its visit is on the appointments page, with the windows to choose from
    browser.open("/#/appointments")
    browser.page("appointments")
    waiting = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#appointments-to-plan [data-product]"))
    assert "Een monteur komt uw glasvezel aansluiten" in waiting.text
    assert browser.text("#appointments") == "Er staan geen afspraken gepland."
    waiting.find_element(By.XPATH, ".//summary[normalize-space()='Plan een afspraak']").click()
    browser.wait(lambda d: waiting.find_elements(By.CSS_SELECTOR, "fieldset.slots"))
    browser.check("appointments: windows to choose from")
    # sending without a choice is answered beside the button
    waiting.find_element(By.CSS_SELECTOR, "form button.primary").click()
    told = browser.wait(lambda d: waiting.find_element(By.CSS_SELECTOR, "form [role=status]").text)
    assert told == "Kies eerst een tijd."

    start = _pick(browser, waiting, "Plan een afspraak")

    said = browser.status("appointments-status")
    [planned] = customer.get("/me/appointments").json()["items"]
    window = planned["window"]
    assert planned["window"]["start"].startswith(start[:16])
    assert said.startswith("Gepland: ") and f"{window['from']}–{window['until']}" in said
    card = browser.find(f'#appointments [data-appointment="{planned["appointment_id"]}"]')
    assert "Monteur: glasvezel aansluiten" in card.text and "Damrak 1, 1012 LG Amsterdam" in card.text
    assert browser.all("#appointments-to-plan [data-product]") == []
    browser.check("appointments: a visit planned")

    # Another day suits better: the customer moves it
    moved_to = _pick(browser, card, "Andere tijd kiezen", day=1)
    said = browser.wait(lambda d: (text := browser.text("#appointments-status")).startswith("Verzet naar") and text)
    [moved] = customer.get("/me/appointments").json()["items"]
    assert moved["window"]["start"].startswith(moved_to[:16]) and moved["window"]["date"] > window["date"]
    assert said == f"Verzet naar {browser.text('#appointments .window')}."
    assert moved["window"]["from"] in said and moved["version"] == 2

    # The overview leads to it
    browser.open("/#/")
    browser.page("overview")
    browser.wait(lambda d: "Monteur: glasvezel aansluiten:" in browser.text("#overview-cards"))
    assert browser.find('#overview-cards a[href="#/appointments"]').text == "Afspraken"

    # Within 24 hours of the window the page says, in Dutch, that the phone can still help
    fake_now = datetime.fromisoformat(moved["window"]["start"]) - timedelta(hours=23)
    monkeypatch.setattr("opencounter.appointments.service.utcnow", lambda: fake_now)
    browser.open("/#/appointments")
    browser.page("appointments")
    shown = f'#appointments [data-appointment="{moved["appointment_id"]}"]'
    notice = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{shown} .notice").text)
    card = browser.find(shown)
    assert notice.startswith("Zelf wijzigen of annuleren kon tot ")
    assert "Bel onze klantenservice" in notice and "De telefoon is open ma 08:00–20:00" in notice
    assert card.find_elements(By.TAG_NAME, "summary") == []
    assert card.find_elements(By.CSS_SELECTOR, "button.danger") == []
    browser.check("appointments: within 24 hours")


def test_staff_see_the_visit_planned_at_the_desk_and_cancel_it_for_the_customer(browser: Browser, cloud, customer):
    power = give_product(customer, "POWER-VARIABLE")
    slots = customer.get("/appointments/slots?postcode=1012LG&kind=installer_visit").json()
    first = next(s for d in slots["days"] for s in d["slots"])
    planned = customer.post("/me/appointments", json={"kind": "installer_visit", "slot": first["start"],
                                                      "product_id": power}).json()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)

    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    shown = f'#customer-appointments [data-appointment="{planned["appointment_id"]}"]'
    card = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, shown))
    assert "Installateur: slimme meter plaatsen" in card.text and f"{first['from']}–{first['until']}" in card.text
    browser.check("customer with a visit planned")

    cancel = card.find_element(By.CSS_SELECTOR, "button.danger")
    cancel.click()
    assert "Weet u het zeker?" in browser.wait(lambda d: card.find_element(By.CSS_SELECTOR, "[role=status]").text)
    cancel.click()
    # the meter still has to be placed: the desk offers to plan the visit again
    to_plan = f'#customer-appointments [data-product="{power}"]'
    waiting = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, to_plan))
    assert "Een installateur komt uw slimme meter plaatsen" in waiting.text
    assert browser.all(shown) == []
    [cancelled] = customer.get("/me/appointments").json()["items"]
    assert cancelled["status"] == "cancelled"
    entry = customer.get("/me/timeline").json()["items"][0]
    assert (entry["type"], entry["channel"]) == ("AppointmentCancelled", "agent")

    # Staff plan a new visit on the customer's behalf, from the desk
    start = _pick(browser, waiting, "Plan een afspraak", day=1)

    said = browser.wait(lambda d: (text := browser.text('[data-page="customer"] .appointments-status'))
                        .startswith("Gepland: ") and text)
    assert said.endswith("De klant krijgt een bevestiging.")
    again = next(a for a in customer.get("/me/appointments").json()["items"] if a["status"] == "planned")
    assert again["window"]["start"].startswith(start[:16]) and again["planned_channel"] == "agent"
    assert browser.wait(lambda d: d.find_element(
        By.CSS_SELECTOR, f'#customer-appointments [data-appointment="{again["appointment_id"]}"]'))
    assert browser.all(to_plan) == []
    browser.check("customer: a visit planned from the desk")

def test_a_visit_on_its_way_shows_the_eta_and_a_missed_one_offers_windows_planned_in_one_click(
        browser: Browser, cloud, customer, agent):
    fibre = give_product(customer, "FIBRE-100")
    slots = customer.get("/appointments/slots?postcode=1012LG&kind=engineer_visit").json()
    first = next(s for d in slots["days"] for s in d["slots"])
    planned = customer.post("/me/appointments", json={"kind": "engineer_visit", "slot": first["start"],
                                                      "product_id": fibre}).json()
    job_id, start = planned["appointment_id"], datetime.fromisoformat(first["start"])
    assert cloud.field.update(job_id, "en_route", eta=start + timedelta(minutes=20)) == 200
    browser.sign_in(customer.email, "pw")

    # On its way: the expected arrival, as a window inside the one promised
    browser.open("/#/appointments")
    browser.page("appointments")
    shown = f'#appointments [data-appointment="{job_id}"]'
    eta = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{shown} .eta").text)
    seen = customer.get("/me/appointments").json()["items"][0]["eta_window"]
    assert eta == f"Verwachte aankomst: {seen['from']}–{seen['until']}" and "onderweg" in browser.find(shown).text
    browser.check("appointments: the engineer on the way")

    # Nobody was home: the page says so and offers the first free windows
    assert cloud.field.update(job_id, "missed", reason="nobody_home") == 200
    browser.open("/#/")
    browser.open("/#/appointments")
    browser.page("appointments")
    card = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{shown} .offered"))
    assert "We troffen niemand thuis." in browser.find(shown).text and "niet doorgegaan" in browser.find(shown).text
    offered = customer.get("/me/appointments").json()["items"][0]["outcome"]["next_free"]
    choices = card.find_elements(By.CSS_SELECTOR, "button")
    assert [c.text for c in choices] == [f"{c.text.split(', ')[0]}, {w['from']}–{w['until']}"
                                         for c, w in zip(choices, offered, strict=True)]
    browser.check("appointments: a visit missed")

    # One click plans the product's visit again in that window
    choices[0].click()
    said = browser.status("appointments-status")
    assert said.startswith("Gepland: ") and f"{offered[0]['from']}–{offered[0]['until']}" in said
    listed = customer.get("/me/appointments").json()
    again = next(a for a in listed["items"] if a["status"] == "planned")
    assert (again["window"]["start"], again["product_id"], listed["to_plan"]) == (offered[0]["start"], fibre, [])
    browser.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, shown))
    # and staff see the new visit at the desk with its status
    desk = agent.get(f"/agent/customers/{customer.customer_id}/appointments").json()["items"]
    assert {a["status"] for a in desk} == {"planned", "missed"}
