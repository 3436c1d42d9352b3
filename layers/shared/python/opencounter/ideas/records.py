"""How ideas are stored. Each idea is a partition of its own, `IDEA#<id>`: the idea, its tally
(votes, comments, followers), and one item per vote, follower and comment, so a vote is one
conditional put (one per customer) and the idea page is two reads. The author's customer id is
kept on the idea for staff and for the author; nothing public is built from it but a pseudonym.

Lists come from GSI1, one partition per status (and one for what moderation hid): the ideas
themselves newest first (`IDEAS#<STATUS>`), their tallies most votes first (`IDEAVOTES#<STATUS>`).

Where a customer took part (posted, voted, commented, followed) is also kept in their own
partition (`IdeaLink`), so their part is found without a scan: for a copy of their data and for
their erasure (ideas/erasure.py)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute

from opencounter.core.table import Item, customer_key

#: an idea's life; customers vote on the open ones
STATUSES = ("new", "under_review", "planned", "done", "declined")
OPEN = ("new", "under_review", "planned")
#: where an idea hidden by moderation is listed instead of under its status
HIDDEN = "hidden"
#: what an idea is about: a kind of product on sale, or the service itself
TOPICS = ("service", "mobile", "internet", "energy")
IDEA_ID = re.compile(r"^I-[0-9A-F]{12}$")
#: the author of an idea kept after its author was erased: nobody
ERASED_AUTHOR = "erased"
COMMENT_ID = re.compile(r"^C-\d{8}T\d{6}-[0-9a-f]{8}$")


def pseudonym(customer_id: str, idea_id: str) -> str:
    """How a customer is named under one idea: four hex characters of a hash of the idea and the
    customer, the same under that idea every time and unrelated under the next (nobody can follow
    one person from idea to idea), never the customer's name, address or id."""
    return hashlib.sha256(f"opencounter/idea/{idea_id}/{customer_id}".encode()).hexdigest()[:4].upper()


def new_idea_id(*about: str) -> str:
    """A new idea's id: random, or derived from `about` (a customer's Idempotency-Key) so a request
    sent twice makes one idea. Nothing of the customer can be read back from it."""
    seed = hashlib.sha256("/".join(about).encode()).hexdigest() if about else uuid.uuid4().hex
    return f"I-{seed[:12].upper()}"


def _partition(idea_id: str) -> str:
    return f"IDEA#{idea_id}"


class Idea(Item, discriminator="Idea"):
    """PK IDEA#<id>, SK IDEA: the idea, its status with every change and answer, and moderation's
    word when it hid it. Versioned: an edit by the author and a change by staff at the same moment
    cannot overwrite each other. On GSI1 `IDEAS#<STATUS>` (or `IDEAS#HIDDEN`), newest first."""

    SORT_KEY = "IDEA"
    LIST_PREFIX = "IDEAS#"

    idea_id = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute()
    topic = UnicodeAttribute()
    status = UnicodeAttribute()
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    #: [{"at", "kind": "status" | "answer", "status", "text", "by"}]: every status change (its
    #: reason in text) and every answer, oldest first
    history = JSONAttribute(default=list)
    #: {"reason", "at", "by"} once moderation hid it
    hidden = JSONAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, idea_id: str) -> tuple[str, str]:
        return _partition(idea_id), cls.SORT_KEY

    @property
    def listed_as(self) -> str:
        return HIDDEN if self.hidden else self.status

    @classmethod
    def list_partition(cls, state: str) -> str:
        return f"{cls.LIST_PREFIX}{state.upper()}"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.list_partition(self.listed_as), f"{self.created_at}#{self.idea_id}"


