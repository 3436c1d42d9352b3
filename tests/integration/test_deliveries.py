"""Deliveries to the half hour through the local cloud: a SIM card delivered by the carrier's
courier in a 30-minute window (until nine in the evening, not on Sundays), sent to another address
or left at a pick-up point until 24 hours before; another address keeps the window where a
courier is free there, and otherwise offers the windows free there and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import Caller, TableWrites, give_product, new_customer
from tests.integration.test_appointments import EINDHOVEN, _at, _plan, _plan_entries, _slot, _slots

ROTTERDAM = {"street": "Coolsingel", "house_number": 40, "postcode": "3011 AD", "city": "Rotterdam"}
MONDAY = date(2026, 12, 7)


def _booked(region: str, kind: str, day: date) -> list[str]:
    """The appointments a region's day plan of a kind holds (other tests book the same days)."""
    return [b["appointment_id"] for b in _plan_entries(region, kind, day)]


def _deliver(customer: Caller, start: datetime, **more) -> dict:
    product_id = give_product(customer, "MOBILE-20GB")
    return _plan(customer, "delivery", start, product_id=product_id, **more)


def _change(customer: Caller, delivery: dict, **body) -> object:
    return customer.patch(f"/me/appointments/{delivery['appointment_id']}",
                          json={"version": delivery["version"], **body})


def test_a_couriers_windows_run_until_nine_in_the_evening_on_working_days_and_saturdays(cloud, anonymous, clock):
    clock.set(_at(MONDAY, "10:00"))
    slots = _slots(anonymous, "5611JK", "delivery", date(2026, 12, 8))
    days = {d["date"]: d["slots"] for d in slots["days"]}

    assert [(s["from"], s["until"]) for s in days["2026-12-09"]][:2] == [("08:00", "08:30"), ("08:30", "09:00")]
    assert days["2026-12-09"][-1]["from"] == "20:00"  # arriving at 20:30 the parcel is handed over before nine
    assert days["2026-12-12"] and days["2026-12-13"] == []  # Saturday yes, Sunday no
    assert {datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])
            for d in slots["days"] for s in d["slots"]} == {timedelta(minutes=30)}


