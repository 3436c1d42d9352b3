"""The questions the FAQ could not answer: every contact whose reason fell into "other" keeps its
question beside it, listed by month; the editors read them grouped by their words, as candidates
for new articles.

The grouping is plain on purpose: words lower-cased, accents dropped, stop words and short words
left out, a plural's -en or -s cut; each question joins the group of its word that most questions
share. Its words are what an FAQ article is found by (faq.matching matches keywords), so a group's
words are the new article's keywords as they stand; a clustering library would bring a model and
megabytes to every cold start for a few hundred questions a month, and groups nobody can explain."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from opencounter.contacts.faq import OTHER
from opencounter.contacts.records import Contact, UnansweredQuestion
from opencounter.core.clock import business_today
from opencounter.core.outbox import Write

KEPT = timedelta(days=90)
#: words that say nothing about what a question is about, Dutch and English
STOP_WORDS = frozenset("""
aan al alle als bij dan dat de deze die dit doe doen door een eens en er geen had heb hebben heeft het hier hoe
hun ik in is je jij kan kun kunnen maar me meer met mijn moet mogelijk na naar niet nog nu of om onder ons ook op
over te tot u uw van veel voor waar wanneer wat we wel werd wie wij wil wilt word wordt zal ze zij zijn zo zou
a about am an and any are as at be been but by can could do does for from get got has have how i if in into is
it its me my no not of on or our please so than that the their them then there this to up was we what when where
which who why will with would you your hallo hoi goedendag dag beste bedankt dank thanks hello hi graag vraag
question help hulp jullie kunt mag per welke even
""".split())
#: examples a group shows
EXAMPLES = 3


def unanswered(contact: Contact) -> list[Write]:
    """The write that keeps a contact's question for the FAQ's editors, when no article matched it
    (nothing otherwise); put in the contact's own transaction."""
    if contact.reason != OTHER or not contact.subject.strip():
        return []
    question = UnansweredQuestion(*UnansweredQuestion.keys(contact.customer_id, contact.contact_id),
                                  contact_id=contact.contact_id, channel=contact.channel,
                                  question=contact.subject.strip(), asked_at=contact.started_at,
                                  expires_at=datetime.fromisoformat(contact.started_at.replace("Z", "+00:00")) + KEPT)
    question.index()
    return [Write(question, UnansweredQuestion.PK.does_not_exist())]


def words(text: str) -> list[str]:
    """The words a question is about: lower case, without accents, stop words and words of fewer
    than three letters, a plural's -en or -s cut (facturen, factuur: factur; bills: bill)."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    found = []
    for word in re.findall(r"[a-z0-9]+", plain):
        if len(word) < 3 or word in STOP_WORDS or word.isdigit():
            continue
        if len(word) > 5 and word.endswith("en"):
            word = word[:-2]
        elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word.endswith("uur"):  # factuur and facturen alike
            word = word[:-3] + "ur"
        found.append(word)
    return list(dict.fromkeys(found))


def questions_since(since: date) -> list[UnansweredQuestion]:
    """Every question kept since `since`, newest first: one Query of GSI1 per month."""
    months, month = [], date(since.year, since.month, 1)
    today = business_today()
    while month <= today:
        months.append(month.isoformat()[:7])
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    found: list[UnansweredQuestion] = []
    for name in reversed(months):
        found += [q for q in UnansweredQuestion.lookup.query(UnansweredQuestion.list_partition(name),
                                                             UnansweredQuestion.GSI1SK >= since.isoformat(),
                                                             scan_index_forward=False)
                  if isinstance(q, UnansweredQuestion)]
    return found


def grouped(questions: list[UnansweredQuestion], limit: int = 10) -> list[dict[str, Any]]:
    """The questions grouped by the word most of them share, largest group first: each group's
    count, its words (the most common first: candidate keywords), the channels it came in on and a
    few examples as asked."""
    said = [(q, words(q.question)) for q in questions]
    shared = Counter(w for _, ws in said for w in ws)
    groups: dict[str, list[tuple[UnansweredQuestion, list[str]]]] = {}
    for question, ws in said:
        key = min(ws, key=lambda w: (-shared[w], w)) if ws else ""
        groups.setdefault(key, []).append((question, ws))
    out: list[dict[str, Any]] = []
    for key, members in groups.items():
        common = Counter(w for _, ws in members for w in ws)
        out.append({"keywords": [w for w, _ in common.most_common(4)] if key else [],
                    "questions": len(members),
                    "channels": dict(Counter(q.channel for q, _ in members).most_common()),
                    "examples": [q.question for q, _ in members[:EXAMPLES]]})
    out.sort(key=lambda g: (-g["questions"], g["keywords"][:1]))
    return out[:limit]
