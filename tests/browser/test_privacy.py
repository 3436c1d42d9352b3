"""Staff reads on record, in the browser: a customer reads who looked at their data on their
privacy page; an agent's reason typed at the desk goes with their reads; the privacy officer's
desk shows the requests past their deadline, what to look into, every read and the consents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from selenium.webdriver.common.by import By

from bench.staff_reads import entries_of
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
        browser: Browser, cloud, customer, other_customer, agent):
    # Given an erasure asked forty days ago and still open (its workflow held up), and a record opened
    # without any reason
    _open_request(other_customer.customer_id, "erasure", days_ago=40)
    assert agent.get(f"/agent/customers/{customer.customer_id}").ok
    # and an erasure done on the staff's word, its books kept to the end of 2033
    receipt = _receipt(kept={"invoices": 3, "payments": 2, "credit_notes": 0, "ledger_entries": 5, "requests": 1,
                             "until": "2033-12-31"})

    # When the privacy officer opens the desk
    browser.sign_in("privacy@opencounter.example", DEMO_PASSWORD)
    browser.find("#nav-privacy a[href='#/privacy-desk']").click()
    browser.page("privacy-desk")

    # Then the request past its deadline stands out, in words too
    overdue = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#privacy-requests li.overdue"))
    assert f"Wissen · {other_customer.customer_id}" in browser.text("#privacy-requests")
    assert "Termijn verstreken" in overdue.text or any("Termijn verstreken" in r.text
                                                       for r in browser.all("#privacy-requests li.overdue"))
    # and the read without a reason is to look into
    flags = browser.wait(lambda d: (text := browser.text("#access-flags")) and customer.customer_id in text and text)
    assert f"{agent.email} opende gegevens van klant {customer.customer_id} zonder contact of reden" in flags
    # and the consents as bars, with their numbers in words
    assert browser.all(".privacy-part .chart .bar-row")
    # and the erasure done, by its receipt: whose it was is not said
    erasures = browser.text("#privacy-erasures")
    assert "door een medewerker" in erasures and "10 onderdelen gewist" in erasures
    assert "3 facturen en 2 betalingen zonder naam bewaard tot 31 december 2033" in erasures
    assert receipt.subject not in erasures
    browser.check("privacy-desk")

    # When they ask for every read of that customer
    form = browser.find("#access-filter")
    browser.fill(form, customer_id=customer.customer_id)
    form.find_element(By.TAG_NAME, "button").click()
    reads = browser.wait(lambda d: (text := browser.text("#access-reads")) and agent.email in text and text)
    assert f"{agent.email} bekeek het klantdossier van klant {customer.customer_id}" in reads
    assert "Geen reden" in reads
    browser.check("privacy-desk-customer")


def _receipt(kept: dict):
    """An erasure's receipt as the workflow leaves it (done a minute ago, asked by staff)."""
    from opencounter.core.clock import isoformat
    from opencounter.privacy.erasure import subject
    from opencounter.privacy.records import ErasureReceipt

    request_id, now = f"erasure-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    receipt = ErasureReceipt(
        *ErasureReceipt.keys(request_id), request_id=request_id, subject=subject(request_id),
        received_at=isoformat(now - timedelta(days=2)), done_at=isoformat(now - timedelta(minutes=1)),
        asked_by="staff", channel="phone", steps=[{"step": "begin", "at": isoformat(now)}],
        erased={"record": 6, "history": 4}, kept=kept, confirmation="sent")
    receipt.index()
    receipt.save()
    return receipt


def _open_request(customer_id: str, kind: str, days_ago: int):
    """A data-subject request received `days_ago`, open still: as receiving one writes it, without
    the event that would have it answered at once."""
    from opencounter.core.clock import isoformat
    from opencounter.privacy.records import DataRequest
    from opencounter.privacy.requests import OpenDataRequest, due_on

    received, request_id = datetime.now(UTC) - timedelta(days=days_ago), str(uuid.uuid4())
    request = DataRequest(*DataRequest.keys(customer_id, request_id), request_id=request_id, customer_id=customer_id,
                          kind=kind, status="RECEIVED", received_at=isoformat(received), due_on=due_on(received),
                          channel="web", actor={"type": "customer", "id": customer_id})
    request.index()
    request.save()
    OpenDataRequest(*OpenDataRequest.keys(customer_id, kind), request_id=request_id).save()
    return request
