"""Planned call-backs: a customer books a quarter of an hour in the coming days, also when the phone
is closed; it is among their planned contacts and staff's; it joins the agents' queue at its time;
the customer moves or cancels it until then; a slot holds a limited number; one nobody made within
its slot and the grace after it is told to the customer and put first for staff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Caller, Clock, TableWrites, at_once, new_customer

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: a Saturday evening: the phone closed at 17:00 and stays closed on Sunday
SATURDAY_EVENING = datetime(2026, 12, 5, 20, 0, tzinfo=AMSTERDAM)
MONDAY = "2026-12-07"


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The moment the call-backs and the agents' queue read as now, set by the test."""
    ticking = Clock()
    ticking.set(SATURDAY_EVENING)
    monkeypatch.setattr("opencounter.contacts.callbacks.utcnow", ticking)
    monkeypatch.setattr("opencounter.contacts.service.utcnow", ticking)
    return ticking


def _slots(customer: Caller) -> list[dict]:
    found = customer.get("/me/callbacks/slots")
    assert found.status_code == 200, found.text
    return [s for d in found.json()["days"] for s in d["slots"]]


def _fresh(customer: Caller) -> list[dict]:
    """The slots nobody has booked yet (the tests share one cloud, and so the slots' counts)."""
    return [s for s in _slots(customer) if s["free"] == 2]


def _book(customer: Caller, slot: dict, subject: str = "Vraag over mijn factuur") -> dict:
    booked = customer.post("/me/callbacks", json={"slot": slot["start"], "subject": subject})
    assert booked.status_code == 201, booked.text
    return booked.json()


def _phone_waiting() -> int:
    """How many the phone's live figures count as waiting (what its expected waits are worked from)."""
    from opencounter.channels.records import ChannelFigures

    try:
        return int(ChannelFigures.get(*ChannelFigures.keys("phone"), consistent_read=True).waiting)
    except ChannelFigures.DoesNotExist:
        return 0


def _queued(agent: Caller) -> list[str]:
    return [c["contact_id"] for c in agent.get("/agent/queue").json()["items"]]


def test_a_call_back_is_planned_while_the_phone_is_closed_and_joins_the_queue_at_its_time(cloud, now, agent,
                                                                                         customer):
    # Given the phone is closed (Saturday evening): the first slots offered are Monday's, from 08:00
    slots = _slots(customer)
    assert (slots[0]["date"], slots[0]["from"], slots[0]["until"]) == (MONDAY, "08:00", "08:15")
    assert all(s["date"] != "2026-12-06" for s in slots)  # closed on Sunday

    # When the customer books the first one nobody has booked yet
    first = _fresh(customer)[0]
    booked = _book(customer, first)

    # Then it is planned, to their own number, among their planned contacts and staff's
    assert (booked["kind"], booked["status"], booked["window"], booked["changeable"], booked["missed"]) == (
        "callback", "queued", {k: first[k] for k in ("start", "end", "date", "from", "until")}, True, False)
    assert booked["callback_to"] == customer.get("/me").json()["contact"]["phone"]
    assert customer.get("/me").json()["planned_contacts"] == [booked]
    seen = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert [p["contact_id"] for p in seen["planned_contacts"] if p["kind"] == "callback"] == [booked["contact_id"]]
    assert "answer_open_contact" not in {a["action"] for a in seen["next_best_actions"]}
    # And it is not in the agents' queue before its time
    assert booked["contact_id"] not in _queued(agent)
    assert {s["start"]: s["free"] for s in _slots(customer)}[first["start"]] == 1

    # When its slot begins, it is in the queue, and an agent takes it
    now.set(datetime.fromisoformat(first["start"].replace("Z", "+00:00")))
    assert booked["contact_id"] in _queued(agent)
    waiting = _phone_waiting()
    taken = agent.post(f"/agent/contacts/{booked['contact_id']}/take?customer_id={customer.customer_id}")
    assert taken.status_code == 200, taken.text
    assert taken.json()["callback_to"] == booked["callback_to"]
    assert booked["contact_id"] not in _queued(agent)
    # And the phone's live figures never counted it as waiting: taking it takes none off
    assert _phone_waiting() == waiting


