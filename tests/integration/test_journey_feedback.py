"""Feedback after a journey: a customer who moved, paid, signed up or had a dispute decided is
asked one question ("How easy was this?", 1-5) with room for a comment, at most one a week, and
the answer counts once in the figures of its journey and channel. Operations read those figures,
the contacts' NPS per channel and the questions the FAQ could not answer on /agent/voice."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.template import ROOT
from opencounter.core.clock import business_today, isoformat
from tests.conftest import Caller, TableWrites, at_once, new_customer

SAMPLES = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts" / "events" / "samples"
MOVE = {"street": "Lange Voorhout", "house_number": 34, "postcode": "2514ee", "city": "Den Haag"}


class Clock:
    """Now, as the feedback service reads it; moved on by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr("opencounter.feedback.service.utcnow", ticking)
    return ticking


def _moved(customer: Caller) -> None:
    moved = customer.post("/me/moves", json={**MOVE, "move_date": business_today().isoformat()})
    assert moved.status_code == 201, moved.text


def _journey_ended(cloud, customer: Caller, detail_type: str, at: datetime) -> dict:
    """An event that ends a journey, as the bus hands it to the feedback function."""
    event = copy.deepcopy(json.loads((SAMPLES / f"{detail_type}.json").read_text()))
    event["detail"].update(event_id=str(uuid.uuid4()), customer_id=customer.customer_id, occurred_at=isoformat(at))
    assert cloud.cloud.invoke("JourneyEndsFunction", event) == {"outcome": "invited"}
    return event["detail"]


def _figures(agent: Caller, journey: str, channel: str) -> dict:
    row = next((j for j in agent.get("/agent/voice").json()["per_journey"] if j["journey"] == journey), None)
    found = next((c["figures"] for c in row["channels"] if c["channel"] == channel), None) if row else None
    return found or {"answers": 0}


def test_after_a_move_the_customer_is_asked_how_easy_it_was_and_the_answer_counts_once(cloud, customer, agent):
    before = _figures(agent, "move", "web")["answers"]
    # Given a customer who told us about their move in the portal
    _moved(customer)

    # Then the portal has one question for them: how easy was the move?
    question = customer.get("/me/feedback/pending").json()["question"]
    assert (question["journey"], question["scale"], question["lowest"], question["highest"]) == ("move", "ease", 1, 5)
    assert customer.get("/me/feedback/pending").json()["question"] == question  # asked again: the same one

    # When they answer it, twice at once (a double click)
    body = {"event_id": question["event_id"], "journey": "move", "score": 4, "comment": "Snel, maar de datum zocht ik."}
    first, second = at_once([lambda: customer.post("/me/feedback", json=body)] * 2)

    # Then it is kept once, on the channel the move was made on, and counted once
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert (first.json()["channel"], first.json()["score"]) == ("web", 4)
    assert customer.get("/me/feedback/pending").json() == {"question": None}
    assert _figures(agent, "move", "web")["answers"] == before + 1


def test_at_most_one_question_a_week_about_the_latest_journey(cloud, customer, clock):
    # Given a move, and a payment the next day
    _moved(customer)
    moving = customer.get("/me/feedback/pending").json()["question"]
    paid = _journey_ended(cloud, customer, "PaymentReceived", clock.now + timedelta(days=1))
    clock.later(days=1, hours=1)

    # Then within the week the question stays the one about the move; once answered, none is asked
    assert customer.get("/me/feedback/pending").json()["question"]["event_id"] == moving["event_id"]
    assert customer.post("/me/feedback", json={"event_id": moving["event_id"], "journey": "move", "score": 5}).ok
    clock.later(days=5)
    assert customer.get("/me/feedback/pending").json() == {"question": None}

    # When a week has passed since the question, the payment is asked about; answered from the app
    clock.later(days=1)
    question = customer.get("/me/feedback/pending").json()["question"]
    assert (question["journey"], question["event_id"]) == ("payment", paid["event_id"])
    given = customer.post("/me/feedback", json={"event_id": paid["event_id"], "journey": "payment", "score": 2},
                          headers={"X-Client": "app"})
    assert given.json()["channel"] == "app"  # the bank confirmed it: where the customer answers stands in

    # And a week on, with nothing newer, nothing is asked; a journey of over two weeks ago is not asked about
    clock.later(days=8)
    _journey_ended(cloud, customer, "DisputeDecided", clock.now - timedelta(days=15))
    assert customer.get("/me/feedback/pending").json() == {"question": None}


