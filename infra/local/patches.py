"""The moto internals the local cloud relies on, patched in one place (and one of Powertools').

Each patch is guarded by tests/unit/test_moto_internals.py, so a moto upgrade that moves or
changes one of these fails loudly there instead of quietly here.
- `LambdaBackend.invoke`: run our handler in-process instead of in a Docker container;
- `EventsBackend.put_events`: after moto has done its part (archives, queues), deliver to the
  Lambda and Step Functions targets moto does not support;
- DynamoDB, item by item as DynamoDB behaves under concurrency (infra/local/dynamodb.py): the
  backend's `put_item`, `update_item`, `delete_item` hold their item while they check and write
  (an update works on a copy of the item), `transact_write_items` takes all its items first or
  is cancelled with TransactionConflict, and `get_item` reads only what is committed;
  `StreamShard.add` numbers one shard's records one at a time and adds a transaction's only once
  it has succeeded;
- DynamoDB transactions: moto backs up the whole table (every item and the whole stream) once
  per item of every transaction, so a transaction got slower as the table filled (a 10-item
  sign-up went from 16 ms to 150 ms a copy). The local cloud turns that copy off (the module
  `copy` as moto.dynamodb.models sees it) and puts back only the items a failed transaction
  touched;
- DynamoDB reads: `Table.query` is handed only its partition's items, found in an order kept per
  partition for the table and each index, so a Query costs what its partition holds, not what the
  table holds; `Table.all_items`, `has_idx_items` and `__len__` walk a copy of the table, never
  the dicts a write is changing;
- SQS: `unix_time` and `unix_time_millis` as moto.sqs.models sees them are the queues' clock
  (QueueClock), which the local cloud moves on to let a visibility timeout pass in a test;
- Step Functions: the interval a state's Retry waits before its next attempt is slept through the
  `time` module as moto's retrier sees it (RetryPause): the whole interval, or the share of it the
  local cloud was started with (the tests wait a hundredth: a retry's outcome, not its pause, is
  what they look at);
- DynamoDB answers: moto turns the answer to every request into the wire through botocore's
  model of the operation, attribute by attribute (1-10 ms a Query, most of what the tests' DynamoDB
  requests cost). The data plane's answers (`DYNAMODB_AS_IS`) are already the wire's JSON, so they
  are written as they are (bytes in base64, moments in epoch seconds, as the model would);
  `DynamoResult.execute_result`;
- Cognito `admin_create_user`: Cognito makes a temporary password and e-mails the invitation;
  moto does neither. The local cloud makes one and delivers the invitation to its mailbox;
- Powertools' event handler keeps the request it resolves (`current_event`, `lambda_context`) on
  its `BaseRouter` class, one per process, as Lambda serves one request per process at a time.
  The local cloud serves requests side by side in threads, so it keeps them per thread
  (`_routing_per_thread`); a function's environments are one per request (lambdas.py);
- SES `send_email`: moto keeps one body of a mail, the HTML when it has both parts (every mail we
  send does). The local cloud keeps the text as the message's `body`, as before, and the HTML
  beside it as `html` (infra/local/inspection.py reads both).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol
from unittest import mock

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.responses as dynamodb_responses
import moto.sqs.models as sqs_models
import moto.stepfunctions.parser.asl.component.common.retry.retrier_decl as retrier_decl
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from moto.awslambda.models import LambdaBackend
from moto.cognitoidp.models import CognitoIdpBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard, Table
from moto.events.models import EventsBackend
from moto.ses.responses import EmailResponse

from infra.local import dynamodb
from infra.local.lambdas import FunctionCrashed

#: the backend's methods every DynamoDB write reaches (BatchWriteItem is served item by item
#: through put_item and delete_item, as DynamoDB's batches are not atomic either)
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
#: the methods every DynamoDB read reaches: GetItem, BatchGetItem and TransactGetItems read through
#: the backend's get_item, Query through the table's query, Scan through the table's walk
DYNAMODB_READS: tuple[tuple[Any, str], ...] = (
    (DynamoDBBackend, "get_item"), (Table, "query"), (Table, "all_items"), (Table, "has_idx_items"))


#: the DynamoDB operations whose answers are items and their keys, counts and capacities: the
#: wire's JSON as moto makes them (tests/unit/test_moto_internals.py holds them to the serializer)
DYNAMODB_AS_IS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                            "BatchWriteItem", "TransactWriteItems", "TransactGetItems"})


def _wire_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dynamodb_as_is(original: Any) -> Any:
    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in DYNAMODB_AS_IS:
            return original(self, context)
        body = json.dumps(self.result, default=_wire_json, separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
    return execute_result


class Cloud(Protocol):
    """What the patches hand over to: the local cloud."""

    def invoke(self, name: str, event: Any) -> Any: ...

    def invoke_async(self, name: str, event: Any) -> None: ...

    def route_event(self, bus: str, event: dict[str, Any]) -> None: ...

    def deliver_mail(self, to: str, subject: str, body: str, source: str = ...) -> None: ...

    queue_clock: QueueClock

    retry_pause: RetryPause


def _invoke(cloud: Cloud) -> Any:
    def invoke(self: LambdaBackend, function_name: str, qualifier: str | None, body: Any,
               headers: Any, response_headers: Any) -> str | bytes | None:
        event = json.loads(body) if body else {}
        if headers.get("x-amz-invocation-type") == "Event":
            cloud.invoke_async(function_name, event)
            return ""
        try:
            result = cloud.invoke(function_name, event)
        except FunctionCrashed as crash:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(crash.payload)
        return json.dumps(result)
    return invoke


def _put_events(cloud: Cloud, original: Any) -> Any:
    def put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = original(self, events)
        for event, entry in zip(events, entries, strict=False):
            if "EventId" not in entry:
                continue
            bus = (event.get("EventBusName") or "default").split("/")[-1]
            cloud.route_event(bus, as_delivered(event, account=self.account_id, region=self.region_name,
                                                event_id=entry["EventId"]))
        return entries
    return put_events


def as_delivered(entry: dict[str, Any], *, account: str, region: str, event_id: str | None = None) -> dict[str, Any]:
    """A PutEvents entry ({"Source", "DetailType", "Detail", "Resources"}) as a rule hands it to
    its target."""
    return {"version": "0", "id": event_id or str(uuid.uuid4()), "detail-type": entry["DetailType"],
            "source": entry["Source"], "account": account, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region, "resources": entry.get("Resources", []), "detail": json.loads(entry["Detail"])}


class _CopyWithoutTableBackups:
    """The copy module as moto.dynamodb.models sees it: deep copies as usual, except that a
    whole Table is not copied (moto's transaction backup: the local cloud puts back only the
    items a failed transaction touched, see dynamodb.transaction)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


