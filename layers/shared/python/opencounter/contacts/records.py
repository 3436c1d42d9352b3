"""How contacts, requests and the FAQ are stored. A customer's contacts and requests live in
their partition (the 360-degree view reads them with the rest of the record); contacts from
senders not yet linked to a customer wait in their own partition."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from opencounter.core.retention import years_after
from opencounter.core.table import Item, customer_key

UNMATCHED = "CONTACTS#UNMATCHED"
#: GSI1 partition of the contacts waiting for an agent
QUEUE = "QUEUE"
#: years a contact (its messages, notes and solution) and a request are kept once closed: no law
#: sets one; long enough to follow up a complaint about the same matter and to see a customer's
#: history on every channel, not longer
CLOSED_KEPT_YEARS = 2
#: a contact's statuses once it is over (answered by self-service, resolved, hung up waiting, a
#: planned call-back cancelled by the customer)
CLOSED = ("SELF_SERVED", "RESOLVED", "ABANDONED", "CANCELLED")
#: the range of the table where the planned call-backs of every slot are counted
CALLBACK_SLOTS = "CALLBACKS"
#: a slot's count is kept a day past its start: of use only while the slot can be booked or moved
CALLBACK_SLOTS_KEPT = timedelta(days=1)
#: contact reasons counted per day (no personal data): a year of them, for the FAQ's editors
REASONS_KEPT = timedelta(days=366)


def contact_partition(customer_id: str | None) -> str:
    return customer_key(customer_id) if customer_id else UNMATCHED


class Contact(Item, discriminator="Contact"):
    """SK CONTACT#<contact_id> (the id starts with the time, so contacts sort by time). While it
    waits for an agent it is on GSI1 (QUEUE, oldest first, every channel: the agents' queue is one
    Query)."""

    SK_PREFIX = "CONTACT#"

    contact_id = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()
    sender = UnicodeAttribute(null=True)
    subject = UnicodeAttribute()
    reason = UnicodeAttribute()
    #: OFFERED (self-service shown) | SELF_SERVED | QUEUED | IN_PROGRESS | RESOLVED | ABANDONED
    #: (a caller who hung up before an agent answered)
    status = UnicodeAttribute()
    started_at = UnicodeAttribute()
    queued_at = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    handler = UnicodeAttribute(null=True)
    #: [{"at", "from": customer|agent, "channel", "text"}]
    messages = JSONAttribute(default=list)
    #: [{"at", "by", "text", "for_customer": bool}]
    notes = JSONAttribute(default=list)
    solution = UnicodeAttribute(null=True)
    first_contact_resolution = BooleanAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    predicted_wait_s = NumberAttribute(null=True)
    #: a phone contact asked for online: the number the agent calls back
    callback_to = UnicodeAttribute(null=True)
    #: a call-back booked for a time slot {"start", "end"} (UTC): in the queue from its start
    #: (`queued_at` is the start), moved or cancelled by the customer until then
    planned = JSONAttribute(null=True)
    #: when a planned call-back was found not called within its slot and the grace after it
    missed_at = UnicodeAttribute(null=True)
    #: a call (or Connect chat): Connect's ContactId, and when the line closed
    provider_id = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    nps = NumberAttribute(null=True)
    authenticated = BooleanAttribute(default=True)
    #: a dispute filed: the contact follows it (open while it is assessed, resolved when decided)
    dispute_id = UnicodeAttribute(null=True)
    #: where each mail of the contact is kept raw, as SES stored it: [{"bucket", "key"}] (the bucket
    #: lets them go after 30 days; erasing the sender deletes them at once)
    raw_mail = JSONAttribute(default=list)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str | None, contact_id: str) -> tuple[str, str]:
        return contact_partition(customer_id), cls.sort_key(contact_id)

    @staticmethod
    def new_id(now: datetime) -> str:
        """A new contact's id: it starts with the time, so a customer's contacts sort by time."""
        return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"

    @classmethod
    def sort_key(cls, contact_id: str) -> str:
        return f"{cls.SK_PREFIX}{contact_id}"

    def queue(self) -> None:
        self.GSI1PK, self.GSI1SK = QUEUE, f"{self.queued_at}#{self.contact_id}"

    def kept_until(self) -> datetime | None:
        """CLOSED_KEPT_YEARS after it closed; a question the customer only read the answers to
        (OFFERED) counts as closed when asked; one open again (an appeal of its dispute) is kept."""
        if self.status in CLOSED:
            return years_after(self.resolved_at or self.ended_at or self.started_at, CLOSED_KEPT_YEARS)
        if self.status == "OFFERED":
            return years_after(self.started_at, CLOSED_KEPT_YEARS)
        return None

    def unqueue(self) -> None:
        self.GSI1PK = self.GSI1SK = None


class CallbackSlot(Item, discriminator="CallbackSlot"):
    """PK CALLBACKS, SK <slot start, UTC>: how many call-backs are planned in a slot, added to
    and taken from in the transaction that books, moves or cancels one (its condition keeps the
    slot within its capacity). No personal data: a count."""

    start = UnicodeAttribute(null=True)
    booked = NumberAttribute(default=0)

    @staticmethod
    def keys(start: str) -> tuple[str, str]:
        return CALLBACK_SLOTS, start

    def kept_until(self) -> datetime:
        return datetime.fromisoformat(self.SK.replace("Z", "+00:00")) + CALLBACK_SLOTS_KEPT


class CallbackPlan(Item, discriminator="CallbackPlan"):
    """SK CALLBACKS, in the customer's partition: the customer's planned call-backs still to come
    ({contact_id: slot start}), written in the transaction that books, moves or cancels one (its
    version the condition), so two bookings at once cannot both pass the limit. Bookkeeping: the
    call-backs themselves are contacts. Forgotten a day past the last slot it holds."""

    SK_VALUE = "CALLBACKS"

    coming = JSONAttribute(default=dict)
    #: the latest slot it ever held: it is forgotten a day past it
    last_start = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str) -> tuple[str, str]:
        return customer_key(customer_id), cls.SK_VALUE

    def kept_until(self) -> datetime | None:
        if not self.last_start:
            return None
        return datetime.fromisoformat(self.last_start.replace("Z", "+00:00")) + CALLBACK_SLOTS_KEPT

    def hold(self, contact_id: str, start: str) -> None:
        self.coming = {**self.coming, contact_id: start}
        self.last_start = max(self.last_start or start, start)

    def let_go(self, contact_id: str) -> None:
        self.coming = {k: v for k, v in self.coming.items() if k != contact_id}


class Conversation(Item, discriminator="Conversation"):
    """PK CONVERSATION#<channel>#<sender>: the contact a sender's next message belongs to while
    it is open (a chat is one contact, not one per message)."""

    customer_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute()

    @staticmethod
    def keys(channel: str, sender: str) -> tuple[str, str]:
        return f"CONVERSATION#{channel}#{sender}", "OPEN"


class CallPointer(Item, discriminator="CallPointer"):
    """PK CALL#<Connect ContactId>: the contact a call became, for Connect's contact events
    (answered, ended). Kept a week (TTL)."""

    customer_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute()

    @staticmethod
    def keys(provider_id: str) -> tuple[str, str]:
        return f"CALL#{provider_id}", "CONTACT"


class ServiceRequest(Item, discriminator="ServiceRequest"):
    """SK REQUEST#<request_id>: something the customer asked for that takes more than one
    contact. Versioned: two channels moving it on at once cannot overwrite each other."""

    SK_PREFIX = "REQUEST#"

    request_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    subject = UnicodeAttribute()
    #: OPEN | IN_PROGRESS | WAITING_FOR_CUSTOMER | DONE
    status = UnicodeAttribute()
    handler = UnicodeAttribute(null=True)
    next_step = UnicodeAttribute(null=True)
    #: [{"at", "channel", "by", "text"}]
    steps = JSONAttribute(default=list)
    started_channel = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    resume_code_digest = UnicodeAttribute()
    version = VersionAttribute()

    @classmethod
    def keys(cls, customer_id: str, request_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"{cls.SK_PREFIX}{request_id}"

    def kept_until(self) -> datetime | None:
        """Kept CLOSED_KEPT_YEARS once done (from its last step); while open, kept."""
        return years_after(self.updated_at, CLOSED_KEPT_YEARS) if self.status == "DONE" else None


class RequestResumeCode(Item, discriminator="RequestResumeCode"):
    """PK REQUEST_RESUME#<digest>: which request a resume code continues (read out on the phone,
    typed in the app). Forgotten with its request (`expires_at` set when the request is done)."""

    customer_id = UnicodeAttribute()
    request_id = UnicodeAttribute()

    @staticmethod
    def keys(digest: str) -> tuple[str, str]:
        return f"REQUEST_RESUME#{digest}", "RESUME"

    @classmethod
    def of(cls, request: ServiceRequest, customer_id: str) -> RequestResumeCode:
        """The look-up of a request's resume code, forgotten when the request is."""
        return cls(*cls.keys(request.resume_code_digest), customer_id=customer_id, request_id=request.request_id,
                   expires_at=request.kept_until())


