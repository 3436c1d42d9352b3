"""Ideas, as customers and product owners work with them: post one (and edit it while it is new),
read others', vote once, comment, follow; staff answer, move an idea through its statuses with a
reason, and hide what breaks the house rules (the author reads why). What other customers read of
an idea never holds its author's name, address or customer id: a pseudonym per idea (records.pseudonym).
No HTTP here."""

from __future__ import annotations

import base64
import binascii
import heapq
import json
import re
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.ideas.records import (
    ERASED_AUTHOR,
    HIDDEN,
    IDEA_ID,
    OPEN,
    STATUSES,
    Follower,
    Idea,
    IdeaComment,
    IdeaLink,
    IdeaTally,
    Vote,
    new_idea_id,
    pseudonym,
)

#: ideas a page lists at most
PAGE = 20
#: comments an idea page shows (oldest first)
COMMENTS_SHOWN = 200
#: what a list shows of an idea's text
EXCERPT = 200
#: how the lists are sorted, and the states a list's `status` stands for
SORTS = ("votes", "newest")
STATES = {"open": OPEN, "all": STATUSES, **{s: (s,) for s in STATUSES}}
STAFF_STATES = {**STATES, HIDDEN: (HIDDEN,)}
#: tries at writing an idea's place in the ranking while others change its tally
RANK_TRIES = 5


# ------------------------------------------------------------------ reading


def _load(idea_id: str) -> Idea:
    if not IDEA_ID.fullmatch(idea_id):
        raise NotFound("no such idea", reason="idea_not_found")
    try:
        return Idea.get(*Idea.keys(idea_id), consistent_read=True)
    except Idea.DoesNotExist:
        raise NotFound("no such idea", reason="idea_not_found") from None


def _visible(idea_id: str, customer_id: str) -> Idea:
    """An idea a customer may read: any not hidden, and their own hidden one (with the reason)."""
    idea = _load(idea_id)
    if idea.hidden and idea.author_id != customer_id:
        raise NotFound("no such idea", reason="idea_not_found")
    return idea


def _open_for(idea_id: str, customer_id: str) -> Idea:
    """An idea a customer may vote on, follow or comment on: one not hidden."""
    idea = _load(idea_id)
    if idea.hidden:
        if idea.author_id == customer_id:
            raise Conflict("idea_id: moderation hid this idea", field="idea_id", reason="idea_hidden")
        raise NotFound("no such idea", reason="idea_not_found")
    return idea


def _tally_of(items: list[Item], idea_id: str) -> IdeaTally | None:
    return next((i for i in items if isinstance(i, IdeaTally) and i.PK == Idea.keys(idea_id)[0]), None)


def _counts(tally: IdeaTally | None) -> dict[str, int]:
    return {name: int(getattr(tally, name) or 0) if tally else 0 for name in ("votes", "comments", "followers")}


def _history(idea: Idea, *, staff: bool) -> list[dict[str, Any]]:
    return [{k: v for k, v in entry.items() if staff or k != "by"} for entry in idea.history]


def _answer(idea: Idea, *, staff: bool) -> dict[str, Any] | None:
    answers = [e for e in idea.history if e["kind"] == "answer"]
    return {k: v for k, v in answers[-1].items() if k in ("at", "text") or (staff and k == "by")} if answers else None


def _summary(idea: Idea, tally: IdeaTally | None, viewer: str | None, voted: bool, following: bool, *,
             staff: bool) -> dict[str, Any]:
    """An idea as a list shows it: what any customer may read of it, and the viewer's own marks."""
    view: dict[str, Any] = {
        "idea_id": idea.idea_id, "title": idea.title, "excerpt": idea.text[:EXCERPT], "topic": idea.topic,
        "status": idea.status, "created_at": idea.created_at, "updated_at": idea.updated_at,
        "author": {"pseudonym": pseudonym(idea.author_id, idea.idea_id), "you": idea.author_id == viewer},
        **_counts(tally), "voted": voted, "following": following,
        "answered": any(e["kind"] == "answer" for e in idea.history),
        "hidden": {"reason": idea.hidden["reason"], "at": idea.hidden["at"]} if idea.hidden and (
            staff or idea.author_id == viewer) else None}
    if staff:
        # whose idea: staff reach its author from here, and the read is on record for them
        view["customer_id"] = idea.author_id if idea.author_id != ERASED_AUTHOR else None
        if idea.hidden:
            view["hidden"] = idea.hidden
    return view


