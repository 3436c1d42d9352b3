"""Ids that are the same however often they are made: a retried step that creates the customer
of a sign-up, announces a move or bills a month derives the id from what it is about, so the
table (a condition on the key) or a consumer (the event id) recognises the second attempt."""

from __future__ import annotations

import uuid


def stable_id(*about: str) -> str:
    """A UUID derived from `about` (e.g. stable_id("move-completed", move_id))."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "opencounter/" + "/".join(about)))
