"""Stripe's events and their webhook deliveries: every event is stored (a copy of its object at
that moment), sent to each endpoint subscribed to its type, signed as Stripe signs, and can be
sent again as Stripe may."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

import requests

from infra.local.sandbox.stripe.wire import API_VERSION, new_id, signature_header


class Webhooks:
    """The stand-in's events and endpoints. `event()` is called under the stand-in's lock (the
    object must not change while it is copied); `dispatch()` outside it."""

    def __init__(self, *, synchronous: bool) -> None:
        self.synchronous = synchronous
        self.events: dict[str, dict[str, Any]] = {}
        self.endpoints: list[tuple[str, str, tuple[str, ...]]] = []  # (url, secret, event type prefixes)
        self.deliveries: list[dict[str, Any]] = []

    def add(self, url: str, secret: str, event_prefix: str | Iterable[str]) -> None:
        """An endpoint receiving the events whose type starts with the prefix (or one of the prefixes)."""
        prefixes = (event_prefix,) if isinstance(event_prefix, str) else tuple(event_prefix)
        self.endpoints.append((url, secret, prefixes))

    def _for(self, kind: str) -> list[tuple[str, str]]:
        return [(url, secret) for url, secret, prefixes in self.endpoints if kind.startswith(prefixes)]

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A stored event holding a copy of the object as it is now."""
        event = {"id": new_id("evt"), "object": "event", "api_version": API_VERSION, "created": int(time.time()),
                 "livemode": False, "pending_webhooks": len(self._for(kind)), "type": kind,
                 "data": {"object": copy.deepcopy(obj)}, "request": {"id": None, "idempotency_key": None}}
        self.events[event["id"]] = event
        return event

    def dispatch(self, *events: dict[str, Any]) -> None:
        """Deliver events in order: before returning when synchronous, else in the background."""
        def deliver_all() -> None:
            for event in events:
                for url, secret in self._for(event["type"]):
                    self.deliver(url, secret, event)

        if self.synchronous:
            deliver_all()
        elif events:
            threading.Thread(target=deliver_all, daemon=True).start()

    def redeliver(self, event_id: str, *, times: int = 1) -> list[int]:
        """Deliver a stored event again to every endpoint it is for, now; Stripe may send one event twice."""
        event = self.events[event_id]
        return [self.deliver(url, secret, event) for _ in range(times) for url, secret in self._for(event["type"])]

    def deliver(self, url: str, secret: str, event: dict[str, Any], *, signature: str | None = None) -> int:
        """POST one event to an endpoint as Stripe does; returns the endpoint's status code (0: unreachable)."""
        payload = json.dumps(event).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0",
                   "Stripe-Signature": signature_header(payload, secret) if signature is None else signature}
        try:
            status = requests.post(url, data=payload, headers=headers, timeout=30).status_code
        except requests.RequestException:  # Stripe records the failed attempt; the API call is not affected
            status = 0
        self.deliveries.append({"event": event["id"], "type": event["type"], "url": url, "status": status})
        return status