def _comment_view(comment: IdeaComment, idea: Idea, viewer: str | None, *, staff: bool) -> dict[str, Any] | None:
    mine = comment.author_id == viewer
    if comment.hidden and not (staff or mine):
        return None
    view: dict[str, Any] = {
        "comment_id": comment.comment_id, "text": comment.text, "created_at": comment.created_at,
        "author": {"pseudonym": pseudonym(comment.author_id, idea.idea_id), "you": mine,
                   "idea_author": comment.author_id == idea.author_id},
        "hidden": ({"reason": comment.hidden["reason"], "at": comment.hidden["at"]} if not staff else comment.hidden)
        if comment.hidden else None}
    return view


def _page(idea: Idea, viewer: str | None, *, staff: bool = False) -> dict[str, Any]:
    """The idea page: the idea in full, its tally, its status history and answers, its comments,
    and the viewer's own marks. Two reads: a BatchGet and a Query."""
    wanted = [IdeaTally.keys(idea.idea_id)]
    if viewer:
        wanted += [Vote.keys(idea.idea_id, viewer), Follower.keys(idea.idea_id, viewer)]
    found = _batch(wanted)
    tally = next((i for i in found if isinstance(i, IdeaTally)), None)
    comments = IdeaComment.query(idea.PK, IdeaComment.SK.startswith(IdeaComment.SK_PREFIX), limit=COMMENTS_SHOWN)
    view = _summary(idea, tally, viewer, any(isinstance(i, Vote) for i in found),
                    any(isinstance(i, Follower) for i in found), staff=staff)
    del view["excerpt"]
    shown = [_comment_view(c, idea, viewer, staff=staff) for c in comments if isinstance(c, IdeaComment)]
    return {**view, "text": idea.text, "history": _history(idea, staff=staff), "answer": _answer(idea, staff=staff),
            "comments": [c for c in shown if c is not None],
            "editable": idea.author_id == viewer and idea.status == "new" and not idea.hidden,
            "version": int(idea.version)}


def _batch(keys: list[tuple[str, str]]) -> list[Item]:
    """Items by their keys, in one BatchGet (a hundred keys at most: a page of ideas needs 60)."""
    if not keys:
        return []
    return list(Item.batch_get(keys))


def idea_page(idea_id: str, customer_id: str) -> dict[str, Any]:
    """One idea as a customer reads it (their own hidden one with moderation's reason)."""
    return _page(_visible(idea_id, customer_id), customer_id)


def staff_idea(idea_id: str) -> dict[str, Any]:
    """One idea as staff read it: its author's customer id (`customer_id`: the read is on record for
    them), every comment (hidden ones too, under their pseudonyms), who changed and answered what."""
    return _page(_load(idea_id), None, staff=True)


# ------------------------------------------------------------------ lists


_SORT_KEY = {"newest": re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z#I-[0-9A-F]{12}$"),
             "votes": re.compile(r"^\d{8}#\d{4}-\d\d-\d\dT[\d:.]+Z#I-[0-9A-F]{12}$")}


def _cursor_in(cursor: str | None, states: tuple[str, ...], sort: str) -> dict[str, str]:
    """Where each state's partition goes on ("" from its start); a state left out is done. Only
    the sort keys travel: the partitions come from the states asked for."""
    if not cursor:
        return dict.fromkeys(states, "")
    try:
        where = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor", reason="cursor_invalid") from error
    if not isinstance(where, dict) or not set(where) <= set(states) or not all(
            isinstance(v, str) and (v == "" or _SORT_KEY[sort].fullmatch(v)) for v in where.values()):
        raise InvalidInput("cursor: not a cursor this API gave out", field="cursor", reason="cursor_invalid")
    return where


def _cursor_out(where: dict[str, str]) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(where, sort_keys=True).encode()).decode() if where else None


