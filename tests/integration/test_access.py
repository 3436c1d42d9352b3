"""Every route checks who is calling: no token no entry, a customer only ever reaches their own
record, staff routes are for staff only."""

from __future__ import annotations

import time
from datetime import date, timedelta

import jwt
import pytest

from infra.local.tokens import TokenIssuer, User
from tests.conftest import Caller, TableWrites

CUSTOMER_ROUTES = [("GET", "/me"), ("PATCH", "/me"), ("POST", "/me/moves"), ("GET", "/me/timeline")]
AGENT_ROUTES = [("GET", "/agent/customers?email={email}"), ("GET", "/agent/customers/{id}"),
                ("PATCH", "/agent/customers/{id}"), ("POST", "/agent/customers/{id}/moves"),
                ("GET", "/agent/customers/{id}/timeline")]
MOVE = {"street": "Vondelstraat", "house_number": 3, "postcode": "1054 GA", "city": "Amsterdam",
        "move_date": (date.today() + timedelta(days=30)).isoformat()}


def _body(method: str, path: str) -> dict | None:
    if method == "PATCH":
        return {"version": 1, "settings": {"language": "en"}}
    if method == "POST":
        return MOVE
    return None


def _fill(path: str, caller: Caller) -> str:
    return path.format(id=caller.customer_id, email=f"x{caller.customer_id}@example.nl")


@pytest.mark.parametrize(("method", "path"), CUSTOMER_ROUTES + AGENT_ROUTES)
def test_without_a_token_every_route_answers_401(cloud, anonymous, customer, method, path):
    response = anonymous.request(method, _fill(path, customer), json=_body(method, path))
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("forge", ["other key", "expired", "wrong audience", "garbage", "access token"])
def test_a_forged_or_expired_token_is_refused(cloud, customer, forge):
    user = User("mallory@example.nl", "x", ("customers",), customer.customer_id)
    if forge == "other key":
        token = TokenIssuer("eu-west-1", "eu-west-1_local", "local-web-client").id_token(user)
    elif forge == "expired":
        token = cloud.issuer.id_token(user, lifetime_s=-10)
    elif forge == "wrong audience":
        claims = jwt.decode(cloud.issuer.id_token(user), options={"verify_signature": False})
        token = jwt.encode({**claims, "aud": "another-client"}, cloud.issuer._key, algorithm="RS256",
                           headers={"kid": cloud.issuer.key_id})
    elif forge == "access token":
        claims = jwt.decode(cloud.issuer.id_token(user), options={"verify_signature": False})
        token = jwt.encode({**claims, "token_use": "access", "exp": int(time.time()) + 60}, cloud.issuer._key,
                           algorithm="RS256", headers={"kid": cloud.issuer.key_id})
    else:
        token = "eyJhbGciOiJub25lIn0.e30."
    response = Caller(cloud.url, token).get("/me")
    assert response.status_code == 401


def test_the_bearer_prefix_is_accepted(cloud, customer):
    token = customer.session.headers["Authorization"]
    assert Caller(cloud.url, f"Bearer {token}").get("/me").status_code == 200


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_a_customer_never_reaches_another_customers_record_through_staff_routes(
        cloud, customer, other_customer, method, path):
    # Given B's record as it is
    writes = TableWrites(cloud)

    # When A calls a staff route about B
    response = customer.request(method, _fill(path, other_customer), json=_body(method, path))

    # Then A is refused, and nothing about B changed
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert writes.since() == []


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
    assert newest["channel"] == "agent" and newest["actor"]["type"] == "agent"
    assert agent.get(f"/agent/customers/{customer.customer_id}/timeline").json()["items"][0] == newest


def test_an_agent_finds_a_customer_by_email(cloud, agent):
    found = agent.get("/agent/customers?email=Sanne@Example.nl").json()["items"]
    assert [c["name"] for c in found] == ["Sanne de Vries"]
    assert agent.get("/agent/customers").status_code == 400


def test_an_unknown_customer_is_404_for_staff(cloud, agent):
    response = agent.get("/agent/customers/no-such-customer")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/me"), ("PUT", "/me/moves")])
def test_a_route_the_api_does_not_have_gets_403_as_from_api_gateway(cloud, customer, method, path):
    response = customer.request(method, path)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_a_function_that_crashes_gives_502_as_from_api_gateway(cloud, customer, faults):
    faults["CustomerProfileFunction"] = lambda _event: 1 / 0
    response = customer.get("/me")
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_the_local_mailbox_shows_what_ses_sent(cloud):
    from tests.conftest import Applicant

    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    applicant.request_code()
    box = Caller(cloud.url, None).get("/local/mailbox", params={"to": applicant.email}).json()
    assert [m["subject"] for m in box["messages"]] == ["Your signing code"]
