"""The timeline: everything that happened to a customer on any channel, newest first, paginated."""

from __future__ import annotations

import pytest


def _change_language_times(customer, count: int) -> None:
    for index in range(count):
        version = customer.get("/me").json()["version"]
        language = "en" if index % 2 == 0 else "nl"
        assert customer.patch("/me", json={"version": version, "settings": {"language": language}}).status_code == 200


def test_the_timeline_pages_newest_first_without_gaps_or_repeats(cloud, customer):
    # Given a registration and five changes
    _change_language_times(customer, 5)

    # When the customer pages through two at a time
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = customer.get("/me/timeline", params=params).json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then they see all six entries once, newest first
    assert len(seen) == 6 and len({e["event_id"] for e in seen}) == 6
    assert [e["occurred_at"] for e in seen] == sorted((e["occurred_at"] for e in seen), reverse=True)
    assert seen[-1]["type"] == "CustomerRegistered"
    assert pages in (3, 4)


def test_a_cursor_from_another_customer_reaches_only_the_callers_own_timeline(cloud, customer, other_customer):
    _change_language_times(other_customer, 3)
    cursor = other_customer.get("/me/timeline", params={"limit": 1}).json()["next_cursor"]
    page = customer.get("/me/timeline", params={"cursor": cursor}).json()
    assert all(e["actor"].get("id") != other_customer.customer_id for e in page["items"])


@pytest.mark.parametrize(("params", "field"), [
    ({"cursor": "not-a-cursor!"}, "cursor"), ({"cursor": "e30"}, "cursor"),
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "ten"}, "limit"),
])
def test_bad_paging_parameters_are_named(cloud, customer, params, field):
    response = customer.get("/me/timeline", params=params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_the_customer_sees_staff_by_role_and_staff_see_who_it_was(cloud, agent, customer):
    # Given an agent who makes the customer a quote
    made = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                      json={"product_code": "FIBRE", "plan_code": "FIBRE-100"})
    assert made.status_code == 201, made.text
    cloud.cloud.settle()

    # Then the customer sees it was a staff member, by role, and not who (nor their address)
    [mine] = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "QuoteMade"]
    assert mine["actor"] == {"type": "agent", "role": "agent"}
    [quote] = customer.get("/me/quotes").json()["items"]
    assert quote["made_by"] == {"type": "agent", "role": "agent"}
    # And staff see the colleague who did it
    staff_view = agent.get(f"/agent/customers/{customer.customer_id}/timeline").json()["items"]
    [theirs] = [e for e in staff_view if e["type"] == "QuoteMade"]
    assert theirs["actor"] == {"type": "agent", "id": agent.email, "name": agent.email, "role": "agent"}
    assert made.json()["made_by"]["id"] == agent.email
