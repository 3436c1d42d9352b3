"""Appointments to the half hour through the local cloud: the free windows of a postcode, a visit
planned for a product that needs one (on the record, the timeline, in the overview and the
360-degree view, and told to the customer), the last place of a window taken by one of two
customers at once, and changes until 24 real hours before, across both clock changes; staff move
a visit the customer no longer can."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Caller, TableWrites, at_once, give_product, new_customer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EINDHOVEN = {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"}
GRONINGEN = {"street": "Grote Markt", "house_number": 1, "postcode": "9711 LV", "city": "Groningen"}


def _at(day: date, hhmm: str) -> datetime:
    """A moment on the clock in Amsterdam."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=AMSTERDAM)


def _slot(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _slots(caller: Caller, postcode: str, kind: str, day: date | None = None) -> dict:
    query = f"/appointments/slots?postcode={postcode}&kind={kind}" + (f"&from={day.isoformat()}" if day else "")
    response = caller.get(query)
    assert response.status_code == 200, response.text
    return response.json()


def _plan(customer: Caller, kind: str, start: datetime, **more) -> dict:
    response = customer.post("/me/appointments", json={"kind": kind, "slot": _slot(start), **more})
    assert response.status_code == 201, response.text
    return response.json()


def _customer_since(cloud, since: date) -> Caller:
    """A customer living in Amsterdam since `since` (a visit is at the address in force on its day)."""
    from infra.local.tokens import User
    from opencounter.customers.service import register_customer

    email = f"since-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register_customer(
        {"given_name": "Test", "family_name": "Klant", "birth_date": "1990-02-03", "email": email},
        {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"},
        actor={"type": "system", "id": "tests"}, channel="system", since=since)
    cloud.cloud.settle()
    user = User(email, "pw", ("customers",), customer_id)
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), customer_id, email)


def _plan_entries(region: str, kind: str, day: date) -> list[dict]:
    from opencounter.appointments.records import DayPlan

    try:
        return DayPlan.get(*DayPlan.keys(region, kind, day.isoformat()), consistent_read=True).bookings
    except DayPlan.DoesNotExist:
        return []


# ---------------------------------------------------------------- free windows


def test_a_postcodes_free_windows_are_public_half_hours_in_amsterdam_time(cloud, anonymous, clock):
    clock.set(_at(date(2026, 12, 7), "10:00"))  # a Monday
    slots = _slots(anonymous, "1012LG", "engineer_visit", date(2026, 12, 7))

    assert (slots["postcode"], slots["region"]["code"], slots["window_minutes"]) == ("1012 LG", "AMS", 30)
    days = {d["date"]: d["slots"] for d in slots["days"]}
    assert len(days) == 14
    # today offers nothing (24 hours ahead at least), tomorrow from 10:30, after 10:00 (24 hours from now)
    assert days["2026-12-07"] == [] and days["2026-12-08"][0]["from"] == "10:30"
    assert [(s["from"], s["until"]) for s in days["2026-12-09"]][:2] == [("08:00", "08:30"), ("08:30", "09:00")]
    assert days["2026-12-09"][-1]["from"] == "14:30"  # a 120-minute job arriving at 15:00 ends at five
    assert days["2026-12-13"]  # a Sunday: Amsterdam has an engineer on call
    later = _slots(anonymous, "1012 LG", "engineer_visit", date(2026, 12, 21))
    christmas = {d["date"]: d["slots"] for d in later["days"]}
    assert christmas["2026-12-24"] and christmas["2026-12-25"] == christmas["2026-12-26"] == []
    every = [s for d in slots["days"] for s in d["slots"]]
    assert all(datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"]) == timedelta(minutes=30)
               for s in every)
    first = days["2026-12-09"][0]
    assert (first["start"], first["utc_offset"]) == ("2026-12-09T07:00:00.000Z", "+01:00")


@pytest.mark.parametrize(("query", "field", "reason"), [
    ("postcode=9711AB&kind=engineer_visit", "postcode", "postcode_outside_service_area"),
    ("postcode=0123AB&kind=engineer_visit", "postcode", "postcode_invalid"),
    ("kind=engineer_visit", "postcode", "field_required"),
    ("postcode=1012LG&kind=plumber", "kind", "field_choice"),
    ("postcode=1012LG", "kind", "field_required"),
    ("postcode=1012LG&kind=engineer_visit&from=2026-12-06", "from", "from_in_the_past"),
    ("postcode=1012LG&kind=engineer_visit&from=2026-13-01", "from", "field_format"),
    ("postcode=1012LG&kind=engineer_visit&from=morgen", "from", "field_format"),
    ("postcode=1012LG&kind=engineer_visit&from=2028-01-03", "from", "from_too_far"),
])
def test_asking_for_windows_wrongly_gets_400_naming_the_field(cloud, anonymous, clock, query, field, reason):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    response = anonymous.get(f"/appointments/slots?{query}")
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["reason"]) == (field, reason)


