"""The customer's path from application to an active product: identify online, instant
validation, sign with a one-time code, provisioned and usable at once."""

from __future__ import annotations

import json
import time

import pytest

from infra.local.runtime import STRIPE
from infra.local.sandbox.stripe.wire import signature_header
from tests.conftest import Applicant, TableWrites, unique


def test_an_applicant_is_identified_validated_signed_and_active_at_once(cloud, agent):
    applicant = Applicant(cloud)

    signup = applicant.activate()

    # Then the sign-up shows every step done, and the product is active with its number
    assert signup["status"] == "ACTIVE"
    steps = {s["name"]: s for s in signup["steps"]}
    assert [steps[n]["status"] for n in ("application", "identification", "validation", "signing", "provisioning")] \
        == ["passed"] * 5
    assert steps["provisioning"]["identifier"].startswith("+316")
    # And the evidence of the signature is shown back
    terms = applicant.caller.get("/terms").json()
    evidence = signup["evidence"]
    assert (evidence["terms_version"], evidence["terms_sha256"]) == (terms["version"], terms["sha256"])
    assert evidence["ip"] == "127.0.0.1" and evidence["user_agent"].startswith("python-requests")
    assert evidence["code_check"]["method"] == "email_one_time_code"
    assert evidence["code_check"]["sent_to"] == applicant.email[0] + "***@example.nl"
    # And staff see the customer with the active product, and a welcome on the timeline
    record = agent.get(f"/agent/customers/{signup['customer_id']}").json()
    assert record["personal"]["family_name"] == "Bakker"
    assert [(p["name"], p["status"]) for p in record["products"]] == [("Mobiel abonnement", "ACTIVE")]
    assert [(h["why"], h["until"]) for h in record["products"][0]["history"]] == [("signup", None)]
    assert [(c["channel"], c["purpose"], c["granted"]) for c in record["consents"]] == [("email", "service", True)]
    assert (record["address"]["street"], record["address"]["postcode"]) == ("Kerkstraat", "1017 GB")
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline").json()["items"]
    assert {"Welcome to OpenCounter", "Product activated", "Contract signed"} <= {e["title"] for e in timeline}


def test_a_failed_identity_check_can_be_tried_again(cloud):
    applicant = Applicant(cloud)
    applicant.apply()

    applicant.identify("failed")
    identification = {s["name"]: s for s in applicant.status()["steps"]}["identification"]
    assert identification["status"] == "action_required"
    assert "could not be verified" in identification["reason"]
    assert applicant.status()["next_step"] == "identification"

    applicant.identify("verified")
    assert applicant.status()["status"] == "VALIDATED"


def test_the_sandbox_outcome_follows_the_test_data(cloud):
    applicant = Applicant(cloud, applicant__email=unique("eva+unverified"))
    applicant.apply()
    applicant.identify(outcome=None)
    status = applicant.status()
    assert status["status"] == "IDENTIFYING"
    assert {s["name"]: s["status"] for s in status["steps"]}["identification"] == "action_required"


@pytest.mark.parametrize(("changes", "reasons"), [
    ({"applicant__email": unique("eva+bkr")}, ["the credit bureau reports a negative registration"]),
    ({"applicant__monthly_income_cents": 10000}, ["the plan costs more than 10% of the declared monthly income"]),
    ({"applicant__birth_date": "2012-01-01", "applicant__monthly_income_cents": 1000},
     ["the applicant is younger than 18", "the plan costs more than 10% of the declared monthly income"]),
    ({"applicant__email": "blocked@example.nl"}, ["the e-mail address or phone number is on the blocklist"]),
])
def test_instant_validation_declines_with_every_reason_and_creates_no_customer(cloud, changes, reasons):
    applicant = Applicant(cloud, **changes)
    applicant.apply()
    started = time.perf_counter()
    applicant.identify()
    decided_in = time.perf_counter() - started

    status = applicant.status()
    assert status["status"] == "DECLINED"
    assert {s["name"]: s for s in status["steps"]}["validation"]["reasons"] == reasons
    assert status["customer_id"] is None
    assert applicant.request_code().status_code == 409
    print(f"identified and decided in {decided_in * 1000:.0f} ms")


def _deliver(cloud, event: dict, signature: str | None = None) -> int:
    url = f"{cloud.url}/webhooks/identity"
    return cloud.stripe.deliver(url, STRIPE["identity_webhook_secret"], event, signature=signature)


def _verified_event(cloud, applicant: Applicant) -> dict:
    session = applicant.caller.post(f"{applicant.path}/identification", headers=applicant.headers).json()
    session_id = session["identification"]["session_id"]
    return {"id": "evt_test", "object": "event", "type": "identity.verification_session.verified",
            "data": {"object": {**cloud.stripe.sessions[session_id], "status": "verified"}}, "created": 0}


