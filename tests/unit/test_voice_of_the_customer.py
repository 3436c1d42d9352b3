"""The pure parts of the voice of the customer: how an unanswered question's words are read, how
questions group by them, and how answers add up on each scale."""

from __future__ import annotations

from opencounter.contacts.records import UnansweredQuestion
from opencounter.contacts.unanswered import grouped, words
from opencounter.feedback.records import FeedbackFigures
from opencounter.feedback.service import summary
from opencounter.ideas.records import new_idea_id, pseudonym


def _asked(text: str, channel: str = "web") -> UnansweredQuestion:
    return UnansweredQuestion(question=text, channel=channel, contact_id="c", asked_at="2026-12-01T10:00:00.000Z")


def test_a_questions_words_leave_out_stop_words_accents_and_plurals():
    assert words("Kan ik mijn facturen per kwartaal krijgen?") == ["factur", "kwartaal", "krijg"]
    assert words("Waarom is mijn factuur zo hoog?") == ["waarom", "factur", "hoog"]
    assert words("Één café, two bills!") == ["cafe", "two", "bill"]


def test_questions_group_under_the_word_most_of_them_share():
    groups = grouped([_asked("Aansluiting pauzeren tijdens vakantie?"),
                      _asked("Kan ik mijn aansluiting op pauze zetten in de vakantie", "whatsapp"),
                      _asked("Vakantie: internet meenemen naar Frankrijk?"),
                      _asked("Hebben jullie een cadeaubon?")])
    assert groups[0]["questions"] == 3 and groups[0]["keywords"][0] == "vakantie"
    assert groups[0]["channels"] == {"web": 2, "whatsapp": 1}
    assert groups[1] == {"keywords": ["cadeaubon"], "questions": 1, "channels": {"web": 1},
                         "examples": ["Hebben jullie een cadeaubon?"]}


def test_answers_add_up_to_an_average_a_satisfied_share_and_on_the_nps_scale_a_score():
    rows = [FeedbackFigures(answers=4, total=30, satisfied=2, unhappy=1)]
    assert summary("nps", rows) == {"scale": "nps", "answers": 4, "average": 7.5, "satisfied_share": 0.5, "nps": 25}
    assert summary("ease", rows)["nps"] is None
    assert summary("ease", []) is None


def test_an_authors_pseudonym_differs_per_idea_and_no_id_says_who_posted_it():
    customer = "89b6efd6-88fe-5c76-8c78-723ce0b44706"
    first, second = new_idea_id(), new_idea_id()
    assert pseudonym(customer, first) == pseudonym(customer, first)
    assert len(pseudonym(customer, first)) == 4
    assert new_idea_id("idea", customer, "key") == new_idea_id("idea", customer, "key") != new_idea_id()
    assert customer[:8].upper() not in new_idea_id("idea", customer, "key")
    assert {pseudonym(customer, new_idea_id()) for _ in range(20)} != {pseudonym(customer, second)}
