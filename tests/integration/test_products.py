"""Changing a product yourself: another plan at once (prorated), or a cancellation now or at the
end of the month; stale versions, unknown plans and other people's products are refused."""

from __future__ import annotations

import pytest

from tests.conftest import TableWrites, give_product


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
