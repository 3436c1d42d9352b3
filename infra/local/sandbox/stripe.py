"""A small Stripe stand-in: the Stripe API calls OpenCounter makes, served over HTTP for the
official stripe library (pointed here by STRIPE_API_BASE), plus the pages a customer would
see at Stripe, and webhooks signed exactly as Stripe signs them.

Identity (VerificationSession): the hosted page lets the person verify or fail; without a
choice the outcome follows the test data: an e-mail address tagged `+unverified` fails. The
verification report of a verified session finds the document forged when the address is
tagged `+docfail` (the deeper check after activation).

Payments (PaymentIntent, Charge, Refund, Dispute) follow Stripe's test mode: amounts in cents, at
least 50. Confirming with the test PaymentMethod `pm_card_visa` or `pm_card_mastercard` succeeds at
once; `pm_card_chargeDeclined` and `pm_card_chargeDeclinedInsufficientFunds` are declined (HTTP 402
card_error, a failed charge). Confirming with `payment_method_data[type]=ideal` and a return_url
redirects to the test bank page {PREFIX}/bank/{id}, where the person approves or refuses;
{PREFIX}/pay/{id}?client_secret=...&return_url=... stands in for a Stripe.js checkout. Both send the
browser back to return_url with payment_intent, payment_intent_client_secret and redirect_status.
Tests pay with complete_payment(), dispute with dispute() and repeat an event with redeliver().
An event's data.object is a copy of the object at that moment; the events of one call are
delivered in order (Stripe does not promise that).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

API_VERSION = "2025-10-29.clover"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify your identity</title>
<link rel="stylesheet" href="/app.css"></head><body><header><h1>Identity check (test mode)</h1></header>
<main><section><h2>Verify your identity</h2><p>In test mode you choose the outcome of the document and selfie check.</p>
<form method="post" action="{submit}"><button name="outcome" value="verified">Verify</button>
<button name="outcome" value="failed">Fail the check</button></form><p class="hint">Session {id}: {status}</p>
</section></main></body></html>"""
PAY_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/app.css"></head><body><header><h1>{title} (test mode)</h1></header>
<main><section><h2>{amount}</h2><p>{description}</p>{forms}<p class="hint">Payment {id}: {status}</p>
</section></main></body></html>"""
IDEAL_FORM = """<form method="post" action="{submit}"><input type="hidden" name="method" value="ideal"><label>Bank
<select name="bank">{banks}</select></label><button name="outcome" value="approve">Approve at the bank</button>
<button name="outcome" value="refuse">Refuse at the bank</button></form>"""
CARD_FORM = """<form method="post" action="{submit}"><input type="hidden" name="method" value="card"><button
name="outcome" value="approve">Pay with test card 4242</button><button name="outcome" value="refuse">Pay with a
declined card</button></form>"""

#: Stripe's test PaymentMethods: brand and last four digits of the test card behind each
TEST_CARDS = {"pm_card_visa": ("visa", "4242"), "pm_card_mastercard": ("mastercard", "4444"),
              "pm_card_chargeDeclined": ("visa", "0002"), "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995")}
#: last four digits of a declining test card -> (decline_code, message)
DECLINES = {"0002": ("generic_decline", "Your card was declined."),
            "9995": ("insufficient_funds", "Your card has insufficient funds.")}
IDEAL_BANKS = ("abn_amro", "asn_bank", "bunq", "handelsbanken", "ing", "knab", "n26", "nn", "rabobank", "regiobank",
               "revolut", "sns_bank", "triodos_bank", "van_lanschot", "yoursafe")
PAGE_BANKS = {"ing": "ING", "rabobank": "Rabobank", "abn_amro": "ABN AMRO"}  # the choice the test pages offer
PAYABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
CANCELABLE = (*PAYABLE, "requires_capture", "processing")
IDEAL_REFUSED = ("The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new "
                 "PaymentMethod to attempt to fulfill this PaymentIntent again.")


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (a[b][c]=v, a[0]=v) back into nested data, indexed keys into lists."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return _lists(result)


def _lists(value: Any, key: str = "") -> Any:
    if not isinstance(value, dict):
        return value
    value = {k: _lists(v, k) for k, v in value.items()}
    if key != "metadata" and value and set(value) == {str(i) for i in range(len(value))}:  # metadata keys are free
        return [value[str(i)] for i in range(len(value))]
    return value


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


#: the ways a delivery's signature can be wrong, as forged_delivery() makes them
FORGERIES = ("wrong_secret", "stale", "missing", "tampered")


def forged_delivery(event: dict[str, Any], kind: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a delivery of `event` whose signature an endpoint with `secret` must
    refuse: signed with another secret, 301 s old (beyond the 300 s tolerance), unsigned, or
    signed and then changed (the amount a hundredfold)."""
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0"}
    if kind == "wrong_secret":
        headers["Stripe-Signature"] = signature_header(payload, "whsec_someone_else")
    elif kind == "stale":
        headers["Stripe-Signature"] = signature_header(payload, secret, timestamp=int(time.time()) - 301)
    elif kind == "tampered":
        headers["Stripe-Signature"] = signature_header(payload, secret)
        amount = event["data"]["object"]["amount_received"]
        changed = payload.replace(f'"amount_received": {amount}'.encode(),
                                  f'"amount_received": {amount * 100}'.encode())
        if changed == payload:
            raise RuntimeError("the tampered payload is the same as the signed one")
        payload = changed
    elif kind != "missing":
        raise ValueError(kind)
    return payload, headers


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _error(status: int, message: str, kind: str = "invalid_request_error", **details: Any) -> Response:
    """Stripe's error body: type and message, and where they apply code (with its doc_url), param and more."""
    if details.get("code"):
        details["doc_url"] = f"https://stripe.com/docs/error-codes/{details['code'].replace('_', '-')}"
    return _json({"error": {"type": kind, "message": message, **details}}, status)


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _money(cents: int, currency: str) -> str:
    return f"{'€' if currency == 'eur' else currency.upper() + ' '}{cents // 100}.{cents % 100:02d}"


