"""Telling an idea's followers that it moved on or was answered: each on their preferred channel,
through the notifier (purpose service: it is about something they asked to follow), once per
event however often the event or a page comes.

Followers can be many, so they are read a page at a time, as a mailing reads customers: the event
puts the first page on the followers' queue (once: a redelivered event finds it handed over), and
each page tells its followers and puts the next one on the queue. Each follower is decided once,
under a key derived from the event and the follower (the notifier's own record of a message), so a
page delivered twice tells nobody twice."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import PutError

from opencounter.core import queues
from opencounter.core.clock import utcnow
from opencounter.core.ids import stable_id
from opencounter.ideas.records import Follower, FollowersTold
from opencounter.notifications.service import notify

#: followers read and told per page (one message, one invocation)
PAGE_SIZE = 100
TOLD_KEPT = timedelta(days=7)
#: the events followers are told of
TOLD_OF = ("IdeaStatusChanged", "IdeaAnswered")


def hand_over(detail_type: str, detail: dict[str, Any]) -> str:
    """The event's first page of followers on the queue, once: "queued", or "duplicate" for an
    event whose pages were handed over before. The queue first, then the mark: a process dying in
    between hands them over again, and the followers' own records keep anyone from being told twice."""
    idea_id = detail["data"]["idea_id"]
    told = FollowersTold(*FollowersTold.keys(idea_id, detail["event_id"]), idea_id=idea_id,
                         expires_at=utcnow() + TOLD_KEPT)
    if FollowersTold.count(told.PK, FollowersTold.SK == told.SK, consistent_read=True):
        return "duplicate"
    queues.enqueue("idea_follower_queue_url", [{"detail_type": detail_type, "detail": detail, "cursor": None}])
    try:
        told.save(condition=FollowersTold.PK.does_not_exist())
    except PutError:
        pass  # handed over at the same moment by a second delivery: its followers are told once all the same
    return "queued"


def tell_page(work: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """Tell one page of an event's followers; the next page (None after the last) and what came of
    each follower (the notifier's outcomes: sent_email, already_sent, not_sent_no_consent...)."""
    detail_type, detail = work["detail_type"], work["detail"]
    idea_id = detail["data"]["idea_id"]
    cursor = json.loads(work["cursor"]) if work.get("cursor") else None
    page = Follower.query(Follower.keys(idea_id, "")[0], Follower.SK.startswith(Follower.SK_PREFIX), limit=PAGE_SIZE,
                          last_evaluated_key=cursor)
    outcomes: dict[str, int] = {}
    for follower in page:
        if not isinstance(follower, Follower):
            continue
        told = stable_id("idea-follower", detail["event_id"], follower.customer_id)
        outcome = notify(detail_type, {**detail, "customer_id": follower.customer_id, "event_id": told})
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    following = page.last_evaluated_key
    return ({**work, "cursor": json.dumps(following)} if following else None), outcomes


def enqueue(work: dict[str, Any]) -> None:
    queues.enqueue("idea_follower_queue_url", [work])
