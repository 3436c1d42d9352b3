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
    # windows long enough that none passes by itself while the test runs; later() lets each pass
    window = timedelta(minutes=10)
    monkeypatch.setattr("opencounter.disputes.flow.staff_window", lambda now, days: window)
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    assert dispute["status"] == "with_staff" and not dispute["escalated"]

    cloud.cloud.later(window.total_seconds() + 1)
    escalated = _read(customer, dispute)
    assert escalated["status"] == "with_staff" and escalated["escalated"] is True
    assert [s["step"] for s in escalated["steps"]][-1] == "escalated"

    cloud.cloud.later(window.total_seconds() + 1)
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


# ------------------------------------------------------------------ evidence files

#: a real, if empty, PDF document and a real 1x1 PNG image
PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def _ask(customer, dispute: dict, name: str, content_type: str, size: int) -> requests.Response:
    return customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence",
                         json={"file_name": name, "content_type": content_type, "size_bytes": size})


def _upload(asked: dict, content: bytes, content_type: str | None = None, **fields: str) -> requests.Response:
    """The browser's part: the signed form's fields, then the file, straight to the store."""
    upload = asked["upload"]
    return requests.post(upload["url"], data={**upload["fields"], **fields}, timeout=10,
                         files={"file": (asked["evidence"]["name"], content,
                                         content_type or asked["evidence"]["content_type"])})


def _check(customer, dispute: dict, asked: dict) -> requests.Response:
    return customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence/{asked['evidence']['evidence_id']}/check")


def _stored(cloud, dispute: dict) -> list[str]:
    """The keys of the dispute's files in the evidence bucket, wherever they are."""
    s3, bucket = cloud.cloud.client("s3"), cloud.cloud.resolver.physical["EvidenceBucket"]
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(o["Key"] for o in listed if f"/{dispute['dispute_id']}/" in o["Key"])


