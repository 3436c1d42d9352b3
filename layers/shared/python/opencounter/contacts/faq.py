"""The live FAQ: articles linked to contact reasons, found from a question's words, and ranked
by how often their reasons actually came in over the last seven days (the ranking moves as
contacts come in)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from opencounter.contacts.records import REASONS_KEPT, FaqArticle, ReasonCount
from opencounter.core.outbox import Write
from opencounter.core.retention import after
from opencounter.core.table import Item

WINDOW = timedelta(days=7)
OTHER = "other"


def load_faq(document: dict[str, Any]) -> int:
    """Store the articles of an FAQ file (faq/articles.json), replacing those no longer in it."""
    stale = {a.article_id for a in FaqArticle.query(FaqArticle.PARTITION)} - {a["id"] for a in document["articles"]}
    with FaqArticle.batch_write() as batch:
        for position, article in enumerate(document["articles"]):
            batch.save(FaqArticle(*FaqArticle.keys(article["id"]), article_id=article["id"],
                                  question=article["question"], answer=article["answer"],
                                  reasons=article["reasons"], keywords=article["keywords"],
                                  self_service=article.get("self_service"), position=position))
        for article_id in stale:
            batch.delete(FaqArticle(*FaqArticle.keys(article_id)))
    return len(document["articles"])


LANGUAGES = ("nl", "en")


def _in(language: str, texts: dict[str, str]) -> str:
    return texts.get(language) or texts[LANGUAGES[0]]


def _article_view(article: FaqArticle, language: str) -> dict[str, Any]:
    """An article in `language` (Dutch when it has no text in it)."""
    action = article.self_service
    return {"article_id": article.article_id, "question": _in(language, article.question),
            "answer": _in(language, article.answer), "reasons": article.reasons,
            "self_service": {**action, "label": _in(language, action["label"])} if action else None}


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def matching(question: str, language: str = LANGUAGES[0],
             articles: list[FaqArticle] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The contact reason of a question and the articles that answer it (in `language`), best
    first: an article scores one point per keyword (a whole word or phrase, in either language)
    found in the question."""
    articles = articles if articles is not None else list(FaqArticle.query(FaqArticle.PARTITION))
    words = _words(question)
    scored = sorted(((sum(1 for k in a.keywords if f" {k.lower()} " in words), -int(a.position), a)
                     for a in articles), key=lambda s: (s[0], s[1]), reverse=True)
    found = [a for score, _, a in scored if score > 0]
    reason = found[0].reasons[0] if found else OTHER
    return reason, [_article_view(a, language) for a in found[:3]]


def ranked(today: date, language: str = LANGUAGES[0]) -> dict[str, Any]:
    """Every article in `language`, most asked about first: the contacts of the last seven days
    per reason, summed over an article's reasons (ties keep the editors' order). Two Queries."""
    counts: dict[str, int] = {}
    first = (today - WINDOW + timedelta(days=1)).isoformat()
    for count in ReasonCount.query(ReasonCount.PARTITION, ReasonCount.SK >= first):
        counts[count.reason] = counts.get(count.reason, 0) + int(count.contacts)
    articles = sorted(FaqArticle.query(FaqArticle.PARTITION),
                      key=lambda a: (-sum(counts.get(r, 0) for r in a.reasons), int(a.position)))
    return {"since": first, "contacts_per_reason": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
            "articles": [{**_article_view(a, language), "asked_recently": sum(counts.get(r, 0) for r in a.reasons)}
                         for a in articles]}


def reason_counted(reason: str, day: date) -> Write:
    """The counter update that counts one contact for a reason on a day (after the contact is stored)."""
    return Write(ReasonCount(*ReasonCount.keys(day.isoformat(), reason)), actions=[
        Item.entity.set(ReasonCount), ReasonCount.day.set(day.isoformat()), ReasonCount.reason.set(reason),
        ReasonCount.contacts.add(1), Item.expires_at.set(after(day.isoformat(), REASONS_KEPT))])