def _amount(value: Any, least: int) -> int | Response:
    """An amount in cents, at least `least`, or Stripe's refusal naming the param."""
    if value is None or not str(value).isdigit():
        return _error(400, f"Invalid integer: {value}" if value else "Missing required param: amount.", param="amount",
                      code="parameter_invalid_integer" if value else "parameter_missing")
    if int(value) < least:
        return _error(400, f"Amount must be at least {_money(least, 'eur')} eur", code="amount_too_small",
                      param="amount")
    return int(value)


class StripeStandIn:
    """State and routes of the stand-in; mounted by the gateway under PREFIX."""

    PREFIX = "/sandbox/stripe"

    def __init__(self, api_key: str, *, synchronous: bool) -> None:
        self.api_key = api_key
        self.synchronous = synchronous
        self.base_url = ""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.webhooks: list[tuple[str, str, tuple[str, ...]]] = []  # (url, secret, event type prefixes)
        self.deliveries: list[dict[str, Any]] = []
        #: idempotency key -> (request body, (status, response body)); None while the first request runs
        self._idempotent: dict[str, tuple[str, tuple[int, bytes] | None]] = {}
        self._lock = threading.Lock()
        self._stores = {"identity/verification_sessions": (self.sessions, "verification session"),
                        "identity/verification_reports": (self.reports, "verification report"),
                        "payment_intents": (self.intents, "payment_intent"),
                        "payment_methods": (self.payment_methods, "PaymentMethod"),
                        "charges": (self.charges, "charge"), "refunds": (self.refunds, "refund"),
                        "disputes": (self.disputes, "dispute"), "events": (self.events, "event")}

    def add_webhook(self, url: str, secret: str, event_prefix: str | Iterable[str]) -> None:
        """An endpoint receiving the events whose type starts with the prefix (or one of the prefixes)."""
        prefixes = (event_prefix,) if isinstance(event_prefix, str) else tuple(event_prefix)
        self.webhooks.append((url, secret, prefixes))

    # ------------------------------------------------------------ HTTP

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.PREFIX)
        page = re.fullmatch(r"/identity/(vs_\w+)(/submit)?", path)
        if page:
            return self._identity_page(request, page.group(1), bool(page.group(2)))
        page = re.fullmatch(r"/(pay|bank)/([^/]+)(/submit)?", path)
        if page:
            return self._payment_page(request, page.group(1), page.group(2), bool(page.group(3)))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key provided", "invalid_request_error")
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        body = request.get_data(as_text=True)
        if key:
            running: tuple[str, None] = (body, None)  # this request's own mark, told apart by identity
            with self._lock:
                seen = self._idempotent.setdefault(key, running)
            if seen is not running:
                return self._replay(key, seen, body)
        response = _error(500, "An unknown error occurred", "api_error")
        try:
            response = self._api(request.method, path, decode_form(body))
        finally:
            if key:
                with self._lock:
                    if response.status_code < 500:
                        self._idempotent[key] = (body, (response.status_code, response.get_data()))
                    else:  # Stripe keeps no result of a request that failed on its side
                        del self._idempotent[key]
        return response

    @staticmethod
    def _replay(key: str, seen: tuple[str, tuple[int, bytes] | None], body: str) -> Response:
        seen_body, result = seen
        if seen_body != body:
            return _error(400, "Keys for idempotent requests can only be used with the same parameters they were "
                          f"first used with. Try using a key other than '{key}' if you meant to execute a different "
                          "request.", "idempotency_error")
        if result is None:  # the first request with this key is still running; the library retries a 409
            return _error(409, "There is currently another in-progress request using this Stripe API key (or the "
                          "same idempotency key).", code="idempotency_key_in_use")
        return Response(result[1], status=result[0], content_type="application/json",
                        headers={"Idempotent-Replayed": "true"})

    def _api(self, method: str, path: str, params: dict[str, Any]) -> Response:
        creates = {"/v1/identity/verification_sessions": self._create_session,
                   "/v1/payment_intents": self._create_intent, "/v1/refunds": self._refund}
        if method == "POST" and path in creates:
            return creates[path](params)
        found = re.fullmatch(r"/v1/payment_intents/([^/]+)/(confirm|cancel)", path)
        if found and method == "POST":
            return (self._confirm if found.group(2) == "confirm" else self._cancel)(params, found.group(1))
        found = re.fullmatch(rf"/v1/({'|'.join(self._stores)})/([^/]+)", path)
        if found and method == "GET":
            store, name = self._stores[found.group(1)]
            with self._lock:
                thing = store.get(found.group(2))
                return _json(thing) if thing else self._missing(name, found.group(2))
        return _error(404, f"Unrecognized request URL ({method}: {path}).")

    @staticmethod
    def _missing(name: str, key: str, param: str = "id", status: int = 404) -> Response:
        return _error(status, f"No such {name}: '{key}'", code="resource_missing", param=param)

    # ------------------------------------------------------------ Identity

    def _create_session(self, params: dict[str, Any]) -> Response:
        if params.get("type") not in ("document", "id_number"):
            return _error(400, "Invalid type: must be one of document or id_number")
        session_id = _id("vs")
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
        report = {"id": _id("vr"), "object": "identity.verification_report", "type": "document",
                  "verification_session": session["id"], "created": int(time.time()), "livemode": False,
                  "document": document, "selfie": {"status": "verified", "error": None}}
        self.reports[report["id"]] = report
        return report

    # ------------------------------------------------------------ payments: API

    def _create_intent(self, params: dict[str, Any]) -> Response:
        amount, currency = _amount(params.get("amount"), 50), str(params.get("currency") or "").lower()
        if isinstance(amount, Response):
            return amount
        if not currency:
            return _error(400, "Missing required param: currency.", code="parameter_missing", param="currency")
        types = params.get("payment_method_types") or ["card"]
        for kind in types:
            if kind not in ("card", "ideal") or kind == "ideal" and currency != "eur":
                return _error(400, f"The payment method type {kind!r} is invalid for currency {currency}.",
                              code="payment_intent_invalid_parameter", param="payment_method_types")
        pi_id = _id("pi")
        intent = {
            "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": 0,
            "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}", "confirmation_method": "automatic",
            "created": int(time.time()), "currency": currency, "customer": None,
            "description": params.get("description"), "last_payment_error": None, "latest_charge": None,
            "livemode": False, "metadata": params.get("metadata") or {}, "next_action": None, "payment_method": None,
            "payment_method_types": types, "receipt_email": params.get("receipt_email"),
            "status": "requires_payment_method",
        }
        with self._lock:
            self.intents[pi_id] = intent
            response = _json(intent)
        return self._confirm(params, pi_id) if params.get("confirm") == "true" else response

    def _confirm(self, params: dict[str, Any], pi_id: str) -> Response:
        with self._lock:
            intent = self.intents.get(pi_id)
            if intent is None:
                return self._missing("payment_intent", pi_id, "intent")
            if intent["status"] not in PAYABLE:
                return self._unexpected(intent, "confirm", PAYABLE)
            pm = self._payment_method_for(params, intent)
            if isinstance(pm, Response):
                return pm
            if pm["type"] == "card":
                events = self._settle(intent, pm, pm["card"]["last4"] not in DECLINES)
            else:
                redirect_to = {"url": f"{self.base_url}{self.PREFIX}/bank/{pi_id}", "return_url": params["return_url"]}
                intent.update(status="requires_action", payment_method=pm["id"], last_payment_error=None,
                              next_action={"type": "redirect_to_url", "redirect_to_url": redirect_to})
                events = [self._event("payment_intent.requires_action", intent)]
            failure = intent["last_payment_error"]  # a declined card: Stripe answers 402 with the intent
            response = _json({"error": {**failure, "payment_intent": intent}}, 402) if failure else _json(intent)
        self._dispatch(*events)
        return response

    def _payment_method_for(self, params: dict[str, Any], intent: dict[str, Any]) -> dict[str, Any] | Response:
        """Under the lock: the PaymentMethod a confirmation names, or Stripe's refusal of it."""
        name, data = params.get("payment_method"), params.get("payment_method_data") or {}
        kind = "card" if name else "ideal" if isinstance(data, dict) and data.get("type") == "ideal" else None
        if name and name not in TEST_CARDS:
            return self._missing("PaymentMethod", name, "payment_method", 400)
        if kind is None:
            return _error(400, "You cannot confirm this PaymentIntent because it's missing a payment method.",
                          code="payment_intent_unexpected_state", param="payment_method")
        if kind not in intent["payment_method_types"]:
            return _error(400, f"The PaymentMethod provided ({kind}) is not allowed for this PaymentIntent. Allowed "
                          f"types: {', '.join(intent['payment_method_types'])}.",
                          code="payment_intent_incompatible_payment_method", param="payment_method")
        if kind == "card":
            return self._card(name)
        if not params.get("return_url"):
            return _error(400, "A return_url is required to confirm with the payment method type ideal.",
                          code="parameter_missing", param="return_url")
        bank = (data.get("ideal") or {}).get("bank")
        return self._payment_method("ideal", bank=bank if bank in IDEAL_BANKS else None)

    def _cancel(self, params: dict[str, Any], pi_id: str) -> Response:
        with self._lock:
            intent = self.intents.get(pi_id)
            if intent is None:
                return self._missing("payment_intent", pi_id, "intent")
            if intent["status"] not in CANCELABLE:
                return self._unexpected(intent, "cancel", CANCELABLE)
            intent.update(status="canceled", canceled_at=int(time.time()), next_action=None,
                          cancellation_reason=params.get("cancellation_reason"))
            event = self._event("payment_intent.canceled", intent)
            response = _json(intent)
        self._dispatch(event)
        return response

    @staticmethod
    def _unexpected(intent: dict[str, Any], verb: str, allowed: tuple[str, ...]) -> Response:
        return _error(400, f"You cannot {verb} this PaymentIntent because it has a status of {intent['status']}. "
                      f"Only a PaymentIntent with one of the following statuses may be {verb}ed: "
                      f"{', '.join(allowed)}.", code="payment_intent_unexpected_state", payment_intent=intent)

    def _refund(self, params: dict[str, Any]) -> Response:
        with self._lock:
            charge = self._refundable_charge(params)
            if isinstance(charge, Response):
                return charge
            left = charge["amount"] - charge["amount_refunded"]
            amount = _amount(params.get("amount", left), 1)
            if isinstance(amount, Response) or amount > left:
                return amount if isinstance(amount, Response) else _error(
                    400, f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded amount on "
                    f"charge ({_money(left, charge['currency'])})", code="amount_too_large", param="amount")
            refund = {"id": _id("re"), "object": "refund", "amount": amount, "balance_transaction": None,
                      "charge": charge["id"], "created": int(time.time()), "currency": charge["currency"],
                      "metadata": params.get("metadata") or {}, "payment_intent": charge["payment_intent"],
                      "reason": params.get("reason"), "receipt_number": None, "status": "succeeded"}
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            charge["refunds"]["total_count"] += 1
            events = [self._event("charge.refunded", charge), self._event("refund.created", refund)]
            response = _json(refund)
        self._dispatch(*events)
        return response

    def _refundable_charge(self, params: dict[str, Any]) -> dict[str, Any] | Response:
        pi_id, charge_id = params.get("payment_intent"), params.get("charge")
        if not pi_id and not charge_id:
            return _error(400, "One of the following params should be provided for this request: payment_intent or "
                          "charge.", code="parameter_missing")
        if pi_id and pi_id not in self.intents:
            return self._missing("payment_intent", pi_id, "payment_intent", 400)
        charge = self.charges.get(self.intents[pi_id]["latest_charge"] or "" if pi_id else charge_id)
        if charge is None or charge["status"] != "succeeded":
            return _error(400, f"This PaymentIntent ({pi_id}) does not have a successful charge to refund." if pi_id
                          else f"No such charge: '{charge_id}'", code="resource_missing",
                          param="payment_intent" if pi_id else "charge")
        if charge["disputed"]:
            return _error(400, f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                          code="charge_disputed")
        if charge["refunded"]:
            return _error(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        return charge

    # ------------------------------------------------------------ payments: the person paying

    def _payment_page(self, request: Request, kind: str, pi_id: str, submitted: bool) -> Response:
        with self._lock:
            intent = copy.deepcopy(self.intents.get(pi_id))
        if intent is None:
            return Response("no such payment", status=404)
        if kind == "pay":
            if not hmac.compare_digest(request.values.get("client_secret", ""), intent["client_secret"]):
                return Response("the client_secret does not match this payment", status=403)
            return_url = request.values.get("return_url", "")
            methods = [m for m in ("ideal", "card") if m in intent["payment_method_types"]]
        else:  # the bank authorizes only the redirect a confirmation asked for
            redirect_to = (intent["next_action"] or {}).get("redirect_to_url") or {}
            return_url, methods = redirect_to.get("return_url", ""), ["ideal"] if redirect_to else []
        if submitted and request.method == "POST":
            method, outcome, bank = (request.values.get(f) for f in ("method", "outcome", "bank"))
            if (method or "ideal") not in methods or outcome not in ("approve", "refuse") or bank not in (
                    None, "", *IDEAL_BANKS):
                return Response("this payment cannot be paid that way", status=400)
            try:
                intent = self.complete_payment(pi_id, outcome="succeeded" if outcome == "approve" else "failed",
                                               method=method or "ideal", bank=bank or None)
            except ValueError as refusal:
                return Response(str(refusal), status=409)
            if return_url:
                query = urlencode({"payment_intent": pi_id, "payment_intent_client_secret": intent["client_secret"],
                                   "redirect_status": "succeeded" if intent["status"] == "succeeded" else "failed"})
                return redirect(f"{return_url}{'&' if '?' in return_url else '?'}{query}", 303)
        query = urlencode({"client_secret": intent["client_secret"], "return_url": return_url}) if kind == "pay" else ""
        submit = escape(f"{self.PREFIX}/{kind}/{pi_id}/submit" + (f"?{query}" if query else ""))
        chosen = (self.payment_methods.get(intent["payment_method"] or "") or {}).get("ideal", {}).get("bank")
        banks = "".join(f'<option value="{b}"{" selected" if b == chosen else ""}>{label}</option>'
                        for b, label in PAGE_BANKS.items())
        forms = "".join(form.format(submit=submit, banks=banks) for method, form in (
            ("ideal", IDEAL_FORM), ("card", CARD_FORM)) if method in methods and intent["status"] in PAYABLE)
        html = PAY_PAGE.format(title="Pay" if kind == "pay" else "iDEAL: your bank", id=pi_id, forms=forms,
                               amount=_money(intent["amount"], intent["currency"]), status=intent["status"],
                               description=escape(intent["description"] or ""))
        return Response(html, content_type="text/html; charset=utf-8")

    def complete_payment(self, pi_id: str, *, outcome: str = "succeeded", method: str = "ideal",
                         bank: str | None = None) -> dict[str, Any]:
        """The person paid (outcome "succeeded") or did not ("failed"), by iDEAL or card: settle the
        intent and send the webhooks; returns the intent after. ValueError if it cannot be paid."""
        if outcome not in ("succeeded", "failed") or method not in ("ideal", "card"):
            raise ValueError(f"unknown outcome {outcome!r} or method {method!r}")
        with self._lock:
            intent = self.intents[pi_id]
            if intent["status"] not in PAYABLE:
                raise ValueError(f"PaymentIntent {pi_id} has status {intent['status']} and cannot be paid")
            pm = self.payment_methods.get(intent["payment_method"] or "")
            if method == "card":
                pm = self._card("pm_card_visa" if outcome == "succeeded" else "pm_card_chargeDeclined")
            else:  # the bank chosen at the bank, else at confirmation
                pm = pm if pm and pm["type"] == "ideal" else self._payment_method("ideal", bank=None)
                pm["ideal"]["bank"] = bank or pm["ideal"]["bank"] or "ing"
            events = self._settle(intent, pm, outcome == "succeeded")
            after = copy.deepcopy(intent)
        self._dispatch(*events)
        return after

    def dispute(self, payment: str, *, reason: str = "fraudulent") -> dict[str, Any]:
        """The payer disputes a successful payment (an intent or charge id); returns the Dispute."""
        with self._lock:
            charge = self.charges.get((self.intents.get(payment) or {}).get("latest_charge") or payment)
            if charge is None or charge["status"] != "succeeded":
                raise ValueError(f"{payment} has no successful charge to dispute")
            now = int(time.time())
            dispute = {"id": _id("dp"), "object": "dispute", "amount": charge["amount"], "charge": charge["id"],
                       "payment_intent": charge["payment_intent"], "currency": charge["currency"], "reason": reason,
                       "status": "needs_response", "created": now, "livemode": False, "metadata": {},
                       "is_charge_refundable": False, "evidence_details": {
                           "due_by": now + 7 * 86400, "has_evidence": False, "past_due": False, "submission_count": 0}}
            self.disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            event = self._event("charge.dispute.created", dispute)
            after = copy.deepcopy(dispute)
        self._dispatch(event)
        return after

    def _payment_method(self, kind: str, **details: Any) -> dict[str, Any]:
        pm = {"id": _id("pm"), "object": "payment_method", "type": kind, kind: details, "created": int(time.time()),
              "customer": None, "livemode": False, "billing_details": {"email": None, "name": None}}
        self.payment_methods[pm["id"]] = pm
        return pm

    def _card(self, test_method: str) -> dict[str, Any]:
        brand, last4 = TEST_CARDS[test_method]
        return self._payment_method("card", brand=brand, last4=last4)

    def _settle(self, intent: dict[str, Any], pm: dict[str, Any], ok: bool) -> list[dict[str, Any]]:
        """Under the lock: the payment went through or not; returns the events to send."""
        events = []
        if ok or pm["type"] == "card":  # a declined card leaves a failed charge; a refusal at the bank does not
            charge = self._charge(intent, pm, ok)
            intent["latest_charge"] = charge["id"]
            events.append(self._event("charge.succeeded" if ok else "charge.failed", charge))
        if ok:
            intent.update(status="succeeded", amount_received=intent["amount"], payment_method=pm["id"],
                          next_action=None, last_payment_error=None)
        else:
            if pm["type"] == "card":  # also what the 402 answer to confirm carries
                decline, message = DECLINES[pm["card"]["last4"]]
                error = {"type": "card_error", "code": "card_declined", "decline_code": decline, "message": message,
                         "charge": intent["latest_charge"]}
            else:
                error = {"type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                         "message": IDEAL_REFUSED}
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{error['code'].replace('_', '-')}"
            intent.update(status="requires_payment_method", payment_method=None, next_action=None,
                          last_payment_error={**error, "payment_method": copy.deepcopy(pm)})
        events.append(self._event("payment_intent.succeeded" if ok else "payment_intent.payment_failed", intent))
        return events

    def _charge(self, intent: dict[str, Any], pm: dict[str, Any], ok: bool) -> dict[str, Any]:
        charge_id = _id("ch")
        message = None if ok else DECLINES[pm["card"]["last4"]][1]
        charge = {
            "id": charge_id, "object": "charge", "amount": intent["amount"],
            "amount_captured": intent["amount"] if ok else 0, "amount_refunded": 0, "balance_transaction": None,
            "captured": ok, "created": int(time.time()), "currency": intent["currency"],
            "description": intent["description"], "disputed": False, "failure_code": None if ok else "card_declined",
            "failure_message": message, "livemode": False, "metadata": dict(intent["metadata"]),
            "paid": ok, "payment_intent": intent["id"], "payment_method": pm["id"],
            "payment_method_details": {"type": pm["type"], pm["type"]: dict(pm[pm["type"]])},
            "receipt_email": intent["receipt_email"], "refunded": False, "status": "succeeded" if ok else "failed",
            "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                        "url": f"/v1/charges/{charge_id}/refunds"},
        }
        self.charges[charge_id] = charge
        return charge

    # ------------------------------------------------------------ webhooks

    def send_event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            event = self._event(kind, obj)
        self._dispatch(event)
        return event

    def redeliver(self, event_id: str, *, times: int = 1) -> list[int]:
        """Deliver a stored event again to every endpoint it is for, now; Stripe may send one event twice."""
        event = self.events[event_id]
        endpoints = self._endpoints(event["type"])
        return [self.deliver(url, secret, event) for _ in range(times) for url, secret in endpoints]

    def _endpoints(self, kind: str) -> list[tuple[str, str]]:
        return [(url, secret) for url, secret, prefixes in self.webhooks if kind.startswith(prefixes)]

    def _event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A stored event holding a copy of the object as it is now (so: made under the lock)."""
        event = {"id": _id("evt"), "object": "event", "api_version": API_VERSION, "created": int(time.time()),
                 "livemode": False, "pending_webhooks": len(self._endpoints(kind)), "type": kind,
                 "data": {"object": copy.deepcopy(obj)}, "request": {"id": None, "idempotency_key": None}}
        self.events[event["id"]] = event
        return event

    def _dispatch(self, *events: dict[str, Any]) -> None:
        """Deliver events in order: before returning when synchronous, else in the background."""
        def deliver_all() -> None:
            for event in events:
                for url, secret in self._endpoints(event["type"]):
                    self.deliver(url, secret, event)

        if self.synchronous:
            deliver_all()
        elif events:
            threading.Thread(target=deliver_all, daemon=True).start()

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
