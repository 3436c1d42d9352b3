"""Prevention at the source: the reasons customers contact us about most, counted per journey,
and of those the ones a page of their own, a clearer invoice line or a notice before they ask
could have spared them, most contacts first, for operations. Read from the contacts counted per
reason and day as they come in (ReasonCount) and the FAQ's self-service pages: two Queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from opencounter.contacts.faq import OTHER
from opencounter.contacts.records import FaqArticle, ReasonCount

#: the days counted
WINDOW = timedelta(days=30)
#: the preventable reasons listed
TOP = 5

#: each contact reason: the journey it belongs to, and what would prevent it at the source:
#: "self_service" (the journey's own page, the FAQ article's), "invoice_line" (what the invoice
#: says, said more clearly), "notice" (told before they ask), "faq_article" (an answer that does
#: not exist yet: the unanswered questions); None: a person's judgement, which no page replaces
PREVENTION: dict[str, tuple[str, str | None]] = {
    "invoice": ("billing", "invoice_line"),
    "payment": ("payment", "self_service"),
    "usage": ("usage", "self_service"),
    "move": ("move", "self_service"),
    "product_change": ("products", "self_service"),
    "cancellation": ("products", "self_service"),
    "outage": ("outage", "notice"),
    "signup": ("signup", "self_service"),
    "complaint": ("service", None),
    OTHER: ("other", "faq_article"),
}


def prevention(today: date) -> dict[str, Any]:
    """{"since", "contacts", "journeys": [{"journey", "contacts"}] most first, "top": the TOP
    preventable reasons, most contacts first: [{"reason", "journey", "contacts", "share" (of all
    contacts, 0..1), "prevent_by", "page" (the self-service page's path, or None)}]}."""
    since = (today - WINDOW + timedelta(days=1)).isoformat()
    counts: dict[str, int] = {}
    for count in ReasonCount.query(ReasonCount.PARTITION, ReasonCount.SK >= since):
        counts[count.reason] = counts.get(count.reason, 0) + int(count.contacts)
    pages = {reason: (article.self_service or {}).get("path") for article in FaqArticle.query(FaqArticle.PARTITION)
             for reason in article.reasons if article.self_service}
    total = sum(counts.values())
    journeys: dict[str, int] = {}
    for reason, contacts in counts.items():
        journey = PREVENTION.get(reason, (OTHER, None))[0]
        journeys[journey] = journeys.get(journey, 0) + contacts
    preventable = sorted(((reason, contacts) for reason, contacts in counts.items()
                          if PREVENTION.get(reason, (OTHER, None))[1] and contacts), key=lambda rc: (-rc[1], rc[0]))
    top = [{"reason": reason, "journey": PREVENTION[reason][0], "contacts": contacts,
            "share": round(contacts / total, 3), "prevent_by": PREVENTION[reason][1],
            "page": pages.get(reason) if PREVENTION[reason][1] == "self_service" else None}
           for reason, contacts in preventable[:TOP]]
    return {"since": since, "contacts": total,
            "journeys": [{"journey": j, "contacts": n} for j, n in sorted(journeys.items(), key=lambda jn: -jn[1])],
            "top": top}