# ---------------------------------------------------------------- planning a visit


def test_a_visit_for_fibre_is_planned_on_the_record_timeline_overview_and_360_and_the_customer_told(
        cloud, customer, agent):
    product_id = give_product(customer, "FIBRE-100")
    waiting = customer.get("/me/appointments").json()
    assert waiting["items"] == []
    assert waiting["to_plan"] == [{"product_id": product_id, "product_code": "FIBRE", "name": "Glasvezel internet",
                                   "kind": "engineer_visit"}]
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert any(a["action"] == "plan_visit" and a["params"]["product_id"] == product_id
               for a in view["next_best_actions"])

    # The customer picks the first free window of the real days ahead
    free = next(s for d in _slots(customer, "1012 LG", "engineer_visit")["days"] for s in d["slots"])
    planned = _plan(customer, "engineer_visit", datetime.fromisoformat(free["start"]), product_id=product_id)

    assert planned["status"] == "planned" and planned["window"] == free and planned["changeable"] is True
    assert planned["product_id"] == product_id and planned["address"]["postcode"] == "1012 LG"
    notice = datetime.fromisoformat(free["start"]) - datetime.fromisoformat(planned["change_until"])
    assert notice == timedelta(hours=24)
    listed = customer.get("/me/appointments").json()
    assert [a["appointment_id"] for a in listed["items"]] == [planned["appointment_id"]] and listed["to_plan"] == []
    # in the overview, the 360-degree view (as planned contacts) and on the timeline
    assert customer.get("/me").json()["appointments"] == [planned]
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert view["appointments"] == [planned]
    assert [c["appointment_id"] for c in view["planned_contacts"]] == [planned["appointment_id"]]
    assert "plan_visit" not in {a["action"] for a in view["next_best_actions"]}
    newest = customer.get("/me/timeline").json()["items"][0]
    assert newest["type"] == "AppointmentPlanned" and newest["data"]["window"] == free
    # and told on their preferred channel (e-mail), in Dutch
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw afspraak staat"]
    assert f"tussen {free['from']}–{free['until']}" in mail["body"] and "een monteur" in mail["body"]
    # a second visit for the same product is refused: move the one planned instead
    again = customer.post("/me/appointments", json={"kind": "engineer_visit", "slot": planned["window"]["start"],
                                                    "product_id": product_id})
    assert again.status_code == 409 and again.json()["reason"] == "appointment_already_planned"


@pytest.mark.parametrize(("body", "status", "field", "reason"), [
    ({"kind": "engineer_visit", "slot": "2026-12-15T09:15:00Z"}, 400, "slot", "slot_unknown"),  # off the grid
    ({"kind": "engineer_visit", "slot": "2026-12-15T05:00:00Z"}, 400, "slot", "slot_unknown"),  # before eight
    ({"kind": "engineer_visit", "slot": "2026-12-25T09:00:00Z"}, 400, "slot", "slot_unknown"),  # Christmas
    ({"kind": "engineer_visit", "slot": "2026-12-01T09:00:00Z"}, 400, "slot", "slot_in_the_past"),
    ({"kind": "engineer_visit", "slot": "2026-12-07T13:00:00Z"}, 400, "slot", "slot_too_soon"),
    ({"kind": "engineer_visit", "slot": "2027-06-01T08:00:00Z"}, 400, "slot", "slot_too_far"),
    ({"kind": "engineer_visit", "slot": "morgen om tien"}, 400, "slot", "field_format"),
    ({"kind": "engineer_visit", "slot": "0001-01-01T00:00:00+14:00"}, 400, "slot", "field_format"),
    ({"kind": "engineer_visit", "slot": "9999-12-31T23:59:59Z"}, 400, "slot", "slot_too_far"),
    ({"kind": "plumber", "slot": "2026-12-15T09:00:00Z"}, 400, "kind", "field_choice"),
    ({"slot": "2026-12-15T09:00:00Z"}, 400, "kind", "field_required"),
    ({"kind": "engineer_visit", "slot": "2026-12-15T09:00:00Z", "product_id": "no-such-product"}, 404, "product_id",
     "product_not_found"),
])
def test_bad_input_gets_a_4xx_naming_the_field_and_writes_nothing(cloud, customer, clock, body, status, field,
                                                                   reason):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    writes = TableWrites(cloud)
    response = customer.post("/me/appointments", json=body)
    assert response.status_code == status, response.text
    assert (response.json()["field"], response.json()["reason"]) == (field, reason)
    assert writes.since() == []