class IdeaTally(Item, discriminator="IdeaTally"):
    """PK IDEA#<id>, SK TALLY: votes, comments and followers, each an atomic addition after the
    vote, comment or follower is stored (never in a transaction: many customers add at once). Its
    place on GSI1 (`IDEAVOTES#<STATUS>` / `<votes>#<created_at>#<id>`, most votes first) is written
    after each change by whoever changed it, only while nobody changed it since (`changes`), so
    the ranking always ends at the last change."""

    SHARED_COUNTER = True
    SORT_KEY = "TALLY"
    LIST_PREFIX = "IDEAVOTES#"

    idea_id = UnicodeAttribute(null=True)
    topic = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    #: the status it is listed under, or "hidden"
    listed_as = UnicodeAttribute(null=True)
    votes = NumberAttribute(default=0)
    comments = NumberAttribute(default=0)
    followers = NumberAttribute(default=0)
    #: every change counted: the ranking written is that of change number `ranked`
    changes = NumberAttribute(default=0)
    ranked = NumberAttribute(null=True)

    @classmethod
    def keys(cls, idea_id: str) -> tuple[str, str]:
        return _partition(idea_id), cls.SORT_KEY

    @classmethod
    def list_partition(cls, state: str) -> str:
        return f"{cls.LIST_PREFIX}{state.upper()}"

    def rank(self) -> tuple[str, str]:
        """Where it belongs on GSI1 as it stands."""
        return (self.list_partition(self.listed_as or "new"),
                f"{max(0, int(self.votes)):08d}#{self.created_at}#{self.idea_id}")


class Vote(Item, discriminator="Vote"):
    """PK IDEA#<id>, SK VOTE#<customer id>: a customer's vote, one per customer (a conditional put).
    A voter erased leaves their vote counted, as nobody's: SK VOTE#ERASED-<random>, no customer
    id, the day it was cast only."""

    SK_PREFIX = "VOTE#"
    ERASED_PREFIX = "ERASED-"

    #: None: the voter was erased
    customer_id = UnicodeAttribute(null=True)
    voted_at = UnicodeAttribute()

    @classmethod
    def keys(cls, idea_id: str, customer_id: str) -> tuple[str, str]:
        return _partition(idea_id), f"{cls.SK_PREFIX}{customer_id}"

    @classmethod
    def anonymous(cls, idea_id: str, voted_at: str) -> Vote:
        """A vote that still counts once but is nobody's: its key random, its moment the day."""
        return cls(*cls.keys(idea_id, f"{cls.ERASED_PREFIX}{uuid.uuid4().hex[:16].upper()}"), customer_id=None,
                   voted_at=voted_at[:10])


class Follower(Item, discriminator="Follower"):
    """PK IDEA#<id>, SK FOLLOWER#<customer id>: someone told when the idea moves on (the author
    from the start)."""

    SK_PREFIX = "FOLLOWER#"

    customer_id = UnicodeAttribute()
    since = UnicodeAttribute()

    @classmethod
    def keys(cls, idea_id: str, customer_id: str) -> tuple[str, str]:
        return _partition(idea_id), f"{cls.SK_PREFIX}{customer_id}"


class IdeaComment(Item, discriminator="IdeaComment"):
    """PK IDEA#<id>, SK COMMENT#<comment id> (the id starts with the time: the comments read in
    order); hidden by moderation with a reason its author reads."""

    SK_PREFIX = "COMMENT#"

    comment_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()
    hidden = JSONAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, idea_id: str, comment_id: str) -> tuple[str, str]:
        return _partition(idea_id), f"{cls.SK_PREFIX}{comment_id}"

    @staticmethod
    def new_id(now: datetime) -> str:
        return f"C-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


class FollowersTold(Item, discriminator="FollowersTold"):
    """PK IDEA#<id>, SK TOLD#<event id>: the followers' pages of an event were handed to the queue
    (a redelivered event hands them over no second time). Kept a week."""

    idea_id = UnicodeAttribute()

    @staticmethod
    def keys(idea_id: str, event_id: str) -> tuple[str, str]:
        return _partition(idea_id), f"TOLD#{event_id}"


class IdeaLink(Item, discriminator="IdeaLink"):
    """PK CUSTOMER#<id>, SK IDEA#<idea id>: the customer took part in this idea (posted, voted,
    commented or followed; `at` the latest time), so their part, which lives in the idea's partition,
    is found from their record: for a copy of their data and for their erasure. Goes with the record."""

    SK_PREFIX = "IDEA#"

    idea_id = UnicodeAttribute()
    at = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str, idea_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{idea_id}"
