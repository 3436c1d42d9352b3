"""Outages: operations report an incident in postcode areas; exactly the customers living there
with an active product of its kind are told, once each, on their preferred channel, before they
ask; they see it in the portal while it lasts; the all-clear follows once; contacts they make
meanwhile are counted against it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from infra.local.users import User
from opencounter.core.clock import isoformat
from tests.conftest import Caller, give_product, new_customer, verified_phone

FIBRE_CUT = {"nl": "Door graafwerk is een glasvezelkabel in Utrecht-centrum geraakt.",
             "en": "Digging has cut a fibre cable in the centre of Utrecht."}


@pytest.fixture
def operations(cloud) -> Caller:
    user = User(f"ops-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("admins",))
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), email=user.username)


def _living_at(cloud, postcode: str, plan: str | None = "FIBRE-100", **person) -> Caller:
    customer = new_customer(cloud, {"street": "Oudegracht", "house_number": 12, "postcode": postcode,
                                    "city": "Utrecht"}, **person)
    if plan:
        give_product(customer, plan)
    return customer


def _report(operations: Caller, area_from: str, area_to: str, kind: str = "internet") -> dict:
    later = isoformat(datetime.now(UTC) + timedelta(hours=4))
    reported = operations.post("/agent/incidents", json={
        "product_kind": kind, "area": {"from": area_from, "to": area_to}, "description": FIBRE_CUT,
        "expected_end": later})
    assert reported.status_code == 201, reported.text
    return reported.json()


def _outage_mail(cloud, customer: Caller) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if "glasvezelnetwerk" in m["subject"].lower()
            or "fibre network" in m["subject"].lower()]


def test_an_outage_reaches_exactly_the_customers_it_hits_once_each_and_the_all_clear_follows(
        cloud, operations, agent):
    area = f"{3500 + uuid.uuid4().int % 90:04d}"  # an area of its own: other tests' customers live elsewhere
    hit = _living_at(cloud, f"{area} AB")
    on_whatsapp = _living_at(cloud, f"{area} ZZ")
    phone = verified_phone(on_whatsapp)
    assert on_whatsapp.patch("/me", json={"version": on_whatsapp.get("/me").json()["version"],
                                          "settings": {"preferred_channel": "whatsapp"}}).status_code == 200
    mobile_only = _living_at(cloud, f"{area} AB", plan="MOBILE-5GB")
    next_door = _living_at(cloud, f"{int(area) + 1:04d} AA")
    moving_in = _living_at(cloud, f"{int(area) + 1:04d} AB")  # moves into the area in two weeks: not hit today
    in_two_weeks = (date.today() + timedelta(days=14)).isoformat()
    moved = moving_in.post("/me/moves", json={"street": "Oudegracht", "house_number": 40, "postcode": f"{area} AB",
                                              "city": "Utrecht", "move_date": in_two_weeks})
    assert moved.status_code == 201, moved.text
    incident = _report(operations, area, area)
    cloud.cloud.settle()

    # The customer it hits is told, in words, with when it should work again
    [told] = _outage_mail(cloud, hit)
    assert told["subject"] == "Storing in het glasvezelnetwerk bij u in de buurt"
    assert FIBRE_CUT["nl"] in told["body"] and "We verwachten dat het" in told["body"]
    # on their own channel
    assert [m["text"].split(":")[0] for m in cloud.providers.sent if m["to"] == phone] == ["outage_started"]
    assert _outage_mail(cloud, on_whatsapp) == []
    # and nobody it does not hit
    for spared in (mobile_only, next_door, moving_in):
        assert _outage_mail(cloud, spared) == []
    # the portal shows it to them, and only to them
    assert [o["incident_id"] for o in hit.get("/me/outages").json()["items"]] == [incident["incident_id"]]
    assert next_door.get("/me/outages").json()["items"] == []
    # anyone can see it is going on
    going_on = Caller(cloud.url, None).get("/outages").json()["items"]
    assert incident["incident_id"] in [o["incident_id"] for o in going_on]

    # A contact they make while it lasts is counted against it (once, however often it is told)
    question = hit.post("/me/contacts", json={"question": "Mijn internet doet het niet"})
    assert question.status_code == 201, question.text
    chosen = hit.post(f"/me/contacts/{question.json()['contact']['contact_id']}/choice", json={"choice": "email"})
    assert chosen.status_code == 200, chosen.text
    cloud.cloud.settle()
    figures = agent.get(f"/agent/incidents/{incident['incident_id']}").json()["counts"]
    assert figures["told"] == 2 and figures["contacts"] == 1

    # Resolved: the all-clear goes to those told, once; the banner is gone
    resolved = operations.post(f"/agent/incidents/{incident['incident_id']}/resolution", json={})
    assert resolved.status_code == 200, resolved.text
    again = operations.post(f"/agent/incidents/{incident['incident_id']}/resolution", json={})
    assert (again.status_code, again.json()["reason"]) == (409, "incident_resolved")
    cloud.cloud.settle()
    assert [m["subject"] for m in cloud.cloud.mailbox(hit.email) if m["subject"].startswith("Opgelost")] == [
        "Opgelost: storing in het glasvezelnetwerk"]
    assert [m["text"].split(":")[0] for m in cloud.providers.sent if m["to"] == phone] == [
        "outage_started", "outage_resolved"]
    assert hit.get("/me/outages").json()["items"] == []
    for spared in (mobile_only, next_door, moving_in):
        assert [m for m in cloud.cloud.mailbox(spared.email) if m["subject"].startswith("Opgelost")] == []
    assert agent.get(f"/agent/incidents/{incident['incident_id']}").json()["counts"]["cleared"] == 2
    # On their history too
    titles = [e["title"] for e in hit.get("/me/timeline").json()["items"]]
    assert {"An outage in your area", "Outage solved"} <= set(titles)


def test_a_page_delivered_again_tells_nobody_twice(cloud, operations, agent):
    area = f"{3600 + uuid.uuid4().int % 90:04d}"
    hit = _living_at(cloud, f"{area} AB")
    incident = _report(operations, area, area)
    cloud.cloud.settle()
    sqs = cloud.cloud.client("sqs")
    sqs.send_message(QueueUrl=cloud.cloud.resolver.physical["OutageQueue"], MessageBody=json.dumps(
        {"incident_id": incident["incident_id"], "phase": "started", "area": area, "cursor": None}))
    cloud.cloud.settle()
    assert len(_outage_mail(cloud, hit)) == 1
    assert agent.get(f"/agent/incidents/{incident['incident_id']}").json()["counts"]["told"] == 1


def test_only_operations_report_and_bad_areas_are_refused_naming_the_field(cloud, operations, agent):
    later = isoformat(datetime.now(UTC) + timedelta(hours=1))
    body = {"product_kind": "energy", "area": {"from": "3511", "to": "3511"}, "description": FIBRE_CUT,
            "expected_end": later}
    refused = agent.post("/agent/incidents", json=body)
    assert (refused.status_code, refused.json()["reason"]) == (403, "operations_only")
    before = len(agent.get("/agent/incidents").json()["active"])
    for area, field, reason in ((("3520", "3511"), "area.to", "area_reversed"),
                                (("1000", "1200"), "area.to", "area_too_large"),
                                (("351", "3511"), "area.from", "field_format")):
        bad = operations.post("/agent/incidents", json={**body, "area": {"from": area[0], "to": area[1]}})
        assert (bad.status_code, bad.json()["field"], bad.json()["reason"]) == (400, field, reason)
    past = operations.post("/agent/incidents", json={**body, "started_at": later,
                                                      "expected_end": isoformat(datetime.now(UTC))})
    assert (past.status_code, past.json()["field"]) == (400, "expected_end")
    assert len(agent.get("/agent/incidents").json()["active"]) == before