def test_a_pdf_sent_as_evidence_goes_straight_to_the_store_is_checked_and_staff_download_the_same_bytes(
        cloud, customer, invoice, agent, monkeypatch):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    assert dispute["status"] == "with_staff" and dispute["evidence"] == []

    asked = _ask(customer, dispute, "bon monteur.pdf", "application/pdf", len(PDF))
    assert asked.status_code == 201, asked.text
    link = asked.json()
    assert link["evidence"]["status"] == "pending" and link["evidence"]["round"] == 1
    # the form is signed for exactly this type and at most this size, under the dispute's own key
    assert link["upload"]["fields"]["Content-Type"] == "application/pdf"
    assert link["upload"]["fields"]["key"].startswith(f"incoming/{customer.customer_id}/{dispute['dispute_id']}/")
    assert _upload(link, PDF).status_code == 204
    checked = _check(customer, dispute, link)
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "accepted" and checked.json()["size_bytes"] == len(PDF)
    # kept with the dispute, nothing left where uploads land; the view names no place it is kept
    evidence_id = link["evidence"]["evidence_id"]
    assert _stored(cloud, dispute) == [f"evidence/{customer.customer_id}/{dispute['dispute_id']}/{evidence_id}"]
    [listed] = _read(customer, dispute)["evidence"]
    assert (listed["name"], listed["content_type"], listed["status"]) == ("bon monteur.pdf", "application/pdf",
                                                                          "accepted")
    assert listed["uploaded_at"] and "key" not in str(listed)
    # checking again answers the same
    assert _check(customer, dispute, link).json() == checked.json()

    # Staff see it with the dispute and download exactly what was sent, under its own name
    staff_view = agent.get(f"/agent/disputes/{dispute['dispute_id']}").json()
    assert [e["evidence_id"] for e in staff_view["evidence"]] == [evidence_id]
    download = agent.get(f"/agent/disputes/{dispute['dispute_id']}/evidence/{evidence_id}")
    assert download.status_code == 200, download.text
    got = requests.get(download.json()["url"], timeout=10)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert 'filename="bon monteur.pdf"' in got.headers["Content-Disposition"]
    # and the dispute's whole file lists it
    file = customer.get(f"/me/disputes/{dispute['dispute_id']}/file").json()
    assert [e["name"] for e in file["dispute"]["evidence"]] == ["bon monteur.pdf"]
    # and so does the customer; a link whose signature was tampered with is refused
    mine = customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}").json()
    assert requests.get(mine["url"], timeout=10).content == PDF
    assert requests.get(mine["url"].replace("evidence/", "incoming/", 1), timeout=10).status_code == 403
    # a download link lasts minutes
    monkeypatch.setattr("opencounter.disputes.evidence.DOWNLOAD_SECONDS", 1)
    brief = customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}").json()
    time.sleep(2)
    expired = requests.get(brief["url"], timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_a_png_sent_as_a_pdf_is_refused_deleted_and_the_customer_is_told_why(cloud, customer, invoice):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    png = _png()
    link = _ask(customer, dispute, "factuur.pdf", "application/pdf", len(png)).json()
    # the store takes it (it says it is a PDF), the check does not
    assert _upload(link, png).status_code == 204
    refused = _check(customer, dispute, link)
    assert refused.status_code == 400 and refused.json()["field"] == "content_type"
    assert refused.json()["reason"] == "evidence_not_as_claimed"
    assert _stored(cloud, dispute) == []
    [listed] = _read(customer, dispute)["evidence"]
    assert (listed["status"], listed["refusal"]) == ("refused", "evidence_not_as_claimed")
    assert customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{listed['evidence_id']}").status_code == 409
    # checking again tells the same, and a refused file leaves room for another
    assert _check(customer, dispute, link).json()["reason"] == "evidence_not_as_claimed"
    again = _ask(customer, dispute, "foto.png", "image/png", len(png)).json()
    assert _upload(again, png).status_code == 204
    assert _check(customer, dispute, again).json()["status"] == "accepted"


@pytest.mark.parametrize("body, field", [
    ({"file_name": "scan.pdf", "content_type": "application/pdf", "size_bytes": 10 * 1024 * 1024 + 1}, "size_bytes"),
    ({"file_name": "scan.gif", "content_type": "image/gif", "size_bytes": 100}, "content_type"),
    ({"file_name": " ", "content_type": "application/pdf", "size_bytes": 100}, "file_name"),
    ({"file_name": "scan.pdf", "content_type": "application/pdf", "size_bytes": 0}, "size_bytes"),
])
def test_a_file_too_large_or_of_another_type_is_refused_naming_the_field_and_nothing_is_written(
        cloud, customer, invoice, body, field):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    writes = TableWrites(cloud)
    refused = customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence", json=body)
    assert refused.status_code == 400 and refused.json()["field"] == field
    assert writes.since() == [] and _stored(cloud, dispute) == []


def test_the_store_takes_no_more_than_was_said_nor_another_type_nor_a_link_that_expired(
        cloud, customer, invoice, monkeypatch):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    link = _ask(customer, dispute, "groot.pdf", "application/pdf", 100).json()
    too_large = _upload(link, PDF + b"\n" * 100)
    assert too_large.status_code == 400 and b"<Code>EntityTooLarge</Code>" in too_large.content
    other_type = _upload(link, PDF[:100], "image/png", **{"Content-Type": "image/png"})
    assert other_type.status_code == 403 and b"Policy Condition failed" in other_type.content
    forged = _upload(link, PDF[:100], key=f"evidence/{customer.customer_id}/{dispute['dispute_id']}/forged")
    assert forged.status_code == 403
    assert _stored(cloud, dispute) == []
    not_there = _check(customer, dispute, link)
    assert not_there.status_code == 409 and not_there.json()["reason"] == "evidence_not_received"

    monkeypatch.setattr("opencounter.disputes.evidence.UPLOAD_SECONDS", 1)
    late = _ask(customer, dispute, "laat.pdf", "application/pdf", len(PDF)).json()
    time.sleep(2)
    expired = _upload(late, PDF)
    assert expired.status_code == 403 and b"Policy expired" in expired.content
    assert _stored(cloud, dispute) == []


def test_nobody_sends_evidence_to_another_customers_dispute_nor_reads_it(cloud, customer, other_customer, invoice):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    link = _ask(customer, dispute, "bon.pdf", "application/pdf", len(PDF)).json()
    assert _upload(link, PDF).status_code == 204 and _check(customer, dispute, link).status_code == 200
    evidence_id = link["evidence"]["evidence_id"]
    writes = TableWrites(cloud)
    assert _ask(other_customer, dispute, "ook.pdf", "application/pdf", 10).status_code == 404
    assert other_customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence", data="not json").status_code == 404
    assert _check(other_customer, dispute, link).status_code == 404
    assert other_customer.get(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}").status_code == 404
    assert writes.since() == []


def test_a_dispute_decided_for_good_takes_no_evidence_and_a_rejected_one_takes_it_for_the_appeal(
        cloud, customer, invoice):
    # Upheld on trust: decided for good
    small = _read(customer, _dispute(customer, invoice, "not_mine", amount_cents=1000))
    assert small["status"] == "upheld"
    writes = TableWrites(cloud)
    closed = _ask(customer, small, "bon.pdf", "application/pdf", len(PDF))
    assert closed.status_code == 409 and closed.json()["reason"] == "dispute_closed"
    assert writes.since() == []

    # Rejected by the rules, and appealable: the file is for the appeal
    rejected = _read(customer, _dispute(customer, bill(cloud, customer, "2026-11"), "wrong_amount"))
    assert rejected["status"] == "rejected" and rejected["actions"]["appeal"] is True
    png = _png()
    link = _ask(customer, rejected, "meterstand.png", "image/png", len(png)).json()
    assert link["evidence"]["round"] == 2
    assert _upload(link, png).status_code == 204 and _check(customer, rejected, link).status_code == 200
    appealed = customer.post(f"/me/disputes/{rejected['dispute_id']}/appeal", json={"explanation": "Zie de foto."})
    assert appealed.status_code == 202
    after = _read(customer, rejected)
    assert after["status"] == "with_staff" and after["round"] == 2
    assert [(e["round"], e["status"]) for e in after["evidence"]] == [(2, "accepted")]


def test_a_round_takes_at_most_five_files(cloud, customer, invoice):
    dispute = _read(customer, _dispute(customer, invoice, "not_delivered"))
    for n in range(5):
        assert _ask(customer, dispute, f"bon-{n}.pdf", "application/pdf", 100).status_code == 201
    sixth = _ask(customer, dispute, "bon-5.pdf", "application/pdf", 100)
    assert sixth.status_code == 409 and sixth.json()["reason"] == "evidence_limit_reached"


def test_a_fee_for_a_product_signed_for_online_disputed_as_not_mine_is_answered_with_the_contract(cloud):
    from infra.local.tokens import User
    from tests.conftest import Applicant, Caller

    # A customer who signed up online, billed for the month their product started
    signup = Applicant(cloud).activate()
    user = User(f"signed-{signup['customer_id'][:8]}@example.nl", "pw", ("customers",), signup["customer_id"])
    cloud.issuer.add_user(user)
    customer = Caller(cloud.url, cloud.issuer.id_token(user), signup["customer_id"], user.username)
    invoice = bill(cloud, customer, signup["evidence"]["accepted_at"][:7])
    [fee] = [n for n, line in enumerate(invoice["lines"]) if line["kind"] == "subscription"]

    dispute = _read(customer, _dispute(customer, invoice, "not_mine", line=fee))

    # The contract they signed answers it, in their own dates; the appeal goes to a person
    assert dispute["status"] == "rejected" and dispute["decision"]["basis"] == "rules"
    [contract] = [f for f in dispute["assessment"] if f["rule"] == "signed_for_it"]
    assert contract["outcome"] == "rejected"
    assert contract["evidence"]["signed_on"] == signup["evidence"]["accepted_at"][:10]
    assert contract["evidence"]["terms_version"] == signup["evidence"]["terms_version"]
    assert dispute["actions"]["appeal"] is True
