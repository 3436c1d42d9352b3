"""A customer sees and changes their own record, effective at once (GET/PATCH /me)."""

from __future__ import annotations

import re
import threading
import uuid

import pytest

from infra.local.demo import DEMO_PASSWORD
from tests.conftest import TableWrites


def test_a_customer_sees_their_whole_record_in_one_screen(cloud, customer):
    # When the customer opens their record
    response = customer.get("/me")

    # Then they see personal data, contact details, settings, consents, address and products
    assert response.status_code == 200
    record = response.json()
    assert record["customer_id"] == customer.customer_id
    assert record["personal"]["birth_date"] == "1990-02-03"
    assert record["contact"]["phone"].startswith("+316") and len(record["contact"]["phone"]) == 12
    assert record["settings"] == {"language": "nl", "paperless_invoices": True, "preferred_channel": "email"}
    assert record["address"]["postcode"] == "1012 LG"
    assert record["products"] == [] and record["consents"] == [] and record["upcoming_moves"] == []
    assert record["version"] == 1


def test_a_demo_customer_holds_products(cloud):
    from tests.conftest import Caller

    token = cloud.issuer.sign_in("sanne@example.nl", DEMO_PASSWORD)["IdToken"]
    record = Caller(cloud.url, token).get("/me").json()
    assert {p["product_code"] for p in record["products"]} == {"MOBILE", "POWER"}
    assert all(p["status"] == "ACTIVE" for p in record["products"])


def test_a_change_is_effective_at_once_and_on_the_timeline(cloud, customer):
    # Given the record at version 1
    # When the customer changes language, a consent and their phone number
    response = customer.patch("/me", json={
        "version": 1,
        "contact": {"phone": "+31687654321"},
        "settings": {"language": "en"},
        "consents": [{"channel": "sms", "purpose": "marketing", "granted": True}],
    })

    # Then the answer and every later read show the new record, one version on
    assert response.status_code == 200
    for record in (response.json(), customer.get("/me").json()):
        assert record["version"] == 2
        assert record["contact"]["phone"] == "+31687654321" and record["contact"]["phone_verified"] is False
        assert record["settings"]["language"] == "en"
        assert [(c["channel"], c["purpose"], c["granted"]) for c in record["consents"]] == [("sms", "marketing", True)]

    # And the timeline shows the change, newest first, with what changed
    newest = customer.get("/me/timeline").json()["items"][0]
    assert newest["type"] == "CustomerUpdated"
    assert newest["channel"] == "web"
    assert newest["actor"] == {"type": "customer", "id": customer.customer_id}
    assert {c["field"]: c["to"] for c in newest["data"]["changes"]} == {
        "phone": "+31687654321", "language": "en", "consents.sms.marketing": True}


def _mailed_code(cloud, address: str) -> str:
    mails = [m for m in cloud.cloud.mailbox(address) if m["subject"] == "Confirm your new e-mail address"]
    assert mails, f"no code mailed to {address}"
    return re.search(r"is (\d{6})\.", mails[-1]["body"]).group(1)


