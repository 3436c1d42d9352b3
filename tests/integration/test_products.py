"""Changing a product yourself: another plan at once (prorated), or a cancellation now or at the
end of the month; stale versions, unknown plans and other people's products are refused. Every
plan a product had is in its history, with the days and why it changed."""

from __future__ import annotations

from datetime import date

import pytest

from opencounter.core.clock import business_today
from tests.conftest import TableWrites, give_product, over_the_bundle_twice


def _product(customer, product_id: str) -> dict:
    return next(p for p in customer.get("/me").json()["products"] if p["product_id"] == product_id)


def test_a_plan_change_is_in_force_at_once_on_every_channel(cloud, customer, agent):
    mobile = give_product(customer, "MOBILE-5GB")
    version = _product(customer, mobile)["version"]

    response = customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": version})

    assert response.status_code == 200
    body = response.json()
    assert (body["plan_code"], body["plan"], body["monthly_fee_cents"]) == ("MOBILE-20GB", "20 GB", 1950)
    proration = body["proration"]
    assert proration["net_cents"] == proration["credit_cents"] + proration["charge_cents"]
    assert proration["credit_cents"] < 0 < proration["charge_cents"]
    staff = next(p for p in agent.get(f"/agent/customers/{customer.customer_id}").json()["products"]
                 if p["product_id"] == mobile)
    assert staff["plan_code"] == "MOBILE-20GB"
    changed = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "ProductPlanChanged")
    assert (changed["data"]["from_plan"], changed["data"]["to_plan"]) == ("MOBILE-5GB", "MOBILE-20GB")
    assert changed["title"] == "Plan changed by you"
    # And the version it was changed from is stale now
    stale = customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-UNLIMITED", "version": version})
    assert stale.status_code == 409 and stale.json()["field"] == "version"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"plan_code": "FIBRE-100", "version": 1}, 400, "plan_code"),  # another product's plan
    ({"plan_code": "MOBILE-5GB", "version": 1}, 400, "plan_code"),  # the plan it is on
    ({"plan_code": "MOBILE-20GB"}, 400, "version"),
    ({"plan_code": "MOBILE-20GB", "version": 1, "price": 0}, 400, "price"),
])
def test_a_bad_plan_change_is_refused_naming_the_field_and_changes_nothing(cloud, customer, body, status, field):
    mobile = give_product(customer, "MOBILE-5GB")
    writes = TableWrites(cloud)
    response = customer.patch(f"/me/products/{mobile}", json=body)
    assert response.status_code == status
    assert response.json()["field"] == field
    assert writes.since() == []


def test_a_fixed_price_cannot_be_changed_during_its_term(cloud, customer):
    power = give_product(customer, "POWER-FIXED-1Y", started_at="2026-06-01")
    response = customer.patch(f"/me/products/{power}", json={"plan_code": "POWER-VARIABLE", "version": 1})
    assert response.status_code == 409
    assert "fixed price until 2027-06-01" in response.json()["message"]


def test_a_cancellation_at_the_end_of_the_month_keeps_the_product_until_then(cloud, customer):
    from opencounter.core.clock import business_today
    from opencounter.pricing.rating import Period

    mobile = give_product(customer, "MOBILE-5GB")
    response = customer.post(f"/me/products/{mobile}/cancellation", json={"when": "end_of_period"})
    assert response.status_code == 201
    assert response.json()["ends_on"] == Period.of(business_today()).last_day.isoformat()
    assert _product(customer, mobile)["status"] == "ACTIVE"
    assert any(e["type"] == "ProductCancelled" for e in customer.get("/me/timeline").json()["items"])
    # Asking twice is refused; cancelling now instead ends it today
    assert customer.post(f"/me/products/{mobile}/cancellation", json={"when": "end_of_period"}).status_code == 409
    now = customer.post(f"/me/products/{mobile}/cancellation", json={"when": "now"})
    assert now.status_code == 201 and now.json()["status"] == "ENDED"
    # And an ended product cannot be changed
    assert customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 3}).status_code == 409


def test_nobody_changes_another_customers_product(cloud, customer, other_customer):
    mobile = give_product(customer, "MOBILE-5GB")
    writes = TableWrites(cloud)
    assert other_customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 1}) \
        .status_code == 404
    assert other_customer.post(f"/me/products/{mobile}/cancellation", json={"when": "now"}).status_code == 404
    assert writes.since() == []


def test_a_deploy_loads_the_catalogue_and_faq_its_version_ships(cloud, anonymous):
    """The ReferenceData custom resource runs at deploy (here: at the local cloud's start), so a
    new stack sells from its first minute; its answer says what it loaded."""
    import json

    from opencounter.overview.reference import CATALOGUE, FAQ

    shipped = json.loads(CATALOGUE.read_text())
    r = cloud.cloud.resolver
    assert r.get_att("ReferenceData", "catalogue_version") == shipped["version"]
    assert r.get_att("ReferenceData", "products") == len(shipped["products"])
    assert r.get_att("ReferenceData", "faq_articles") == len(json.loads(FAQ.read_text())["articles"])
    on_sale = anonymous.get("/products").json()["items"]
    assert {p["code"] for p in on_sale} == {p["code"] for p in shipped["products"]}
    assert anonymous.get("/faq").json()["articles"]


