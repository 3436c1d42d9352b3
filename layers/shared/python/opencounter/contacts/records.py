"""How contacts, requests, channel identities and channel figures are stored. A customer's
contacts and requests live in their partition (the 360-degree view reads them with the rest of
the record); contacts from senders not yet linked to a customer wait in their own partition."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from opencounter.core.table import Item, customer_key

UNMATCHED = "CONTACTS#UNMATCHED"
#: GSI1 partition of the contacts waiting for an agent
QUEUE = "QUEUE"


def contact_partition(customer_id: str | None) -> str:
    return customer_key(customer_id) if customer_id else UNMATCHED


class Contact(Item, discriminator="Contact"):
    """SK CONTACT#<contact_id> (the id starts with the time, so contacts sort by time). While it
    waits for an agent it is on GSI1 (QUEUE, oldest first, every channel: the agents' queue is one
    Query)."""

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
    #: a call (or Connect chat): Connect's ContactId, and when the line closed
    provider_id = UnicodeAttribute(null=True)
    ended_at = UnicodeAttribute(null=True)
    nps = NumberAttribute(null=True)
    authenticated = BooleanAttribute(default=True)
    version = VersionAttribute()

    @staticmethod
    def keys(customer_id: str | None, contact_id: str) -> tuple[str, str]:
        return contact_partition(customer_id), f"CONTACT#{contact_id}"

    def queue(self) -> None:
        self.GSI1PK, self.GSI1SK = QUEUE, f"{self.queued_at}#{self.contact_id}"

    def unqueue(self) -> None:
        self.GSI1PK = self.GSI1SK = None


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


class ChannelIdentity(Item, discriminator="ChannelIdentity"):
    """PK IDENTITY#<kind>#<address>: who a sender is (an e-mail address, a phone number also used
    for WhatsApp, a Messenger or X user id). Only a verified identity links contacts by itself."""

    customer_id = UnicodeAttribute()
    verified = BooleanAttribute()
    verified_by = UnicodeAttribute(null=True)
    verified_at = UnicodeAttribute(null=True)

    @staticmethod
    def keys(kind: str, address: str) -> tuple[str, str]:
        return f"IDENTITY#{kind}#{address.strip().lower()}", "IDENTITY"


class ServiceRequest(Item, discriminator="ServiceRequest"):
    """SK REQUEST#<request_id>: something the customer asked for that takes more than one
    contact. Versioned: two channels moving it on at once cannot overwrite each other."""

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

    @staticmethod
    def keys(customer_id: str, request_id: str) -> tuple[str, str]:
        return customer_key(customer_id), f"REQUEST#{request_id}"


class RequestResumeCode(Item, discriminator="RequestResumeCode"):
    """PK REQUEST_RESUME#<digest>: which request a resume code continues (read out on the phone,
    typed in the app)."""

    customer_id = UnicodeAttribute()
    request_id = UnicodeAttribute()

    @staticmethod
    def keys(digest: str) -> tuple[str, str]:
        return f"REQUEST_RESUME#{digest}", "RESUME"


class ChannelFigures(Item, discriminator="ChannelFigures"):
    """PK CHANNELS, SK FIGURES#<channel>: the live figures a channel's expected wait is computed
    from, and how good the predictions were. Counters are only ever added to (atomic updates:
    many contacts move them at once); one Query reads every channel with its arrivals."""

    channel = UnicodeAttribute()
    agents = NumberAttribute(default=0)
    waiting = NumberAttribute(default=0)
    handle_sum_s = NumberAttribute(default=0)
    handled = NumberAttribute(default=0)
    answered = NumberAttribute(default=0)
    answered_within_target = NumberAttribute(default=0)
    #: callers who hung up before an agent answered
    abandoned = NumberAttribute(default=0)
    predicted_wait_sum_s = NumberAttribute(default=0)
    actual_wait_sum_s = NumberAttribute(default=0)
    abs_error_sum_s = NumberAttribute(default=0)
    resolved = NumberAttribute(default=0)
    resolved_first_contact = NumberAttribute(default=0)

    @staticmethod
    def keys(channel: str) -> tuple[str, str]:
        return "CHANNELS", f"FIGURES#{channel}"


class ArrivalCount(Item, discriminator="ArrivalCount"):
    """PK CHANNELS, SK ARRIVALS#<channel>#<yyyy-mm-ddThh>: contacts that arrived in an hour (UTC);
    the arrival rate is read from the last two hours. Kept two days."""

    channel = UnicodeAttribute()
    hour = UnicodeAttribute()
    contacts = NumberAttribute(default=0)

    @staticmethod
    def keys(channel: str, hour: str) -> tuple[str, str]:
        return "CHANNELS", f"ARRIVALS#{channel}#{hour}"


class ReasonCount(Item, discriminator="ReasonCount"):
    """PK CONTACT_REASONS, SK <yyyy-mm-dd>#<reason>: contacts per reason per day (the live FAQ)."""

    day = UnicodeAttribute()
    reason = UnicodeAttribute()
    contacts = NumberAttribute(default=0)

    @staticmethod
    def keys(day: str, reason: str) -> tuple[str, str]:
        return "CONTACT_REASONS", f"{day}#{reason}"


class FaqArticle(Item, discriminator="FaqArticle"):
    """PK FAQ, SK ARTICLE#<id>: an answer, the contact reasons it answers, words that find it."""

    article_id = UnicodeAttribute()
    question = UnicodeAttribute()
    answer = UnicodeAttribute()
    reasons = JSONAttribute()
    keywords = JSONAttribute()
    self_service = JSONAttribute(null=True)
    position = NumberAttribute()

    @staticmethod
    def keys(article_id: str) -> tuple[str, str]:
        return "FAQ", f"ARTICLE#{article_id}"