def test_a_new_e_mail_address_counts_once_the_code_mailed_to_it_comes_back(cloud, customer):
    # When the customer gives a new e-mail address (with a setting at once)
    new = f"new.{uuid.uuid4().hex[:8]}@example.nl"
    response = customer.patch("/me", json={"version": 1, "contact": {"email": new.upper()},
                                           "settings": {"language": "en"}})

    # Then the setting is in effect, and the address waits for its code: the old one stays in use
    assert response.status_code == 200
    record = response.json()
    assert record["settings"]["language"] == "en"
    assert (record["contact"]["email"], record["contact"]["pending_email"]) == (customer.email, new)
    code = _mailed_code(cloud, new)
    # And a wrong code changes nothing
    wrong = customer.post("/me/email-verification/confirmation", json={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "code"
    assert customer.get("/me").json()["contact"]["email"] == customer.email

    # When the code comes back
    confirmed = customer.post("/me/email-verification/confirmation", json={"code": code})

    # Then the new address is the customer's, staff find them by it, and the timeline says so
    assert confirmed.status_code == 200
    assert (confirmed.json()["contact"]["email"], confirmed.json()["contact"]["pending_email"]) == (new, None)
    newest = customer.get("/me/timeline").json()["items"][0]
    assert newest["data"]["changes"] == [{"field": "email", "from": customer.email, "to": new}]
    from opencounter.customers.views import find_customers

    assert [c["customer_id"] for c in find_customers(new)] == [customer.customer_id]
    assert find_customers(customer.email) == []
    # And the code is spent
    assert customer.post("/me/email-verification/confirmation", json={"code": code}).status_code == 409


def test_an_e_mail_address_another_customer_uses_is_refused_and_nothing_changes(cloud, customer, other_customer):
    writes = TableWrites(cloud)
    response = customer.patch("/me", json={"version": 1, "contact": {"email": other_customer.email},
                                           "settings": {"language": "en"}})
    assert response.status_code == 409 and response.json()["field"] == "contact.email"
    assert writes.since() == []
    assert customer.get("/me").json()["settings"]["language"] == "nl"


def test_a_change_that_changes_nothing_writes_nothing(cloud, customer):
    writes = TableWrites(cloud)
    response = customer.patch("/me", json={"version": 1, "settings": {"language": "nl"}})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert writes.since() == []


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"version": 1, "contact": {"email": 5}}, 400, "contact.email"),
    ({"version": 1, "contact": {"email": "not-an-address"}}, 400, "contact.email"),
    ({"version": 1, "contact": {"phone": "0612345678"}}, 400, "contact.phone"),
    ({"version": "1", "settings": {"language": "en"}}, 400, "version"),
    ({"settings": {"language": "en"}}, 400, "version"),
    ({"version": 1, "settings": {"language": "fr"}}, 400, "settings.language"),
    ({"version": 1, "settings": {"paperless_invoices": "yes"}}, 400, "settings.paperless_invoices"),
    ({"version": 1, "nickname": "Sunny"}, 400, "nickname"),
    ({"version": 1, "contact": {"email": "a@b.nl", "fax": "+31201234567"}}, 400, "contact.fax"),
    ({"version": 1, "consents": [{"channel": "pigeon", "purpose": "marketing", "granted": True}]},
     400, "consents.0.channel"),
    ({"version": 1, "consents": [{"channel": "sms", "purpose": "marketing"}]}, 400, "consents.0.granted"),
    ([{"version": 1}], 400, "body"),
    ({"version": 1, "contact": {"phone": "+316" + "1" * 20000}}, 413, "body"),
])
def test_bad_input_names_the_field_and_writes_nothing(cloud, customer, body, status, field):
    # Given the table as it is
    writes = TableWrites(cloud)

    # When the customer sends a bad change
    response = customer.patch("/me", json=body)

    # Then a 4xx names the field, and nothing was written
    assert response.status_code == status
    assert response.json()["field"] == field
    assert field in response.json()["message"]
    assert writes.since() == []
    assert customer.get("/me").json()["version"] == 1


def test_a_body_that_is_not_json_is_refused(cloud, customer):
    response = customer.patch("/me", data="{version: 1", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert "not valid JSON" in response.json()["message"]


def test_a_stale_version_gets_409_and_changes_nothing(cloud, customer):
    # Given someone changed the record already (now version 2)
    assert customer.patch("/me", json={"version": 1, "settings": {"language": "en"}}).status_code == 200
    writes = TableWrites(cloud)

    # When a change based on version 1 arrives
    response = customer.patch("/me", json={"version": 1, "settings": {"paperless_invoices": False}})

    # Then it is refused, and the record is as the first change left it
    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert writes.since() == []
    assert customer.get("/me").json()["settings"]["paperless_invoices"] is True


def _change_at_once(customer, bodies: dict[str, dict]) -> dict[str, int]:
    """Send the changes from parallel threads released together; the status each one got."""
    start = threading.Barrier(len(bodies))
    statuses: dict[str, int] = {}

    def change(name: str) -> None:
        start.wait()
        statuses[name] = customer.patch("/me", json=bodies[name]).status_code

    threads = [threading.Thread(target=change, args=(name,)) for name in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_concurrent_changes_on_one_version_give_one_success_and_one_409(cloud, customer):
    for round_ in range(5):
        # Given the record at some version
        version = customer.get("/me").json()["version"]
        phones = {"en": f"+3160000{round_}100", "nl": f"+3160000{round_}200"}

        # When two changes based on it arrive at the same moment
        statuses = _change_at_once(customer, {
            language: {"version": version, "settings": {"language": language}, "contact": {"phone": phone}}
            for language, phone in phones.items()})

        # Then one wins, one gets 409, and the record holds the winner's change whole
        assert sorted(statuses.values()) == [200, 409]
        winner = next(lang for lang, status in statuses.items() if status == 200)
        record = customer.get("/me").json()
        assert record["version"] == version + 1
        assert record["contact"]["phone"] == phones[winner]
