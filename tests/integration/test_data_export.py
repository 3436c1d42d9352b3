"""A copy of everything held about a customer (GDPR art. 15 and 20): asked for in the portal or by
staff on the customer's behalf, made within minutes by the export function, told to the customer,
downloaded through a link that works five minutes, kept a week. Every item of the customer's is in
it or of a kind left out with a reason, and nothing of anyone else's is."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from bench.data_export import held_about, missing_items, scan
from tests.conftest import Applicant, Caller, TableWrites, bill, crash_times, give_product, send_usage, usage

#: a real, if empty, PDF document (an evidence file)
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def full_history(cloud: Any) -> Caller:
    """A customer who signed up online and has since had everything a customer can have: products,
    usage, invoices, a payment, contacts with messages and notes (one for them, one internal), a
    request, a dispute with an evidence file, an appointment, changed consents, their timeline, an idea
    voted on and commented, and an answer to the question after a journey."""
    from infra.local.tokens import User
    from opencounter.core.clock import isoformat, utcnow
    from opencounter.feedback.service import invite

    signup = Applicant(cloud).activate()
    user = User(f"full-{signup['customer_id'][:8]}@example.nl", "pw", ("customers",), signup["customer_id"])
    cloud.issuer.add_user(user)
    customer = Caller(cloud.url, cloud.issuer.id_token(user), signup["customer_id"])
    staff = User(f"agent-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("agents",))
    cloud.issuer.add_user(staff)
    agent = Caller(cloud.url, cloud.issuer.id_token(staff), email=staff.username)
    record = customer.get("/me").json()
    customer.email = record["contact"]["email"]
    [mobile] = [p["product_id"] for p in record["products"]]
    # a fibre line since January, billed for October, with use of the mobile line that month
    fibre = give_product(customer, "FIBRE-100")
    send_usage(cloud, usage(customer, mobile, "data_mb", 1200), usage(customer, mobile, "minutes", 45))
    invoice = bill(cloud, customer)
    assert customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "ideal"}).status_code == 201
    # a question by e-mail, answered with a note for them and one that is not
    asked = customer.post("/me/contacts", json={"question": "Waarom is mijn factuur hoger?"}).json()
    queued = customer.post(f"/me/contacts/{asked['contact']['contact_id']}/choice", json={"choice": "email"}).json()
    path = f"/agent/contacts/{queued['contact_id']}?customer_id={customer.customer_id}"
    assert agent.post(path.replace("?", "/take?")).status_code == 200
    agent.post(path.replace("?", "/notes?"), json={"text": "Klant belde eerder al hierover.", "for_customer": False})
    agent.post(path.replace("?", "/notes?"), json={"text": "Uw verbruik was hoger dan uw bundel.",
                                                   "for_customer": True})
    agent.post(path.replace("?", "/resolution?"), json={"solution": "Verbruik uitgelegd."})
    assert customer.post("/me/requests", json={"kind": "repair", "subject": "Storing",
                                               "text": "Het internet valt elke avond weg."}).status_code == 201
    # a complaint, with a note staff kept to themselves
    complaint = customer.post("/me/complaints", json={"about": "invoice",
                                                      "text": "Mijn factuur is veel hoger dan afgesproken."}).json()
    assert agent.post(f"/agent/customers/{customer.customer_id}/complaints/{complaint['complaint_id']}/notes", json={
        "version": complaint["version"], "text": "Klant belde boos.", "for_customer": False}).status_code == 200
    # a dispute of the invoice's line, with a photo of the engineer's receipt
    dispute = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0},
        "reason": "not_delivered", "explanation": "De monteur is nooit geweest."}).json()
    link = customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence",
                         json={"file_name": "bon.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)})
    upload = link.json()["upload"]
    assert requests.post(upload["url"], data=upload["fields"], files={"file": ("bon.pdf", PDF, "application/pdf")},
                         timeout=10).status_code == 204
    evidence_id = link.json()["evidence"]["evidence_id"]
    assert customer.post(f"/me/disputes/{dispute['dispute_id']}/evidence/{evidence_id}/check").status_code == 200
    # the engineer's visit for the fibre line, in the first window free
    slots = customer.get("/appointments/slots?postcode=1017GB&kind=engineer_visit").json()
    first = next(slot for day in slots["days"] for slot in day["slots"])
    planned = customer.post("/me/appointments", json={"kind": "engineer_visit", "slot": first["start"],
                                                      "product_id": fibre})
    assert planned.status_code == 201, planned.text
    # an idea of theirs, voted on and commented, and the question after a journey answered
    idea = customer.post("/me/ideas", json={"title": "Verbruik per kwartier", "topic": "energy",
                                            "text": "Laat het verbruik per kwartier zien, niet per dag."}).json()
    assert customer.post(f"/me/ideas/{idea['idea_id']}/vote").ok
    assert customer.post(f"/me/ideas/{idea['idea_id']}/comments", json={"text": "Ook per uur is goed."}).ok
    invite("PaymentReceived", {"customer_id": customer.customer_id, "event_id": str(uuid.uuid4()),
                               "occurred_at": isoformat(utcnow()), "channel": "web"})
    question = customer.get("/me/feedback/pending").json()["question"]
    assert customer.post("/me/feedback", json={"event_id": question["event_id"], "journey": question["journey"],
                                               "score": 4, "comment": "Ging vlot."}).ok
    # and marketing by e-mail agreed to
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "consents": [
        {"channel": "email", "purpose": "marketing", "granted": True}]}).status_code == 200
    cloud.cloud.settle()
    return customer


@pytest.fixture(scope="module")
def full(cloud) -> Caller:
    return full_history(cloud)


def _ask(customer: Caller) -> dict:
    asked = customer.post("/me/data-requests/export")
    assert asked.status_code in (200, 202), asked.text
    return asked.json()


def _mine(customer: Caller, request_id: str) -> dict:
    return next(r for r in customer.get("/me/data-requests").json()["items"] if r["request_id"] == request_id)


def _download(customer: Caller, request_id: str) -> requests.Response:
    return customer.get(f"/me/data-requests/{request_id}/download")


def _copy(customer: Caller, request_id: str) -> dict:
    link = _download(customer, request_id)
    assert link.status_code == 200, link.text
    got = requests.get(link.json()["url"], timeout=30)
    assert got.status_code == 200, got.text[:300]
    assert got.headers["Content-Type"] == "application/json"
    assert f'filename="{link.json()["file_name"]}"' in got.headers["Content-Disposition"]
    return json.loads(got.content)


def _files(cloud, customer: Caller) -> list[str]:
    s3, bucket = cloud.cloud.client("s3"), cloud.cloud.resolver.physical["ExportsBucket"]
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"exports/{customer.customer_id}/")
                  .get("Contents", []))


def _notices(cloud, customer: Caller) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] in ("Uw gegevens staan klaar",
                                                                               "Your data is ready")]


def test_a_customer_with_a_full_history_gets_every_item_of_theirs_and_nothing_of_anyone_else(
        cloud, full, other_customer):
    from opencounter.core.validation import CONTRACTS, format_checker
    from opencounter.customers.records import Profile

    # Given another customer with a history of their own
    give_product(other_customer, "FIBRE-100")
    bill(cloud, other_customer)
    other_customer.post("/me/contacts", json={"question": "Hoe betaal ik mijn factuur?"})
    # whose idea the customer voted on, commented on and follows
    theirs = other_customer.post("/me/ideas", json={"title": "Factuur in het Engels", "topic": "service",
                                                    "text": "Graag de factuur ook in het Engels."}).json()
    for mark in ("vote", "follow"):
        assert full.post(f"/me/ideas/{theirs['idea_id']}/{mark}").ok
    assert full.post(f"/me/ideas/{theirs['idea_id']}/comments", json={"text": "Ja, graag."}).ok
    cloud.cloud.settle()

    # When the customer asks for a copy of their data (everything held about them at that moment read
    # first, straight from the table, to hold the copy to)
    items = scan(cloud.cloud.client("dynamodb"), cloud.cloud.resolver.physical["Table"])
    asked = full.post("/me/data-requests/export")

    # Then it is taken, and within minutes (here: once the cloud settled) it is ready
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["kind"], request["status"], request["channel"]) == ("export", "RECEIVED", "web")
    mine = _mine(full, request["request_id"])
    assert mine["status"] == "DONE" and mine["download"]["status"] == "ready"
    assert set(mine["outcome"]) == {"format", "items", "bytes", "sections"}
    # they are told on their channel, with a link to the portal's page, never to the file
    [notice] = _notices(cloud, full)
    assert "/#/privacy" in notice["body"] and "sandbox/s3" not in notice["body"] and "exports/" not in notice["body"]
    assert any(e["type"] == "DataExportReady" for e in full.get("/me/timeline").json()["items"])

    # And the file they download is the documented format
    document = _copy(full, request["request_id"])
    schema = json.loads((CONTRACTS / "exports" / "data-export.schema.json").read_text())
    Draft202012Validator(schema, format_checker=format_checker()).validate(document)
    assert document["customer_id"] == full.customer_id and document["request_id"] == request["request_id"]
    assert mine["outcome"]["items"] == sum(document["counts"].values()) - document["counts"]["consents"]

    # And every item held about them when they asked is in it, or of a kind left out with its reason
    held = held_about(items, full.customer_id)
    kinds = {i["entity"]["S"] for i in held if "entity" in i}
    assert kinds >= {"CustomerProfile", "CustomerAddress", "ProductHolding", "UsageTotal", "UsageRecord", "Invoice",
                     "Payment", "LedgerTransaction", "Contact", "ServiceRequest", "Complaint", "Dispute",
                     "DisputeEvidence",
                     "Appointment", "TimelineEntry", "Notification", "Signup", "SignatureEvidence",
                     "ChannelIdentity", "Idea", "Vote", "Follower", "IdeaComment", "IdeaLink", "FeedbackAnswer",
                     "FeedbackAsked"}
    assert missing_items(held, document) == []
    sections = document["sections"]
    # their part in the ideas, their own and another's (that idea itself is the other customer's)
    ideas = sections["ideas"]
    assert [e["title"] for e in ideas if e["entity"] == "Idea"] == ["Verbruik per kwartier"]
    assert sorted(e["text"] for e in ideas if e["entity"] == "IdeaComment") == ["Ja, graag.", "Ook per uur is goed."]
    assert len([e for e in ideas if e["entity"] == "Vote"]) == len([e for e in ideas if e["entity"] == "Follower"]) == 2
    assert [e["comment"] for e in sections["feedback"] if e["entity"] == "FeedbackAnswer"] == ["Ging vlot."]
    assert {"Signup", "SignatureEvidence"} <= {e["entity"] for e in sections["signup"]}
    [contact] = [c for c in sections["contacts"] if c["messages"][0]["text"] == "Waarom is mijn factuur hoger?"]
    assert [(n["text"], n["for_customer"]) for n in contact["notes"]] == [
        ("Klant belde eerder al hierover.", False), ("Uw verbruik was hoger dan uw bundel.", True)]
    # their complaint, with the note staff kept to themselves: it is about them too
    [complaint] = sections["complaints"]
    assert complaint["text"] == "Mijn factuur is veel hoger dan afgesproken."
    assert [(n["text"], n["for_customer"]) for n in complaint["notes"]] == [("Klant belde boos.", False)]
    [files] = [e["files"] for e in sections["disputes"] if e["entity"] == "DisputeEvidence"]
    assert [f["name"] for f in files] == ["bon.pdf"]
    assert {"channel": "email", "purpose": "marketing"} in [{k: c[k] for k in ("channel", "purpose")}
                                                             for c in sections["consents"] if c["granted"]]
    assert {"CustomerRegistered", "ContractSigned", "InvoiceIssued", "DisputeFiled", "AppointmentPlanned"} <= {
        e["event_type"] for e in sections["timeline"]}
    assert [e["request_id"] for e in sections["data_requests"]] == [request["request_id"]]
    # no field that is a secret or bookkeeping
    held_fields = {name for entries in sections.values() for entry in entries for name in entry}
    assert not held_fields & {"resume_code_digest", "task_token", "signed_with", "version", "digest"}
    text = json.dumps(document, ensure_ascii=False)

    # And nothing of the other customer: not their id, e-mail address, name or phone number
    other = Profile.get(*Profile.keys(other_customer.customer_id))
    assert [word for word in (other.customer_id, other.email, other.family_name, other.phone) if word in text] == []


def test_asking_again_while_a_copy_is_made_answers_the_one_asked_and_its_link_waits(cloud, customer, faults):
    # Given the export function dies on every try: the copy stays asked for
    faults["DataExportFunction"] = crash_times(1000)
    first = _ask(customer)

    # When the customer asks again (a double click, a second device)
    again = customer.post("/me/data-requests/export")

    # Then they are answered with the request they made, and nothing new is asked
    assert again.status_code == 200 and again.json()["request_id"] == first["request_id"]
    assert [r["request_id"] for r in customer.get("/me/data-requests").json()["items"]] == [first["request_id"]]
    assert _mine(customer, first["request_id"])["download"] == {"status": "preparing", "available_until": None}
    # its link waits for the copy, saying so
    waiting = _download(customer, first["request_id"])
    assert waiting.status_code == 409 and waiting.json()["reason"] == "export_not_ready"
    assert _files(cloud, customer) == [] and _notices(cloud, customer) == []

    # And once the function works again, the kept event made again makes it (as a redrive does)
    faults.clear()
    event = {"detail-type": "DataRequestReceived", "source": "opencounter", "detail": {
        "customer_id": customer.customer_id, "data": {"request_id": first["request_id"], "kind": "export"}}}
    assert cloud.cloud.invoke("DataExportFunction", event) == {"outcome": "made"}
    cloud.cloud.settle()
    assert _download(customer, first["request_id"]).status_code == 200


def test_a_redelivered_or_retried_export_writes_one_file_and_tells_the_customer_once(
        cloud, customer, faults, monkeypatch):
    from opencounter.privacy import requests as data_requests

    # Given the export step dies once after writing the file, before the request is closed
    close, died = data_requests.close, []

    def dies_once(*args: Any, **kwargs: Any) -> Any:
        if not died:
            died.append(True)
            raise RuntimeError("the process died")
        return close(*args, **kwargs)
    monkeypatch.setattr("opencounter.privacy.requests.close", dies_once)
    # and the function dies once more after its work, as Lambda retries it
    faults["DataExportFunction"] = crash_times(1, after_work=True)

    request = _ask(customer)

    # Then Lambda tried again: one file, the request done once, one notice
    assert died == [True]
    assert _files(cloud, customer) == [f"exports/{customer.customer_id}/{request['request_id']}.json"]
    assert _mine(customer, request["request_id"])["status"] == "DONE"
    assert len(_notices(cloud, customer)) == 1

    # And the same event delivered again changes nothing
    event = {"detail-type": "DataRequestReceived", "source": "opencounter", "detail": {
        "customer_id": customer.customer_id, "data": {"request_id": request["request_id"], "kind": "export"}}}
    assert cloud.cloud.invoke("DataExportFunction", event) == {"outcome": "done_already"}
    cloud.cloud.settle()
    assert len(_files(cloud, customer)) == 1 and len(_notices(cloud, customer)) == 1
    timeline = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert timeline.count("DataExportReady") == 1


def test_the_link_works_minutes_and_the_copy_a_week_then_a_new_one_is_asked(cloud, customer, monkeypatch):
    from opencounter.core.clock import utcnow

    request = _ask(customer)
    # a download link works, for minutes
    link = _download(customer, request["request_id"]).json()
    assert requests.get(link["url"], timeout=10).status_code == 200
    assert "X-Amz-Expires=300" in link["url"]
    # and once its time has passed, it is refused (a link of a second, so the test need not wait minutes)
    monkeypatch.setattr("opencounter.privacy.export.DOWNLOAD_SECONDS", 1)
    short = _download(customer, request["request_id"]).json()
    time.sleep(2)
    expired = requests.get(short["url"], timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    # and a fresh one can be asked for while the copy is kept
    monkeypatch.setattr("opencounter.privacy.export.DOWNLOAD_SECONDS", 300)
    assert requests.get(_download(customer, request["request_id"]).json()["url"], timeout=10).status_code == 200

    # When a week has passed, the copy is no longer kept: the page says so, the link is refused
    later = utcnow() + timedelta(days=7, minutes=1)
    monkeypatch.setattr("opencounter.privacy.export.utcnow", lambda: later)
    gone = _download(customer, request["request_id"])
    assert gone.status_code == 410 and gone.json()["reason"] == "export_expired"
    assert _mine(customer, request["request_id"])["download"]["status"] == "expired"

    # And a copy the bucket deleted already is refused the same way
    monkeypatch.undo()
    s3, bucket = cloud.cloud.client("s3"), cloud.cloud.resolver.physical["ExportsBucket"]
    s3.delete_object(Bucket=bucket, Key=f"exports/{customer.customer_id}/{request['request_id']}.json")
    assert _download(customer, request["request_id"]).status_code == 410

    # And a new copy can be asked for: a new request, made again
    again = customer.post("/me/data-requests/export")
    assert again.status_code == 202 and again.json()["request_id"] != request["request_id"]
    assert _download(customer, again.json()["request_id"]).status_code == 200


def test_another_customers_copy_is_not_found_and_their_requests_are_not_listed(cloud, customer, other_customer):
    request = _ask(customer)

    refused = _download(other_customer, request["request_id"])

    assert refused.status_code == 404 and refused.json()["reason"] == "data_request_not_found"
    assert other_customer.get("/me/data-requests").json()["items"] == []


def test_staff_ask_on_the_customers_behalf_and_the_customer_gets_it(cloud, customer, agent):
    asked = agent.post(f"/agent/customers/{customer.customer_id}/data-requests/export")

    assert asked.status_code == 202, asked.text
    assert asked.json()["channel"] == "agent"
    mine = _mine(customer, asked.json()["request_id"])
    assert mine["download"]["status"] == "ready"
    assert _copy(customer, asked.json()["request_id"])["customer_id"] == customer.customer_id
    assert len(_notices(cloud, customer)) == 1
    # for nobody, refused before anything is written
    unknown = agent.post("/agent/customers/no-such-customer/data-requests/export")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "customer_not_found"
    # and a customer cannot use the staff's route
    assert customer.post(f"/agent/customers/{customer.customer_id}/data-requests/export").status_code == 403


def test_without_its_bucket_nothing_is_asked_made_or_linked(cloud, customer, monkeypatch):
    from infra.local.lambdas import FunctionCrashed
    from opencounter.core.settings import settings

    made = _ask(customer)
    # Given the functions were not told which bucket the copies are kept in
    unset = replace(settings(), exports_bucket="")
    monkeypatch.setattr("opencounter.privacy.export.settings", lambda: unset)
    monkeypatch.setattr("opencounter.ports.evidence_store.settings", lambda: unset)
    writes = TableWrites(cloud)

    # Then no link is given, and no copy is asked for, saying it cannot be now; nothing is written
    refused = _download(customer, made["request_id"])
    assert refused.status_code == 503 and refused.json()["reason"] == "not_configured"
    asked = customer.post("/me/data-requests/export")
    assert asked.status_code == 503 and asked.json()["reason"] == "not_configured"
    assert writes.since() == []
    # and a copy asked for before is not made: the function refuses before it touches anything
    event = {"detail-type": "DataRequestReceived", "source": "opencounter", "detail": {
        "customer_id": customer.customer_id, "data": {"request_id": made["request_id"], "kind": "export"}}}
    with pytest.raises(FunctionCrashed, match="MissingSetting"):
        cloud.cloud.invoke("DataExportFunction", event)
    assert writes.since() == []
    assert _files(cloud, customer) == [f"exports/{customer.customer_id}/{made['request_id']}.json"]
