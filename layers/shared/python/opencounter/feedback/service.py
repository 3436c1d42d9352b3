"""One question after a journey: when a move is registered, a payment received, a sign-up
activated, a dispute decided or a complaint closed, the customer may be asked "How easy was this?" (1-5) with room for
a comment, at most once a week, about the latest journey of the last two weeks. The answer is kept
in the customer's record and added to the figures of its journey and channel. No HTTP here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.feedback.records import (
    HIGHEST,
    LOWEST,
    SATISFIED_FROM,
    SCALES,
    UNHAPPY_UNTIL,
    FeedbackAnswer,
    FeedbackAsked,
    FeedbackFigures,
    FeedbackInvitation,
)

#: a journey is asked about until two weeks after it ended
INVITATION_KEPT = timedelta(days=14)
#: a customer is asked at most one question in this time
QUESTION_INTERVAL = timedelta(days=7)
#: the events that end a journey, and which journey they end
JOURNEY_ENDS = {"CustomerMoved": "move", "PaymentReceived": "payment", "SignupActivated": "signup",
                "DisputeDecided": "dispute", "ComplaintClosed": "complaint"}
#: channels an event can name that are no place where the customer did anything
NOT_A_PLACE = frozenset({"system"})


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def invite(detail_type: str, detail: dict[str, Any]) -> str:
    """A journey ended (an event of JOURNEY_ENDS): keep it to be asked about, once however often
    the event comes. "invited", "duplicate", or "not_a_customer" (an event about no customer)."""
    customer_id = detail.get("customer_id")
    if not customer_id:
        return "not_a_customer"
    ended_at = detail["occurred_at"]
    invitation = FeedbackInvitation(
        *FeedbackInvitation.keys(customer_id, ended_at, detail["event_id"]), journey=JOURNEY_ENDS[detail_type],
        event_id=detail["event_id"], channel=None if detail["channel"] in NOT_A_PLACE else detail["channel"],
        ended_at=ended_at, expires_at=_moment(ended_at) + INVITATION_KEPT)
    try:
        commit([Write(invitation, FeedbackInvitation.PK.does_not_exist(), conflict="kept already")], [])
    except WriteConflict:
        return "duplicate"
    return "invited"


def _question(asked: FeedbackAsked) -> dict[str, Any]:
    scale = SCALES[asked.journey]
    return {"journey": asked.journey, "event_id": asked.event_id, "ended_at": asked.ended_at,
            "asked_at": asked.asked_at, "scale": scale, "lowest": LOWEST[scale], "highest": HIGHEST[scale]}


def _feedback_items(customer_id: str) -> list[Item]:
    """What was asked last and the journeys that may be asked about: one Query (consistent, so a
    page asking again right after another sees its question)."""
    return list(Item.query(customer_key(customer_id), Item.SK.between(
        FeedbackAsked.SORT_KEY, f"{FeedbackInvitation.SK_PREFIX}\uffff"), consistent_read=True))


def pending(customer_id: str) -> dict[str, Any]:
    """The one question to ask the customer now, or none ({"question": None}). The question asked
    this week stays the question until it is answered or declined; a week after it was asked, the
    latest journey that ended after the one asked about (within two weeks) is asked about."""
    for _ in range(2):
        items = _feedback_items(customer_id)
        asked = next((i for i in items if isinstance(i, FeedbackAsked)), None)
        now = utcnow()
        if asked is not None and now - _moment(asked.asked_at) < QUESTION_INTERVAL:
            still_open = asked.answered_at is None and asked.declined_at is None
            return {"question": _question(asked) if still_open else None}
        newer = [i for i in items if isinstance(i, FeedbackInvitation) and now - _moment(i.ended_at) < INVITATION_KEPT
                 and (asked is None or i.ended_at > asked.ended_at)]
        if not newer:
            return {"question": None}
        latest = max(newer, key=lambda i: (i.ended_at, i.event_id))
        question = FeedbackAsked(*FeedbackAsked.keys(customer_id), journey=latest.journey, event_id=latest.event_id,
                                 channel=latest.channel, ended_at=latest.ended_at, asked_at=isoformat(now))
        if asked is not None:  # replaced only as it was read: a page asking at the same moment wins or loses whole
            question.version = asked.version
        try:
            commit([Write(question, conflict="another page asked at the same moment")], [])
        except WriteConflict:
            continue  # another page asked at the same moment: its question is the one
        return {"question": _question(question)}
    raise Conflict("the question kept changing; ask again", reason="busy_try_again")


def _asked(customer_id: str, event_id: str, journey: str | None = None) -> FeedbackAsked:
    try:
        asked = FeedbackAsked.get(*FeedbackAsked.keys(customer_id), consistent_read=True)
    except FeedbackAsked.DoesNotExist:
        asked = None
    if asked is None or asked.event_id != event_id:
        raise NotFound("event_id: no question was asked about this event", field="event_id",
                       reason="feedback_not_asked")
    if journey is not None and asked.journey != journey:
        raise InvalidInput("journey: the question was about another journey", field="journey",
                           reason="feedback_other_journey")
    return asked


def _answer_view(answer: FeedbackAnswer) -> dict[str, Any]:
    return {"journey": answer.journey, "event_id": answer.event_id, "channel": answer.channel, "scale": answer.scale,
            "score": int(answer.score), "comment": answer.comment, "answered_at": answer.answered_at}


def _stored_answer(customer_id: str, event_id: str) -> FeedbackAnswer | None:
    try:
        return FeedbackAnswer.get(*FeedbackAnswer.keys(customer_id, event_id), consistent_read=True)
    except FeedbackAnswer.DoesNotExist:
        return None


def answer(customer_id: str, request: dict[str, Any], *, channel: str) -> tuple[dict[str, Any], bool]:
    """The customer's answer to the question asked (naming the journey and the event it follows),
    kept and counted once: the same answer sent again is the first one, not counted again. The
    journey's own channel where it has one, else `channel` (where the answer comes from). Returns
    the answer and whether it was new."""
    validate_request("journey-feedback", request)
    asked = _asked(customer_id, request["event_id"], request["journey"])
    if asked.answered_at is not None:
        stored = _stored_answer(customer_id, asked.event_id)
        if stored is not None:
            return _answer_view(stored), False
    if asked.declined_at is not None:
        raise Conflict("event_id: the question was declined", field="event_id", reason="feedback_declined")
    now = utcnow()
    scale = SCALES[asked.journey]
    score = int(request["score"])  # the schema holds it to the journeys' scale, 1-5
    comment = (request.get("comment") or "").strip() or None
    given = FeedbackAnswer(*FeedbackAnswer.keys(customer_id, asked.event_id), journey=asked.journey,
                           event_id=asked.event_id, channel=asked.channel or channel, scale=scale, score=score,
                           comment=comment, answered_at=isoformat(now))
    asked.answered_at = isoformat(now)
    try:
        commit([Write(given, FeedbackAnswer.PK.does_not_exist(), conflict="answered already"),
                Write(asked, conflict="the question changed meanwhile")], [],
               counters=[scored(asked.journey, given.channel, score, business_today())])
    except WriteConflict:
        stored = _stored_answer(customer_id, asked.event_id)
        if stored is None:
            raise
        return _answer_view(stored), False  # the same answer sent twice at once: the first one stands
    return _answer_view(given), True


def decline(customer_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The customer would rather not answer: the question is not asked again (nor another this week)."""
    validate_request("journey-feedback-dismissal", request)
    asked = _asked(customer_id, request["event_id"])
    if asked.answered_at is None and asked.declined_at is None:
        asked.declined_at = isoformat(utcnow())
        try:
            commit([Write(asked, conflict="the question changed meanwhile")], [])
        except WriteConflict:
            asked = _asked(customer_id, request["event_id"])  # declined or answered at the same moment
    return {"question": None}


