"""Retention through the local cloud: what the workflows write in a final state carries its moment
to be forgotten (the rest: tests/unit/test_retention.py), and the daily sweep deletes a decided
dispute's evidence files once they are due, never before, never an appealed dispute's, and
finishes what a run that died halfway left."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from opencounter.core.clock import business_today
from opencounter.core.retention import moment, years_after
from tests.conftest import Applicant, TableWrites, bill, give_product, run_billing, unique, verified_phone
from tests.integration.test_disputes import PDF, _ask, _check, _dispute, _read, _stored, _upload


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


# ---------------------------------------------------------------- the sweep


@pytest.fixture
def invoice(cloud, customer) -> dict:
    give_product(customer, "FIBRE-100")
    return bill(cloud, customer)


def _with_a_file(customer, invoice: dict) -> dict:
    """A dispute waiting for staff, with an accepted PDF."""
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    link = _ask(customer, dispute, "bon.pdf", "application/pdf", len(PDF)).json()
    assert _upload(link, PDF).status_code == 204
    assert _check(customer, dispute, link).json()["status"] == "accepted"
    return _read(customer, dispute)


def _reject(cloud, agent, dispute: dict) -> dict:
    assert agent.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "rejected", "reasons": "De monteur is geweest.", "version": dispute["version"]}).status_code == 202
    cloud.cloud.settle()
    return dispute


def _sweep(cloud, monkeypatch, day: date) -> dict:
    monkeypatch.setattr("opencounter.privacy.sweep.business_today", lambda: day)
    return cloud.cloud.invoke("RetentionSweepFunction", {})


def _due(customer, dispute: dict) -> date:
    decided = _read(customer, dispute)
    assert decided["status"] == "rejected"
    return years_after(decided["expected_decision_on"], 2).date()


def test_a_decided_disputes_files_are_deleted_when_due_and_the_decision_stays(cloud, customer, invoice, agent,
                                                                              monkeypatch):
    dispute = _reject(cloud, agent, _with_a_file(customer, invoice))
    [kept] = _stored(cloud, dispute)
    due = _due(customer, dispute)

    # Not yet due: the files stay, and the day before they are due too
    assert _sweep(cloud, monkeypatch, business_today())["DisputeEvidence"].get("forgotten", 0) == 0
    assert _sweep(cloud, monkeypatch, due - timedelta(days=1))["DisputeEvidence"].get("forgotten", 0) == 0
    assert _stored(cloud, dispute) == [kept]

    # Due: the file is gone from the store and from the dispute; the decision and its reasons stay
    assert _sweep(cloud, monkeypatch, due)["DisputeEvidence"]["forgotten"] >= 1
    assert _stored(cloud, dispute) == []
    after = _read(customer, dispute)
    assert after["evidence"] == [] and after["status"] == "rejected"
    assert after["decision"]["reasons"] == "De monteur is geweest."
    evidence_id = kept.rsplit("/", 1)[1]
    link = customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}")
    assert link.status_code == 404 and link.json()["reason"] == "evidence_not_found"
    # and it is off the sweep's list: the next run finds nothing of it
    assert _sweep(cloud, monkeypatch, due + timedelta(days=1))["DisputeEvidence"].get("forgotten", 0) == 0


def test_an_appealed_dispute_keeps_its_files(cloud, customer, invoice, agent, monkeypatch):
    dispute = _reject(cloud, agent, _with_a_file(customer, invoice))
    due = _due(customer, dispute)
    appealed = customer.post(f"/me/disputes/{dispute['dispute_id']}/appeal", json={"explanation": "Zie de bon."})
    assert appealed.status_code == 202

    _sweep(cloud, monkeypatch, due + timedelta(days=365))
    assert len(_stored(cloud, dispute)) == 1 and len(_read(customer, dispute)["evidence"]) == 1


def test_a_sweep_that_dies_halfway_is_finished_by_the_next(cloud, customer, invoice, agent, monkeypatch):
    from opencounter.disputes.records import DisputeEvidence

    dispute = _reject(cloud, agent, _with_a_file(customer, invoice))
    due = _due(customer, dispute)
    # the files are deleted, then the process dies before their list is
    real_delete = DisputeEvidence.delete

    def dies(self, *args, **kwargs):
        raise RuntimeError("the process died")
    monkeypatch.setattr(DisputeEvidence, "delete", dies)
    from infra.local.lambdas import FunctionCrashed

    with pytest.raises(FunctionCrashed, match="SweepIncomplete"):
        _sweep(cloud, monkeypatch, due)
    assert _stored(cloud, dispute) == []
    monkeypatch.setattr(DisputeEvidence, "delete", real_delete)

    # the next run finds it still due and finishes: the list goes, and it leaves the sweep's list
    assert _sweep(cloud, monkeypatch, due + timedelta(days=1))["DisputeEvidence"]["forgotten"] >= 1
    assert _read(customer, dispute)["evidence"] == []
    assert _sweep(cloud, monkeypatch, due + timedelta(days=2))["DisputeEvidence"].get("forgotten", 0) == 0


def test_the_download_of_a_file_swept_meanwhile_is_refused_not_broken(cloud, customer, invoice, agent, monkeypatch):
    dispute = _reject(cloud, agent, _with_a_file(customer, invoice))
    evidence_id = _stored(cloud, dispute)[0].rsplit("/", 1)[1]
    link = customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}").json()
    _sweep(cloud, monkeypatch, _due(customer, dispute))
    assert requests.get(link["url"], timeout=10).status_code == 404
