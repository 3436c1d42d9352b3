"""DynamoDB requests per read route: every botocore DynamoDB API call made in this thread while
one request is served by `cloud.invoke(function, event)` in-process (the cloud settled first, so
nothing else runs meanwhile). A staff read also puts itself on record (core.access_log): that
write is counted apart, as `ddb_access_log_writes`, and is made for every counted request (not
left out as one the process wrote moments ago)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from botocore.client import BaseClient

from bench.samples import Users, api_event
from infra.local.runtime import Running
from opencounter.core.access_log import forget_written

#: counted invocations per route, after one uncounted warm-up invocation
COUNTED = 3
GOAL = 1
#: the requests a staff read puts itself on record with: one entry, or one batch for a list
ACCESS_LOG_WRITES = ("PutItem", "BatchWriteItem")


@contextlib.contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """Yields the list of DynamoDB operations this thread makes until the block ends."""
    calls: list[str] = []
    thread = threading.get_ident()
    original = BaseClient._make_api_call

    def counting(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and threading.get_ident() == thread:
            calls.append(operation_name)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def read_routes(users: Users) -> dict[str, tuple[str, str, str, dict[str, str] | None, bytes]]:
    """Route key -> (method, concrete path, token, query, body): the routes that only read (staff's
    search is a POST, to keep what is looked for out of URLs)."""
    customer = users.customer_id
    return {
        "GET /me": ("GET", "/me", users.customer_token, None, b""),
        "GET /me/timeline": ("GET", "/me/timeline", users.customer_token, None, b""),
        "GET /agent/customers/{customer_id}": ("GET", f"/agent/customers/{customer}", users.agent_token, None, b""),
        "GET /agent/customers/{customer_id}/timeline": ("GET", f"/agent/customers/{customer}/timeline",
                                                        users.agent_token, None, b""),
        "POST /agent/customers/search": ("POST", "/agent/customers/search", users.agent_token, None,
                                         b'{"query": "sanne@example.nl"}'),
        "GET /me/invoices": ("GET", "/me/invoices", users.customer_token, None, b""),
        "GET /me/invoices/{invoice_id}": ("GET", f"/me/invoices/{users.invoice_id}", users.customer_token, None, b""),
        "GET /me/usage": ("GET", "/me/usage", users.customer_token, None, b""),
        "GET /me/contacts": ("GET", "/me/contacts", users.customer_token, None, b""),
        "GET /me/requests": ("GET", "/me/requests", users.customer_token, None, b""),
        "GET /agent/queue": ("GET", "/agent/queue", users.agent_token, None, b""),
    }


def served(running: Running, method: str, path: str, token: str, query: dict[str, str] | None = None,
           body: bytes = b"") -> list[list[str]]:
    """The DynamoDB operations of each of COUNTED requests to a route, served in process after one
    uncounted request that warms the function up."""
    per_request = []
    for attempt in range(COUNTED + 1):
        function, event = api_event(running, method, path, token, query, body)
        running.cloud.settle()
        forget_written()
        with dynamodb_calls() as calls:
            response = running.cloud.invoke(function, event)
        if response.get("statusCode") != 200:
            raise RuntimeError(f"{method} {path}: status {response.get('statusCode')}: {response.get('body')}")
        if attempt:  # the first invocation only warms the function up
            per_request.append(list(calls))
    return per_request


def run(running: Running, users: Users, *, log: Callable[[str], None]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    operations: dict[str, list[str]] = {}
    on_record: dict[str, int] = {}
    for key, (method, path, token, query, body) in read_routes(users).items():
        per_request = served(running, method, path, token, query, body)
        staff = key.split(" ")[1].startswith("/agent/")
        reads = [[c for c in calls if not (staff and c in ACCESS_LOG_WRITES)] for calls in per_request]
        counts[key] = max(len(c) for c in reads)
        operations[key] = per_request[-1]
        if staff:
            on_record[key] = max(len(calls) - len(read) for calls, read in zip(per_request, reads, strict=True))
        if len({len(c) for c in per_request}) > 1:
            log(f"  ! {key}: the count varied between requests: {[len(c) for c in per_request]}")
        log(f"  {key:<45} {counts[key]} ({', '.join(operations[key])})")
    return {"ddb_calls": counts, "ddb_call_operations": operations, "ddb_access_log_writes": on_record}
