"""Disputing a transaction online, from filing to decision: the amount on hold at once, the rules'
assessment in the dispute workflow, staff deciding what needs a person (once, with a deadline),
credit notes booked double-entry and refunds paid once, one appeal to another colleague."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from tests.conftest import TableWrites, at_once, bill, crash_times, give_product


@pytest.fixture
def invoice(cloud, customer) -> dict:
    """An October invoice of EUR 42.50 (fibre), one line; overdue since mid-November."""
    give_product(customer, "FIBRE-100")
    return bill(cloud, customer)


def _dispute(customer, invoice: dict, reason: str, *, line: int = 0, **more) -> dict:
    response = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": line},
        "reason": reason, "explanation": "Dit klopt niet.", **more})
    assert response.status_code == 201, response.text
    return response.json()


def _read(customer, dispute: dict) -> dict:
    return customer.get(f"/me/disputes/{dispute['dispute_id']}").json()


def _invoice(customer, invoice: dict) -> dict:
    return customer.get(f"/me/invoices/{invoice['invoice_id']}").json()


def _ledger_sum(customer) -> int:
    from opencounter.billing.ledger import ledger

    return sum(e["amount_cents"] for t in ledger(customer.customer_id) for e in t["entries"])


def _receivable(customer) -> int:
    from opencounter.billing.ledger import balances

    return balances(customer.customer_id).get("receivable", 0)


def test_a_correct_line_disputed_as_wrong_is_rejected_with_the_calculation_and_the_hold_released(
        cloud, customer, invoice):
    filed = _dispute(customer, invoice, "wrong_amount")
    assert filed["status"] == "assessing" and filed["held_cents"] == 4250

    # The assessment ran at once: the line is what the plan costs for the month
    dispute = _read(customer, filed)
    assert dispute["status"] == "rejected" and dispute["decision"]["basis"] == "rules"
    [calculation] = [f for f in dispute["assessment"] if f["rule"] == "recalculated"]
    assert calculation["outcome"] == "rejected"
    assert calculation["evidence"]["expected_cents"] == calculation["evidence"]["billed_cents"] == 4250
    assert [s["step"] for s in dispute["steps"]] == ["filed", "assessed", "decided"]
    assert dispute["actions"]["appeal"] is True and dispute["external_route"] is None
    # And the amount is due again, nothing credited, the ledger untouched by it
    after = _invoice(customer, invoice)
    assert (after["in_dispute_cents"], after["due_now_cents"], after["credited_cents"]) == (0, 4250, 0)
    assert after["credit_notes"] == []
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert "DisputeFiled" in types and "DisputeDecided" in types
    # And it is in the contact history: their words, served by the rules without a person
    [contact] = customer.get("/me/contacts").json()["items"]
    assert (contact["dispute_id"], contact["status"], contact["reason"]) == (dispute["dispute_id"], "self_served",
                                                                            "invoice")
    assert [m["text"] for m in contact["messages"]] == ["Dit klopt niet."] and contact["resolved_at"]


def test_a_small_amount_is_accepted_on_trust_credited_and_booked_double_entry(cloud, customer, invoice):
    dispute = _read(customer, _dispute(customer, invoice, "not_mine", amount_cents=1000))

    assert dispute["status"] == "upheld" and dispute["decision"]["basis"] == "trust"
    assert dispute["decision"]["amount_cents"] == 1000 and dispute["held_cents"] == 0
    after = _invoice(customer, invoice)
    [note] = after["credit_notes"]
    assert (note["amount_cents"], note["vat_cents"], note["refund_cents"]) == (1000, 174, 0)
    assert note["dispute_id"] == dispute["dispute_id"] == note["credit_note_id"].replace("CN-", "D-")[:14]
    assert (after["credited_cents"], after["balance_cents"], after["due_now_cents"]) == (1000, 3250, 3250)
    assert _ledger_sum(customer) == 0 and _receivable(customer) == 3250
    # Filing it again answers the same dispute; other words for the same line are refused
    assert _dispute(customer, invoice, "not_mine", amount_cents=1000)["dispute_id"] == dispute["dispute_id"]
    again = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0},
        "reason": "other", "explanation": "Nog iets."})
    assert again.status_code == 409 and again.json()["reason"] == "dispute_decided"


def test_what_needs_a_person_waits_with_the_amount_on_hold_and_one_of_two_deciding_staff_wins(
        cloud, customer, invoice, agent):
    from infra.local.tokens import User
    from tests.conftest import Caller

    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    assert dispute["status"] == "with_staff" and dispute["held_cents"] == 4250
    assert dispute["expected_decision_on"] > "2000-01-01" and dispute["decision"] is None

    # The held amount is not due: the invoice is not overdue and there is nothing to pay now
    held = _invoice(customer, invoice)
    assert (held["in_dispute_cents"], held["due_now_cents"], held["status"]) == (4250, 0, "open")
    assert customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={}).status_code == 409

    # Staff see it waiting, with its deadline
    queue = agent.get("/agent/disputes").json()
    mine = next(d for d in queue["items"] if d["dispute_id"] == dispute["dispute_id"])
    assert mine["customer_id"] == customer.customer_id and mine["staff_deadline"]
    # and the customer's whole view says to decide it (its open contact is that same dispute)
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    actions = {a["action"] for a in view["next_best_actions"]}
    assert "decide_dispute" in actions and "answer_open_contact" not in actions
    assert [c["dispute_id"] for c in view["contacts"]] == [dispute["dispute_id"]]

    # Two agents decide at the same moment: one wins, the other is told
    other = User("agent-two@opencounter.example", "pw", ("agents",))
    cloud.issuer.add_user(other)
    colleague = Caller(cloud.url, cloud.issuer.id_token(other), email=other.username)
    answers = at_once([lambda who=who: who.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "upheld", "reasons": "De monteur is niet geweest.", "version": mine["version"]})
        for who in (agent, colleague)])
    assert sorted(a.status_code for a in answers) == [202, 409]
    cloud.cloud.settle()

    # The workflow applied it: credited in full, the customer sees the reasons, not who decided
    decided = _read(customer, dispute)
    assert decided["status"] == "upheld" and decided["decision"]["basis"] == "staff"
    assert decided["decision"]["reasons"] == "De monteur is niet geweest."
    assert decided["decision"]["by"] == {"type": "agent"}
    after = _invoice(customer, invoice)
    assert (after["credited_cents"], after["balance_cents"], after["status"]) == (4250, 0, "paid")
    assert _ledger_sum(customer) == 0 and _receivable(customer) == 0
    # Staff see who decided; deciding again is refused
    staff_view = agent.get(f"/agent/disputes/{dispute['dispute_id']}").json()
    assert staff_view["decision"]["by"]["type"] == "agent" and staff_view["decision"]["by"]["id"]
    late = agent.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "rejected", "reasons": "Toch niet.", "version": staff_view["version"]})
    assert late.status_code == 409 and late.json()["reason"] == "dispute_not_waiting"


def test_an_appeal_is_decided_by_another_colleague_and_then_the_external_route_is_shown(
        cloud, customer, invoice, agent):
    from infra.local.tokens import User
    from tests.conftest import Caller

    dispute = _read(customer, _dispute(customer, invoice, "other"))
    assert dispute["status"] == "with_staff"
    response = agent.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "rejected", "reasons": "Het abonnement liep die maand.", "version": dispute["version"]})
    assert response.status_code == 202
    cloud.cloud.settle()
    rejected = _read(customer, dispute)
    assert rejected["status"] == "rejected" and rejected["actions"]["appeal"] is True
    assert _invoice(customer, invoice)["in_dispute_cents"] == 0

    # The contact history has it resolved by a person, with the reasons meant for the customer
    [contact] = customer.get("/me/contacts").json()["items"]
    assert contact["dispute_id"] == dispute["dispute_id"] and contact["status"] == "resolved"
    assert [n["text"] for n in contact["notes"]] == ["Het abonnement liep die maand."]

    # The customer appeals: on hold again, with a person
    appealed = customer.post(f"/me/disputes/{dispute['dispute_id']}/appeal", json={"explanation": "Zie de foto."})
    assert appealed.status_code == 202
    [contact] = customer.get("/me/contacts").json()["items"]
    assert contact["status"] == "in_progress" and contact["resolved_at"] is None
    assert [m["text"] for m in contact["messages"]] == ["Dit klopt niet.", "Zie de foto."]
    waiting = _read(customer, dispute)
    assert waiting["status"] == "with_staff" and waiting["round"] == 2 and waiting["held_cents"] == 4250
    assert len(waiting["earlier_decisions"]) == 1

    # The one who decided before may not decide the appeal; a colleague does
    same = agent.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "rejected", "reasons": "Nog steeds niet.", "version": waiting["version"]})
    assert same.status_code == 403 and same.json()["reason"] == "another_decider_needed"
    other = User("agent-three@opencounter.example", "pw", ("agents",))
    cloud.issuer.add_user(other)
    colleague = Caller(cloud.url, cloud.issuer.id_token(other), email=other.username)
    assert colleague.post(f"/agent/disputes/{dispute['dispute_id']}/decision", json={
        "outcome": "rejected", "reasons": "Het abonnement liep die maand.", "version": waiting["version"]}
    ).status_code == 202
    cloud.cloud.settle()

    final = _read(customer, dispute)
    assert final["status"] == "rejected" and final["actions"]["appeal"] is False
    [contact] = customer.get("/me/contacts").json()["items"]
    assert contact["status"] == "resolved" and len(contact["notes"]) == 2
    assert final["external_route"]["url"].startswith("https://")
    again = customer.post(f"/me/disputes/{dispute['dispute_id']}/appeal", json={"explanation": "Nog eens."})
    assert again.status_code == 409 and again.json()["reason"] == "appeal_not_possible"

    # The whole file goes with them to the committee: both rounds, the invoice, the conversation
    file = customer.get(f"/me/disputes/{dispute['dispute_id']}/file").json()
    assert file["dispute"]["status"] == "rejected" and len(file["dispute"]["earlier_decisions"]) == 1
    assert file["invoice"]["invoice_id"] == invoice["invoice_id"] and file["invoice"]["lines"]
    assert [(m["from"], m["text"]) for m in file["conversation"]] == [
        ("customer", "Dit klopt niet."), ("agent", "Het abonnement liep die maand."),
        ("customer", "Zie de foto."), ("agent", "Het abonnement liep die maand.")]
    assert file["external_route"] == final["external_route"] and file["customer"]["name"]


def test_a_decision_nobody_takes_is_escalated_and_then_goes_the_customers_way(cloud, customer, invoice,
                                                                               monkeypatch):
    monkeypatch.setattr("opencounter.disputes.flow.staff_window", lambda now, days: timedelta(seconds=2))
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    assert dispute["status"] == "with_staff" and not dispute["escalated"]

    time.sleep(3)
    cloud.cloud.settle()
    escalated = _read(customer, dispute)
    assert escalated["status"] == "with_staff" and escalated["escalated"] is True
    assert [s["step"] for s in escalated["steps"]][-1] == "escalated"

    time.sleep(3)
    cloud.cloud.settle()
    lapsed = _read(customer, dispute)
    assert lapsed["status"] == "upheld" and lapsed["decision"]["basis"] == "lapsed"
    assert _invoice(customer, invoice)["balance_cents"] == 0


@pytest.mark.parametrize("transaction, field", [
    ({"kind": "invoice_line", "invoice_id": "OC-20261101-00000000", "line": 0}, "transaction.invoice_id"),
    ({"kind": "invoice_line", "invoice_id": "OTHER", "line": 0}, "transaction.invoice_id"),
    ({"kind": "invoice_line", "invoice_id": "MINE", "line": 7}, "transaction.line"),
    ({"kind": "payment", "payment_id": "pi_nothing"}, "transaction.payment_id"),
])
def test_a_transaction_that_is_not_the_customers_is_refused_naming_the_field_and_nothing_is_written(
        cloud, customer, other_customer, invoice, transaction, field):
    give_product(other_customer, "FIBRE-100")
    theirs = bill(cloud, other_customer)
    transaction = {**transaction, **({"invoice_id": {"OTHER": theirs["invoice_id"], "MINE": invoice["invoice_id"]}.get(
        transaction.get("invoice_id"), transaction.get("invoice_id"))} if "invoice_id" in transaction else {})}
    writes = TableWrites(cloud)
    response = customer.post("/me/disputes", json={"transaction": transaction, "reason": "not_mine",
                                                   "explanation": "Niet van mij."})
    assert response.status_code == 400 and response.json()["field"] == field
    assert writes.since() == []


def test_more_than_the_line_or_an_unknown_reason_is_refused_and_nothing_is_written(cloud, customer, invoice):
    writes = TableWrites(cloud)
    line = {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0}
    too_much = customer.post("/me/disputes", json={"transaction": line, "reason": "wrong_amount",
                                                   "explanation": "Te veel.", "amount_cents": 4251})
    assert too_much.status_code == 400 and too_much.json()["field"] == "amount_cents"
    unknown = customer.post("/me/disputes", json={"transaction": line, "reason": "bored", "explanation": "x"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "reason"
    assert writes.since() == []


def test_nobody_reads_or_appeals_another_customers_dispute(cloud, customer, other_customer, invoice):
    dispute = _dispute(customer, invoice, "wrong_amount")
    writes = TableWrites(cloud)
    assert other_customer.get(f"/me/disputes/{dispute['dispute_id']}").status_code == 404
    assert other_customer.get(f"/me/disputes/{dispute['dispute_id']}/file").status_code == 404
    assert other_customer.post(f"/me/disputes/{dispute['dispute_id']}/appeal",
                               json={"explanation": "Ik ook."}).status_code == 404
    assert writes.since() == []


@pytest.mark.parametrize("crashing", ["assess", "uphold"])
def test_a_crash_in_a_step_leaves_one_credit_note_and_one_refund(cloud, customer, invoice, faults, crashing):
    # The invoice is paid in full first
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "ideal"}).json()
    submit = checkout["checkout_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/paid"
    requests.post(submit, data={"method": "ideal", "bank": "rabobank", "outcome": "approve"},
                  allow_redirects=False, timeout=10)
    cloud.cloud.settle()
    assert _invoice(customer, invoice)["status"] == "paid"

    # When the step dies once after its work is done (Step Functions runs it again)
    crash, crashed = crash_times(1, after_work=True), []

    def fault(event: dict) -> None:
        if event.get("step") == crashing:
            crashed.append(event["step"])
            crash(event)
    fault.after_work = True  # type: ignore[attr-defined]
    faults["DisputeFlowFunction"] = fault
    dispute = _read(customer, _dispute(customer, invoice, "not_mine", amount_cents=1200))
    cloud.cloud.settle()

    # Then the step died once and ran again
    assert crashed == [crashing, crashing]
    # And the customer was credited once and paid back once
    dispute = _read(customer, dispute)
    assert dispute["status"] == "upheld" and dispute["refund_cents"] == 1200
    after = _invoice(customer, invoice)
    assert len(after["credit_notes"]) == 1 and after["credited_cents"] == 1200
    refunds = [r for r in cloud.stripe.refunds.values() if r["payment_intent"] == checkout["payment_id"]]
    assert [r["amount"] for r in refunds] == [1200]
    assert after["status"] == "paid" and after["balance_cents"] == 0 and after["paid_cents"] == 4250 - 1200
    assert _ledger_sum(customer) == 0 and _receivable(customer) == 0
