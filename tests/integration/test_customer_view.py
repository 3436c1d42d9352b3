"""The whole customer view: the customer's value and segment, what the record lacks (with a prompt
for the customer and for staff), and what is coming (feeding the next best action)."""

from __future__ import annotations

from datetime import timedelta

from opencounter.core.clock import business_today
from opencounter.pricing.rating import Period, add_months
from tests.conftest import bill, give_product, verified_phone


def _months_ago(months: int) -> str:
    today = business_today()
    return (add_months(today.replace(day=1), -months) + timedelta(days=today.day - 1)).isoformat()


def _actions(view: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for action in view["next_best_actions"]:
        found.setdefault(action["action"], []).append(action["params"])
    return found


def test_a_new_customer_is_asked_for_what_the_record_lacks_until_they_give_it(cloud, customer, agent):
    # A customer just registered: a phone number not proven, no choice about offers, no household size
    mine = customer.get("/me").json()
    assert [(m["item"], m["customer"]) for m in mine["missing_data"]] == [
        ("phone_unproven", True), ("consent_choice", True), ("household_size", True)]
    # Staff see the same, each as an action
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert view["missing_data"] == mine["missing_data"]
    assert [p["item"] for p in _actions(view)["complete_profile"]] == ["phone_unproven", "consent_choice",
                                                                        "household_size"]
    assert view["value"]["segment"] == "new" and view["value"]["tenure_months"] == 0
    assert view["value"]["payment"] == {"behaviour": "none", "on_time": 0, "late": 0, "in_arrangement": 0,
                                        "overdue": 0}

    # When they prove their phone, and staff note the household and that they want no offers by e-mail
    verified_phone(customer)
    record = customer.get("/me").json()
    changed = agent.patch(f"/agent/customers/{customer.customer_id}", json={
        "version": record["version"], "personal": {"household_size": 3},
        "consents": [{"channel": "email", "purpose": "marketing", "granted": False}]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["personal"]["household_size"] == 3

    # Then nothing is asked any more, of the customer or of staff
    assert customer.get("/me").json()["missing_data"] == []
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert view["missing_data"] == [] and "complete_profile" not in _actions(view)
    # the household's size is on the timeline as a change; the no to offers was no change of what they get
    changes = [e["data"]["changes"] for e in customer.get("/me/timeline").json()["items"]
               if e["type"] == "CustomerUpdated"]
    assert [{"field": "household_size", "from": None, "to": 3}] in changes
    assert not any(c["field"].startswith("consents.") for change in changes for c in change)


def test_a_household_size_out_of_bounds_is_refused_and_nothing_changes(cloud, customer):
    record = customer.get("/me").json()
    refused = customer.patch("/me", json={"version": record["version"], "personal": {"household_size": 0}})
    assert refused.status_code == 400 and refused.json()["field"] == "personal.household_size"
    assert customer.get("/me").json()["version"] == record["version"]


def test_a_fixed_price_ending_is_coming_for_the_customer_and_an_offer_for_staff(cloud, customer, agent):
    # A fixed price for a year that ends five days after this month does (so within the next 90 days)
    last_day = Period.of(business_today()).last_day
    ends = last_day + timedelta(days=5)
    started = add_months(ends, -12)
    power = give_product(customer, "POWER-FIXED-1Y", started_at=started.isoformat())
    assert add_months(started, 12) == ends

    mine = customer.get("/me").json()
    assert {"kind": "fixed_price_ends", "on": ends.isoformat(), "product_id": power, "product_code": "POWER",
            "plan_code": "POWER-FIXED-1Y", "name": "Groene stroom", "plan": "Vast 1 jaar"} in mine["coming_events"]
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert _actions(view)["offer_after_fixed_price"] == [
        {"product_id": power, "plan": "Vast 1 jaar", "on": ends.isoformat()}]
    # A customer for eleven months, holding one product: standard
    assert view["value"]["tenure_months"] == 11 and view["value"]["products_held"] == 1
    assert view["value"]["segment"] == "standard"

    # When they cancel it for the end of this month, before the fixed price ends
    cancelled = customer.post(f"/me/products/{power}/cancellation", json={"when": "end_of_period"})
    assert cancelled.status_code == 201, cancelled.text

    # Then its end is coming instead, staff are asked to ask why, and the customer is at risk of leaving
    mine = customer.get("/me").json()
    assert [(e["kind"], e["on"]) for e in mine["coming_events"]] == [("product_ends", last_day.isoformat())]
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert _actions(view)["ask_before_leaving"] == [
        {"product_id": power, "name": "Groene stroom", "on": last_day.isoformat()}]
    assert "offer_after_fixed_price" not in _actions(view)
    assert view["value"]["segment"] == "at_risk"


def test_a_fixed_price_far_off_is_not_coming_yet(cloud, customer, agent):
    give_product(customer, "POWER-FIXED-1Y", started_at=_months_ago(2))
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert view["coming_events"] == []
    assert "offer_after_fixed_price" not in _actions(view)


def test_value_counts_what_was_invoiced_over_the_last_year(cloud, customer, agent):
    # A customer since two years and a half, billed for last month
    give_product(customer, "MOBILE-20GB", started_at=_months_ago(30))
    invoice = bill(cloud, customer, str(Period.of(business_today() - timedelta(days=business_today().day))))

    value = agent.get(f"/agent/customers/{customer.customer_id}").json()["value"]

    assert value["revenue_12m_cents"] == invoice["total_cents"] > 0
    assert value["tenure_months"] == 30 and value["customer_since"] == _months_ago(30)
    # loyal: with us for two years or more, nothing overdue, nothing cancelled
    assert value["segment"] == "loyal"
