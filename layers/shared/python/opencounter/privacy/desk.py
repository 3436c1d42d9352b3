"""What the privacy officer keeps watch over besides the reads: the data-subject requests (the open
ones soonest legal deadline first, those past it marked, and the ones answered most recent first),
the erasures done as their receipts tell them, and what every kind of item is kept for
(privacy.retention)."""

from __future__ import annotations

from typing import Any

from opencounter.core.clock import business_today
from opencounter.privacy.erasure import erasures_done
from opencounter.privacy.requests import done_requests, open_requests
from opencounter.privacy.retention import retention_settings


def requests_overview(limit: int = 100) -> dict[str, Any]:
    """{"open": [... "overdue"], "done": [...], "overdue": n}: two Queries of GSI1."""
    today = business_today().isoformat()
    waiting = [{**r, "overdue": r["due_on"] < today} for r in open_requests(limit)]
    return {"open": waiting, "done": done_requests(limit), "overdue": sum(r["overdue"] for r in waiting)}


def retention_overview() -> dict[str, Any]:
    """{"items": every kind of item, then what else holds personal data: how long, from when, how
    and why}: no table read."""
    return {"items": retention_settings()}


def erasures_overview(limit: int = 100) -> dict[str, Any]:
    """{"items": the erasures done, most recent first}: their receipts, naming no one (one Query of
    GSI1)."""
    return {"items": erasures_done(limit)}