def _start(model: type[Item], state: str, sort_key: str) -> dict[str, dict[str, str]] | None:
    if not sort_key:
        return None
    idea_id = sort_key.rsplit("#", 1)[1]
    partition, sort = model.keys(idea_id)  # type: ignore[attr-defined]
    return {"PK": {"S": partition}, "SK": {"S": sort}, "GSI1PK": {"S": model.list_partition(state)},  # type: ignore[attr-defined]
            "GSI1SK": {"S": sort_key}}


def idea_list(viewer: str | None, *, status: str | None = None, topic: str | None = None, sort: str | None = None,
              cursor: str | None = None, limit: int = PAGE, staff: bool = False) -> dict[str, Any]:
    """A page of ideas, most votes first or newest first, of one status, the open ones (new, under
    review, planned: the default) or all; of one topic or every one. Each status is a partition of
    GSI1; several are read side by side and merged, and the cursor says where each goes on."""
    states_of = STAFF_STATES if staff else STATES
    status, sort = status or "open", sort or "votes"
    if status not in states_of:
        raise InvalidInput(f"status: one of {', '.join(states_of)}", field="status", reason="field_choice",
                           choices=list(states_of))
    if sort not in SORTS:
        raise InvalidInput(f"sort: one of {', '.join(SORTS)}", field="sort", reason="field_choice", choices=list(SORTS))
    if topic is not None and topic not in ("service", "mobile", "internet", "energy"):
        raise InvalidInput("topic: service, mobile, internet or energy", field="topic", reason="field_choice",
                           choices=["service", "mobile", "internet", "energy"])
    model: type[Idea] | type[IdeaTally] = IdeaTally if sort == "votes" else Idea
    where = _cursor_in(cursor, states_of[status], sort)
    fetched: dict[str, list[Idea | IdeaTally]] = {}
    for state, after in where.items():
        fetched[state] = [item for item in model.lookup.query(
            model.list_partition(state), scan_index_forward=False, limit=limit,
            filter_condition=(model.topic == topic) if topic else None, last_evaluated_key=_start(model, state, after))
            if isinstance(item, Idea | IdeaTally)]
    merged = heapq.merge(*[[(item.GSI1SK, state, item) for item in items] for state, items in fetched.items()],
                         key=lambda entry: entry[0], reverse=True)
    taken = [entry for _, entry in zip(range(limit), merged, strict=False)]
    going_on: dict[str, str] = {}
    for state, items in fetched.items():
        mine = [sk for sk, s, _ in taken if s == state]
        if len(mine) < len(items):  # some fetched were not shown yet: go on after the last shown
            going_on[state] = mine[-1] if mine else where[state]
        elif len(items) == limit:  # all shown, and there may be more
            going_on[state] = mine[-1]
    ids = [str(item.idea_id) for _, _, item in taken]
    return {"items": _summaries(ids, viewer, staff=staff, listed=set(states_of[status])),
            "next_cursor": _cursor_out(going_on) if len(taken) == limit else None}


def _summaries(ids: list[str], viewer: str | None, *, staff: bool, listed: set[str]) -> list[dict[str, Any]]:
    """The ideas of a list with their tallies and the viewer's marks: one BatchGet. An idea whose
    ranking was not yet moved to its new status (a moment after a change) is left out where it no
    longer belongs."""
    keys = [k for i in ids for k in (Idea.keys(i), IdeaTally.keys(i))]
    if viewer:
        keys += [k for i in ids for k in (Vote.keys(i, viewer), Follower.keys(i, viewer))]
    found = _batch(keys)
    ideas = {i.idea_id: i for i in found if isinstance(i, Idea)}
    tallies = {i.PK: i for i in found if isinstance(i, IdeaTally)}
    votes = {i.PK for i in found if isinstance(i, Vote)}
    follows = {i.PK for i in found if isinstance(i, Follower)}
    out = []
    for idea_id in dict.fromkeys(ids):
        idea = ideas.get(idea_id)
        if idea is None or idea.listed_as not in listed or (idea.hidden and not staff):
            continue
        out.append(_summary(idea, tallies.get(idea.PK), viewer, idea.PK in votes, idea.PK in follows, staff=staff))
    return out


def top_ideas(limit: int = 10) -> list[dict[str, Any]]:
    """The open ideas with the most votes, as any customer reads them: under a pseudonym, never
    naming their authors (the voice of the customer shows no customer's data)."""
    return idea_list(None, status="open", sort="votes", limit=limit)["items"]