def test_a_slot_holds_two_call_backs_and_a_third_at_once_is_told_the_next_free_ones(cloud, now):
    customers = [new_customer(cloud) for _ in range(3)]
    slot = _fresh(customers[0])[4]

    answers = at_once([lambda c=c: c.post("/me/callbacks", json={"slot": slot["start"], "subject": "Mijn factuur"})
                       for c in customers])

    assert sorted(a.status_code for a in answers) == [201, 201, 409], [a.text for a in answers]
    [full] = [a.json() for a in answers if a.status_code == 409]
    assert full["reason"] == "callback_slot_full"
    assert full["params"]["next_free"] and slot["start"] not in {s["start"] for s in full["params"]["next_free"]}
    assert slot["start"] not in {s["start"] for s in _slots(customers[0])}


def test_the_customer_moves_and_cancels_a_call_back_before_its_time_but_not_after(cloud, now, customer,
                                                                                  other_customer):
    slots = _fresh(customer)
    booked = _book(customer, slots[0])
    path = f"/me/callbacks/{booked['contact_id']}"

    # Another customer's call-back is not found, and nothing changes
    writes = TableWrites(cloud)
    assert other_customer.patch(path, json={"slot": slots[1]["start"]}).json()["reason"] == "contact_not_found"
    assert other_customer.post(f"{path}/cancellation").status_code == 404
    assert writes.since() == []

    moved = customer.patch(path, json={"slot": slots[2]["start"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["window"]["start"] == slots[2]["start"]
    free = {s["start"]: s["free"] for s in _slots(customer)}
    assert (free[slots[0]["start"]], free[slots[2]["start"]]) == (2, 1)  # the old place given back

    cancelled = customer.post(f"{path}/cancellation")
    again = customer.post(f"{path}/cancellation")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert again.json() == cancelled.json()
    assert customer.get("/me").json()["planned_contacts"] == []
    assert {s["start"]: s["free"] for s in _slots(customer)}[slots[2]["start"]] == 2
    history = {c["contact_id"]: c["status"] for c in customer.get("/me/contacts").json()["items"]}
    assert history[booked["contact_id"]] == "cancelled"

    # Once a slot has begun, its call-back can be neither moved nor cancelled
    later = _book(customer, slots[3])
    now.set(datetime.fromisoformat(slots[3]["start"].replace("Z", "+00:00")) + timedelta(minutes=1))
    late = customer.patch(f"/me/callbacks/{later['contact_id']}", json={"slot": _slots(customer)[-1]["start"]})
    assert (late.status_code, late.json()["reason"]) == (409, "callback_too_late")
    assert customer.post(f"/me/callbacks/{later['contact_id']}/cancellation").json()["reason"] == "callback_too_late"


def test_a_slot_outside_the_phones_hours_or_too_far_ahead_is_refused(cloud, now, customer):
    sunday = datetime(2026, 12, 6, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC).isoformat()
    off_grid = datetime(2026, 12, 7, 10, 7, tzinfo=AMSTERDAM).astimezone(UTC).isoformat()
    far = datetime(2026, 12, 14, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC).isoformat()
    past = datetime(2026, 12, 5, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC).isoformat()

    refused = {when: customer.post("/me/callbacks", json={"slot": slot, "subject": "Mijn factuur"}).json()["reason"]
               for when, slot in (("sunday", sunday), ("off_grid", off_grid), ("far", far), ("past", past))}

    assert refused == {"sunday": "callback_slot_unknown", "off_grid": "callback_slot_unknown",
                       "far": "callback_slot_too_far", "past": "callback_slot_past"}
    assert customer.get("/me").json()["planned_contacts"] == []


def test_a_call_back_nobody_made_is_told_to_the_customer_once_and_put_first_for_staff(cloud, now, agent, customer):
    slot = _fresh(customer)[0]
    booked = _book(customer, slot)
    end = datetime.fromisoformat(slot["end"].replace("Z", "+00:00"))

    # Within the grace after its slot it is not missed yet
    now.set(end + timedelta(minutes=10))
    cloud.cloud.invoke("CallbackWatchFunction", {})
    assert customer.get("/me").json()["planned_contacts"][0]["missed"] is False

    # Past it, the watch finds it missed, once however often it runs
    now.set(end + timedelta(minutes=16))
    assert cloud.cloud.invoke("CallbackWatchFunction", {})["missed"] >= 1
    assert cloud.cloud.invoke("CallbackWatchFunction", {})["missed"] == 0
    cloud.cloud.settle()

    told = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "We hebben u niet teruggebeld"]
    assert len(told) == 1 and f"maandag 7 december 2026 {slot['from']}–{slot['until']}" in told[0]["body"]
    seen = agent.get(f"/agent/customers/{customer.customer_id}").json()
    [action] = [a for a in seen["next_best_actions"] if a["action"] == "call_back_missed"]
    assert action["params"] == {"at": slot["start"], "number": booked["callback_to"]}
    assert customer.get("/me").json()["planned_contacts"][0]["missed"] is True
    assert booked["contact_id"] in _queued(agent)  # still to be made: staff call first
    timeline = customer.get("/me/timeline").json()["items"]
    assert {"CallbackBooked", "CallbackMissed"} <= {e["type"] for e in timeline}


def test_the_same_booking_sent_again_or_twice_at_once_is_one_call_back(cloud, now):
    customer = new_customer(cloud)
    slot = _fresh(customer)[6]
    key = uuid.uuid4().hex
    body = {"slot": slot["start"], "subject": "Vraag over mijn factuur"}

    answers = at_once([lambda: customer.post("/me/callbacks", headers={"Idempotency-Key": key}, json=body)
                       for _ in range(2)])
    again = customer.post("/me/callbacks", headers={"Idempotency-Key": key}, json=body)

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json() == again.json()
    assert [p["contact_id"] for p in customer.get("/me").json()["planned_contacts"]] == [again.json()["contact_id"]]
    assert {s["start"]: s["free"] for s in _slots(customer)}[slot["start"]] == 1  # one place taken, not two
    other = customer.post("/me/callbacks", headers={"Idempotency-Key": key},
                          json={**body, "subject": "Iets heel anders"})
    assert (other.status_code, other.json()["reason"]) == (409, "idempotency_key_reused")


def test_a_customer_plans_two_call_backs_to_come_at_most_even_at_once(cloud, now):
    customer = new_customer(cloud)
    slots = _fresh(customer)[8:12]

    answers = at_once([lambda s=s: customer.post("/me/callbacks", json={"slot": s["start"], "subject": "Mijn factuur"})
                       for s in slots[:3]])

    assert sorted(a.status_code for a in answers) == [201, 201, 409], [a.text for a in answers]
    [refused] = [a.json() for a in answers if a.status_code == 409]
    assert (refused["reason"], refused["params"]["limit"]) == ("callback_limit", 2)
    assert len(customer.get("/me").json()["planned_contacts"]) == 2
    free = {s["start"]: s["free"] for s in _slots(customer)}
    assert sorted(free.get(s["start"], 0) for s in slots[:3]) == [1, 1, 2]  # the refused one took no place

    # a call-back cancelled frees its place for another; one whose slot has begun no longer counts
    first = customer.get("/me").json()["planned_contacts"][0]
    assert customer.post(f"/me/callbacks/{first['contact_id']}/cancellation").status_code == 200
    _book(customer, slots[3])
    assert customer.post("/me/callbacks", json={"slot": slots[2]["start"], "subject": "Nog een"}).status_code == 409
    now.set(datetime.fromisoformat(first["window"]["start"].replace("Z", "+00:00")) + timedelta(days=1))
    _book(customer, _fresh(customer)[0])