def test_loading_the_same_version_again_changes_nothing(cloud):
    from opencounter.overview.reference import load_reference_data
    from tests.conftest import TableWrites

    first = load_reference_data()
    writes = TableWrites(cloud)
    assert load_reference_data() == first
    changed = [w for w in writes.since() if w["eventName"] != "MODIFY" or
               w["dynamodb"].get("OldImage") != w["dynamodb"].get("NewImage")]
    assert changed == []


def _history(customer, product_id: str) -> list[dict]:
    return [{k: period[k] for k in ("plan_code", "plan", "from", "until", "why", "by")}
            for period in _product(customer, product_id)["history"]]


def test_a_product_starts_its_history_on_the_plan_it_was_signed_up_for(cloud, customer):
    mobile = give_product(customer, "MOBILE-5GB", started_at="2026-03-01")

    assert _history(customer, mobile) == [
        {"plan_code": "MOBILE-5GB", "plan": "5 GB", "from": "2026-03-01", "until": None, "why": "signup", "by": None}]


def test_the_customers_own_change_and_one_by_staff_each_show_in_the_history_with_why(cloud, customer, agent):
    # Given a 5 GB product held since March
    mobile = give_product(customer, "MOBILE-5GB", started_at="2026-03-01")
    today = business_today()
    yesterday = date.fromordinal(today.toordinal() - 1).isoformat()

    # When the customer moves to 20 GB, and later the same day staff move it to unlimited for them
    assert customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 1}).status_code == 200
    by_staff = agent.patch(f"/agent/customers/{customer.customer_id}/products/{mobile}",
                           json={"plan_code": "MOBILE-UNLIMITED", "version": 2})
    assert by_staff.status_code == 200

    # Then the customer reads the plan they started on and the change staff made, by role, newest
    # first (the customer's own change the same day gave way to the one that followed it)
    assert _history(customer, mobile) == [
        {"plan_code": "MOBILE-UNLIMITED", "plan": "Onbeperkt", "from": today.isoformat(), "until": None,
         "why": "staff", "by": "agent"},
        {"plan_code": "MOBILE-5GB", "plan": "5 GB", "from": "2026-03-01", "until": yesterday, "why": "signup",
         "by": None}]
    # And staff read the same history in the 360 view
    staff_view = next(p for p in agent.get(f"/agent/customers/{customer.customer_id}").json()["products"]
                      if p["product_id"] == mobile)
    assert staff_view["history"] == _product(customer, mobile)["history"]
    assert by_staff.json()["history"][0]["why"] == "staff"


def test_a_change_the_customer_makes_shows_as_theirs_and_a_cancellation_closes_the_history(cloud, customer):
    mobile = give_product(customer, "MOBILE-5GB", started_at="2026-03-01")
    changed = customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 1})
    assert changed.status_code == 200
    assert [(p["plan_code"], p["why"], p["by"]) for p in changed.json()["history"]] == [
        ("MOBILE-20GB", "customer", None), ("MOBILE-5GB", "signup", None)]

    customer.post(f"/me/products/{mobile}/cancellation", json={"when": "now"})

    assert _history(customer, mobile)[0]["until"] == business_today().isoformat()


def test_taking_the_plan_the_advice_named_shows_as_advice_followed(cloud, customer):
    # Given a 5 GB customer advised 20 GB after two months over the bundle
    mobile = over_the_bundle_twice(cloud, customer)
    assert any(e["type"] == "BetterPlanAdvised" for e in customer.get("/me/timeline").json()["items"])
    version = _product(customer, mobile)["version"]

    # When they take 20 GB
    response = customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": version})

    # Then the history says they followed the advice
    assert response.status_code == 200
    changed = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "ProductPlanChanged")
    assert (changed["data"]["why"], changed["title"]) == ("advice", "Plan changed on our advice")
    assert _history(customer, mobile)[0] | {"from": None} == {
        "plan_code": "MOBILE-20GB", "plan": "20 GB", "from": None, "until": None, "why": "advice", "by": None}


def test_a_plan_the_advice_did_not_name_is_the_customers_own_choice(cloud, customer):
    mobile = over_the_bundle_twice(cloud, customer)
    version = _product(customer, mobile)["version"]

    customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-UNLIMITED", "version": version})

    assert _history(customer, mobile)[0]["why"] == "customer"


def test_nobody_reads_another_customers_product_history(cloud, customer, other_customer):
    mobile = give_product(customer, "MOBILE-5GB")
    customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 1})

    assert all(p["product_id"] != mobile for p in other_customer.get("/me").json()["products"])
    assert other_customer.get(f"/agent/customers/{customer.customer_id}").status_code == 403
    assert other_customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-5GB", "version": 2}) \
        .status_code == 404
