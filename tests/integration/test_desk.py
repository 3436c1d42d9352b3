"""The counter desk, as office and phone staff use it: finding a customer from whatever they have
at hand, recording a walk-in visit or a call, and acting on the customer's behalf, every change
recorded as the agent's on the customer's timeline."""

from __future__ import annotations

import random
import string

import pytest

from tests.conftest import TableWrites, bill, give_product, new_customer

SEARCH = "/agent/customers/search"


def _postcode() -> str:
    """A postcode no other test's customer lives at (letters SA, SD and SS are not used)."""
    letters = "".join(random.choice("ABCEFGHJKLMNPRTVWXZ") for _ in range(2))
    return f"{random.randint(1000, 9999)} {letters}"


def _found(agent, query: str) -> dict:
    response = agent.post(SEARCH, json={"query": query})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def resident(cloud):
    """A customer with a name with an accent, at a postcode of their own (the name in letters only:
    a part like "9007cb" would read as a postcode)."""
    postcode = _postcode()
    caller = new_customer(cloud, {"street": "Kerkstraat", "house_number": 12, "postcode": postcode,
                                  "city": "Utrecht"}, given_name="Zoë",
                          family_name=f"Çelik-{''.join(random.choice(string.ascii_lowercase) for _ in range(6))}")
    caller.postcode = postcode  # type: ignore[attr-defined]
    return caller


def test_staff_find_a_customer_by_name_and_postcode_as_people_say_them(cloud, agent, resident):
    family = resident.get("/me").json()["personal"]["family_name"]
    # the postcode in any form, the name in part, without the accents
    for query in (f"{family} {resident.postcode}", f"zoe celik {resident.postcode.replace(' ', '').lower()}",
                  f"{resident.postcode} Zoë"):
        found = _found(agent, query)
        assert found["matched_by"] == "name_postcode"
        assert [c["customer_id"] for c in found["items"]] == [resident.customer_id], query
        assert found["items"][0]["address"]["street"] == "Kerkstraat"
    # someone else at that postcode is not them; a postcode alone is not enough
    assert _found(agent, f"Jansen {resident.postcode}")["items"] == []
    bare = agent.post(SEARCH, json={"query": resident.postcode})
    assert bare.status_code == 400 and bare.json()["reason"] == "search_needs_name"


def test_staff_find_a_customer_by_phone_email_invoice_number_or_code(cloud, agent, customer):
    record = customer.get("/me").json()
    phone = record["contact"]["phone"]  # +316xxxxxxxx
    as_said = f"06 {phone[4:8]} {phone[8:]}"
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    started = agent.post(f"/agent/customers/{customer.customer_id}/requests", json={
        "channel": "office", "kind": "repair", "subject": "Internet valt weg", "text": "Sinds maandag"}).json()
    for query, kind in ((as_said, "phone"), (phone, "phone"), (f"0031{phone[3:]}", "phone"),
                        (customer.email.upper(), "email"), (invoice["invoice_id"].lower(), "invoice"),
                        (started["resume_code"].lower().replace("-", " "), "code")):
        found = _found(agent, query)
        assert (found["matched_by"], [c["customer_id"] for c in found["items"]]) == (kind, [customer.customer_id]), \
            query
        assert found["items"][0]["name"] == f"{record['personal']['given_name']} {record['personal']['family_name']}"
    # nothing found is an empty answer, not an error
    assert _found(agent, "0699999999")["items"] == []
    assert _found(agent, "OC-20200101-00000000")["items"] == []


def test_a_sign_up_code_without_a_customer_yet_is_told_as_a_sign_up(cloud, agent):
    from tests.conftest import Applicant

    applicant = Applicant(cloud)
    assert applicant.apply().status_code == 201
    found = _found(agent, applicant.signup["resume_code"])
    assert found["items"] == [] and found["signup"]["signup_id"] == applicant.signup["signup_id"]
    assert found["signup"]["name"] == "{given_name} {family_name}".format(**applicant.body["applicant"])


@pytest.mark.parametrize(("query", "reason"), [("hello there", "search_not_understood"), ("12", "field_too_short"),
                                               ("   ", "field_required")])
def test_a_search_that_cannot_be_read_says_what_to_give(cloud, agent, query, reason):
    refused = agent.post(SEARCH, json={"query": query})
    assert refused.status_code == 400 and refused.json()["reason"] == reason and refused.json()["field"] == "query"


def test_customers_cannot_search(cloud, customer):
    assert customer.post(SEARCH, json={"query": customer.email}).status_code == 403