class ReasonCount(Item, discriminator="ReasonCount"):
    """PK CONTACT_REASONS, SK <yyyy-mm-dd>#<reason>: contacts per reason per day (the live FAQ)."""

    SHARED_COUNTER = True

    day = UnicodeAttribute()
    reason = UnicodeAttribute()
    contacts = NumberAttribute(default=0)

    PARTITION = "CONTACT_REASONS"

    @classmethod
    def keys(cls, day: str, reason: str) -> tuple[str, str]:
        return cls.PARTITION, f"{day}#{reason}"


class FaqArticle(Item, discriminator="FaqArticle"):
    """PK FAQ, SK ARTICLE#<id>: an answer, the contact reasons it answers, words that find it.
    The question, the answer and a self-service action's label are in each language the portal
    speaks ({"nl": ..., "en": ...})."""

    PARTITION = "FAQ"

    article_id = UnicodeAttribute()
    question = JSONAttribute()
    answer = JSONAttribute()
    reasons = JSONAttribute()
    keywords = JSONAttribute()
    self_service = JSONAttribute(null=True)
    position = NumberAttribute()

    @classmethod
    def keys(cls, article_id: str) -> tuple[str, str]:
        return cls.PARTITION, f"ARTICLE#{article_id}"


class UnansweredQuestion(Item, discriminator="UnansweredQuestion"):
    """SK UNANSWERED#<contact id>, beside its contact (in the customer's partition, or the unlinked
    senders'): a question no FAQ article matched (its reason fell into "other"), as it was asked.
    On GSI1 `UNANSWERED#<yyyy-mm>` / `<asked_at>#<contact id>` for the editors of the FAQ; gone
    after 90 days (TTL), and with the customer's record before that."""

    SK_PREFIX = "UNANSWERED#"

    contact_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    question = UnicodeAttribute()
    asked_at = UnicodeAttribute()

    @classmethod
    def keys(cls, customer_id: str | None, contact_id: str) -> tuple[str, str]:
        return contact_partition(customer_id), f"{cls.SK_PREFIX}{contact_id}"

    @staticmethod
    def list_partition(month: str) -> str:
        return f"UNANSWERED#{month}"

    def index(self) -> None:
        self.GSI1PK, self.GSI1SK = self.list_partition(self.asked_at[:7]), f"{self.asked_at}#{self.contact_id}"
