"""API latency over HTTP against the local cloud's gateway, one client, one request at a time.

The local cloud runs synchronously, so a write's latency includes settling all its consequences
(stream -> outbox publisher -> bus -> timeline writer) before the response is sent.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from bench.samples import Users
from infra.local.runtime import Running
from opencounter.core.clock import business_today

WARM_UP = 10
READS = 200
WRITES = 100
HTTP_TIMEOUT_S = 30


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Client:
    def __init__(self, base_url: str, token: str | None) -> None:
        """`token` None: a visitor, for the public routes."""
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = token

    def call(self, method: str, path: str, expect: int, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[float, Any]:
        """(milliseconds, JSON body); raises unless the status is `expect`."""
        started = time.perf_counter()
        response = self.session.request(method, self.base_url + path, json=body, headers=headers,
                                        timeout=HTTP_TIMEOUT_S)
        content = response.content
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path}: expected {expect}, got {response.status_code}: {content[:500]!r}")
        return elapsed, response.json()


def _measure(key: str, count: int, budget_s: float, one: Callable[[int], float],
             log: Callable[[str], None]) -> dict[str, Any]:
    """WARM_UP requests, then up to `count` timed ones, all within `budget_s`."""
    deadline = time.monotonic() + budget_s
    for i in range(WARM_UP):
        one(i)
    samples: list[float] = []
    for i in range(count):
        samples.append(one(WARM_UP + i))
        if time.monotonic() > deadline and len(samples) < count:
            log(f"  ! {key}: time budget of {budget_s:.0f}s reached after {len(samples)} requests")
            break
    figure = {"p50": round(statistics.median(samples), 2), "p99": round(percentile(samples, 99), 2),
              "n": len(samples)}
    log(f"  {key:<40} p50 {figure['p50']:7.2f} ms   p99 {figure['p99']:7.2f} ms   n {figure['n']}")
    return figure


def run(running: Running, users: Users, *, deadline: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Every route in turn (reads first, so the writes do not grow what they read); each route
    gets a share of the time left until `deadline` (writes twice a read's share)."""
    customer = Client(running.url, users.customer_token)
    agent = Client(running.url, users.agent_token)
    visitor = Client(running.url, None)

    def read(client: Client, path: str) -> Callable[[int], float]:
        return lambda _: client.call("GET", path, 200)[0]

    # PATCH /me: toggle a setting so every request really changes the record, sending the version
    # the previous response returned (never a stale one: a 409 fails the benchmark)
    version: list[int] = []

    def patch(i: int) -> float:
        if not version:
            version.append(customer.call("GET", "/me", 200)[1]["version"])
        body = {"version": version[-1], "settings": {"paperless_invoices": i % 2 == 0}}
        elapsed, record = customer.call("PATCH", "/me", 200, body)
        version.append(record["version"])
        return elapsed

    # POST /me/moves: a few future dates in turn, so the customer's partition stays small (a move
    # on a date that already has one replaces it); success is 201 Created
    today = business_today()

    def move(i: int) -> float:
        body = {"street": "Lange Nieuwstraat", "house_number": 10 + i % 7, "postcode": "3511 AX",
                "city": "Utrecht", "move_date": (today + timedelta(days=30 + i % 5)).isoformat()}
        return customer.call("POST", "/me/moves", 201, body)[0]

    routes: list[tuple[str, int, float, Callable[[int], float]]] = [
        ("GET /me", READS, 1.0, read(customer, "/me")),
        ("GET /me/timeline", READS, 1.0, read(customer, "/me/timeline")),
        ("GET /agent/customers/{customer_id}", READS, 1.0, read(agent, f"/agent/customers/{users.customer_id}")),
        ("GET /me/invoices", READS, 1.0, read(customer, "/me/invoices")),
        ("GET /me/invoices/{invoice_id}", READS, 1.0, read(customer, f"/me/invoices/{users.invoice_id}")),
        ("GET /me/usage", READS, 1.0, read(customer, "/me/usage")),
        ("GET /channels", READS, 1.0, read(visitor, "/channels")),
        ("GET /faq", READS, 1.0, read(visitor, "/faq")),
        ("GET /me/contacts", READS, 1.0, read(customer, "/me/contacts")),
        ("PATCH /me", WRITES, 2.0, patch),
        ("POST /me/moves", WRITES, 2.0, move),
    ]
    figures: dict[str, Any] = {}
    for index, (key, count, weight, one) in enumerate(routes):
        share = weight / sum(w for _, _, w, _ in routes[index:])
        figures[key] = _measure(key, count, max(1.0, (deadline - time.monotonic()) * share), one, log)
    return {"api_latency_ms": figures}