# ------------------------------------------------------------------ figures


def scored(journey: str, channel: str, score: int, day: date) -> Write:
    """The counter update that adds one answer of `score` about `journey` on `channel` to the
    month's figures (after the answer is stored)."""
    scale = SCALES[journey]
    month = day.isoformat()[:7]
    return Write(FeedbackFigures(*FeedbackFigures.keys(month, journey, channel)), actions=[
        Item.entity.set(FeedbackFigures), FeedbackFigures.month.set(month), FeedbackFigures.journey.set(journey),
        FeedbackFigures.channel.set(channel), FeedbackFigures.answers.add(1), FeedbackFigures.total.add(score),
        FeedbackFigures.satisfied.add(int(score >= SATISFIED_FROM[scale])),
        FeedbackFigures.unhappy.add(int(score <= UNHAPPY_UNTIL[scale]))])


def figures_since(month: str) -> list[FeedbackFigures]:
    """Every month's figures from `month` (YYYY-MM) on, of every journey and channel: one Query."""
    return list(FeedbackFigures.query(FeedbackFigures.PARTITION, FeedbackFigures.SK >= month))


def summary(scale: str, rows: list[FeedbackFigures]) -> dict[str, Any] | None:
    """Answers on one scale added up: how many, the average score, the share satisfied (the top of
    the scale: 4-5 easy, 9-10 promoters) and, on the NPS scale, the Net Promoter Score (% promoters
    minus % detractors). None without answers."""
    answers = sum(int(r.answers) for r in rows)
    if not answers:
        return None
    satisfied, unhappy = sum(int(r.satisfied) for r in rows), sum(int(r.unhappy) for r in rows)
    return {"scale": scale, "answers": answers, "average": round(sum(float(r.total) for r in rows) / answers, 2),
            "satisfied_share": round(satisfied / answers, 3),
            "nps": round(100 * (satisfied - unhappy) / answers) if scale == "nps" else None}


def voice_figures(month: str) -> dict[str, Any]:
    """The figures since `month`, per channel (the contacts' NPS, the journeys' ease) and per
    journey (in all, and per channel): the same quality on every channel, shown side by side."""
    rows = figures_since(month)
    channels = sorted({r.channel for r in rows})
    per_channel = [{"channel": channel,
                    "contact": summary("nps", [r for r in rows if r.channel == channel and SCALES[r.journey] == "nps"]),
                    "journeys": summary("ease", [r for r in rows if r.channel == channel
                                                 and SCALES[r.journey] == "ease"])}
                   for channel in channels]
    per_journey = []
    for journey, scale in SCALES.items():
        mine = [r for r in rows if r.journey == journey]
        per_journey.append({"journey": journey, "scale": scale, "figures": summary(scale, mine),
                            "channels": [{"channel": c, "figures": summary(scale, [r for r in mine if r.channel == c])}
                                         for c in sorted({r.channel for r in mine})]})
    return {"per_channel": per_channel, "per_journey": per_journey}
