"""Events without loss: a state change and its domain event are written in one transaction.

The event is stored as an outbox item; the table's stream carries it to the EventBridge bus
(functions/outbox_publisher). If the process dies after the write, the event is already safe in
the table; if it dies before, neither the change nor the event exists.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.table import Item, connection, retried
from opencounter.core.validation import validate_event

SOURCE = "opencounter"
#: outbox items expire once the stream has long delivered them (stream retention is 24 hours)
OUTBOX_RETENTION = timedelta(days=2)


@dataclass(frozen=True)
class DomainEvent:
    """A fact about a customer, as it goes on the bus: `detail` follows events/<detail_type>."""

    detail_type: str
    detail: dict = field(default_factory=dict)
    source: str = SOURCE

    @property
    def event_id(self) -> str:
        return self.detail["event_id"]


def domain_event(detail_type: str, *, customer_id: str | None, actor: dict, channel: str, data: dict,
                 signup_id: str | None = None, occurred_at: datetime | None = None,
                 event_id: str | None = None, about: str | None = None) -> DomainEvent:
    """Build an event with the common envelope fields every consumer relies on. An event about
    a customer carries customer_id (and lands on their timeline); one about a sign-up that has
    no customer yet carries signup_id; one about neither, the business's own work (a mailing
    started), says so: about="operations". `event_id` is given where the event must be the same
    one however often it is made (a retried step announcing the same fact); else it is new."""
    detail = {"event_id": event_id or str(uuid.uuid4()), "occurred_at": isoformat(occurred_at or utcnow())}
    if about is not None:
        detail["about"] = about
    if customer_id is not None:
        detail["customer_id"] = customer_id
    if signup_id is not None:
        detail["signup_id"] = signup_id
    return DomainEvent(detail_type, {**detail, "actor": actor, "channel": channel, "data": data})


class OutboxEvent(Item, discriminator="OutboxEvent"):
    source = UnicodeAttribute()
    detail_type = UnicodeAttribute()
    detail = UnicodeAttribute()

    @staticmethod
    def keys(event_id: str) -> tuple[str, str]:
        return f"EVENT#{event_id}", "OUTBOX"

    @classmethod
    def of(cls, event: DomainEvent) -> OutboxEvent:
        return cls(
            *cls.keys(event.event_id), source=event.source,
            detail_type=event.detail_type, detail=json.dumps(event.detail, separators=(",", ":")),
            expires_at=utcnow() + OUTBOX_RETENTION,
        )


@dataclass
class Write:
    """One write in a transaction: save (put, version-checked for versioned models), delete, or
    update with `actions` (e.g. counters added to). `conflict` is what the caller is told when
    this write's condition fails."""

    model: Item
    condition: Condition | None = None
    delete: bool = False
    conflict: str = "the record changed meanwhile; read it again"
    actions: list[Action] | None = None


class WriteConflict(Conflict):
    """A write's condition failed; `write` says which, for callers that treat one specially
    (a webhook event already processed is a duplicate, not a clash)."""

    def __init__(self, write: Write) -> None:
        super().__init__(write.conflict)
        self.write = write


def _sent_order(write: Write) -> int:
    """Where pynamodb puts a write in the transaction it sends (the order of the cancellation
    reasons DynamoDB answers with): deletes first, then puts, then updates, each in turn."""
    return 0 if write.delete else 2 if write.actions is not None else 1


def commit(writes: list[Write], events: list[DomainEvent], *, counters: list[Write] | None = None) -> None:
    """Apply `writes` and store `events` in the outbox, all or nothing; then add to `counters`.

    Events are checked against their schemas first, so an invalid event writes nothing. A failed
    condition raises Conflict with the message of the write that failed. A transaction DynamoDB
    cancels because another request held one of its items at that moment is sent again a few
    times (core.table.retried), then answered Contended: never a failure without a name.

    Counters are figures many changes add to at once (a channel's waiting contacts, a reason's
    count of the day): inside the transaction every two changes counted at the same moment would
    conflict (DynamoDB cancels a transaction that meets another on an item), so each is its own
    atomic ADD once the change it counts is stored. A process that dies in between leaves a figure
    one short, never the change undone or counted twice.
    """
    shared = [type(w.model).__name__ for w in writes if w.model.SHARED_COUNTER]
    if shared:
        raise ValueError(f"{', '.join(shared)}: a shared counter goes in counters=, never in the transaction")
    for event in events:
        validate_event(event.detail_type, event.detail)
    outbox = [Write(OutboxEvent.of(e), OutboxEvent.PK.does_not_exist(), conflict="event already stored")
              for e in events]
    everything = writes + outbox

    def transact() -> None:
        with TransactWrite(connection=connection()) as transaction:
            for write in everything:
                if write.delete:
                    transaction.delete(write.model, condition=write.condition)
                elif write.actions is not None:
                    transaction.update(write.model, write.actions, condition=write.condition)
                else:
                    transaction.save(write.model, condition=write.condition)
    try:
        retried(transact)
    except TransactWriteError as error:
        # one reason per item in the order pynamodb sends them: deletes, then puts, then updates
        reasons = error.cancellation_reasons or []
        for write, reason in zip(sorted(everything, key=_sent_order), reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                raise WriteConflict(write) from error
        raise
    for counter in counters or []:
        counter.model.update(actions=counter.actions or [], condition=counter.condition)
