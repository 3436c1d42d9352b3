"""The voice of the customer, for operations: how satisfied customers are per channel and per
journey (the seed demands the same quality on every channel), the ideas with the most votes, the
questions the FAQ could not answer, grouped as candidates for new articles, and the reasons for
contact a page, a clearer invoice line or a notice could prevent (contacts/prevention.py). Read from counters
kept as answers arrive, the ranking of ideas and the questions kept by month: never a scan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from opencounter.contacts.prevention import prevention
from opencounter.contacts.unanswered import grouped, questions_since
from opencounter.core.clock import business_today
from opencounter.feedback.service import voice_figures
from opencounter.ideas.service import top_ideas

#: the unanswered questions of this many days
QUESTIONS_WINDOW = timedelta(days=30)
TOP_IDEAS = 10


def _first_month(today: date, months: int) -> str:
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


def voice(months: int = 3) -> dict[str, Any]:
    """The figures of the last `months` months (this one included), the top ideas, the questions
    of the last 30 days no article answered, grouped, and the preventable reasons for contact of
    the last 30 days."""
    today = business_today()
    since = _first_month(today, months)
    asked_since = today - QUESTIONS_WINDOW
    questions = questions_since(asked_since)
    return {"since": since, **voice_figures(since), "top_ideas": top_ideas(TOP_IDEAS),
            "unanswered": {"since": asked_since.isoformat(), "questions": len(questions),
                           "groups": grouped(questions)},
            "prevention": prevention(today)}