def test_a_walk_in_visit_is_recorded_as_a_contact_in_the_customers_history(cloud, agent, customer):
    # When the office records a visit solved on the spot, and a call to the desk still open
    visit = agent.post(f"/agent/customers/{customer.customer_id}/contacts", json={
        "channel": "office", "subject": "Vraag over de factuur van november", "note": "Legitimatie gezien",
        "solution": "Factuur samen doorgenomen; klopt."})
    call = agent.post(f"/agent/customers/{customer.customer_id}/contacts", json={
        "channel": "phone", "subject": "Storing in de straat?", "note": "Bellen we terug", "for_customer": True})

    # Then both are in the customer's history on their channel, handled by the agent
    assert visit.status_code == 201 and call.status_code == 201
    assert visit.json()["status"] == "resolved" and visit.json()["first_contact_resolution"] is True
    assert call.json()["status"] == "in_progress" and call.json()["handler"] == agent.email
    history = {c["contact_id"]: c for c in customer.get("/me/contacts").json()["items"]}
    seen = history[visit.json()["contact_id"]]
    assert (seen["channel"], seen["status"], seen["solution"]) == ("office", "resolved",
                                                                  "Factuur samen doorgenomen; klopt.")
    assert seen["notes"] == []  # the internal note stays with staff
    assert [n["text"] for n in history[call.json()["contact_id"]]["notes"]] == ["Bellen we terug"]
    # And on the timeline, as the agent's: staff read which agent, the customer a member of staff by role
    entry = next(e for e in agent.get(f"/agent/customers/{customer.customer_id}/timeline").json()["items"]
                 if e["type"] == "ContactLogged")
    assert (entry["actor"]["type"], entry["actor"]["id"], entry["channel"]) == ("agent", agent.email, "phone")
    entry = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "ContactLogged")
    assert (entry["actor"], entry["channel"]) == ({"type": "agent", "role": "agent"}, "phone")

    # And the open call is resolved as any contact is
    resolved = agent.post(f"/agent/contacts/{call.json()['contact_id']}/resolution?customer_id={customer.customer_id}",
                          json={"solution": "Teruggebeld: geen storing."})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"


@pytest.mark.parametrize(("body", "field"), [
    ({"subject": "Vraag"}, "channel"), ({"channel": "chat", "subject": "Vraag"}, "channel"),
    ({"channel": "office"}, "subject"), ({"channel": "office", "subject": "Vraag", "by": "me"}, "by")])
def test_a_bad_visit_record_is_refused_naming_it_and_nothing_is_written(cloud, agent, customer, body, field):
    writes = TableWrites(cloud)
    refused = agent.post(f"/agent/customers/{customer.customer_id}/contacts", json=body)
    assert refused.status_code == 400 and refused.json()["field"] == field
    assert writes.since() == []


def test_a_visit_of_nobody_we_know_is_refused(cloud, agent):
    refused = agent.post("/agent/customers/no-such-customer/contacts", json={"channel": "office", "subject": "Vraag"})
    assert refused.status_code == 404 and refused.json()["reason"] == "customer_not_found"


def test_staff_change_a_plan_and_cancel_on_the_customers_behalf_recorded_as_theirs(cloud, agent, customer):
    product_id = give_product(customer, "MOBILE-5GB")
    changed = agent.patch(f"/agent/customers/{customer.customer_id}/products/{product_id}",
                          json={"plan_code": "MOBILE-20GB", "version": 1})
    assert changed.status_code == 200, changed.text
    assert customer.get("/me").json()["products"][0]["plan_code"] == "MOBILE-20GB"
    cancelled = agent.post(f"/agent/customers/{customer.customer_id}/products/{product_id}/cancellation",
                           json={"when": "end_of_period", "reason": "Verhuist naar het buitenland"})
    assert cancelled.status_code == 201, cancelled.text
    timeline = customer.get("/me/timeline").json()["items"]
    for kind in ("ProductPlanChanged", "ProductCancelled"):
        entry = next(e for e in timeline if e["type"] == kind)
        assert (entry["channel"], entry["actor"]["type"]) == ("agent", "agent"), entry
    assert next(e for e in timeline if e["type"] == "ProductPlanChanged")["data"]["why"] == "staff"


def test_staff_send_a_link_to_pay_an_invoice_and_the_customer_gets_it(cloud, agent, customer):
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    sent = agent.post(f"/agent/customers/{customer.customer_id}/invoices/{invoice['invoice_id']}/payment-link")
    assert sent.status_code == 202, sent.text
    link = sent.json()["link"]
    assert link.endswith(f"/#/invoices/{invoice['invoice_id']}") and sent.json()["amount_cents"] == 4250
    cloud.cloud.settle()
    assert any(m["subject"] == "Betaal uw factuur" and link in m["body"] for m in cloud.cloud.mailbox(customer.email))
    entry = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "PaymentLinkSent")
    assert entry["actor"]["type"] == "agent" and entry["data"]["invoice_id"] == invoice["invoice_id"]


def test_no_payment_link_for_an_invoice_with_nothing_to_pay(cloud, agent, customer):
    refused = agent.post(f"/agent/customers/{customer.customer_id}/invoices/OC-20200101-00000000/payment-link")
    assert refused.status_code == 404
    assert customer.post(f"/agent/customers/{customer.customer_id}/invoices/x/payment-link").status_code == 403


def test_the_payment_link_template_is_registered_for_both_languages():
    """The WhatsApp template the notifier uses must be among the approved ones (the stand-in
    refuses others, as Meta does)."""
    from infra.local.sandbox.provider_apis import TEMPLATES
    from opencounter.notifications.service import TEMPLATES as USED

    assert {name for name, _ in USED.values()} <= set(TEMPLATES)
