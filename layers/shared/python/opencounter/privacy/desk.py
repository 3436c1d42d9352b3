"""The data-subject requests as the privacy officer keeps watch over them: the open ones soonest
legal deadline first, those past it marked, and the ones answered most recent first."""

from __future__ import annotations

from typing import Any

from opencounter.core.clock import business_today
from opencounter.privacy.requests import done_requests, open_requests


def requests_overview(limit: int = 100) -> dict[str, Any]:
    """{"open": [... "overdue"], "done": [...], "overdue": n}: two Queries of GSI1."""
    today = business_today().isoformat()
    waiting = [{**r, "overdue": r["due_on"] < today} for r in open_requests(limit)]
    return {"open": waiting, "done": done_requests(limit), "overdue": sum(r["overdue"] for r in waiting)}