class QueueClock:
    """The time SQS keeps (sending, visibility timeouts, delays): the real time, moved on by
    `offset_s` when the local cloud lets time pass for the queues (LocalCloud.later)."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def seconds(self) -> float:
        return time.time() + self.offset_s

    def millis(self) -> float:
        return self.seconds() * 1000


class RetryPause:
    """The `time` module as moto's Step Functions retrier sees it: it sleeps a Retry's interval
    (IntervalSeconds, times BackoffRate per attempt) through `sleep`, which waits `share` of it."""

    def __init__(self, share: float = 1.0) -> None:
        self.share = share

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds * self.share)


def _invitations(cloud: Cloud, original: Any) -> Any:
    def admin_create_user(self: CognitoIdpBackend, user_pool_id: str, username: str, message_action: str,
                          temporary_password: str, attributes: list[dict[str, str]]) -> Any:
        invite = not temporary_password and message_action not in ("SUPPRESS", "RESEND")
        if invite:
            temporary_password = f"Tmp-{secrets.token_urlsafe(9)}1a"
        user = original(self, user_pool_id, username, message_action, temporary_password, attributes)
        if invite:
            email = next((a["Value"] for a in attributes if a["Name"] == "email"), username)
            cloud.deliver_mail(email, "Your OpenCounter login", (
                f"Your username is {username} and your temporary password is {temporary_password}.\n"
                "Sign in with it to choose your own password.\n"))
        return user
    return admin_create_user


def _both_parts(original: Any) -> Any:
    def send_email(self: EmailResponse) -> Any:
        text, html = self._get_param("Message.Body.Text.Data"), self._get_param("Message.Body.Html.Data")
        result = original(self)
        message_id = result.result["MessageId"]
        message = next(m for m in reversed(self.backend.sent_messages) if getattr(m, "id", None) == message_id)
        if text is not None:
            message.body = text
        message.html = html
        return result
    return send_email


class _PerThread:
    """A value kept per thread, read and set through attribute access (a data descriptor)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return getattr(self._local, "value", None)

    def __set__(self, instance: Any, value: Any) -> None:
        self._local.value = value


