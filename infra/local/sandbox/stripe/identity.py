"""Stripe Identity: verification sessions, the hosted page where the person verifies (in test
mode: chooses the outcome), and the verification report the deeper check reads. Without a
choice the outcome follows the test data: an e-mail address tagged `+unverified` fails; a
verified session's report finds the document forged when it is tagged `+docfail`. A session is
redacted on request as Stripe redacts one: it and its reports keep "[redacted]" where personal
data was, and its metadata is erased."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.webhooks import Webhooks
from infra.local.sandbox.stripe.wire import error, json_response, new_id

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify your identity</title>
<link rel="stylesheet" href="/app.css"></head><body><header><h1>Identity check (test mode)</h1></header>
<main><section><h2>Verify your identity</h2><p>In test mode you choose the outcome of the document and selfie check.</p>
<form method="post" action="{submit}"><button name="outcome" value="verified">Verify</button>
<button name="outcome" value="failed">Fail the check</button></form><p class="hint">Session {id}: {status}</p>
</section></main></body></html>"""


class Identity:
    """Verification sessions and reports; the page is served under `pages` (a path)."""

    def __init__(self, webhooks: Webhooks, lock: threading.Lock, *, base_url: str, pages: str) -> None:
        self.webhooks, self._lock = webhooks, lock
        self.base_url, self.pages = base_url, pages
        self.sessions: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}

    def create_session(self, params: dict[str, Any]) -> Response:
        if params.get("type") not in ("document", "id_number"):
            return error(400, "Invalid type: must be one of document or id_number")
        session_id = new_id("vs")
        session = {
            "id": session_id, "object": "identity.verification_session", "type": params["type"],
            "status": "requires_input", "created": int(time.time()), "livemode": False,
            "client_secret": f"{session_id}_secret_{secrets.token_hex(8)}",
            "url": f"{self.base_url}{self.pages}/{session_id}",
            "metadata": params.get("metadata", {}), "options": params.get("options", {}),
            "provided_details": params.get("provided_details", {}), "last_error": None,
            "last_verification_report": None, "redaction": None,
        }
        self.sessions[session_id] = session
        return json_response(session)

    def page(self, request: Request, session_id: str, submitted: bool) -> Response:
        session = self.sessions.get(session_id)
        if session is None:
            return Response("no such verification session", status=404)
        if submitted and request.method == "POST":
            choice = request.form.get("outcome") or (request.get_json(silent=True) or {}).get("outcome")
            self.complete(session_id, choice)
        html = PAGE.format(submit=f"{self.pages}/{session_id}/submit", id=session_id, status=session["status"])
        return Response(html, content_type="text/html; charset=utf-8")

    def complete(self, session_id: str, outcome: str | None = None) -> dict[str, Any]:
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
        with self._lock:
            event = self.webhooks.event(kind, session)
        self.webhooks.dispatch(event)
        return event

    def _report(self, session: dict[str, Any], *, forged: bool) -> dict[str, Any]:
        document = {"status": "verified", "error": None, "type": "id_card", "issuing_country": "NL"}
        if forged:
            document.update(status="unverified", error={
                "code": "document_fraudulent", "reason": "the identity document shows signs of tampering"})
        report = {"id": new_id("vr"), "object": "identity.verification_report", "type": "document",
                  "verification_session": session["id"], "created": int(time.time()), "livemode": False,
                  "document": document, "selfie": {"status": "verified", "error": None}}
        self.reports[report["id"]] = report
        return report

    def redact(self, session_id: str) -> Response:
        """Redact a session (Stripe: POST /v1/identity/verification_sessions/{id}/redact): in
        Stripe it takes up to four days (redaction.status processing, then redacted); here it is
        done at once. Its reports go too; the stand-in's events and request logs are the caller's
        to redact (StripeStandIn.redact_session). Redacting it again changes nothing."""
        session = self.sessions.get(session_id)
        if session is None:
            return error(404, f"No such verification session: '{session_id}'", code="resource_missing", param="id")
        if session["status"] == "requires_action":
            session["status"] = "canceled"
        redact_session(session)
        for report in self.reports.values():
            if report["verification_session"] == session_id:
                report["document"] = {**report["document"], "issuing_country": REDACTED, "type": REDACTED}
        return json_response(session)


REDACTED = "[redacted]"


def redact_session(session: dict[str, Any]) -> None:
    """A session's personal data replaced by the placeholder Stripe writes, its metadata erased."""
    session.update(provided_details={k: REDACTED for k in session.get("provided_details") or {}}, metadata={},
                   url=None, client_secret=None, redaction={"status": "redacted"})
