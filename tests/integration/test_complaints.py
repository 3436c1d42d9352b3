"""Complaints, as the complaints procedure promises them: filed in the portal (or registered by staff
from a call), acknowledged at once with the day of the answer (ten working days: no weekends, no
public holidays), taken, followed up, answered and closed, after which the customer is asked one
question about it; escalated to the complaints lead when the term passes unanswered, once however
often the run comes. Another customer's complaint does not exist for the caller, internal notes are
staff's, and a filing sent twice with its Idempotency-Key is one complaint.

The complaints' clock is pinned where a test counts days (the scheduled run reads it as now)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Caller, Clock, at_once

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def complaints_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The moment the complaints' service reads as now, set by the test."""
    ticking = Clock()
    monkeypatch.setattr("opencounter.complaints.service.utcnow", ticking)
    return ticking


def _at(clock: Clock, day: str, hour: int, minute: int = 0) -> None:
    clock.set(datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=AMSTERDAM))


def _file(customer: Caller, key: str | None = None, **body) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    answer = customer.post("/me/complaints", headers=headers, json={
        "about": "delay", "text": "De monteur kwam twee keer niet opdagen en niemand belde mij.", **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _staff(customer: Caller, complaint: dict, what: str = "") -> str:
    return f"/agent/customers/{customer.customer_id}/complaints/{complaint['complaint_id']}{what}"


def _version(agent: Caller, customer: Caller, complaint: dict) -> int:
    return agent.get(_staff(customer, complaint)).json()["version"]


def _do(agent: Caller, customer: Caller, complaint: dict, what: str, **body) -> dict:
    answer = agent.post(_staff(customer, complaint, what),
                        json={"version": _version(agent, customer, complaint), **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _mails(cloud, customer: Caller, complaint: dict) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if complaint["complaint_id"] in m["subject"]]


def _run(cloud) -> dict:
    done = cloud.cloud.invoke("ComplaintDeadlinesFunction", {})
    cloud.cloud.settle()
    return done


def test_a_complaint_is_acknowledged_taken_followed_up_answered_and_closed_and_then_asked_about_once(
        cloud, customer, agent):
    # Given a complaint filed in the portal
    complaint = _file(customer)
    assert complaint["status"] == "received" and complaint["filed_by"] == "customer"
    cloud.cloud.settle()

    # Then it is acknowledged at once, in Dutch, with its number and the day of the answer
    acknowledged = _mails(cloud, customer, complaint)
    assert len(acknowledged) == 1
    assert acknowledged[0]["subject"] == f"We hebben uw klacht ontvangen ({complaint['complaint_id']})"
    assert "uiterlijk" in acknowledged[0]["body"]
    assert complaint["deadline_on"].split("-")[0] in acknowledged[0]["body"]

    # When a complaints officer takes it, keeps an internal note and writes a follow-up
    taken = _do(agent, customer, complaint, "/handler")
    assert taken["status"] == "in_progress" and taken["handler"] == agent.email
    _do(agent, customer, complaint, "/notes", text="Planning belt de monteur na; klant is boos.", for_customer=False)
    _do(agent, customer, complaint, "/notes", text="We zoeken uit wat er met uw afspraken is gebeurd.",
        for_customer=True)
    cloud.cloud.settle()

    # Then the customer sees the status, the role of who handles it (never a name), the term and the
    # follow-up; the internal note is staff's alone
    seen = customer.get(f"/me/complaints/{complaint['complaint_id']}").json()
    assert seen["status"] == "in_progress" and seen["handler_role"] == "complaints_officer"
    assert seen["deadline_on"] == complaint["deadline_on"]
    assert [n["text"] for n in seen["notes"]] == ["We zoeken uit wat er met uw afspraken is gebeurd."]
    assert agent.email not in str(seen) and "boos" not in str(seen)
    assert "boos" not in str(customer.get("/me/timeline").json())
    # and each of staff's changes was told to them (taken, the follow-up; not the internal note)
    assert len(_mails(cloud, customer, complaint)) == 3

    # When it is answered and the customer is satisfied
    answered = _do(agent, customer, complaint, "/answer",
                   text="Excuses: de afspraken zijn door een storing in de planning vervallen. We crediteren de "
                        "voorrijkosten.")
    assert answered["status"] == "answered"
    closed = customer.post(f"/me/complaints/{complaint['complaint_id']}/reaction",
                           json={"version": customer.get(f"/me/complaints/{complaint['complaint_id']}").json()[
                               "version"], "satisfied": True})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    cloud.cloud.settle()

    # Then it is on their timeline from filing to closing
    titles = [e["type"] for e in customer.get("/me/timeline").json()["items"]
              if e.get("data", {}).get("complaint_id") == complaint["complaint_id"]]
    assert titles[0] == "ComplaintClosed" and titles[-1] == "ComplaintFiled"
    # and the customer is asked one question about the complaint's handling
    question = customer.get("/me/feedback/pending").json()["question"]
    assert question is not None and question["journey"] == "complaint"
    given = customer.post("/me/feedback", json={"journey": "complaint", "event_id": question["event_id"],
                                                "score": 4, "comment": "Netjes opgelost."})
    assert given.status_code == 201, given.text
    assert customer.get("/me/feedback/pending").json()["question"] is None


def test_staff_register_a_complaint_from_a_call_and_the_customer_follows_it_in_the_portal(cloud, customer, agent):
    open_before = agent.get("/agent/complaints").json()["figures"]["open"]
    answer = agent.post(f"/agent/customers/{customer.customer_id}/complaints",
                        json={"about": "staff", "text": "Klant belde: de medewerker aan de telefoon was onbeleefd.",
                              "channel": "phone"})
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert registered["filed_by"] == "staff" and registered["channel"] == "phone"
    mine = customer.get("/me/complaints").json()["items"]
    assert [c["complaint_id"] for c in mine] == [registered["complaint_id"]]
    # and staff see it on the desk's queue and in the customer's 360-degree view
    queued = agent.get("/agent/complaints").json()
    assert registered["complaint_id"] in [c["complaint_id"] for c in queued["items"]]
    assert queued["figures"]["open"] == open_before + 1
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert [c["complaint_id"] for c in view["complaints"]] == [registered["complaint_id"]]


def test_a_complaint_escalates_when_its_term_of_ten_working_days_passes_and_not_before_and_once(
        cloud, customer, agent, complaints_clock):
    # Given a complaint filed on Friday 18 December 2026: ten working days skip two weekends,
    # both days of Christmas and New Year's Day, so its term ends on Tuesday 5 January 2027
    _at(complaints_clock, "2026-12-18", 10)
    complaint = _file(customer)
    assert complaint["deadline_on"] == "2027-01-05"
    cloud.cloud.settle()

    # At 16:59 on its last day nothing happens
    _at(complaints_clock, "2027-01-05", 16, 59)
    _run(cloud)
    assert agent.get(_staff(customer, complaint)).json()["escalated"] is False
    assert customer.get(f"/me/complaints/{complaint['complaint_id']}").json()["overdue"] is False

    # At 17:01 it goes to the complaints lead, and the customer is told
    _at(complaints_clock, "2027-01-05", 17, 1)
    _run(cloud)
    escalated = agent.get(_staff(customer, complaint)).json()
    assert escalated["escalated"] is True and escalated["overdue"] is True
    assert escalated["handler_role"] == "complaints_lead"
    assert complaint["complaint_id"] in [c["complaint_id"] for c in
                                         agent.get("/agent/complaints", params={"queue": "escalated"}).json()["items"]]
    assert complaint["complaint_id"] not in [c["complaint_id"] for c in agent.get("/agent/complaints").json()["items"]]
    told = [m for m in _mails(cloud, customer, complaint) if "klachtencoördinator" in m["body"]]
    assert len(told) == 1
    # and staff's next best action is to handle it
    actions = agent.get(f"/agent/customers/{customer.customer_id}").json()["next_best_actions"]
    assert actions[0]["action"] == "handle_overdue_complaint"
    assert actions[0]["params"] == {"complaint_id": complaint["complaint_id"], "deadline": "2027-01-05"}

    # When the run comes again (and again), nothing more happens
    version = escalated["version"]
    assert _run(cloud)["escalated"] == 0
    assert _run(cloud)["escalated"] == 0
    assert agent.get(_staff(customer, complaint)).json()["version"] == version
    assert len([m for m in _mails(cloud, customer, complaint) if "klachtencoördinator" in m["body"]]) == 1


def test_an_extension_moves_the_term_once_with_notice(cloud, customer, agent, complaints_clock):
    _at(complaints_clock, "2026-12-18", 10)
    complaint = _file(customer)
    extended = _do(agent, customer, complaint, "/extension", reason="We wachten op het rapport van de monteur.")
    assert extended["deadline_on"] == "2027-01-19" and extended["extended"] is True
    again = agent.post(_staff(customer, complaint, "/extension"),
                       json={"version": extended["version"], "reason": "Nog steeds wachten."})
    assert again.status_code == 409 and again.json()["reason"] == "complaint_extended_already"
    cloud.cloud.settle()
    assert any("19 januari 2027" in m["body"] for m in _mails(cloud, customer, complaint))
    # the old term passes without an escalation
    _at(complaints_clock, "2027-01-06", 9)
    _run(cloud)
    assert agent.get(_staff(customer, complaint)).json()["escalated"] is False


def test_another_customers_complaint_is_not_found_and_a_customer_never_reads_internal_notes(
        cloud, customer, other_customer, agent):
    complaint = _file(customer)
    _do(agent, customer, complaint, "/notes", text="Intern: klant dreigt met de Geschillencommissie.",
        for_customer=False)
    for path in (f"/me/complaints/{complaint['complaint_id']}",):
        refused = other_customer.get(path)
        assert refused.status_code == 404 and refused.json()["reason"] == "complaint_not_found"
    reacted = other_customer.post(f"/me/complaints/{complaint['complaint_id']}/reaction",
                                  json={"version": 1, "satisfied": True})
    assert reacted.status_code == 404
    assert other_customer.get("/me/complaints").json()["items"] == []
    # the customer's own view and list hold no internal note
    own = customer.get(f"/me/complaints/{complaint['complaint_id']}").json()
    assert own["notes"] == [] and "Intern" not in str(customer.get("/me/complaints").json())
    # staff see it
    assert [n["for_customer"] for n in agent.get(_staff(customer, complaint)).json()["notes"]] == [False]
    # and a customer cannot reach the staff routes
    assert customer.get(_staff(customer, complaint)).status_code == 403


def test_a_filing_sent_twice_with_its_idempotency_key_is_one_complaint_and_one_acknowledgement(cloud, customer):
    key = uuid.uuid4().hex
    first = _file(customer, key)
    second = _file(customer, key)
    assert second["complaint_id"] == first["complaint_id"]
    other = _file(customer, uuid.uuid4().hex)
    assert other["complaint_id"] != first["complaint_id"]
    reused = customer.post("/me/complaints", headers={"Idempotency-Key": key},
                           json={"about": "invoice", "text": "Iets heel anders dan de eerste keer."})
    assert reused.status_code == 409 and reused.json()["reason"] == "idempotency_key_reused"
    cloud.cloud.settle()
    assert len(customer.get("/me/complaints").json()["items"]) == 2
    assert len(_mails(cloud, customer, first)) == 1


def test_a_complaint_names_only_what_is_in_the_customers_own_record(cloud, customer, other_customer):
    contact = other_customer.post("/me/contacts", json={"question": "Waar blijft mijn monteur?"})
    assert contact.status_code == 201, contact.text
    refused = customer.post("/me/complaints", json={
        "about": "service", "text": "Ik kreeg nooit antwoord op mijn vraag.",
        "reference": {"kind": "contact", "id": contact.json()["contact"]["contact_id"]}})
    assert refused.status_code == 400 and refused.json()["reason"] == "complaint_reference_unknown"


def test_not_satisfied_the_customer_reopens_the_answered_complaint_with_a_new_term(
        cloud, customer, agent, complaints_clock):
    _at(complaints_clock, "2027-02-01", 10)
    complaint = _file(customer)
    _do(agent, customer, complaint, "/answer", text="We hebben uw klacht bekeken en vinden hem ongegrond.")
    _at(complaints_clock, "2027-02-03", 10)
    version = customer.get(f"/me/complaints/{complaint['complaint_id']}").json()["version"]
    without_why = customer.post(f"/me/complaints/{complaint['complaint_id']}/reaction",
                                json={"version": version, "satisfied": False})
    assert without_why.status_code == 400
    reopened = customer.post(f"/me/complaints/{complaint['complaint_id']}/reaction",
                             json={"version": version, "satisfied": False,
                                   "text": "De monteur is echt niet geweest, ik was de hele dag thuis."})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "reopened" and reopened.json()["deadline_on"] == "2027-02-17"
    # why stays on the complaint for staff; the event on the bus carries none of the customer's words
    why = "De monteur is echt niet geweest, ik was de hele dag thuis."
    assert why in [n["text"] for n in agent.get(_staff(customer, complaint)).json()["notes"]]
    cloud.cloud.settle()
    [event] = [e for e in customer.get("/me/timeline").json()["items"]
               if e["type"] == "ComplaintUpdated" and e["data"]["change"] == "reopened"]
    assert "text" not in event["data"] and why not in str(event)
    # the time to reopen an answer lasts 14 days; then the run closes it
    _do(agent, customer, complaint, "/answer", text="U heeft gelijk: we crediteren de voorrijkosten.")
    _at(complaints_clock, "2027-02-18", 10)
    _run(cloud)
    assert customer.get(f"/me/complaints/{complaint['complaint_id']}").json()["status"] == "closed"


def test_two_runs_at_once_escalate_a_complaint_once_and_tell_the_customer_once(cloud, customer, complaints_clock):
    _at(complaints_clock, "2027-03-01", 10)
    complaint = _file(customer)
    _at(complaints_clock, "2027-03-15", 17, 30)  # ten working days later, past 17:00
    at_once([lambda: cloud.cloud.invoke("ComplaintDeadlinesFunction", {}),
             lambda: cloud.cloud.invoke("ComplaintDeadlinesFunction", {})])
    cloud.cloud.settle()
    seen = customer.get(f"/me/complaints/{complaint['complaint_id']}").json()
    assert seen["escalated"] is True and seen["handler_role"] == "complaints_lead"
    assert len([m for m in _mails(cloud, customer, complaint) if "klachtencoördinator" in m["body"]]) == 1
    assert [e["type"] for e in customer.get("/me/timeline").json()["items"]
            if e["data"].get("complaint_id") == complaint["complaint_id"]].count("ComplaintUpdated") == 1


def test_the_same_filing_sent_twice_at_once_is_one_complaint(cloud, customer):
    key = uuid.uuid4().hex
    body = {"about": "outage", "text": "Drie dagen geen internet en niemand liet iets weten."}
    answers = at_once([lambda: customer.post("/me/complaints", headers={"Idempotency-Key": key}, json=body)
                       for _ in range(2)])
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["complaint_id"] == answers[1].json()["complaint_id"]
    cloud.cloud.settle()
    assert len(customer.get("/me/complaints").json()["items"]) == 1
    assert len(_mails(cloud, customer, answers[0].json())) == 1


def test_a_long_answer_is_quoted_in_the_notice_to_a_word_and_read_whole_in_the_portal(cloud, customer, agent):
    complaint = _file(customer)
    long = " ".join(["Wij hebben alle afspraken van de afgelopen maanden nagelopen met de planning."] * 10)
    _do(agent, customer, complaint, "/answer", text=long)
    cloud.cloud.settle()
    assert customer.get(f"/me/complaints/{complaint['complaint_id']}").json()["answer"] == long
    [told] = [m for m in _mails(cloud, customer, complaint) if "Ons antwoord op uw klacht" in m["body"]]
    assert "… Lees het hele antwoord in uw account." in told["body"]
    assert long not in told["body"]


def test_a_complaint_for_a_customer_who_is_not_there_is_404_and_writes_nothing(cloud, agent):
    from tests.conftest import TableWrites

    nobody = str(uuid.uuid4())
    writes = TableWrites(cloud)
    answer = agent.post(f"/agent/customers/{nobody}/complaints",
                        json={"about": "service", "text": "Klant belde over een storing.", "channel": "phone"})
    assert (answer.status_code, answer.json()["reason"]) == (404, "customer_not_found")
    cloud.cloud.settle()
    assert [w for w in writes.since() if nobody in str(w)] == []
