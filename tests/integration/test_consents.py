"""Consents obeyed: every notice has a purpose and goes only where the customer consents to it. A
message about their own products and contract (service, a plan that fits better) goes unless they
withdrew it on that channel; a notice the law requires goes anyway, by e-mail, and says so; a
consent withdrawn stops the very next message."""

from __future__ import annotations

import copy
import json
import uuid

from infra.local.template import ROOT
from tests.conftest import Caller, verified_phone

SAMPLES = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts" / "events" / "samples"


def _notice(cloud, customer: Caller, detail_type: str) -> str:
    """The customer notifier handed one event of `detail_type` (its sample, for this customer) as
    the bus hands it: what it did."""
    event = copy.deepcopy(json.loads((SAMPLES / f"{detail_type}.json").read_text()))
    event["detail"].update(event_id=str(uuid.uuid4()), customer_id=customer.customer_id)
    return cloud.cloud.invoke("CustomerNotifierFunction", event)["outcome"]


def _consent(customer: Caller, channel: str, purpose: str, granted: bool) -> None:
    version = customer.get("/me").json()["version"]
    changed = customer.patch("/me", json={"version": version, "consents": [
        {"channel": channel, "purpose": purpose, "granted": granted}]})
    assert changed.status_code == 200, changed.text


def _subjects(cloud, customer: Caller) -> list[str]:
    return [m["subject"] for m in cloud.cloud.mailbox(customer.email)]


def test_advice_goes_until_withdrawn_and_a_withdrawal_stops_the_very_next(cloud, customer):
    # Unsaid, a plan that fits better is told (it is about the customer's own contract)
    assert _notice(cloud, customer, "BetterPlanAdvised") == "sent_email"
    told = len(_subjects(cloud, customer))

    # Withdrawn by e-mail: the very next one is not sent, and recorded as not sent
    _consent(customer, "email", "advice", False)
    assert _notice(cloud, customer, "BetterPlanAdvised") == "not_sent_no_consent"
    assert len(_subjects(cloud, customer)) == told

    # Given again: it is
    _consent(customer, "email", "advice", True)
    assert _notice(cloud, customer, "BetterPlanAdvised") == "sent_email"
    assert _subjects(cloud, customer)[-1] == "Een abonnement dat beter bij u past"


def test_advice_withdrawn_on_whatsapp_goes_by_e_mail_where_it_is_not(cloud, customer):
    phone = verified_phone(customer)
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "settings": {"preferred_channel": "whatsapp"}}
                          ).status_code == 200
    _consent(customer, "whatsapp", "advice", False)

    assert _notice(cloud, customer, "BetterPlanAdvised") == "sent_email"
    assert [m for m in cloud.providers.sent if m["to"] == phone] == []


def test_a_service_message_goes_unless_withdrawn_and_one_the_law_requires_goes_anyway_saying_so(cloud, customer):
    assert _notice(cloud, customer, "AppointmentPlanned") == "sent_email"
    _consent(customer, "email", "service", False)
    sent = len(_subjects(cloud, customer))

    # A visit planned is not told by e-mail any more
    assert _notice(cloud, customer, "AppointmentPlanned") == "not_sent_no_consent"
    assert len(_subjects(cloud, customer)) == sent
    # An invoice is: the law requires it, and the message says so
    assert _notice(cloud, customer, "InvoiceIssued") == "sent_email"
    [invoice] = [m for m in cloud.cloud.mailbox(customer.email)][sent:]
    assert invoice["body"].rstrip().endswith("de wet verplicht ons ertoe.")


def test_a_notice_handed_over_twice_is_decided_once(cloud, customer):
    _consent(customer, "email", "advice", False)
    event = copy.deepcopy(json.loads((SAMPLES / "BetterPlanAdvised.json").read_text()))
    event["detail"].update(event_id=str(uuid.uuid4()), customer_id=customer.customer_id)
    assert cloud.cloud.invoke("CustomerNotifierFunction", event)["outcome"] == "not_sent_no_consent"
    _consent(customer, "email", "advice", True)  # given after the moment passed: that notice stays unsent
    assert cloud.cloud.invoke("CustomerNotifierFunction", event)["outcome"] == "already_sent"
