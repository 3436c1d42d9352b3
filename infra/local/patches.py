"""The moto internals the local cloud relies on, patched in one place.

Each patch is guarded by tests/unit/test_moto_internals.py, so a moto upgrade that moves or
changes one of these fails loudly there instead of quietly here.
- `LambdaBackend.invoke`: run our handler in-process instead of in a Docker container;
- `EventsBackend.put_events`: after moto has done its part (archives, queues), deliver to the
  Lambda and Step Functions targets moto does not support;
- DynamoDB: one lock around each write, so a conditional write is atomic as in DynamoDB (moto
  checks the condition and writes in two steps, and the API serves requests in threads), and
  around each read, so a Query or Scan never iterates a table a write is adding a partition to
  (moto walks the table's dict: "dictionary changed size during iteration");
- DynamoDB transactions: moto backs up the whole table (every item and the whole stream) once
  per item of every transaction, so a transaction got slower as the table filled (a 10-item
  sign-up went from 16 ms to 150 ms a copy). The local cloud keeps only the touched items and
  the stream's length, and puts them back when the transaction fails;
- Cognito `admin_create_user`: Cognito makes a temporary password and e-mails the invitation;
  moto does neither. The local cloud makes one and delivers the invitation to its mailbox.
"""

from __future__ import annotations

import contextlib
import copy
import json
import secrets
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol
from unittest import mock

import moto.dynamodb.models as dynamodb_models
from moto.awslambda.models import LambdaBackend
from moto.cognitoidp.models import CognitoIdpBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.events.models import EventsBackend

from infra.local.lambdas import FunctionCrashed

#: BatchWriteItem is served item by item through put_item and delete_item (as DynamoDB batches
#: are not atomic either), so it needs no lock of its own
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
DYNAMODB_READS = ("get_item", "batch_get_item", "query", "scan", "transact_get_items")


class Cloud(Protocol):
    """What the patches hand over to: the local cloud."""

    def invoke(self, name: str, event: Any) -> Any: ...

    def invoke_async(self, name: str, event: Any) -> None: ...

    def route_event(self, bus: str, event: dict[str, Any]) -> None: ...

    def deliver_mail(self, to: str, subject: str, body: str, source: str = ...) -> None: ...


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
    whole Table is not copied (its transaction backup; see _item_level_rollback)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _item_level_rollback(original: Any) -> Any:
    """Transactions that undo a failure by restoring the items they touched and the stream."""

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        touched: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
        stream_lengths: dict[int, tuple[Table, int]] = {}
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = self.tables.get(operation.get("TableName"))
            key = operation.get("Key") or operation.get("Item") or {}
            if table is None or table.hash_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            touched.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
            if table.stream_shard is not None:
                stream_lengths.setdefault(id(table), (table, len(table.stream_shard.items)))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(touched):
                if range_value is None:
                    if before is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = before
                elif before is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = before
            for table, length in stream_lengths.values():
                del table.stream_shard.items[length:]
            raise
    return transact_write_items


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


def _atomic(original: Any, lock: threading.RLock) -> Any:
    def write(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)
    return write


@contextlib.contextmanager
def applied(cloud: Cloud) -> Iterator[None]:
    lock = threading.RLock()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(LambdaBackend, "invoke", _invoke(cloud)))
        stack.enter_context(mock.patch.object(EventsBackend, "put_events",
                                              _put_events(cloud, EventsBackend.put_events)))
        stack.enter_context(mock.patch.object(dynamodb_models, "copy", _CopyWithoutTableBackups()))
        stack.enter_context(mock.patch.object(CognitoIdpBackend, "admin_create_user",
                                              _invitations(cloud, CognitoIdpBackend.admin_create_user)))
        for name in DYNAMODB_WRITES:
            write = getattr(DynamoDBBackend, name)
            if name == "transact_write_items":
                write = _item_level_rollback(write)
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, _atomic(write, lock)))
        for name in DYNAMODB_READS:
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name), lock)))
        yield
