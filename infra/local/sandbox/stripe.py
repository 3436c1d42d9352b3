"""A small Stripe stand-in: the Stripe API calls OpenCounter makes, served over HTTP for the
official stripe library (pointed here by STRIPE_API_BASE), plus the pages a customer would
see at Stripe, and webhooks signed exactly as Stripe signs them.

Identity (VerificationSession): the hosted page lets the person verify or fail; without a
choice the outcome follows the test data: an e-mail address tagged `+unverified` fails. The
verification report of a verified session finds the document forged when the address is
tagged `+docfail` (the deeper check after activation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import requests
from werkzeug.wrappers import Request, Response

API_VERSION = "2025-10-29.clover"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify your identity</title>
<link rel="stylesheet" href="/app.css"></head><body><header><h1>Identity check (test mode)</h1></header>
<main><section><h2>Verify your identity</h2><p>In test mode you choose the outcome of the document and selfie check.</p>
<form method="post" action="{submit}"><button name="outcome" value="verified">Verify</button>
<button name="outcome" value="failed">Fail the check</button></form><p class="hint">Session {id}: {status}</p>
</section></main></body></html>"""


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (a[b][c]=v, a[0]=v) back into nested data."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, message: str, kind: str = "invalid_request_error") -> Response:
    return _json({"error": {"type": kind, "message": message}}, status)


class StripeStandIn:
    """State and routes of the stand-in; mounted by the gateway under PREFIX."""

    PREFIX = "/sandbox/stripe"

    def __init__(self, api_key: str, *, synchronous: bool) -> None:
        self.api_key = api_key
        self.synchronous = synchronous
        self.base_url = ""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.webhooks: list[tuple[str, str, str]] = []  # (url, secret, event type prefix)
        self.deliveries: list[dict[str, Any]] = []
        self._idempotent: dict[str, tuple[str, Response]] = {}
        self._lock = threading.Lock()

    def add_webhook(self, url: str, secret: str, event_prefix: str) -> None:
        self.webhooks.append((url, secret, event_prefix))

    # ------------------------------------------------------------ HTTP

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.PREFIX)
        page = re.fullmatch(r"/identity/(vs_\w+)(/submit)?", path)
        if page:
            return self._identity_page(request, page.group(1), bool(page.group(2)))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key provided", "invalid_request_error")
        key = request.headers.get("Idempotency-Key")
        body = request.get_data(as_text=True)
        if key and request.method == "POST":
            with self._lock:
                if key in self._idempotent:
                    seen_body, response = self._idempotent[key]
                    if seen_body != body:
                        return _error(400, "Keys for idempotent requests can only be used with the same parameters")
                    return response
        response = self._api(request.method, path, decode_form(body))
        if key and request.method == "POST" and response.status_code < 500:
            with self._lock:
                self._idempotent[key] = (body, response)
        return response

    def _api(self, method: str, path: str, params: dict[str, Any]) -> Response:
        routes: dict[tuple[str, str], Callable[..., Response]] = {
            ("POST", "/v1/identity/verification_sessions"): self._create_session,
        }
        if (method, path) in routes:
            return routes[(method, path)](params)
        found = re.fullmatch(r"/v1/identity/verification_(sessions|reports)/((?:vs|vr)_\w+)", path)
        if found and method == "GET":
            kind, key = found.groups()
            thing = (self.sessions if kind == "sessions" else self.reports).get(key)
            return _json(thing) if thing else _error(404, f"No such verification {kind[:-1]}: '{key}'")
        return _error(404, f"Unrecognized request URL ({method}: {path}).")

    # ------------------------------------------------------------ Identity

    def _create_session(self, params: dict[str, Any]) -> Response:
        if params.get("type") not in ("document", "id_number"):
            return _error(400, "Invalid type: must be one of document or id_number")
        session_id = f"vs_{secrets.token_hex(12)}"
        session = {
            "id": session_id, "object": "identity.verification_session", "type": params["type"],
            "status": "requires_input", "created": int(time.time()), "livemode": False,
            "client_secret": f"{session_id}_secret_{secrets.token_hex(8)}",
            "url": f"{self.base_url}{self.PREFIX}/identity/{session_id}",
            "metadata": params.get("metadata", {}), "options": params.get("options", {}),
            "provided_details": params.get("provided_details", {}), "last_error": None,
            "last_verification_report": None,
        }
        self.sessions[session_id] = session
        return _json(session)

    def _identity_page(self, request: Request, session_id: str, submitted: bool) -> Response:
        session = self.sessions.get(session_id)
        if session is None:
            return Response("no such verification session", status=404)
        if submitted and request.method == "POST":
            choice = request.form.get("outcome") or (request.get_json(silent=True) or {}).get("outcome")
            self.complete_identity(session_id, choice)
        html = PAGE.format(submit=f"{self.PREFIX}/identity/{session_id}/submit", id=session_id,
                           status=session["status"])
        return Response(html, content_type="text/html; charset=utf-8")

    def complete_identity(self, session_id: str, outcome: str | None = None) -> dict[str, Any]:
        """The person finished the check: settle the session and send the webhook."""
        session = self.sessions[session_id]
        email = session["provided_details"].get("email", "")
        verified = outcome == "verified" if outcome else "+unverified" not in email.split("@")[0]
        if verified:
            report = self._report(session, forged="+docfail" in email.split("@")[0])
            session.update(status="verified", last_error=None, last_verification_report=report["id"])
            kind = "identity.verification_session.verified"
        else:
            session.update(status="requires_input", last_error={
                "code": "document_unverified_other", "reason": "The document could not be verified."})
            kind = "identity.verification_session.requires_input"
        return self.send_event(kind, session)

    def _report(self, session: dict[str, Any], *, forged: bool) -> dict[str, Any]:
        document = {"status": "verified", "error": None, "type": "id_card", "issuing_country": "NL"}
        if forged:
            document.update(status="unverified", error={
                "code": "document_fraudulent", "reason": "the identity document shows signs of tampering"})
        report = {"id": f"vr_{secrets.token_hex(12)}", "object": "identity.verification_report", "type": "document",
                  "verification_session": session["id"], "created": int(time.time()), "livemode": False,
                  "document": document, "selfie": {"status": "verified", "error": None}}
        self.reports[report["id"]] = report
        return report

    # ------------------------------------------------------------ webhooks

    def send_event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {"id": f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": API_VERSION,
                 "created": int(time.time()), "livemode": False, "pending_webhooks": len(self.webhooks),
                 "type": kind, "data": {"object": dict(obj)}, "request": {"id": None, "idempotency_key": None}}
        for url, secret, prefix in self.webhooks:
            if kind.startswith(prefix):
                delivery = lambda url=url, secret=secret: self.deliver(url, secret, event)  # noqa: E731
                if self.synchronous:
                    delivery()
                else:
                    threading.Thread(target=delivery, daemon=True).start()
        return event

    def deliver(self, url: str, secret: str, event: dict[str, Any], *, signature: str | None = None) -> int:
        """POST one event to an endpoint as Stripe does; returns the endpoint's status code."""
        payload = json.dumps(event).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0",
                   "Stripe-Signature": signature_header(payload, secret) if signature is None else signature}
        status = requests.post(url, data=payload, headers=headers, timeout=30).status_code
        self.deliveries.append({"event": event["id"], "type": event["type"], "url": url, "status": status})
        return status
