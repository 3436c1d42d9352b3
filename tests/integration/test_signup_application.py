"""Applying online (POST /signups) and continuing the same sign-up on another channel."""

from __future__ import annotations

import re
import uuid

import pytest

from infra.local.applicant import application, with_window
from tests.conftest import Caller, TableWrites


def _application(caller: Caller, **changes) -> dict:
    """An application with the first window free for its product's delivery, as the web shop sends it."""
    return with_window(caller.get, application(**changes))


def test_the_catalogue_is_public_and_shows_every_plan(cloud, anonymous):
    response = anonymous.get("/products")
    assert response.status_code == 200
    products = {p["code"]: p for p in response.json()["items"]}
    assert set(products) == {"MOBILE", "FIBRE", "POWER"}
    assert [p["code"] for p in products["MOBILE"]["plans"]] == ["MOBILE-5GB", "MOBILE-20GB", "MOBILE-UNLIMITED"]
    assert all(p["catalogue_version"] == "2026-11-01" for p in products.values())
    # what reaches the customer how: fibre is connected by an engineer, the smart meter placed by an installer
    assert {code: p["fulfilment"]["kind"] for code, p in products.items()} == {
        "MOBILE": "delivery", "FIBRE": "engineer_visit", "POWER": "installer_visit"}


def test_an_application_returns_a_sign_up_and_a_resume_code(cloud, anonymous):
    writes = TableWrites(cloud)

    response = anonymous.post("/signups", json=_application(anonymous))

    assert response.status_code == 201
    signup = response.json()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", signup["resume_code"])
    assert signup["status"] == "APPLIED"
    assert [(s["name"], s["status"]) for s in signup["steps"]] == [
        ("application", "passed"), ("identification", "pending"), ("validation", "pending"),
        ("signing", "pending"), ("provisioning", "pending"), ("verification", "pending")]
    assert signup["next_step"] == "identification"
    assert signup["product"] == {"code": "MOBILE", "name": "Mobiel abonnement", "plan_code": "MOBILE-20GB",
                                 "plan": "20 GB", "monthly_fee_cents": 1950, "catalogue_version": "2026-11-01"}
    # the sign-up, its resume code and its SignupStarted event were written, and the event went on
    # the sign-up's own timeline (it joins the customer's when there is one); nothing else
    entities = sorted(r["dynamodb"]["NewImage"]["entity"]["S"] for r in writes.since())
    assert entities == ["OutboxEvent", "ResumeCode", "Signup", "TimelineEntry"]
    # and the code is not stored as such
    assert signup["resume_code"].replace("-", "") not in str(writes.since())


def test_the_same_idempotency_key_returns_the_same_sign_up_and_creates_nothing_more(cloud, anonymous):
    body, key = _application(anonymous), str(uuid.uuid4())
    first = anonymous.post("/signups", json=body, headers={"Idempotency-Key": key})
    writes = TableWrites(cloud)

    again = [anonymous.post("/signups", json=body, headers={"Idempotency-Key": key}) for _ in range(3)]

    assert [r.status_code for r in again] == [201, 201, 201]
    assert all(r.json() == first.json() for r in again)
    assert [r for r in writes.since() if r["dynamodb"].get("NewImage", {}).get("entity", {}).get("S")] == []


def test_an_idempotency_key_reused_for_another_application_is_refused(cloud, anonymous):
    key = str(uuid.uuid4())
    anonymous.post("/signups", json=_application(anonymous), headers={"Idempotency-Key": key})
    writes = TableWrites(cloud)
    response = anonymous.post("/signups", json=_application(anonymous, plan_code="MOBILE-5GB"),
                              headers={"Idempotency-Key": key})
    assert response.status_code == 409
    assert response.json()["field"] == "Idempotency-Key"
    assert [r for r in writes.since() if "Signup" in str(r)] == []


@pytest.mark.parametrize(("changes", "field"), [
    ({"privacy_statement_accepted": False}, "privacy_statement_accepted"),
    ({"privacy_statement_accepted": KeyError}, "privacy_statement_accepted"),
    ({"applicant__birth_date": "1992-13-01"}, "applicant.birth_date"),
    ({"applicant__birth_date": "17-05-1992"}, "applicant.birth_date"),
    ({"applicant__birth_date": "2099-01-01"}, "applicant.birth_date"),
    ({"applicant__birth_date": "1850-01-01"}, "applicant.birth_date"),
    ({"applicant__birth_date": 19920517}, "applicant.birth_date"),
    ({"plan_code": "MOBILE-1TB"}, "plan_code"),
    ({"product_code": "TELEVISION"}, "product_code"),
    ({"applicant__address__postcode": "0000 AA"}, "applicant.address.postcode"),
    ({"applicant__monthly_income_cents": -5}, "applicant.monthly_income_cents"),
    ({"applicant__email": KeyError}, "applicant.email"),
    ({"applicant__nickname": "Evi"}, "applicant.nickname"),
    ({"consents": [{"channel": "email", "purpose": "spam", "granted": True}]}, "consents.0.purpose"),
])
def test_an_invalid_application_is_refused_naming_the_field_and_creates_nothing(cloud, anonymous, changes, field):
    writes = TableWrites(cloud)
    response = anonymous.post("/signups", json=application(**changes))
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert writes.since() == []


def test_a_sign_up_continues_on_another_channel_with_its_resume_code(cloud, anonymous, agent):
    started = anonymous.post("/signups", json=_application(anonymous)).json()
    code = started["resume_code"]

    # the app, with only the code (typed in any case, with or without the dash)
    resumed = anonymous.post("/signups/resume", json={"resume_code": code.lower().replace("-", "")})
    assert resumed.status_code == 200
    assert resumed.json()["signup_id"] == started["signup_id"]
    # the web, with the id and the code
    seen = anonymous.get(f"/signups/{started['signup_id']}", headers={"Resume-Code": code})
    assert seen.status_code == 200 and seen.json()["next_step"] == "identification"
    # an agent at the counter or on the phone, with the code the customer reads out
    at_counter = agent.get("/agent/signups", params={"resume_code": code})
    assert at_counter.json()["signup_id"] == started["signup_id"]
    assert agent.get(f"/agent/signups/{started['signup_id']}").json()["steps"] == seen.json()["steps"]


@pytest.mark.parametrize("code", [None, "", "AAAA-AAAA"])
def test_without_the_right_resume_code_a_sign_up_is_not_found(cloud, anonymous, code):
    started = anonymous.post("/signups", json=_application(anonymous)).json()
    headers = {} if code is None else {"Resume-Code": code}
    response = anonymous.get(f"/signups/{started['signup_id']}", headers=headers)
    assert response.status_code == 404
    assert anonymous.get("/signups/no-such-id", headers={"Resume-Code": started["resume_code"]}).status_code == 404


def test_an_unknown_resume_code_is_named(cloud, anonymous):
    response = anonymous.post("/signups/resume", json={"resume_code": "ZZZZ-ZZZZ"})
    assert response.status_code == 404
    assert response.json()["field"] == "resume_code"


def test_a_customer_sees_no_sign_up_that_is_not_theirs_and_staff_routes_stay_closed(cloud, anonymous, customer):
    started = anonymous.post("/signups", json=_application(anonymous)).json()
    assert customer.get(f"/me/signups/{started['signup_id']}").status_code == 404
    assert customer.get(f"/agent/signups/{started['signup_id']}").status_code == 403
    assert customer.get("/agent/signups", params={"resume_code": started["resume_code"]}).status_code == 403
    assert anonymous.get(f"/me/signups/{started['signup_id']}").status_code == 401