# ------------------------------------------------------------------ customers


def _idea_event(detail_type: str, idea: Idea, actor: dict, channel: str, **data: Any) -> DomainEvent:
    """An event about an idea, on its author's timeline: the idea's id and title, and what changed."""
    return domain_event(detail_type, customer_id=idea.author_id, actor=actor, channel=channel,
                        data={"idea_id": idea.idea_id, "title": idea.title, **data})


def post_idea(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str,
              key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A customer's new idea: stored with its author following it, and IdeaPosted, at once. With
    an Idempotency-Key the same key is the same idea (sent again: the idea posted the first time).
    Returns the idea page and whether it is new."""
    validate_request("idea-proposal", request)
    now = isoformat(utcnow())
    idea_id = new_idea_id("idea", customer_id, key) if key else new_idea_id()
    idea = Idea(*Idea.keys(idea_id), idea_id=idea_id, title=" ".join(request["title"].split()),
                text=request["text"].strip(), topic=request["topic"], status="new", author_id=customer_id,
                created_at=now, updated_at=now, history=[])
    idea.index()
    follower = Follower(*Follower.keys(idea_id, customer_id), customer_id=customer_id, since=now)
    try:
        commit([Write(idea, Idea.PK.does_not_exist(), conflict="posted already"), Write(follower),
                Write(_link(customer_id, idea_id, now))],
               [_idea_event("IdeaPosted", idea, actor, channel, topic=idea.topic)])
    except WriteConflict:
        earlier = _load(idea_id)
        if earlier.author_id != customer_id or earlier.title != idea.title or earlier.text != idea.text:
            raise Conflict("Idempotency-Key: used for another idea", field="Idempotency-Key",
                           reason="idempotency_key_reused") from None
        return _page(earlier, customer_id), False
    _count(idea, {"followers": 1})
    return _page(idea, customer_id), True


def own_idea(customer_id: str, idea_id: str) -> Idea:
    """The customer's own idea, checked before anything they sent is read: another customer's is
    403, and one that is no longer new (or was hidden) can no longer be edited."""
    idea = _load(idea_id)
    if idea.author_id != customer_id:
        if idea.hidden:
            raise NotFound("no such idea", reason="idea_not_found")
        raise Forbidden("idea_id: not your idea", field="idea_id", reason="idea_not_yours")
    if idea.hidden:
        raise Conflict("idea_id: moderation hid this idea", field="idea_id", reason="idea_hidden")
    if idea.status != "new":
        raise Conflict(f"status: the idea is {idea.status} and can no longer be changed", field="status",
                       reason="idea_not_editable", status=idea.status)
    return idea


def edit_idea(idea: Idea, request: dict[str, Any]) -> dict[str, Any]:
    """The author changes their idea while it is new (its title, text or topic)."""
    validate_request("idea-change", request)
    if "title" in request:
        idea.title = " ".join(request["title"].split())
    if "text" in request:
        idea.text = request["text"].strip()
    if "topic" in request:
        idea.topic = request["topic"]
    idea.updated_at = isoformat(utcnow())
    commit([Write(idea, Idea.status == "new", conflict="the idea changed meanwhile; read it again")], [])
    if "topic" in request:
        _count(idea, {}, topic_changed=True)
    return _page(idea, idea.author_id)


def _link(customer_id: str, idea_id: str, at: str) -> IdeaLink:
    """Where the customer's part in the idea is found from their record (their copy, their erasure)."""
    return IdeaLink(*IdeaLink.keys(customer_id, idea_id), idea_id=idea_id, at=at)


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def _mark(idea: Idea, mark: Vote | Follower, *, on: bool, counter: str) -> None:
    """Put a customer's vote or follow on an idea, or take it off, counting only the write that
    changed something: a conditional put of an absent mark, a conditional delete of a present one.
    The same request twice, or twice at once, counts once."""
    try:
        if on:
            mark.save(condition=type(mark).PK.does_not_exist())
        else:
            mark.delete(condition=type(mark).PK.exists())
    except (PutError, DeleteError) as error:
        if not _conditional_failed(error):
            raise
        return
    _count(idea, {counter: 1 if on else -1})


def _votable(customer_id: str, idea_id: str) -> Idea:
    idea = _open_for(idea_id, customer_id)
    if idea.status not in OPEN:
        raise Conflict(f"status: the idea is {idea.status}; votes are closed", field="status",
                       reason="idea_closed", status=idea.status)
    return idea


def vote(customer_id: str, idea_id: str) -> dict[str, Any]:
    """One vote per customer per idea, however often and however many at once (while it is open)."""
    idea = _votable(customer_id, idea_id)
    now = isoformat(utcnow())
    _link(customer_id, idea_id, now).save()  # first: a vote is never stored that the record cannot find
    _mark(idea, Vote(*Vote.keys(idea_id, customer_id), customer_id=customer_id, voted_at=now), on=True,
          counter="votes")
    return _page(idea, customer_id)


def unvote(customer_id: str, idea_id: str) -> dict[str, Any]:
    """Take a vote back (while the idea is open)."""
    idea = _votable(customer_id, idea_id)
    _mark(idea, Vote(*Vote.keys(idea_id, customer_id)), on=False, counter="votes")
    return _page(idea, customer_id)


def follow(customer_id: str, idea_id: str) -> dict[str, Any]:
    """Be told on one's preferred channel when the idea moves on or is answered."""
    idea = _open_for(idea_id, customer_id)
    now = isoformat(utcnow())
    _link(customer_id, idea_id, now).save()
    _mark(idea, Follower(*Follower.keys(idea_id, customer_id), customer_id=customer_id, since=now), on=True,
          counter="followers")
    return _page(idea, customer_id)


def unfollow(customer_id: str, idea_id: str) -> dict[str, Any]:
    idea = _visible(idea_id, customer_id)
    _mark(idea, Follower(*Follower.keys(idea_id, customer_id)), on=False, counter="followers")
    return _page(idea, customer_id)


def add_comment(customer_id: str, idea_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """A customer's comment under an idea (theirs or another's), shown under their pseudonym."""
    idea = _open_for(idea_id, customer_id)
    validate_request("idea-comment", request)
    now = utcnow()
    comment_id = IdeaComment.new_id(now)
    comment = IdeaComment(*IdeaComment.keys(idea_id, comment_id), comment_id=comment_id, author_id=customer_id,
                          text=request["text"].strip(), created_at=isoformat(now))
    commit([Write(comment, IdeaComment.PK.does_not_exist()), Write(_link(customer_id, idea_id, isoformat(now)))], [])
    _count(idea, {"comments": 1})
    return _page(idea, customer_id)


# ------------------------------------------------------------------ the tally and its ranking


def _count(idea: Idea, added: dict[str, int], *, topic_changed: bool = False) -> None:
    """Add to the idea's tally (and count the change), then write its place in the ranking. What
    the tally keeps of the idea is set only where it has none yet (a status change may have moved
    it meanwhile), but for a topic the author just changed."""
    topic = IdeaTally.topic.set(idea.topic if topic_changed else IdeaTally.topic | idea.topic)
    _change(idea, [getattr(IdeaTally, name).add(amount) for name, amount in added.items()]
            + [topic, IdeaTally.listed_as.set(IdeaTally.listed_as | idea.listed_as)])


def _listed_as(idea: Idea) -> None:
    """The tally lists the idea under its new status (or hidden)."""
    _change(idea, [IdeaTally.listed_as.set(idea.listed_as), IdeaTally.topic.set(IdeaTally.topic | idea.topic)])


def _change(idea: Idea, actions: list[Any]) -> None:
    IdeaTally(*IdeaTally.keys(idea.idea_id)).update(actions=[
        *actions, IdeaTally.changes.add(1), Item.entity.set(IdeaTally), IdeaTally.idea_id.set(idea.idea_id),
        IdeaTally.created_at.set(idea.created_at)])
    _rank(idea.idea_id)


def _rank(idea_id: str) -> None:
    """Write the tally's place on GSI1 as it stands, only if nobody changed it since it was read:
    whoever changes it last also ranks it last, so the ranking ends at the last change. Given up
    after a few tries while others keep changing it (each of them ranks it after)."""
    for _ in range(RANK_TRIES):
        tally = IdeaTally.get(*IdeaTally.keys(idea_id), consistent_read=True)
        partition, sort = tally.rank()
        if (tally.GSI1PK, tally.GSI1SK) == (partition, sort) and tally.ranked == tally.changes:
            return
        try:
            tally.update(actions=[IdeaTally.GSI1PK.set(partition), IdeaTally.GSI1SK.set(sort),
                                  IdeaTally.ranked.set(int(tally.changes))],
                         condition=IdeaTally.changes == int(tally.changes))
            return
        except UpdateError as error:
            if not _conditional_failed(error):
                raise


# ------------------------------------------------------------------ staff


def change_status(idea_id: str, request: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """A product owner moves an idea on (under review, planned, done, declined) with a reason every
    reader sees; IdeaStatusChanged tells its followers."""
    validate_request("idea-status", request)
    idea = _load(idea_id)
    if idea.hidden:
        raise Conflict("idea_id: moderation hid this idea", field="idea_id", reason="idea_hidden")
    if request["status"] == idea.status:
        raise Conflict(f"status: the idea is {idea.status} already", field="status", reason="idea_status_same",
                       status=idea.status)
    now, previous = isoformat(utcnow()), idea.status
    reason = request["reason"].strip()
    idea.status, idea.updated_at = request["status"], now
    idea.history = [*idea.history, {"at": now, "kind": "status", "status": idea.status, "text": reason,
                                    "by": actor["id"]}]
    idea.index()
    commit([Write(idea, conflict="the idea changed meanwhile; read it again")],
           [_idea_event("IdeaStatusChanged", idea, actor, "agent", status=idea.status, previous_status=previous,
                        reason=reason)])
    _listed_as(idea)
    return _page(idea, None, staff=True)


def answer_idea(idea_id: str, request: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """A product owner answers an idea, for everyone to read; IdeaAnswered tells its followers."""
    validate_request("idea-answer", request)
    idea = _load(idea_id)
    if idea.hidden:
        raise Conflict("idea_id: moderation hid this idea", field="idea_id", reason="idea_hidden")
    now, text = isoformat(utcnow()), request["text"].strip()
    idea.updated_at = now
    idea.history = [*idea.history, {"at": now, "kind": "answer", "status": idea.status, "text": text,
                                    "by": actor["id"]}]
    commit([Write(idea, conflict="the idea changed meanwhile; read it again")],
           [_idea_event("IdeaAnswered", idea, actor, "agent", status=idea.status, answer=text)])
    return _page(idea, None, staff=True)


def hide_idea(idea_id: str, request: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """Moderation hides an idea that breaks the house rules: gone from every list and page but its
    author's, who reads the reason (and is told it, IdeaHidden)."""
    validate_request("idea-hiding", request)
    idea = _load(idea_id)
    if idea.hidden:
        raise Conflict("idea_id: hidden already", field="idea_id", reason="idea_hidden")
    now, reason = isoformat(utcnow()), request["reason"].strip()
    idea.hidden, idea.updated_at = {"reason": reason, "at": now, "by": actor["id"]}, now
    idea.index()
    commit([Write(idea, conflict="the idea changed meanwhile; read it again")],
           [_idea_event("IdeaHidden", idea, actor, "agent", reason=reason)])
    _listed_as(idea)
    return _page(idea, None, staff=True)


def hide_comment(idea_id: str, comment_id: str, request: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """Moderation hides a comment: gone for everyone but its author, who reads the reason."""
    validate_request("idea-hiding", request)
    idea = _load(idea_id)
    try:
        comment = IdeaComment.get(*IdeaComment.keys(idea_id, comment_id), consistent_read=True)
    except IdeaComment.DoesNotExist:
        raise NotFound("comment_id: no such comment of this idea", field="comment_id",
                       reason="comment_not_found") from None
    if comment.hidden:
        raise Conflict("comment_id: hidden already", field="comment_id", reason="comment_hidden")
    comment.hidden = {"reason": request["reason"].strip(), "at": isoformat(utcnow()), "by": actor["id"]}
    commit([Write(comment, conflict="the comment changed meanwhile")], [])
    return _page(idea, None, staff=True)


# ------------------------------------------------------------------ a customer erased


def mentions(text: str, personal: list[str]) -> bool:
    """Whether `text` names any of `personal` (a customer's names, e-mail address, phone number,
    street, postcode): a word or phrase as a whole, in any case; a phone number by its last nine
    digits, however written."""
    lowered, digits = text.casefold(), re.sub(r"\D", "", text)
    for said in (p.strip() for p in personal):
        if not said:
            continue
        if re.fullmatch(r"[+\d\s().-]{8,}", said):
            tail = re.sub(r"\D", "", said)[-9:]
            if len(tail) == 9 and tail in digits:
                return True
        elif re.search(rf"(?<!\w){re.escape(said.casefold())}(?!\w)", lowered):
            return True
    return False


def _ideas_of(customer_id: str) -> list[str]:
    """The ideas the customer took part in, as their record's links name them."""
    return [link.idea_id for link in IdeaLink.query(customer_key(customer_id), IdeaLink.SK.startswith(
        IdeaLink.SK_PREFIX), consistent_read=True) if isinstance(link, IdeaLink)]


def ideas_taken_part_in(customer_id: str) -> int:
    """How many ideas the customer posted, voted on, commented on or followed."""
    return len(_ideas_of(customer_id))


def _delete_idea(idea: Idea) -> None:
    """An idea gone whole: the idea, its tally and ranking, every vote, follower, comment and mark."""
    with Item.batch_write() as batch:
        for item in Item.query(idea.PK, consistent_read=True):
            batch.delete(item)


def _anonymise_vote(idea_id: str, customer_id: str) -> bool:
    """The customer's vote, still counted once but nobody's (one transaction: no count changes)."""
    try:
        vote_of = Vote.get(*Vote.keys(idea_id, customer_id), consistent_read=True)
    except Vote.DoesNotExist:
        return False
    try:
        commit([Write(Vote(*Vote.keys(idea_id, customer_id)), Vote.PK.exists(), delete=True),
                Write(Vote.anonymous(idea_id, vote_of.voted_at), Vote.PK.does_not_exist())], [])
    except WriteConflict:
        return False  # taken back or anonymised meanwhile (a step run again)
    return True


def _delete_comments(idea: Idea, customer_id: str) -> int:
    deleted = 0
    for comment in IdeaComment.query(idea.PK, IdeaComment.SK.startswith(IdeaComment.SK_PREFIX),
                                     filter_condition=IdeaComment.author_id == customer_id, consistent_read=True):
        try:
            comment.delete(condition=IdeaComment.PK.exists())
        except DeleteError as error:
            if not _conditional_failed(error):
                raise
            continue
        deleted += 1
        _count(idea, {"comments": -1})
    return deleted


def erase_customer(customer_id: str, personal: list[str]) -> dict[str, int]:
    """The customer's part in the ideas, erased (GDPR art. 17), safe to run again. Their votes stay
    counted, as nobody's; their follows and comments go (the tallies counting them down); an idea of
    theirs stays on the board without an author (nobody's pseudonym, no customer id) only when it
    was not hidden by moderation and names none of `personal` (their names, addresses, numbers);
    else it goes whole, with everyone's votes, follows and comments on it. What it did, counted."""
    done = dict.fromkeys(("ideas_kept_without_author", "ideas_deleted", "votes_anonymised", "follows_deleted",
                          "comments_deleted"), 0)
    for idea_id in _ideas_of(customer_id):
        try:
            idea = Idea.get(*Idea.keys(idea_id), consistent_read=True)
        except Idea.DoesNotExist:
            continue  # deleted whole before (by this erasure, run again)
        authored = idea.author_id == customer_id
        if authored and (idea.hidden or mentions(f"{idea.title}\n{idea.text}", personal)):
            _delete_idea(idea)
            done["ideas_deleted"] += 1
            continue
        done["votes_anonymised"] += _anonymise_vote(idea_id, customer_id)
        follower = Follower(*Follower.keys(idea_id, customer_id))
        if Follower.count(follower.PK, Follower.SK == follower.SK, consistent_read=True):
            _mark(idea, follower, on=False, counter="followers")
            done["follows_deleted"] += 1
        done["comments_deleted"] += _delete_comments(idea, customer_id)
        if authored:
            idea.author_id = ERASED_AUTHOR
            # (changed by staff at the same moment: the version refuses it, and the step runs again)
            commit([Write(idea, conflict="the idea changed meanwhile")], [])
            done["ideas_kept_without_author"] += 1
    return done