@pytest.mark.parametrize("forgery", ["wrong secret", "stale", "missing", "tampered"])
def test_a_webhook_with_a_bad_or_stale_signature_gets_400_and_writes_nothing(cloud, forgery):
    applicant = Applicant(cloud)
    applicant.apply()
    event = _verified_event(cloud, applicant)
    payload = json.dumps(event).encode()
    signature = {
        "wrong secret": signature_header(payload, "whsec_someone_else"),
        "stale": signature_header(payload, STRIPE["identity_webhook_secret"], int(time.time()) - 301),
        "missing": "",
        "tampered": signature_header(json.dumps({**event, "type": "x"}).encode(),
                                     STRIPE["identity_webhook_secret"]),
    }[forgery]
    writes = TableWrites(cloud)

    assert _deliver(cloud, event, signature) == 400
    assert writes.since() == []
    assert applicant.status()["status"] == "IDENTIFYING"


def test_the_same_webhook_delivered_ten_times_has_one_effect(cloud):
    applicant = Applicant(cloud)
    applicant.apply()
    event = _verified_event(cloud, applicant)
    writes = TableWrites(cloud)

    statuses = [_deliver(cloud, event) for _ in range(10)]

    assert statuses == [200] * 10
    signup_writes = [r for r in writes.since() if r["dynamodb"]["NewImage"].get("entity", {}).get("S") == "Signup"]
    assert len(signup_writes) == 1
    assert applicant.status()["status"] == "VALIDATED"


def test_a_webhook_about_an_unknown_sign_up_is_acknowledged_and_ignored(cloud):
    event = {"id": "evt_x", "object": "event", "type": "identity.verification_session.verified",
             "data": {"object": {"id": "vs_unknown", "metadata": {"signup_id": "nobody"}}}, "created": 0}
    writes = TableWrites(cloud)
    assert _deliver(cloud, event) == 200
    assert writes.since() == []


def test_a_wrong_code_signs_nothing_and_five_wrong_codes_need_a_new_one(cloud):
    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    applicant.request_code()
    right = applicant.last_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    for _ in range(5):
        response = applicant.sign(wrong)
        assert response.status_code == 400 and response.json()["field"] == "code"
    blocked = applicant.sign(right)
    assert blocked.status_code == 409 and "too many" in blocked.json()["message"]
    assert applicant.status()["status"] == "VALIDATED"

    applicant.request_code()
    assert applicant.sign().status_code == 200


def test_signing_other_terms_than_those_in_force_is_refused(cloud):
    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    applicant.request_code()
    response = applicant.sign(terms_sha256="0" * 64)
    assert response.status_code == 409 and response.json()["field"] == "terms_sha256"


def test_steps_cannot_be_skipped_or_repeated(cloud):
    applicant = Applicant(cloud)
    applicant.apply()
    assert applicant.request_code().status_code == 409  # not identified yet
    applicant.identify()
    applicant.request_code()
    assert applicant.sign().status_code == 200
    again = applicant.sign("123456")
    assert again.status_code == 409 and again.json()["field"] == "status"
    assert applicant.caller.post(f"{applicant.path}/identification", headers=applicant.headers).status_code == 409


def test_the_signed_in_customer_follows_their_sign_up(cloud):
    from infra.local.tokens import User
    from tests.conftest import Caller

    signup = Applicant(cloud).activate()
    user = User("eva-signed-in@example.nl", "pw", ("customers",), signup["customer_id"])
    mine = Caller(cloud.url, cloud.issuer.id_token(user)).get(f"/me/signups/{signup['signup_id']}")
    assert mine.status_code == 200 and mine.json()["evidence"] == signup["evidence"]


def test_the_customers_history_starts_with_their_application(cloud, agent):
    signup = Applicant(cloud).activate()
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline", params={"limit": 100}).json()["items"]
    titles = [e["title"] for e in reversed(timeline)]  # oldest first
    assert titles[:2] == ["Sign-up started", "Identity verified"]
    assert {"Contract signed", "Welcome to OpenCounter", "Product activated"} <= set(titles)
    # a redelivered activation copies nothing twice
    before = len(timeline)
    activated = next(e for e in timeline if e["type"] == "SignupActivated")
    event = {"version": "0", "id": "x", "detail-type": "SignupActivated", "source": "opencounter",
             "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "eu-west-1", "resources": [],
             "detail": {"event_id": activated["event_id"], "occurred_at": activated["occurred_at"],
                        "customer_id": signup["customer_id"], "signup_id": signup["signup_id"],
                        "actor": activated["actor"], "channel": activated["channel"], "data": activated["data"]}}
    assert cloud.cloud.invoke("TimelineWriterFunction", event) == {"stored": False}
    after = agent.get(f"/agent/customers/{signup['customer_id']}/timeline", params={"limit": 100}).json()["items"]
    assert len(after) == before
