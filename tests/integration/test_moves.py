"""Moving house: today or on a future date; every channel shows the new address from that day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opencounter.core.clock import business_today
from tests.conftest import TableWrites


def _move(days_ahead: int, **changes) -> dict:
    return {"street": "Lange Voorhout", "house_number": 34, "house_number_addition": "a",
            "postcode": "2514ee", "city": "Den Haag",
            "move_date": (business_today() + timedelta(days=days_ahead)).isoformat(), **changes}


def test_a_move_today_is_the_address_at_once_on_every_channel(cloud, customer, agent):
    # When the customer moves today
    response = customer.post("/me/moves", json=_move(0))

    # Then the answer shows the registered address, postcode in its standard form
    assert response.status_code == 201
    assert response.json()["postcode"] == "2514 EE"
    # And the customer and staff see it as the address now
    for record in (customer.get("/me").json(), agent.get(f"/agent/customers/{customer.customer_id}").json()):
        assert record["address"]["street"] == "Lange Voorhout"
        assert record["address"]["house_number_addition"] == "a"
        assert record["upcoming_moves"] == []
    # And the timeline says so
    moved = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "CustomerMoved")
    assert moved["data"]["effective_from"] == business_today().isoformat()
    assert moved["data"]["address"]["postcode"] == "2514 EE"


def test_a_future_move_shows_as_upcoming_then_as_the_address_from_the_move_date(cloud, customer, monkeypatch):
    # Given a move registered for ten days from now
    assert customer.post("/me/moves", json=_move(10)).status_code == 201

    # Then until then the old address stands and the move is upcoming
    record = customer.get("/me").json()
    assert record["address"]["city"] == "Amsterdam"
    assert [m["city"] for m in record["upcoming_moves"]] == ["Den Haag"]

    # When the move date arrives
    from opencounter.core import clock

    moving_day = datetime.now(UTC) + timedelta(days=10, hours=1)
    monkeypatch.setattr(clock, "utcnow", lambda: moving_day)

    # Then every read shows the new address
    record = customer.get("/me").json()
    assert record["address"]["city"] == "Den Haag"
    assert record["upcoming_moves"] == []


@pytest.mark.parametrize("postcode", ["0123 AB", "1234 SA", "1234 SD", "1234 SS", "12345", "1234 A1", "ABCD EF"])
def test_a_postcode_that_is_not_dutch_is_refused_and_nothing_is_written(cloud, customer, postcode):
    writes = TableWrites(cloud)
    response = customer.post("/me/moves", json=_move(5, postcode=postcode))
    assert response.status_code == 400
    assert response.json()["field"] == "postcode"
    assert writes.since() == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"move_date": (business_today() - timedelta(days=1)).isoformat()}, "move_date"),
    ({"move_date": (business_today() + timedelta(days=400)).isoformat()}, "move_date"),
    ({"move_date": "2027-02-30"}, "move_date"),
    ({"move_date": "next week"}, "move_date"),
    ({"house_number": 0}, "house_number"),
    ({"house_number": "34"}, "house_number"),
    ({"house_number_addition": "bis-bis"}, "house_number_addition"),
    ({"street": ""}, "street"),
    ({"floor": 2}, "floor"),
])
def test_a_bad_move_names_the_field_and_writes_nothing(cloud, customer, changes, field):
    writes = TableWrites(cloud)
    response = customer.post("/me/moves", json=_move(5, **changes))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert writes.since() == []


def test_a_move_without_a_city_is_refused(cloud, customer):
    body = _move(5)
    del body["city"]
    response = customer.post("/me/moves", json=body)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_input", "reason": "field_required",
                               "message": "city: is required", "field": "city"}


def test_a_second_move_for_the_same_day_replaces_the_first(cloud, customer):
    customer.post("/me/moves", json=_move(7))
    customer.post("/me/moves", json=_move(7, street="Prinsengracht", postcode="1015 DZ", city="Amsterdam"))
    upcoming = customer.get("/me").json()["upcoming_moves"]
    assert [m["street"] for m in upcoming] == ["Prinsengracht"]


def _executions(cloud, status: str) -> list[dict]:
    sfn = cloud.cloud.client("stepfunctions")
    arn = cloud.cloud.state_machines["MoveHouseStateMachine"]
    return sfn.list_executions(stateMachineArn=arn, statusFilter=status)["executions"]


def test_the_move_house_flow_announces_a_move_that_takes_effect_today(cloud, customer):
    succeeded = len(_executions(cloud, "SUCCEEDED"))
    customer.post("/me/moves", json=_move(0))
    # the rule started the flow, which found the move in force and announced the new address
    assert len(_executions(cloud, "SUCCEEDED")) == succeeded + 1
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert types[:2] == ["CustomerAddressChanged", "CustomerMoved"]


def test_the_flow_of_a_future_move_waits_for_the_move_date(cloud, customer):
    waiting = len(_executions(cloud, "RUNNING"))
    customer.post("/me/moves", json=_move(3))
    assert len(_executions(cloud, "RUNNING")) == waiting + 1
    assert "CustomerAddressChanged" not in [e["type"] for e in customer.get("/me/timeline").json()["items"]]


def test_on_the_move_date_only_the_move_still_in_force_is_announced_and_only_once(cloud, customer):
    first = customer.post("/me/moves", json=_move(2)).json()
    second = customer.post("/me/moves", json=_move(2, street="Prinsengracht", postcode="1015 DZ")).json()
    task = {"customer_id": customer.customer_id, "effective_from": second["effective_from"]}

    assert cloud.cloud.invoke("MoveCompletionFunction", {**task, "move_id": first["move_id"]}) == {
        "outcome": "superseded"}
    assert cloud.cloud.invoke("MoveCompletionFunction", {**task, "move_id": second["move_id"]}) == {
        "outcome": "announced"}
    assert cloud.cloud.invoke("MoveCompletionFunction", {**task, "move_id": second["move_id"]}) == {
        "outcome": "already_announced"}
    cloud.cloud.settle()
    announced = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "CustomerAddressChanged"]
    assert [e["data"]["address"]["street"] for e in announced] == ["Prinsengracht"]
