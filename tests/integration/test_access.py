"""Every route checks who is calling: no token no entry, a customer only ever reaches their own
record, staff routes are for staff only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from infra.local.template import Route, api_routes, load_template
from opencounter.core.clock import business_today
from tests.conftest import Caller, TableWrites

MOVE = {"street": "Vondelstraat", "house_number": 3, "postcode": "1054 GA", "city": "Amsterdam",
        "move_date": (business_today() + timedelta(days=30)).isoformat()}


#: every route of the template, by who may call it
ROUTES = api_routes(load_template())
STAFF_ROUTES = [r for r in ROUTES if r.resource.startswith("/agent/")]
OWN_ROUTES = [r for r in ROUTES if r.resource == "/me" or r.resource.startswith("/me/")]
PRIVACY_ROUTES = [r for r in ROUTES if r.resource.startswith("/privacy/")]


def _path_to(route: Route, customer: Caller) -> str:
    """The route's path with every parameter filled in (a customer's id where one is asked)."""
    return re.sub(r"\{(\w+)\+?\}", lambda m: customer.customer_id if m.group(1) == "customer_id" else "x-1",
                  route.resource)


def test_the_routes_are_all_either_public_staff_or_a_customers_own():
    assert len(STAFF_ROUTES) >= 19 and len(OWN_ROUTES) >= 24
    assert all(r.authorized for r in STAFF_ROUTES + OWN_ROUTES)
    # what is left is public (sign-up, the shop window, service information) or a provider's webhook
    assert PRIVACY_ROUTES and all(r.authorized for r in PRIVACY_ROUTES)
    public = [r.resource for r in ROUTES if r not in STAFF_ROUTES + OWN_ROUTES + PRIVACY_ROUTES]
    assert all(p.startswith(("/signups", "/products", "/terms", "/channels", "/faq", "/appointments/slots",
                             "/appointments/pickup-points", "/outages",
                             "/webhooks/")) for p in public)


@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda r: f"{r.method} {r.resource}")
def test_a_customer_gets_403_on_every_staff_route_before_anything_is_read(cloud, customer, other_customer, route):
    # Given B's record as it is
    writes = TableWrites(cloud)

    # When A calls a staff route about B, with a body that is not even JSON
    response = customer.request(route.method, _path_to(route, other_customer), data=b"{not json")

    # Then A is refused before the body is read, and nothing about B changed
    assert response.status_code == 403, response.text
    assert response.json() == {"code": "forbidden", "reason": "staff_only", "message": "this route is for staff"}
    assert writes.since() == []


@pytest.mark.parametrize("route", PRIVACY_ROUTES, ids=lambda r: f"{r.method} {r.resource}")
def test_customers_and_agents_get_403_on_every_privacy_officers_route(cloud, customer, agent, route):
    writes = TableWrites(cloud)
    for caller in (customer, agent):
        response = caller.request(route.method, _path_to(route, customer), data=b"{not json")
        assert response.status_code == 403, response.text
        assert response.json() == {"code": "forbidden", "reason": "privacy_officers_only",
                                   "message": "this route is for privacy officers"}
    assert writes.since() == []


@pytest.mark.parametrize("route", OWN_ROUTES, ids=lambda r: f"{r.method} {r.resource}")
def test_staff_get_403_on_every_customers_own_route(cloud, agent, customer, route):
    writes = TableWrites(cloud)
    response = agent.request(route.method, _path_to(route, customer), data=b"{not json")
    assert response.status_code == 403, response.text
    assert response.json() == {"code": "forbidden", "reason": "customers_only",
                               "message": "this route is for customers"}
    assert writes.since() == []


@pytest.mark.parametrize("route", [r for r in ROUTES if r.authorized], ids=lambda r: f"{r.method} {r.resource}")
def test_every_route_behind_the_authorizer_answers_401_without_a_token(cloud, anonymous, customer, route):
    response = anonymous.request(route.method, _path_to(route, customer), json={})
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "reason": "not_signed_in", "message": "sign in first"}


def test_customer_routes_only_ever_act_on_the_callers_own_record(cloud, customer, other_customer):
    # When A changes "their" record and registers a move
    assert customer.patch("/me", json={"version": 1, "settings": {"language": "en"}}).status_code == 200
    assert customer.post("/me/moves", json=MOVE).status_code == 201

    # Then B's record and timeline are untouched
    theirs = other_customer.get("/me").json()
    assert theirs["version"] == 1 and theirs["settings"]["language"] == "nl" and theirs["upcoming_moves"] == []
    assert [e["type"] for e in other_customer.get("/me/timeline").json()["items"]] == ["CustomerRegistered"]


def test_a_path_customer_id_cannot_steer_a_customer_route(cloud, customer, other_customer):
    # /me has no id to tamper with; an id in the query string is ignored
    record = customer.get(f"/me?customer_id={other_customer.customer_id}").json()
    assert record["customer_id"] == customer.customer_id


def test_staff_without_a_customer_record_cannot_use_customer_routes(cloud, agent):
    response = agent.get("/me")
    assert response.status_code == 403


def test_an_agent_sees_the_same_record_the_customer_sees(cloud, customer, agent):
    mine = customer.get("/me").json()
    theirs = agent.get(f"/agent/customers/{customer.customer_id}").json()
    # the staff view is the same record, with the rest of the 360-degree view around it
    assert {k: v for k, v in theirs.items() if k in mine} == mine


def test_an_agent_change_is_recorded_as_the_agents(cloud, customer, agent):
    response = agent.patch(f"/agent/customers/{customer.customer_id}",
                           json={"version": 1, "contact": {"phone": "+31201234567"}})
    assert response.status_code == 200
    assert customer.get("/me").json()["contact"]["phone"] == "+31201234567"
    newest = customer.get("/me/timeline").json()["items"][0]
    assert newest["channel"] == "agent" and newest["actor"] == {"type": "agent", "role": "agent"}
    # staff read the same entry, and which of them it was
    theirs = agent.get(f"/agent/customers/{customer.customer_id}/timeline").json()["items"][0]
    assert {**theirs, "actor": newest["actor"]} == newest and theirs["actor"]["id"] == agent.email


def test_an_agent_finds_a_customer_by_email(cloud, agent):
    found = agent.post("/agent/customers/search", json={"query": "Sanne@Example.nl"}).json()["items"]
    assert [c["name"] for c in found] == ["Sanne de Vries"]
    assert agent.post("/agent/customers/search", json={}).status_code == 400


def test_an_unknown_customer_is_404_for_staff(cloud, agent):
    response = agent.get("/agent/customers/no-such-customer")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("path", "field"), [
    ("/agent/customers/%0A/timeline", "customer_id"),  # a character the function's router does not route
    ("/agent/customers/a%20b", "customer_id"), ("/agent/customers/x/invoices/%C3%8F", "invoice_id"),
    ("/agent/channels/ph%01one/staffing", "channel"),
])
def test_a_path_parameter_that_is_no_id_is_refused_naming_it(cloud, agent, customer, path, field):
    method = "PUT" if path.endswith("/staffing") else "GET"
    response = agent.request(method, path, json={"agents": 3} if method == "PUT" else None)
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["reason"]) == (field, "field_format")
    # who may call is asked first: a customer learns nothing about the path
    assert customer.request(method, path).status_code == 403


@pytest.mark.parametrize(("caller", "path", "field"), [
    ("agent", "/agent/queue?channel=", "channel"), ("agent", "/agent/contacts/c-1?customer_id=", "customer_id"),
    ("agent", "/agent/signups?resume_code=", "resume_code"), ("customer", "/me/timeline?cursor=", "cursor"),
    ("agent", "/agent/contacts/c-1?customer_id=a%0Ab", "customer_id"),
])
def test_a_query_parameter_given_empty_or_not_text_is_refused_not_left_out(cloud, agent, customer, caller, path,
                                                                            field):
    response = {"agent": agent, "customer": customer}[caller].get(path)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/me"), ("PUT", "/me/moves")])
def test_a_route_the_api_does_not_have_is_a_404_in_the_apis_own_shape(cloud, customer, method, path):
    response = customer.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "reason": "route_not_found", "message": "no such route"}


def test_a_function_that_crashes_gives_502_in_the_apis_own_shape(cloud, customer, faults):
    faults["CustomerProfileFunction"] = lambda _event: 1 / 0
    response = customer.get("/me")
    assert response.status_code == 502
    body = response.json()
    assert (body["code"], body["reason"]) == ("internal_error", "server_error")
    assert body["message"].startswith("something went wrong on our side; quote request ")


def test_the_local_mailbox_shows_what_ses_sent(cloud):
    from tests.conftest import Applicant

    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    applicant.request_code()
    box = Caller(cloud.url, None).get("/local/mailbox", params={"to": applicant.email}).json()
    assert [m["subject"] for m in box["messages"]] == ["Your signing code"]
