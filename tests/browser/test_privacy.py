"""Staff reads on record, in the browser: a customer reads who looked at their data on their
privacy page; an agent's reason typed at the desk goes with their reads; the privacy officer's
desk shows the requests past their deadline, what to look into, every read and the consents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from selenium.webdriver.common.by import By

from bench.privacy import entries_of
from infra.local.demo import DEMO_PASSWORD
from opencounter.core.access_log import Subject
from tests.browser.conftest import Browser


def test_a_customer_reads_who_looked_at_their_data(browser: Browser, cloud, customer, agent):
    # Given a colleague looked at the customer's invoices with a reason, and at the record without one
    assert agent.get(f"/agent/customers/{customer.customer_id}/invoices",
                     headers={"X-Access-Reason": quote("Vraag over een factuur")}).ok
    assert agent.get(f"/agent/customers/{customer.customer_id}").ok

    # When the customer opens their privacy page
    browser.sign_in(customer.email, "pw")
    browser.find("#nav-customer a[href='#/privacy']").click()
    browser.page("privacy")
    rows = browser.wait(lambda d: len(found := d.find_elements(By.CSS_SELECTOR, "#access-log li.row")) == 2 and found)

    # Then they see who (a role, never a name), what and why, newest first
    assert browser.text("#privacy-parts h2") == "Wie heeft uw gegevens ingezien"
    assert "Een medewerker klantenservice bekeek uw klantdossier" in rows[0].text
    assert "Zonder opgegeven reden" in rows[0].text
    assert "Een medewerker klantenservice bekeek uw facturen" in rows[1].text
    assert "Met een vastgelegde reden" in rows[1].text
    assert agent.email not in browser.text("#privacy-parts") and "Vraag over een factuur" not in rows[1].text
    browser.check("privacy")

    # And in English it reads as such
    browser.find("#language").click()
    browser.wait(lambda d: "A customer service colleague looked at your invoices" in browser.text("#access-log"))
    browser.check("privacy-en")


def test_an_agent_opening_a_record_at_the_desk_puts_the_reason_they_typed_on_record(browser: Browser, cloud, customer):
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    form = browser.wait(lambda d: d.find_element(By.ID, "search-form"))
    browser.fill(form, query=customer.email, reason="Terugbelverzoek van de klant, zonder contact")
    form.find_element(By.TAG_NAME, "button").click()
    link = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#search-results a"))
    link.click()
    browser.page("customer")
    browser.wait(lambda d: customer.email in browser.text('[data-page="customer"]'))
    cloud.cloud.settle()
    reads = [e for e in entries_of(Subject("customer", customer.customer_id))
             if e.staff_email == "agent@opencounter.example"]
    assert {e.route for e in reads} >= {"POST /agent/customers/search", "GET /agent/customers/{customer_id}"}
    assert {e.reason for e in reads} == {"Terugbelverzoek van de klant, zonder contact"}
    browser.check("desk-with-reason")


def test_the_privacy_officer_sees_what_is_late_what_to_look_into_every_read_and_the_consents(
        browser: Browser, cloud, customer, other_customer, agent, monkeypatch):
    from opencounter.privacy import requests as data_requests

    # Given a request received forty days ago, still open, and a record opened without any reason
    monkeypatch.setattr(data_requests, "utcnow", lambda: datetime.now(UTC) - timedelta(days=40))
    late, _ = data_requests.receive(other_customer.customer_id, "erasure", actor={"type": "customer",
                                    "id": other_customer.customer_id}, channel="web")
    monkeypatch.undo()
    assert agent.get(f"/agent/customers/{customer.customer_id}").ok

    # When the privacy officer opens the desk
    browser.sign_in("privacy@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-privacy a[href='#/privacy-desk']").click()
    browser.page("privacy-desk")

    # Then the request past its deadline stands out, in words too
    overdue = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#privacy-requests li.overdue"))
    assert f"Wissen · {other_customer.customer_id}" in browser.text("#privacy-requests")
    assert "Termijn verstreken" in overdue.text or any("Termijn verstreken" in r.text
                                                       for r in browser.all("#privacy-requests li.overdue"))
    assert late.request_id  # listed by its customer, never by name
    # and the read without a reason is to look into
    flags = browser.wait(lambda d: (text := browser.text("#access-flags")) and customer.customer_id in text and text)
    assert f"{agent.email} opende gegevens van klant {customer.customer_id} zonder contact of reden" in flags
    # and the consents as bars, with their numbers in words
    assert browser.all(".privacy-part .chart .bar-row")
    browser.check("privacy-desk")

    # When they ask for every read of that customer
    form = browser.find("#access-filter")
    browser.fill(form, customer_id=customer.customer_id)
    form.find_element(By.TAG_NAME, "button").click()
    reads = browser.wait(lambda d: (text := browser.text("#access-reads")) and agent.email in text and text)
    assert f"{agent.email} bekeek het klantdossier van klant {customer.customer_id}" in reads
    assert "Geen reden" in reads
    browser.check("privacy-desk-customer")
