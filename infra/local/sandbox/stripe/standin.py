"""The Stripe stand-in as the gateway mounts it: the API the stripe library calls (its key
checked, POSTs idempotent per Idempotency-Key as at Stripe), the pages a person sees at Stripe,
and the state tests look at and move (complete_identity, complete_payment, dispute, decide_dispute,
redeliver)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.disputes import Disputes
from infra.local.sandbox.stripe.identity import Identity, redact_session
from infra.local.sandbox.stripe.mandates import Mandates
from infra.local.sandbox.stripe.payments import Payments
from infra.local.sandbox.stripe.webhooks import Webhooks
from infra.local.sandbox.stripe.wire import decode_form, error, json_response, missing


class StripeStandIn:
    """State and routes of the stand-in; mounted by the gateway under PREFIX of `base_url`."""

    PREFIX = "/sandbox/stripe"

    def __init__(self, api_key: str, *, synchronous: bool, base_url: str = "") -> None:
        self.api_key = api_key
        self._lock = threading.Lock()
        self.hooks = Webhooks(synchronous=synchronous)
        self.identity = Identity(self.hooks, self._lock, base_url=base_url, pages=f"{self.PREFIX}/identity")
        self.payments = Payments(self.hooks, self._lock, base_url=base_url, pages=self.PREFIX)
        self.debits = self.payments.debits = Mandates(self.hooks, self._lock, self.payments, pages=self.PREFIX)
        self.chargebacks = Disputes(self.hooks, self._lock, self.payments.charges, self.payments.intents)
        #: idempotency key -> (request body, (status, response body)); None while the first request runs
        self._idempotent: dict[str, tuple[str, tuple[int, bytes] | None]] = {}
        self._stores = {"identity/verification_sessions": (self.identity.sessions, "verification session"),
                        "identity/verification_reports": (self.identity.reports, "verification report"),
                        "payment_intents": (self.payments.intents, "payment_intent"),
                        "payment_methods": (self.payments.payment_methods, "PaymentMethod"),
                        "charges": (self.payments.charges, "charge"), "refunds": (self.payments.refunds, "refund"),
                        "disputes": (self.chargebacks.disputes, "dispute"),
                        "customers": (self.debits.customers, "customer"),
                        "setup_intents": (self.debits.setups, "setup_intent"),
                        "mandates": (self.debits.mandates, "mandate"), "events": (self.hooks.events, "event")}

    # ------------------------------------------------------------ what tests and the runtime use

    def add_webhook(self, url: str, secret: str, event_prefix: str | Iterable[str]) -> None:
        self.hooks.add(url, secret, event_prefix)

    def complete_identity(self, session_id: str, outcome: str | None = None) -> dict[str, Any]:
        return self.identity.complete(session_id, outcome)

    def complete_payment(self, pi_id: str, *, outcome: str = "succeeded", method: str = "ideal",
                         bank: str | None = None) -> dict[str, Any]:
        return self.payments.complete_payment(pi_id, outcome=outcome, method=method, bank=bank)

    def complete_setup(self, setup_id: str, *, iban: str, name: str = "Test Klant") -> dict[str, Any]:
        """The person gives a SEPA Direct Debit mandate with this IBAN (the mandate page's form)."""
        return self.debits.complete_setup(setup_id, iban=iban, name=name)

    def complete_debit(self, pi_id: str, *, outcome: str = "succeeded",
                       failure_code: str = "insufficient_funds") -> dict[str, Any]:
        """The payer's bank settles a processing SEPA debit: paid, or returned with `failure_code`."""
        return self.debits.complete_debit(pi_id, outcome=outcome, failure_code=failure_code)

    def revoke_mandate(self, mandate_id: str) -> dict[str, Any]:
        """The payer revokes a mandate at their bank."""
        return self.debits.revoke(mandate_id)

    @property
    def mandates(self) -> dict[str, dict[str, Any]]:
        return self.debits.mandates

    def dispute(self, payment: str, *, reason: str = "fraudulent") -> dict[str, Any]:
        """The payer's bank disputes a successful payment: created, and the funds withdrawn."""
        return self.chargebacks.dispute(payment, reason=reason)

    def decide_dispute(self, dispute_id: str, outcome: str) -> dict[str, Any]:
        """The bank decides a dispute: "won" (funds reinstated, then closed) or "lost" (closed)."""
        return self.chargebacks.decide(dispute_id, outcome)

    def redeliver(self, event_id: str, *, times: int = 1) -> list[int]:
        return self.hooks.redeliver(event_id, times=times)

    def deliver(self, url: str, secret: str, event: dict[str, Any], *, signature: str | None = None) -> int:
        return self.hooks.deliver(url, secret, event, signature=signature)

    @property
    def base_url(self) -> str:
        """Where the stand-in is reached (its pages' links start with it)."""
        return self.payments.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.identity.base_url = self.payments.base_url = url

    @property
    def sessions(self) -> dict[str, dict[str, Any]]:
        return self.identity.sessions

    @property
    def intents(self) -> dict[str, dict[str, Any]]:
        return self.payments.intents

    @property
    def charges(self) -> dict[str, dict[str, Any]]:
        return self.payments.charges

    @property
    def refunds(self) -> dict[str, dict[str, Any]]:
        return self.payments.refunds

    @property
    def disputes(self) -> dict[str, dict[str, Any]]:
        return self.chargebacks.disputes

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        return self.hooks.events

    @property
    def webhooks(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """The endpoints (url, secret, event type prefixes); replaced to hold deliveries back."""
        return self.hooks.endpoints

    @webhooks.setter
    def webhooks(self, endpoints: list[tuple[str, str, tuple[str, ...]]]) -> None:
        self.hooks.endpoints = endpoints

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return self.hooks.deliveries

    def redact_session(self, session_id: str) -> Response:
        """Redact an identity check as Stripe does: the session and its reports, and every event
        and request log that carries it (in Stripe its events and logs are redacted too)."""
        with self._lock:
            response = self.identity.redact(session_id)
            if response.status_code == 200:
                for event in self.hooks.events.values():
                    if event["data"]["object"].get("id") == session_id:
                        redact_session(event["data"]["object"])
                for key, (_body, result) in list(self._idempotent.items()):
                    if session_id.encode() in (result or (0, b""))[1]:
                        self._idempotent[key] = ("", (result[0], response.get_data()) if result else None)
        return response

    # ------------------------------------------------------------ HTTP

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.PREFIX)
        page = re.fullmatch(r"/identity/(vs_\w+)(/submit)?", path)
        if page:
            return self.identity.page(request, page.group(1), bool(page.group(2)))
        page = re.fullmatch(r"/(?:setup|pay)/(seti_\w+)(/submit)?", path)
        if page:
            return self.debits.page(request, page.group(1), bool(page.group(2)))
        page = re.fullmatch(r"/(pay|bank)/([^/]+)(/submit)?", path)
        if page:
            return self.payments.page(request, page.group(1), page.group(2), bool(page.group(3)))
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return error(401, "Invalid API Key provided", "invalid_request_error")
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        body = request.get_data(as_text=True)
        if key:
            running: tuple[str, None] = (body, None)  # this request's own mark, told apart by identity
            with self._lock:
                seen = self._idempotent.setdefault(key, running)
            if seen is not running:
                return self._replay(key, seen, body)
        response = error(500, "An unknown error occurred", "api_error")
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
            return error(400, "Keys for idempotent requests can only be used with the same parameters they were "
                         f"first used with. Try using a key other than '{key}' if you meant to execute a different "
                         "request.", "idempotency_error")
        if result is None:  # the first request with this key is still running; the library retries a 409
            return error(409, "There is currently another in-progress request using this Stripe API key (or the "
                         "same idempotency key).", code="idempotency_key_in_use")
        return Response(result[1], status=result[0], content_type="application/json",
                        headers={"Idempotent-Replayed": "true"})

    def _api(self, method: str, path: str, params: dict[str, Any]) -> Response:
        creates = {"/v1/identity/verification_sessions": self.identity.create_session,
                   "/v1/payment_intents": self.payments.create_intent, "/v1/refunds": self.payments.refund,
                   "/v1/customers": self.debits.create_customer, "/v1/setup_intents": self.debits.create_setup}
        if method == "POST" and path in creates:
            return creates[path](params)
        found = re.fullmatch(r"/v1/payment_intents/([^/]+)/(confirm|cancel)", path)
        if found and method == "POST":
            act = self.payments.confirm if found.group(2) == "confirm" else self.payments.cancel
            return act(params, found.group(1))
        found = re.fullmatch(r"/v1/payment_methods/([^/]+)/detach", path)
        if found and method == "POST":
            return self.debits.detach(found.group(1))
        found = re.fullmatch(r"/v1/identity/verification_sessions/([^/]+)/redact", path)
        if found and method == "POST":
            return self.redact_session(found.group(1))
        found = re.fullmatch(r"/v1/disputes/([^/]+)(/close)?", path)
        if found and method == "POST":
            act = self.chargebacks.close if found.group(2) else self.chargebacks.update
            return act(params, found.group(1))
        found = re.fullmatch(rf"/v1/({'|'.join(self._stores)})/([^/]+)", path)
        if found and method == "GET":
            store, name = self._stores[found.group(1)]
            with self._lock:
                thing = store.get(found.group(2))
                return json_response(thing) if thing else missing(name, found.group(2))
        return error(404, f"Unrecognized request URL ({method}: {path}).")