def test_a_sim_card_is_delivered_at_home_in_its_window_and_its_courier_is_taken(cloud, clock):
    clock.set(_at(MONDAY, "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    give_product(customer, "MOBILE-20GB")
    to_plan = customer.get("/me/appointments").json()["to_plan"]
    assert [p["kind"] for p in to_plan] == ["delivery"]

    delivery = _plan(customer, "delivery", _at(date(2026, 12, 9), "19:00"), product_id=to_plan[0]["product_id"])

    assert (delivery["kind"], delivery["window"]["from"], delivery["window"]["until"]) == ("delivery", "19:00", "19:30")
    assert delivery["address"]["postcode"] == "5611 JK" and delivery["pickup_point"] is None
    assert delivery["appointment_id"] in _booked("EHV", "delivery", date(2026, 12, 9))
    assert delivery["appointment_id"] not in _booked("EHV", "engineer_visit", date(2026, 12, 9))
    assert customer.get("/me/appointments").json()["to_plan"] == []
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw afspraak staat"]
    assert "komt een bezorger met uw pakket, tussen 19:00–19:30" in mail["body"]


def test_a_delivery_sent_to_another_address_keeps_its_window_where_a_courier_is_free_there(cloud, clock):
    clock.set(_at(MONDAY, "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    delivery = _deliver(customer, _at(date(2026, 12, 10), "18:30"))

    moved = _change(customer, delivery, address={**ROTTERDAM, "postcode": "3011ad"})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["window"], moved.json()["address"]["postcode"]) == (delivery["window"], "3011 AD")
    assert moved.json()["address"]["street"] == "Coolsingel"
    assert delivery["appointment_id"] not in _booked("EHV", "delivery", date(2026, 12, 10))
    assert delivery["appointment_id"] in _booked("RTM", "delivery", date(2026, 12, 10))
    assert customer.get("/me/timeline").json()["items"][0]["type"] == "AppointmentChanged"


def test_another_address_without_a_free_courier_in_the_window_offers_the_windows_free_there_and_changes_nothing(
        cloud, clock):
    clock.set(_at(MONDAY, "10:00"))
    window = _at(date(2026, 12, 14), "20:00")  # Eindhoven has two couriers on a Monday: both taken
    for _ in range(2):
        _deliver(new_customer(cloud, EINDHOVEN), window)
    customer = new_customer(cloud, ROTTERDAM)
    delivery = _deliver(customer, window)
    writes = TableWrites(cloud)

    refused = _change(customer, delivery, address=EINDHOVEN)

    assert refused.status_code == 409, refused.text
    assert (refused.json()["reason"], refused.json()["field"]) == ("window_full_at_address", "slot")
    offered = refused.json()["params"]["next_free"]
    assert offered and all(o["start"] > _slot(window) for o in offered)
    assert writes.since() == []
    # the customer takes one of the windows offered, with the new address, in one go
    taken = _change(customer, delivery, address=EINDHOVEN, slot=offered[0]["start"])
    assert taken.status_code == 200, taken.text
    assert (taken.json()["window"]["start"], taken.json()["address"]["city"]) == (offered[0]["start"], "Eindhoven")
    assert delivery["appointment_id"] not in _booked("RTM", "delivery", date(2026, 12, 10))


def test_a_parcel_left_at_a_pick_up_point_gives_its_couriers_place_back_and_can_come_home_again(
        cloud, anonymous, clock):
    clock.set(_at(MONDAY, "10:00"))
    points = anonymous.get("/appointments/pickup-points?postcode=5611JK")
    assert points.status_code == 200, points.text
    assert [p["id"] for p in points.json()["items"]] == ["PP-EHV-01"]
    customer = new_customer(cloud, EINDHOVEN)
    delivery = _deliver(customer, _at(date(2026, 12, 11), "09:00"))

    left = _change(customer, delivery, pickup_point="PP-EHV-01")

    assert left.status_code == 200, left.text
    point = left.json()["pickup_point"]
    assert (point["name"], point["ready_from"]) == ("Tabak en Lectuur Markt", "2026-12-11T08:30:00.000Z")
    assert point["collect_until"] == "2026-12-18T08:30:00.000Z"
    assert delivery["appointment_id"] not in _booked("EHV", "delivery", date(2026, 12, 11))
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw pakket gaat naar een afhaalpunt"]
    assert "Uw pakket ligt vanaf vrijdag 11 december 2026 09:30 klaar bij Tabak en Lectuur Markt" in mail["body"]
    home = _change(customer, left.json(), address=EINDHOVEN)
    assert home.status_code == 200, home.text
    assert home.json()["pickup_point"] is None
    assert delivery["appointment_id"] in _booked("EHV", "delivery", date(2026, 12, 11))


@pytest.mark.parametrize(("kind", "body", "field", "reason"), [
    ("engineer_visit", {"address": ROTTERDAM}, "address", "delivery_only"),
    ("engineer_visit", {"pickup_point": "PP-EHV-01"}, "pickup_point", "delivery_only"),
    ("delivery", {"address": ROTTERDAM, "pickup_point": "PP-RTM-01"}, "pickup_point", "address_or_pickup_point"),
    ("delivery", {"pickup_point": "PP-ZZZ-99"}, "pickup_point", "pickup_point_unknown"),
    ("delivery", {"address": {**ROTTERDAM, "postcode": "9711 LV"}}, "address.postcode",
     "postcode_outside_service_area"),
    ("delivery", {"address": {**ROTTERDAM, "postcode": "0123 AB"}}, "address.postcode", "postcode_invalid"),
])
def test_a_delivery_sent_wrongly_or_a_visit_sent_elsewhere_gets_400_naming_the_field_and_writes_nothing(
        cloud, clock, kind, body, field, reason):
    clock.set(_at(MONDAY, "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    start = _at(date(2026, 12, 9), "14:00")
    writes = TableWrites(cloud)

    planned = customer.post("/me/appointments", json={"kind": kind, "slot": _slot(start), **body})

    assert planned.status_code == 400, planned.text
    assert (planned.json()["field"], planned.json()["reason"]) == (field, reason)
    assert writes.since() == []


def test_a_delivery_is_sent_elsewhere_until_24_hours_before_and_then_staff_help(cloud, clock, agent):
    clock.set(_at(MONDAY, "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    delivery = _deliver(customer, _at(date(2026, 12, 15), "19:00"))
    clock.set(_at(date(2026, 12, 14), "19:00") + timedelta(minutes=1))

    late = _change(customer, delivery, pickup_point="PP-EHV-01")

    assert late.status_code == 409 and late.json()["reason"] == "change_too_late"
    assert late.json()["params"]["deadline"] == "2026-12-14T18:00:00.000Z"
    by_staff = agent.patch(f"/agent/customers/{customer.customer_id}/appointments/{delivery['appointment_id']}",
                           json={"version": delivery["version"], "pickup_point": "PP-EHV-01"})
    assert by_staff.status_code == 200, by_staff.text
    assert by_staff.json()["pickup_point"]["id"] == "PP-EHV-01"
    assert datetime.fromisoformat(by_staff.json()["window"]["start"]).astimezone(UTC).hour == 18


def test_a_product_held_since_before_it_waits_for_nothing_and_is_not_asked_to_be_planned(cloud, clock):
    from opencounter.customers.service import hold_product

    clock.set(_at(MONDAY, "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    given = give_product(customer, "MOBILE-5GB")  # activated by a sign-up a moment ago: its SIM still to come
    held = hold_product(customer.customer_id, {  # held for years: its SIM came long ago
        "product_code": "MOBILE", "name": "Mobiel abonnement", "kind": "mobile", "plan": "5 GB",
        "plan_code": "MOBILE-5GB", "catalogue_version": "2026-11-01", "started_at": "2023-05-01",
        "monthly_fee_cents": 1250}, actor={"type": "system", "id": "tests"}, channel="system")

    to_plan = customer.get("/me/appointments").json()["to_plan"]

    assert [p["product_id"] for p in to_plan] == [given]
    # a new SIM for it is still delivered when asked (a replacement, planned by staff or the customer)
    replacement = _plan(customer, "delivery", _at(date(2026, 12, 16), "18:00"), product_id=held)
    assert replacement["product_id"] == held
