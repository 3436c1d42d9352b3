"""Mailings: operations send an offer by e-mail, and it reaches exactly the customers (of the
product kind chosen) who consented to offers by e-mail, once each, in their own language, with
the way to withdraw that consent; nobody without that consent gets anything."""

from __future__ import annotations

import json
import uuid

import pytest

from infra.local.users import User
from opencounter.customers.records import billing_shard
from tests.conftest import Caller, give_product, new_customer
from tests.integration.test_consents import _consent

OFFER = {"name": "Glasvezel winteractie",
         "subject": {"nl": "Sneller internet deze winter", "en": "Faster internet this winter"},
         "body": {"nl": "Tot 1 januari de eerste maand gratis.", "en": "Until 1 January the first month is free."},
         "product_kind": "internet"}


@pytest.fixture
def operations(cloud) -> Caller:
    user = User(f"ops-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("admins",))
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), email=user.username)


def _fibre_customer(cloud, **consents: bool) -> Caller:
    customer = new_customer(cloud)
    give_product(customer, "FIBRE-100")
    for key, granted in consents.items():
        channel, purpose = key.split("_")
        _consent(customer, channel, purpose, granted)
    return customer


def _offers(cloud, customer: Caller) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] in OFFER["subject"].values()]


def test_a_mailing_reaches_exactly_those_who_consented_to_offers_by_e_mail_once_each(cloud, operations, agent):
    consenting = _fibre_customer(cloud, email_marketing=True)
    english = new_customer(cloud, language="en")
    give_product(english, "FIBRE-100")
    _consent(english, "email", "marketing", True)
    unsaid = _fibre_customer(cloud)
    withdrawn = _fibre_customer(cloud, email_marketing=True)
    _consent(withdrawn, "email", "marketing", False)
    by_text_only = _fibre_customer(cloud, sms_marketing=True)
    mobile_only = new_customer(cloud)
    give_product(mobile_only, "MOBILE-5GB")
    _consent(mobile_only, "email", "marketing", True)

    # Only operations send one; any staff member reads them
    refused = agent.post("/agent/mailings", json=OFFER)
    assert (refused.status_code, refused.json()["reason"]) == (403, "operations_only")
    sent = operations.post("/agent/mailings", json=OFFER)
    assert sent.status_code == 202, sent.text
    mailing_id = sent.json()["mailing_id"]
    cloud.cloud.settle()

    [offer] = _offers(cloud, consenting)
    assert offer["subject"] == "Sneller internet deze winter"
    assert "Tot 1 januari de eerste maand gratis." in offer["body"]
    assert "Zet het uit in uw account" in offer["body"] and "/#/settings" in offer["body"]
    assert [m["subject"] for m in _offers(cloud, english)] == ["Faster internet this winter"]
    for nobody in (unsaid, withdrawn, by_text_only, mobile_only):
        assert _offers(cloud, nobody) == []
    assert [m for m in cloud.providers.sent if "winter" in json.dumps(m)] == []  # no text, no WhatsApp

    figures = agent.get(f"/agent/mailings/{mailing_id}").json()["counts"]
    assert figures["sent"] >= 2 and figures["not_consented"] >= 3
    assert mailing_id in [m["mailing_id"] for m in agent.get("/agent/mailings").json()["items"]]
    # The customer reads the mailing among their messages by its subject; its name is operations' own
    [mine] = [m for m in consenting.get("/me/messages").json()["items"] if m["about"] == "Mailing"]
    assert mine["subject"] == "Sneller internet deze winter" and mine["mailing"] == {"mailing_id": mailing_id}
    [theirs] = [m for m in agent.get(f"/agent/customers/{consenting.customer_id}").json()["messages"]
                if m["about"] == "Mailing"]
    assert theirs["mailing"] == {"mailing_id": mailing_id, "name": OFFER["name"]}

    # A page that comes again (the queue delivers at least once) mails nobody twice, counts nobody twice
    sqs = cloud.cloud.client("sqs")
    sqs.send_message(QueueUrl=cloud.cloud.resolver.physical["MailingQueue"], MessageBody=json.dumps(
        {"mailing_id": mailing_id, "shard": billing_shard(consenting.customer_id), "cursor": None}))
    cloud.cloud.settle()
    assert len(_offers(cloud, consenting)) == 1
    assert agent.get(f"/agent/mailings/{mailing_id}").json()["counts"] == figures


def test_a_mailing_without_its_english_text_is_refused_naming_it_and_nothing_is_sent(cloud, operations):
    consenting = _fibre_customer(cloud, email_marketing=True)
    before = len(operations.get("/agent/mailings").json()["items"])

    refused = operations.post("/agent/mailings", json={**OFFER, "subject": {"nl": "Alleen Nederlands"}})
    assert refused.status_code == 400
    assert refused.json()["field"] == "subject.en"
    cloud.cloud.settle()
    assert len(operations.get("/agent/mailings").json()["items"]) == before
    assert _offers(cloud, consenting) == []
    assert operations.get(f"/agent/mailings/{uuid.uuid4()}").json()["reason"] == "mailing_not_found"


def test_a_mailing_marked_as_spam_is_a_no_to_offers_by_e_mail_and_a_notice_marked_so_is_not(cloud, operations):
    from datetime import UTC, datetime

    from tests.integration.test_messages import invoice_told, ses_event

    customer = _fibre_customer(cloud, email_marketing=True)
    assert operations.post("/agent/mailings", json=OFFER).status_code == 202
    cloud.cloud.settle()
    [offer] = _offers(cloud, customer)
    invoice_id, told = invoice_told(cloud, customer)
    [notice] = [m for m in cloud.cloud.mailbox(customer.email) if invoice_id in m["body"]]

    def marked_as_spam(mail: dict) -> None:
        event = ses_event(cloud, "complaint", mail["message_id"], customer.email, datetime.now(UTC),
                          complainedRecipients=[{"emailAddress": customer.email}], complaintFeedbackType="abuse")
        assert cloud.cloud.invoke("MessageOutcomesFunction", event)["outcome"] == "applied"

    def offers_by_email() -> list[bool]:
        return [c["granted"] for c in customer.get("/me").json()["consents"]
                if (c["channel"], c["purpose"]) == ("email", "marketing")]

    # When the customer marks the invoice's notice as spam, their consents stay as they were
    assert told == "sent_email"
    marked_as_spam(notice)
    assert offers_by_email() == [True]

    # When they mark the mailing as spam, it is their no to offers by e-mail, on their timeline
    marked_as_spam(offer)
    assert offers_by_email() == [False]
    [change] = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "CustomerUpdated"
                and e["actor"] == {"type": "system", "id": "spam-complaint"}]
    assert change["data"]["changes"] == [{"field": "consents.email.marketing", "from": True, "to": False}]

    # And the next mailing does not reach them
    assert operations.post("/agent/mailings", json={**OFFER, "name": "Tweede actie"}).status_code == 202
    cloud.cloud.settle()
    assert len(_offers(cloud, customer)) == 1
