"""How journey feedback is stored. What a customer was asked and answered lives in their partition
(the record and an erasure take it with the rest); the figures every answer adds to live in one
partition of their own, a counter per month, journey and channel."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.table import Item, customer_key

#: the journeys asked about after they end, and the one scored in the contact history
JOURNEYS = ("move", "payment", "signup", "dispute", "complaint")
CONTACT = "contact"
#: the scale of each question: "How easy was this?" 1-5 after a journey; the NPS question 0-10
#: after a contact
SCALES = {**dict.fromkeys(JOURNEYS, "ease"), CONTACT: "nps"}
LOWEST = {"ease": 1, "nps": 0}
HIGHEST = {"ease": 5, "nps": 10}
#: the answers counted as satisfied (easy: 4-5; promoters: 9-10) and as unhappy (hard: 1-2;
#: detractors: 0-6)
SATISFIED_FROM = {"ease": 4, "nps": 9}
UNHAPPY_UNTIL = {"ease": 2, "nps": 6}

PREFIX = "FEEDBACK#"


class FeedbackInvitation(Item, discriminator="FeedbackInvitation"):
    """SK FEEDBACK#JOURNEY#<ended_at>#<event_id>: a journey the customer finished, which may be
    asked about (kept two weeks: a question about something longer ago is not asked)."""

    SK_PREFIX = f"{PREFIX}JOURNEY#"

    journey = UnicodeAttribute()
    event_id = UnicodeAttribute()
    #: where the journey was done (web, app, agent...); None when the event does not say (a payment
    #: the bank confirmed): the answer's own channel stands in
    channel = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str, ended_at: str, event_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{ended_at}#{event_id}"


class FeedbackAsked(Item, discriminator="FeedbackAsked"):
    """SK FEEDBACK#ASKED: the question asked last (about which journey, when), and whether it was
    answered or declined: a customer is asked at most once a week. Versioned: two pages asking at
    the same moment ask one question."""

    SORT_KEY = f"{PREFIX}ASKED"

    journey = UnicodeAttribute()
    event_id = UnicodeAttribute()
    channel = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute()
    asked_at = UnicodeAttribute()
    answered_at = UnicodeAttribute(null=True)
    declined_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str) -> tuple[str, str]:
        return customer_key(customer_id), cls.SORT_KEY


class FeedbackAnswer(Item, discriminator="FeedbackAnswer"):
    """SK FEEDBACK#ANSWER#<event_id>: the customer's answer about one journey (one per journey:
    a second one is the first one again)."""

    SK_PREFIX = f"{PREFIX}ANSWER#"

    journey = UnicodeAttribute()
    event_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    scale = UnicodeAttribute()
    score = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str, event_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{event_id}"


class FeedbackFigures(Item, discriminator="FeedbackFigures"):
    """PK FEEDBACK_FIGURES, SK <yyyy-mm>#<journey>#<channel>: the month's answers about a journey
    on a channel (atomic additions after each answer is stored; never in a transaction)."""

    SHARED_COUNTER = True
    PARTITION = "FEEDBACK_FIGURES"

    month = UnicodeAttribute()
    journey = UnicodeAttribute()
    channel = UnicodeAttribute()
    answers = NumberAttribute(default=0)
    #: the scores added up (the average is total / answers)
    total = NumberAttribute(default=0)
    #: answers at the top of the scale (satisfied) and at its bottom (unhappy)
    satisfied = NumberAttribute(default=0)
    unhappy = NumberAttribute(default=0)

    @classmethod
    def keys(cls, month: str, journey: str, channel: str) -> tuple[str, str]:
        return cls.PARTITION, f"{month}#{journey}#{channel}"