def test_rather_not_puts_the_question_away_and_a_bad_answer_writes_nothing(cloud, customer):
    _moved(customer)
    question = customer.get("/me/feedback/pending").json()["question"]
    writes = TableWrites(cloud)

    # Bad answers name the field and write nothing
    for body, status, field in (
            ({"event_id": str(uuid.uuid4()), "journey": "move", "score": 3}, 404, "event_id"),
            ({"event_id": question["event_id"], "journey": "payment", "score": 3}, 400, "journey"),
            ({"event_id": question["event_id"], "journey": "move", "score": 6}, 400, "score"),
            ({"event_id": question["event_id"], "journey": "move"}, 400, "score"),
            ({"event_id": question["event_id"], "journey": "move", "score": 3, "comment": "x" * 1001}, 400, "comment")):
        refused = customer.post("/me/feedback", json=body)
        assert (refused.status_code, refused.json()["field"]) == (status, field), refused.text
    assert writes.since() == []

    # Rather not: not asked again, and an answer after it is refused
    assert customer.post("/me/feedback/dismissal", json={"event_id": question["event_id"]}).json() == {"question": None}
    assert customer.get("/me/feedback/pending").json() == {"question": None}
    late = customer.post("/me/feedback", json={"event_id": question["event_id"], "journey": "move", "score": 3})
    assert (late.status_code, late.json()["reason"]) == (409, "feedback_declined")


def test_the_voice_of_the_customer_shows_nps_per_channel_and_the_questions_the_faq_could_not_answer(
        cloud, agent, office_hours):
    # Given contacts scored on the chat and questions no FAQ article answers, asked in other words
    scored = new_customer(cloud)
    before = next((c["contact"] for c in agent.get("/agent/voice").json()["per_channel"] if c["channel"] == "web"),
                  None) or {"answers": 0}
    asked = scored.post("/me/contacts", json={"question": "Kan ik mijn aansluiting pauzeren tijdens de vakantie?"})
    contact_id = asked.json()["contact"]["contact_id"]
    assert scored.post(f"/me/contacts/{contact_id}/choice", json={"choice": "self_service"}).ok
    assert scored.post(f"/me/contacts/{contact_id}/feedback", json={"score": 10}).ok
    assert scored.post(f"/me/contacts/{contact_id}/feedback", json={"score": 9}).ok  # changed: counted once
    other = new_customer(cloud)
    other.post("/me/contacts", json={"question": "Aansluiting tijdelijk pauzeren tijdens een lange vakantie"})
    other.post("/me/contacts", json={"question": "Hoe zet ik mijn aansluiting op pauze in de vakantie?"})

    voice = agent.get("/agent/voice").json()

    # Then the web's contacts have one more answer, a promoter
    web = next(c["contact"] for c in voice["per_channel"] if c["channel"] == "web")
    assert web["answers"] == before["answers"] + 1 and web["scale"] == "nps"
    # And the three questions are one group, named by their shared words, with the channel they came in on
    group = next(g for g in voice["unanswered"]["groups"] if "vakantie" in g["keywords"])
    assert group["questions"] >= 3 and "aansluiting" in group["keywords"] and group["channels"]["web"] >= 3
    assert "Kan ik mijn aansluiting pauzeren tijdens de vakantie?" in json.dumps(voice, ensure_ascii=False)
    # And no customer's id is in it
    assert scored.customer_id not in json.dumps(voice)


def test_operations_read_which_reasons_for_contact_a_page_an_invoice_line_or_a_notice_could_prevent(
        cloud, customer, agent):
    def prevention() -> dict:
        return agent.get("/agent/voice").json()["prevention"]

    before = prevention()
    counted = {r["reason"]: r["contacts"] for r in before["top"]}
    most = max(counted.values(), default=0)
    # Given more customers ask about moving than about anything else, then about their invoice, and
    # more still make a complaint
    moving, invoice, complaint = most + 4 - counted.get("move", 0), most + 2 - counted.get("invoice", 0), most + 5
    for _ in range(moving):
        assert customer.post("/me/contacts", json={"question": "I am moving to a new address next month"}).ok
    for _ in range(invoice):
        assert customer.post("/me/contacts", json={"question": "Question about my invoice"}).ok
    for _ in range(complaint):
        assert customer.post("/me/contacts", json={"question": "Ik wil een klacht indienen over de monteur"}).ok

    after = prevention()
    # Then every contact counts, per journey
    assert after["contacts"] == before["contacts"] + moving + invoice + complaint
    journeys = {j["journey"]: j["contacts"] for j in after["journeys"]}
    assert journeys["move"] == most + 4 and journeys["service"] >= most + 5
    # and moving leads the preventable reasons, by its own page; then the invoice, by a clearer line
    first, second = after["top"][:2]
    assert (first["reason"], first["journey"], first["prevent_by"], first["page"]) == (
        "move", "move", "self_service", "/me/moves")
    assert (second["reason"], second["journey"], second["prevent_by"], second["page"]) == (
        "invoice", "billing", "invoice_line", None)
    assert first["share"] == round(first["contacts"] / after["contacts"], 3) > second["share"] > 0
    # while a complaint, the most asked of all, is a person's judgement: no page prevents it
    assert "complaint" not in {r["reason"] for r in after["top"]}