def test_a_customer_outside_the_service_area_and_a_product_needing_another_visit_are_refused_naming_the_field(
        cloud, clock):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    far, nearby = new_customer(cloud, GRONINGEN), new_customer(cloud)
    mobile, fibre = give_product(new_customer(cloud), "MOBILE-5GB"), give_product(nearby, "FIBRE-100")
    writes = TableWrites(cloud)
    response = far.post("/me/appointments", json={"kind": "engineer_visit", "slot": "2026-12-15T09:00:00Z"})
    assert response.status_code == 400 and response.json()["field"] == "postcode"
    assert response.json()["reason"] == "postcode_outside_service_area"
    # fibre needs an engineer, not an installer; another customer's product is none of theirs
    for product_id, kind, expected in ((fibre, "installer_visit", (400, "kind", "visit_not_needed")),
                                       (mobile, "engineer_visit", (404, "product_id", "product_not_found"))):
        refused = nearby.post("/me/appointments", json={"kind": kind, "slot": "2026-12-15T09:00:00Z",
                                                        "product_id": product_id})
        assert (refused.status_code, refused.json()["field"], refused.json()["reason"]) == expected, refused.text
    assert writes.since() == []


# ---------------------------------------------------------------- the last place


def test_the_last_place_of_a_window_taken_by_two_customers_at_once_goes_to_one(cloud, clock):
    # Eindhoven has one installer on a weekday: a window holds one visit
    clock.set(_at(date(2026, 12, 7), "10:00"))
    day = date(2026, 12, 16)
    first, second = new_customer(cloud, EINDHOVEN), new_customer(cloud, EINDHOVEN)
    start = _slot(_at(day, "11:00"))

    answers = at_once([lambda: first.post("/me/appointments", json={"kind": "installer_visit", "slot": start}),
                       lambda: second.post("/me/appointments", json={"kind": "installer_visit", "slot": start})])

    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert (refused["reason"], refused["field"]) == ("slot_taken", "slot")
    offered = [w["start"] for w in refused["params"]["next_free"]]
    assert offered and start not in offered and all(w > start for w in offered)
    # the plan holds one visit in that window, and the window is offered no more
    assert [b["start"] for b in _plan_entries("EHV", "installer_visit", day)] == [
        "2026-12-16T10:00:00.000Z"]
    free = {s["start"] for d in _slots(first, "5611 JK", "installer_visit", day)["days"] for s in d["slots"]}
    assert start not in free and offered[0] in free
    # the refused customer takes the next free window offered
    assert _plan(next(c for c, a in zip((first, second), answers, strict=True) if a.status_code == 409),
                 "installer_visit", datetime.fromisoformat(offered[0]))["window"]["start"] == offered[0]


def test_a_booking_sent_again_with_its_key_is_the_same_visit_and_takes_one_place(cloud, clock):
    # A customer's app sends the booking again (the answer was lost), also at the same moment
    clock.set(_at(date(2026, 12, 7), "10:00"))
    day = date(2026, 12, 15)
    customer = new_customer(cloud, EINDHOVEN)
    start = _slot(_at(day, "09:00"))
    key = {"Idempotency-Key": f"visit-{uuid.uuid4().hex}"}

    def book(slot: str = start) -> Any:
        return customer.post("/me/appointments", json={"kind": "installer_visit", "slot": slot}, headers=key)
    answers = [book(), *at_once([book, book])]

    # Then it is one visit, in one place of the day's plan
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    assert len({a.json()["appointment_id"] for a in answers}) == 1
    assert [b["start"] for b in _plan_entries("EHV", "installer_visit", day)] == ["2026-12-15T08:00:00.000Z"]
    assert len(customer.get("/me/appointments").json()["items"]) == 1
    # And the key for another window is refused, naming why
    other = book(_slot(_at(day, "14:00")))
    assert other.status_code == 409 and other.json()["reason"] == "idempotency_key_reused"


