"""Retention through the local cloud: what the workflows write in a final state carries its moment
to be forgotten (the rest: tests/unit/test_retention.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from opencounter.core.retention import moment
from tests.conftest import Applicant, TableWrites, run_billing, unique, verified_phone


def _expires(image: dict) -> datetime | None:
    """An item's expires_at, as the stream carries its new image."""
    raw = image.get("expires_at", {}).get("N")
    return datetime.fromtimestamp(int(raw), UTC) if raw else None


def _near(found: datetime | None, wanted: datetime, seconds: float = 120) -> bool:
    return found is not None and abs((found - wanted).total_seconds()) <= seconds


# ---------------------------------------------------------------- what workflows write


def test_a_sign_up_rolled_back_is_forgotten_with_its_evidence_and_why(cloud):
    writes = TableWrites(cloud)
    applicant = Applicant(cloud, applicant__email=unique("eva+docfail"))
    applicant.activate()
    assert applicant.status()["status"] == "ROLLED_BACK"

    signups = writes.items("Signup")
    assert any(s["status"]["S"] == "ACTIVE" and _expires(s) is None for s in signups)  # signed: kept
    rolled = next(s for s in signups if s["status"]["S"] == "ROLLED_BACK")
    decided = moment(json.loads(rolled["steps"]["S"])["verification"]["at"])
    forgotten = decided + timedelta(days=90)
    assert _near(_expires(rolled), forgotten, 2)
    [audit] = writes.items("RollbackAudit")
    assert _near(_expires(audit), forgotten, 2)
    evidence = [r["dynamodb"]["NewImage"] for r in writes.since()
                if r["dynamodb"].get("NewImage", {}).get("SK", {}).get("S") == "EVIDENCE#SIGNATURE"]
    assert _expires(evidence[0]) is None and _near(_expires(evidence[-1]), forgotten, 2)
    # the customer record the sign-up made is the customer's: kept with it, erased with it
    assert all(_expires(p) is None for p in writes.items("CustomerProfile"))


def test_a_billing_runs_own_bookkeeping_is_forgotten_a_few_weeks_after_the_run(cloud):
    writes = TableWrites(cloud)
    run_billing(cloud, "2024-01")  # a month nobody held a product in: the run's own writes only
    in_35_days = datetime.now(UTC) + timedelta(days=35)
    for kind in ("BillingRun", "BillingSliceTotals", "BillingSlicesDone", "BillingPage"):
        found = writes.items(kind)
        assert found and all(_near(_expires(i), in_35_days) for i in found), kind


def test_the_codes_that_prove_and_sign_are_forgotten_within_minutes(cloud, customer):
    writes = TableWrites(cloud)
    verified_phone(customer)
    [code] = writes.items("ContactCode")
    assert _near(_expires(code), datetime.now(UTC) + timedelta(minutes=10))

    slots = customer.get("/appointments/slots", params={"postcode": "1012 LG", "kind": "delivery"}).json()
    window = next(w for d in slots["days"] for w in d["slots"])
    order = customer.post("/me/products", json={"product_code": "MOBILE", "plan_code": "MOBILE-20GB",
                                                "slot": window["start"]})
    assert order.status_code == 201, order.text
    [placed] = writes.items("Order")
    assert _near(_expires(placed), datetime.now(UTC) + timedelta(days=30))
    assert customer.post(f"/me/orders/{order.json()['order_id']}/signature-code").status_code == 201
    [signing] = writes.items("SigningCode")
    assert _near(_expires(signing), datetime.now(UTC) + timedelta(minutes=10))


def test_a_providers_event_is_recognised_for_a_week(cloud):
    writes = TableWrites(cloud)
    assert cloud.channels.sandbox.whatsapp("31655501234", "Mijn factuur klopt niet") == 200
    receipts = writes.items("ProviderEventReceipt")
    assert receipts and all(_near(_expires(r), datetime.now(UTC) + timedelta(days=7)) for r in receipts)
