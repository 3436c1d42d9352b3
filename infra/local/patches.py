"""The moto internals the local cloud relies on, patched in one place.

Each patch is guarded by tests/unit/test_moto_internals.py, so a moto upgrade that moves or
changes one of these fails loudly there instead of quietly here.
- `LambdaBackend.invoke`: run our handler in-process instead of in a Docker container;
- `EventsBackend.put_events`: after moto has done its part (archives, queues), deliver to the
  Lambda and Step Functions targets moto does not support;
- DynamoDB writes: one lock around each write, so a conditional write is atomic as in DynamoDB
  (moto checks the condition and writes in two steps, and the API serves requests in threads).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from unittest import mock

from moto.awslambda.models import LambdaBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.events.models import EventsBackend

if TYPE_CHECKING:
    from infra.local.cloud import LocalCloud

#: BatchWriteItem is served item by item through put_item and delete_item (as DynamoDB batches
#: are not atomic either), so it needs no lock of its own
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


def _invoke(cloud: LocalCloud) -> Any:
    from infra.local.cloud import FunctionCrashed

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


def _put_events(cloud: LocalCloud, original: Any) -> Any:
    def put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = original(self, events)
        for event, entry in zip(events, entries, strict=False):
            if "EventId" not in entry:
                continue
            bus = (event.get("EventBusName") or "default").split("/")[-1]
            cloud.route_event(bus, {
                "version": "0", "id": entry["EventId"], "detail-type": event["DetailType"],
                "source": event["Source"], "account": self.account_id,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.region_name, "resources": event.get("Resources", []),
                "detail": json.loads(event["Detail"]),
            })
        return entries
    return put_events


def _atomic(original: Any, lock: threading.RLock) -> Any:
    def write(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)
    return write


@contextlib.contextmanager
def applied(cloud: LocalCloud) -> Iterator[None]:
    lock = threading.RLock()
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(LambdaBackend, "invoke", _invoke(cloud)))
        stack.enter_context(mock.patch.object(EventsBackend, "put_events",
                                              _put_events(cloud, EventsBackend.put_events)))
        for name in DYNAMODB_WRITES:
            stack.enter_context(mock.patch.object(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name), lock)))
        yield
