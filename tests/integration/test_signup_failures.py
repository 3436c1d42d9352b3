"""A process dying at every step of the customer's sign-up path: before its work (nothing
written), or after its work but before it answered (the retry must not do anything twice). Each
ends in a consistent sign-up, with one customer and one product at most."""

from __future__ import annotations

import json

import pytest

from infra.local.applicant import with_window
from infra.local.runtime import STRIPE
from tests.conftest import Applicant, TableWrites, crash_times


def _created(writes: TableWrites, entity: str) -> list[dict]:
    return [r for r in writes.since() if r["eventName"] == "INSERT"
            and r["dynamodb"]["NewImage"].get("entity", {}).get("S") == entity]


@pytest.mark.parametrize("after_work", [False, True], ids=["dies-before", "dies-after"])
def test_applying(cloud, faults, after_work):
    faults["SignupFunction"] = crash_times(1, after_work=after_work)
    applicant = Applicant(cloud)
    writes = TableWrites(cloud)
    key = {"Idempotency-Key": "apply-once-" + applicant.email}
    body = with_window(applicant.caller.get, applicant.body)

    first = applicant.caller.post("/signups", json=body, headers=key)
    assert first.status_code == 502
    retry = applicant.caller.post("/signups", json=body, headers=key)

    # the retry with the same key gives one sign-up, whether the first attempt wrote it or not
    assert retry.status_code == 201
    assert len(_created(writes, "Signup")) == 1


@pytest.mark.parametrize("after_work", [False, True], ids=["dies-before", "dies-after"])
def test_starting_the_identity_check(cloud, faults, after_work):
    applicant = Applicant(cloud)
    applicant.apply()
    faults["SignupFunction"] = crash_times(1, after_work=after_work)
    assert applicant.caller.post(f"{applicant.path}/identification", headers=applicant.headers).status_code == 502

    applicant.identify()  # the applicant tries again

    assert applicant.status()["status"] == "VALIDATED"


@pytest.mark.parametrize("after_work", [False, True], ids=["dies-before", "dies-after"])
def test_receiving_the_identity_result(cloud, faults, after_work):
    applicant = Applicant(cloud)
    applicant.apply()
    started = applicant.caller.post(f"{applicant.path}/identification", headers=applicant.headers).json()
    faults["IdentityWebhookFunction"] = crash_times(1, after_work=after_work)
    writes = TableWrites(cloud)

    event = cloud.stripe.complete_identity(started["identification"]["session_id"], "verified")
    assert cloud.stripe.deliveries[-1]["status"] == 502
    # Stripe delivers the same event again
    redelivered = cloud.stripe.deliver(f"{cloud.url}/webhooks/identity",
                                       STRIPE["identity_webhook_secret"], event)

    assert redelivered == 200
    assert applicant.status()["status"] == "VALIDATED"
    identified = [r for r in writes.since() if r["dynamodb"].get("NewImage", {}).get("detail_type", {}).get("S")
                  == "CustomerIdentified"]
    assert len(identified) == 1


@pytest.mark.parametrize("after_work", [False, True], ids=["dies-before", "dies-after"])
def test_sending_the_signing_code(cloud, faults, after_work):
    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    faults["SignupFunction"] = crash_times(1, after_work=after_work)
    assert applicant.request_code().status_code == 502

    assert applicant.request_code().status_code == 201
    assert applicant.sign().status_code == 200


@pytest.mark.parametrize("after_work", [False, True], ids=["dies-before", "dies-after"])
def test_signing_and_provisioning(cloud, faults, after_work):
    applicant = Applicant(cloud)
    applicant.apply()
    applicant.identify()
    applicant.request_code()
    code = applicant.last_code()
    faults["SignupFunction"] = crash_times(1, after_work=after_work)
    writes = TableWrites(cloud)

    assert applicant.sign(code).status_code == 502
    retry = applicant.sign(code)

    if after_work:
        # the first attempt did it all; the retry is told so, and nothing happens twice
        assert retry.status_code == 409 and retry.json()["field"] == "status"
    else:
        assert retry.status_code == 200
    status = applicant.status()
    assert status["status"] == "VERIFIED"
    assert len(_created(writes, "CustomerProfile")) == 1
    assert len(_created(writes, "ProductHolding")) == 1
    activations = [r for r in writes.since() if r["dynamodb"].get("NewImage", {}).get("detail_type", {}).get("S")
                   == "SignupActivated"]
    assert len(activations) == 1
    assert json.loads(activations[0]["dynamodb"]["NewImage"]["detail"]["S"])["signup_id"] == status["signup_id"]


def test_in_production_no_sign_up_goes_through_on_test_data(cloud, monkeypatch):
    from opencounter.core.settings import settings

    # Given the production stage with the local cloud's test-mode Stripe key and stand-in
    applicant = Applicant(cloud)
    assert applicant.apply().status_code == 201
    monkeypatch.setenv("STAGE", "prod")
    settings.cache_clear()
    try:
        writes = TableWrites(cloud)
        # When the applicant goes on to identify, Then we cannot take it now, and nothing changes
        answer = applicant.identify()
        assert answer.status_code == 503 and answer.json()["reason"] == "not_configured", answer.text
        assert writes.since() == []
    finally:
        monkeypatch.undo()
        settings.cache_clear()