def test_a_cancelled_visit_frees_its_place_at_once(cloud, clock):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    day = date(2026, 12, 17)
    first, second = new_customer(cloud, EINDHOVEN), new_customer(cloud, EINDHOVEN)
    planned = _plan(first, "engineer_visit", _at(day, "13:00"))
    taken = second.post("/me/appointments", json={"kind": "engineer_visit", "slot": planned["window"]["start"]})
    assert taken.status_code == 409 and taken.json()["reason"] == "slot_taken"

    cancelled = first.request("DELETE", f"/me/appointments/{planned['appointment_id']}")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["changeable"] is False
    assert _plan_entries("EHV", "engineer_visit", day) == []
    assert _plan(second, "engineer_visit", _at(day, "13:00"))["status"] == "planned"
    assert first.get("/me/timeline").json()["items"][0]["type"] == "AppointmentCancelled"
    again = first.request("DELETE", f"/me/appointments/{planned['appointment_id']}")
    assert again.status_code == 409 and again.json()["reason"] == "appointment_not_planned"


def test_a_change_gives_back_the_old_place_and_takes_the_new_one_in_one_go(cloud, clock):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    customer, other = new_customer(cloud, EINDHOVEN), new_customer(cloud, EINDHOVEN)
    planned = _plan(customer, "engineer_visit", _at(date(2026, 12, 18), "08:00"))

    moved = customer.patch(f"/me/appointments/{planned['appointment_id']}",
                           json={"slot": _slot(_at(date(2026, 12, 21), "14:00")), "version": planned["version"]})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["window"]["date"], moved.json()["window"]["from"], moved.json()["version"]) == (
        "2026-12-21", "14:00", 2)
    assert _plan_entries("EHV", "engineer_visit", date(2026, 12, 18)) == []
    assert [b["appointment_id"] for b in _plan_entries("EHV", "engineer_visit", date(2026, 12, 21))] == [
        planned["appointment_id"]]
    assert _plan(other, "engineer_visit", _at(date(2026, 12, 18), "08:00"))["status"] == "planned"
    entry = customer.get("/me/timeline").json()["items"][0]
    assert entry["type"] == "AppointmentChanged" and entry["data"]["previous_window"]["from"] == "08:00"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw afspraak is verzet"]
    assert "maandag 21 december 2026" in mail["body"]
    # the version read is the one sent back: a stale one changes nothing
    stale = customer.patch(f"/me/appointments/{planned['appointment_id']}",
                           json={"slot": _slot(_at(date(2026, 12, 22), "14:00")), "version": 1})
    assert stale.status_code == 409 and stale.json()["reason"] == "stale_version"
    same = customer.patch(f"/me/appointments/{planned['appointment_id']}",
                          json={"slot": _slot(_at(date(2026, 12, 21), "14:00")), "version": 2})
    assert same.status_code == 400 and same.json()["reason"] == "slot_is_current"


# ---------------------------------------------------------------- 24 hours before


@pytest.mark.parametrize("window", [
    _at(date(2027, 1, 12), "10:00"),  # a Tuesday in winter
    _at(date(2026, 3, 29), "10:00"),  # the Sunday the clocks go forward: 24 hours before is 09:00 on Saturday
    _at(date(2026, 10, 25), "10:00"),  # the Sunday the clocks go back: 24 hours before is 11:00 on Saturday
], ids=["winter", "clocks-forward", "clocks-back"])
def test_a_change_24_hours_less_a_minute_before_is_refused_and_more_a_minute_accepted(cloud, clock, window):
    customer = _customer_since(cloud, date(2026, 1, 1))
    window = window.astimezone(UTC)  # real hours: arithmetic on a time of the Amsterdam clock counts clock hours
    clock.set(window - timedelta(days=10))
    planned = _plan(customer, "installer_visit", window)
    path = f"/me/appointments/{planned['appointment_id']}"
    later = {"slot": _slot(window + timedelta(minutes=30)), "version": planned["version"]}

    # 23 h 59 min before (real time): refused, saying why and who can still help, nothing written
    clock.set(window - timedelta(hours=24) + timedelta(minutes=1))
    writes = TableWrites(cloud)
    refused = customer.patch(path, json=later)
    assert refused.status_code == 409 and refused.json()["reason"] == "change_too_late", refused.text
    params = refused.json()["params"]
    assert params["deadline"] == _slot(window - timedelta(hours=24)).replace(":00Z", ":00.000Z")
    [phone] = params["channels"]
    assert phone["channel"] == "phone" and phone["opening_hours"]["saturday"] == "09:00-17:00"
    assert customer.request("DELETE", path).json()["reason"] == "change_too_late"
    assert customer.get("/me/appointments").json()["items"][0]["changeable"] is False
    assert writes.since() == []

    # 24 h 1 min before: accepted
    clock.set(window - timedelta(hours=24) - timedelta(minutes=1))
    moved = customer.patch(path, json=later)
    assert moved.status_code == 200, moved.text
    assert moved.json()["window"]["start"] == later["slot"].replace(":00Z", ":00.000Z")