#: what Powertools' event handler keeps on BaseRouter for the request it resolves
ROUTING_STATE = ("current_event", "lambda_context")


@contextlib.contextmanager
def _routing_per_thread() -> Iterator[None]:
    """BaseRouter's `current_event` and `lambda_context` kept per thread: on every resolver (a
    descriptor in the class) and on the class itself (the same descriptor in a metaclass of its
    own, as Powertools sets them with `BaseRouter.current_event = ...`)."""
    if isinstance(vars(type(BaseRouter)).get(ROUTING_STATE[0]), _PerThread):
        yield  # kept per thread already (a local cloud inside another's patches)
        return
    kept = {name: _PerThread() for name in ROUTING_STATE}
    shipped_meta, before = type(BaseRouter), {name: BaseRouter.__dict__.get(name) for name in ROUTING_STATE}
    for name, value in kept.items():
        setattr(BaseRouter, name, value)
    BaseRouter.__class__ = type("RoutingPerThread", (shipped_meta,), dict(kept))
    try:
        yield
    finally:
        BaseRouter.__class__ = shipped_meta
        for name, value in before.items():
            if value is None:
                delattr(BaseRouter, name)
            else:
                setattr(BaseRouter, name, value)


#: every moto attribute applied() replaces: (class or module, name)
PATCHED: tuple[tuple[Any, str], ...] = (
    (LambdaBackend, "invoke"), (EventsBackend, "put_events"), (CognitoIdpBackend, "admin_create_user"),
    (EmailResponse, "send_email"),
    (dynamodb_models, "copy"), *((DynamoDBBackend, name) for name in (*DYNAMODB_WRITES, "get_item")),
    (Table, "query"), (Table, "all_items"), (Table, "has_idx_items"), (Table, "__len__"), (StreamShard, "add"),
    (sqs_models, "unix_time"), (sqs_models, "unix_time_millis"), (retrier_decl, "time"),
    (dynamodb_responses.DynamoResult, "execute_result"))


@contextlib.contextmanager
def applied(cloud: Cloud) -> Iterator[None]:
    """moto as the local cloud needs it, while the block runs (see this module's docstring)."""
    streams = dynamodb.Streams(StreamShard.add)
    replacements = {
        (LambdaBackend, "invoke"): _invoke(cloud),
        (EventsBackend, "put_events"): _put_events(cloud, EventsBackend.put_events),
        (CognitoIdpBackend, "admin_create_user"): _invitations(cloud, CognitoIdpBackend.admin_create_user),
        (dynamodb_responses.DynamoResult, "execute_result"): _dynamodb_as_is(
            dynamodb_responses.DynamoResult.execute_result),
        (dynamodb_models, "copy"): _CopyWithoutTableBackups(),
        (DynamoDBBackend, "put_item"): dynamodb.write(DynamoDBBackend.put_item),
        (DynamoDBBackend, "delete_item"): dynamodb.write(DynamoDBBackend.delete_item),
        (DynamoDBBackend, "update_item"): dynamodb.write(DynamoDBBackend.update_item, on_a_copy=True),
        (DynamoDBBackend, "transact_write_items"): dynamodb.transaction(DynamoDBBackend.transact_write_items, streams),
        (DynamoDBBackend, "get_item"): dynamodb.read(DynamoDBBackend.get_item),
        (Table, "query"): dynamodb.query(Table.query),
        (Table, "all_items"): dynamodb.walking_committed(Table.all_items),
        (Table, "has_idx_items"): dynamodb.walking_committed(Table.has_idx_items),
        (Table, "__len__"): dynamodb.counting(Table.__len__),
        (StreamShard, "add"): streams.patched(),
        (sqs_models, "unix_time"): cloud.queue_clock.seconds,
        (sqs_models, "unix_time_millis"): cloud.queue_clock.millis,
        (retrier_decl, "time"): cloud.retry_pause,
        (EmailResponse, "send_email"): _both_parts(EmailResponse.send_email),
    }
    with contextlib.ExitStack() as stack:
        for (owner, name), replacement in replacements.items():
            stack.enter_context(mock.patch.object(owner, name, replacement))
        stack.enter_context(_routing_per_thread())
        yield