def test_staff_move_a_visit_on_the_customers_behalf_after_the_customer_can_no_more(cloud, clock, agent):
    customer = new_customer(cloud)
    window = _at(date(2027, 1, 13), "09:00")
    clock.set(window - timedelta(days=3))
    planned = _plan(customer, "engineer_visit", window)
    clock.set(window - timedelta(hours=2))
    body = {"slot": _slot(_at(date(2027, 1, 15), "12:00")), "version": planned["version"]}
    assert customer.patch(f"/me/appointments/{planned['appointment_id']}", json=body).status_code == 409

    staff_path = f"/agent/customers/{customer.customer_id}/appointments/{planned['appointment_id']}"
    listed = agent.get(f"/agent/customers/{customer.customer_id}/appointments").json()
    assert listed["items"][0]["changeable"] is True  # staff may until the window starts
    moved = agent.patch(staff_path, json=body)

    assert moved.status_code == 200, moved.text
    assert moved.json()["window"]["date"] == "2027-01-15"
    entry = customer.get("/me/timeline").json()["items"][0]
    assert entry["type"] == "AppointmentChanged" and entry["channel"] == "agent" and entry["actor"]["type"] == "agent"
    # once its window has begun, staff cannot move it either
    clock.set(_at(date(2027, 1, 15), "12:10"))
    late = agent.request("DELETE", staff_path)
    assert late.status_code == 409 and late.json()["reason"] == "appointment_started"


def test_staff_plan_a_visit_for_the_customer(cloud, clock, agent):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    customer = new_customer(cloud)
    power = give_product(customer, "POWER-VARIABLE")
    response = agent.post(f"/agent/customers/{customer.customer_id}/appointments",
                          json={"kind": "installer_visit", "slot": _slot(_at(date(2026, 12, 22), "15:30")),
                                "product_id": power})
    assert response.status_code == 201, response.text
    assert response.json()["planned_channel"] == "agent"
    assert customer.get("/me/appointments").json()["to_plan"] == []


# ---------------------------------------------------------------- someone else's


def test_another_customers_appointment_is_not_found_and_stays_as_it_is(cloud, clock, customer, other_customer):
    clock.set(_at(date(2026, 12, 7), "10:00"))
    planned = _plan(customer, "installer_visit", _at(date(2026, 12, 23), "09:00"))
    writes = TableWrites(cloud)
    path = f"/me/appointments/{planned['appointment_id']}"

    moved = other_customer.patch(path, json={"slot": _slot(_at(date(2026, 12, 23), "10:00")), "version": 1})
    cancelled = other_customer.request("DELETE", path)
    hostile = other_customer.patch(path, data=b"{not json", headers={"Content-Type": "application/json"})

    assert [r.status_code for r in (moved, cancelled, hostile)] == [404, 404, 404]
    assert {r.json()["reason"] for r in (moved, cancelled, hostile)} == {"appointment_not_found"}
    assert writes.since() == []
    assert customer.get("/me/appointments").json()["items"][0]["status"] == "planned"


def test_two_devices_planning_the_same_products_visit_at_once_plan_it_once(cloud, clock):
    # The customer's phone and laptop each plan the fibre's visit, in other windows, at the same moment
    clock.set(_at(date(2026, 12, 7), "10:00"))
    customer = new_customer(cloud, EINDHOVEN)
    fibre = give_product(customer, "FIBRE-100")

    def plan(hhmm: str) -> Any:
        return lambda: customer.post("/me/appointments", json={
            "kind": "engineer_visit", "slot": _slot(_at(date(2026, 12, 22), hhmm)), "product_id": fibre})
    answers = at_once([plan("08:00"), plan("13:00")])

    # Then one plans it and the other is told a visit is planned already, naming it
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    planned = next(a for a in answers if a.status_code == 201).json()
    assert (refused["reason"], refused["params"]["appointment_id"]) == ("appointment_already_planned",
                                                                         planned["appointment_id"])
    assert [a["appointment_id"] for a in customer.get("/me/appointments").json()["items"]] == [
        planned["appointment_id"]]
    assert [b["appointment_id"] for b in _plan_entries("EHV", "engineer_visit", date(2026, 12, 22))] == [
        planned["appointment_id"]]
