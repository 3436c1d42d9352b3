"""Stripe's SEPA Direct Debit in test mode: Customers, SetupIntents with `sepa_debit` (the person
gives a mandate on the test bank's mandate page {pages}/setup/{id}, typing an IBAN), the Mandate
that makes, and PaymentIntents collected off-session on it.

As Stripe does: confirming a SetupIntent with an IBAN makes a PaymentMethod of type `sepa_debit`
(only its country, bank code and last four digits kept), attaches it to the intent's customer and
makes a multi-use Mandate (status active, accepted online) on it: `setup_intent.succeeded`.
Detaching the PaymentMethod makes its mandate inactive (`mandate.updated`). A PaymentIntent with
`payment_method_types=["sepa_debit"]`, `off_session` and `confirm` on an active mandate goes to
`processing` (`payment_intent.processing`, `charge.pending`); the payer's bank then settles it
(`complete_debit`): `succeeded` (`charge.succeeded`, `payment_intent.succeeded`) or returned with a
failure code (`charge.failed`, `payment_intent.payment_failed`, the intent back to
`requires_payment_method` with `last_payment_error.code`); a return because the payer revoked the
mandate (`debit_not_authorized`) or closed the account also makes the mandate inactive."""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import threading
import time
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.webhooks import Webhooks
from infra.local.sandbox.stripe.wire import error, json_response, missing, new_id

SETUP_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SEPA Direct Debit mandate</title>
<link rel="stylesheet" href="/app.css"></head><body><header><h1>SEPA Direct Debit mandate (test mode)</h1></header>
<main><section>{form}<p class="hint">Setup {id}: {status}</p></section></main></body></html>"""
SETUP_FORM = """<form method="post" action="{submit}"><label>Account holder <input name="name" required></label>
<label>IBAN <input name="iban" required></label><p>By giving this mandate you authorise the business to send
instructions to your bank to debit your account.</p><button name="outcome" value="accept">Accept the
mandate</button></form>"""
#: the reasons a bank returns a SEPA debit for, as Stripe names them (last_payment_error.code)
FAILURE_CODES = {
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "debit_not_authorized": "The customer has notified their bank that this payment was unauthorized.",
    "account_closed": "The customer's bank account has been closed.",
    "no_account": "The customer's bank account could not be located.",
    "generic_could_not_process": "This payment could not be processed.",
}
#: returns that end the mandate: the payer revoked it, or the account is gone
ENDS_MANDATE = ("debit_not_authorized", "account_closed", "no_account")
IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


def _iban_ok(iban: str) -> bool:
    """The IBAN's own check (ISO 13616, mod 97)."""
    if not IBAN.fullmatch(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class Mandates:
    """Customers, SetupIntents, Mandates and the SEPA side of PaymentIntents; shares the payment
    objects (intents, payment methods, charges) with `payments`."""

    def __init__(self, webhooks: Webhooks, lock: threading.Lock, payments: Any, *, pages: str) -> None:
        self.webhooks, self._lock, self.payments, self.pages = webhooks, lock, payments, pages
        self.customers: dict[str, dict[str, Any]] = {}
        self.setups: dict[str, dict[str, Any]] = {}
        self.mandates: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------ the API

    def create_customer(self, params: dict[str, Any]) -> Response:
        customer = {"id": new_id("cus"), "object": "customer", "created": int(time.time()), "livemode": False,
                    "email": params.get("email"), "name": params.get("name"), "description": params.get("description"),
                    "metadata": params.get("metadata") or {}, "invoice_settings": {"default_payment_method": None}}
        with self._lock:
            self.customers[customer["id"]] = customer
            return json_response(customer)

    def create_setup(self, params: dict[str, Any]) -> Response:
        types = params.get("payment_method_types") or ["card"]
        if types != ["sepa_debit"]:
            return error(400, f"The payment method type {types[0]!r} is not supported here.",
                          code="parameter_invalid_empty", param="payment_method_types")
        with self._lock:
            if params.get("customer") and params["customer"] not in self.customers:
                return missing("customer", params["customer"], "customer", 400)
            seti = new_id("seti")
            setup = {"id": seti, "object": "setup_intent", "application": None, "cancellation_reason": None,
                     "client_secret": f"{seti}_secret_{new_id('s')[2:]}", "created": int(time.time()),
                     "customer": params.get("customer"), "description": params.get("description"),
                     "last_setup_error": None, "latest_attempt": None, "livemode": False, "mandate": None,
                     "metadata": params.get("metadata") or {}, "next_action": None, "payment_method": None,
                     "payment_method_options": {}, "payment_method_types": types, "single_use_mandate": None,
                     "status": "requires_payment_method", "usage": params.get("usage") or "off_session"}
            self.setups[seti] = setup
            return json_response(setup)

    def detach(self, pm_id: str) -> Response:
        """The PaymentMethod leaves its customer: its mandates can no longer be used (inactive)."""
        with self._lock:
            pm = self.payments.payment_methods.get(pm_id)
            if pm is None:
                return missing("PaymentMethod", pm_id, "payment_method")
            if not pm.get("customer"):
                return error(400, f"The payment method {pm_id} is not attached to a customer so detachment is "
                             "impossible.", code="payment_method_unexpected_state")
            pm["customer"] = None
            events = [self.webhooks.event("payment_method.detached", pm)]
            events += self._end_mandates(pm_id)
            response = json_response(pm)
        self.webhooks.dispatch(*events)
        return response

    def _end_mandates(self, pm_id: str) -> list[dict[str, Any]]:
        """Under the lock: every active mandate on the payment method made inactive, and its events."""
        events = []
        for mandate in self.mandates.values():
            if mandate["payment_method"] == pm_id and mandate["status"] != "inactive":
                mandate["status"] = "inactive"
                events.append(self.webhooks.event("mandate.updated", mandate))
        return events

    def confirm_debit(self, intent: dict[str, Any], params: dict[str, Any]) -> Response:
        """A SEPA PaymentIntent confirmed off-session on a mandate: processing until the bank settles it."""
        with self._lock:
            pm = self.payments.payment_methods.get(params.get("payment_method") or "")
            if pm is None or pm["type"] != "sepa_debit":
                return error(400, "You cannot confirm this PaymentIntent because it's missing a payment method.",
                              code="payment_intent_unexpected_state", param="payment_method")
            if intent["customer"] != pm.get("customer"):
                return error(400, "The provided PaymentMethod was previously used with a PaymentIntent without "
                             "Customer attachment, shared with a connected account without Customer attachment, or "
                             "was detached from a Customer.", code="payment_method_unexpected_state")
            mandate = self.mandates.get(params.get("mandate") or "") or next(
                (m for m in self.mandates.values() if m["payment_method"] == pm["id"]), None)
            if mandate is None or mandate["status"] != "active":
                return error(400, "The mandate for this PaymentMethod is not active.", code="mandate_invalid",
                              param="mandate")
            charge = self.payments._charge(intent, pm, True)
            charge.update(status="pending", paid=False, captured=True, amount_captured=intent["amount"])
            charge["payment_method_details"]["sepa_debit"]["mandate"] = mandate["id"]
            intent.update(status="processing", payment_method=pm["id"], latest_charge=charge["id"],
                          last_payment_error=None, next_action=None,
                          processing={"type": "sepa_debit"})
            events = [self.webhooks.event("charge.pending", charge),
                      self.webhooks.event("payment_intent.processing", intent)]
            response = json_response(intent)
        self.webhooks.dispatch(*events)
        return response

    # ------------------------------------------------------------ what tests and pages use

    def complete_setup(self, seti: str, *, iban: str, name: str, email: str | None = None) -> dict[str, Any]:
        """The person gave the mandate with this IBAN: the PaymentMethod, the Mandate, the events."""
        iban = iban.replace(" ", "").upper()
        if not _iban_ok(iban):
            raise ValueError("the IBAN is not valid")
        with self._lock:
            setup = self.setups[seti]
            if setup["status"] != "requires_payment_method":
                raise ValueError(f"SetupIntent {seti} has status {setup['status']}")
            pm = self.payments._payment_method(
                "sepa_debit", bank_code=iban[4:8] if iban.startswith("NL") else iban[4:9], branch_code="",
                country=iban[:2], fingerprint=hashlib.sha256(iban.encode()).hexdigest()[:16], last4=iban[-4:],
                generated_from={"charge": None, "setup_attempt": None})
            pm.update(customer=setup["customer"], billing_details={"email": email, "name": name})
            mandate = {"id": new_id("mandate"), "object": "mandate", "livemode": False,
                       "customer_acceptance": {"accepted_at": int(time.time()), "type": "online",
                                               "online": {"ip_address": "127.0.0.1", "user_agent": "test"}},
                       "multi_use": {}, "payment_method": pm["id"],
                       "payment_method_details": {"type": "sepa_debit", "sepa_debit": {
                           "reference": new_id("M")[2:18].upper(), "url": f"{self.pages}/mandates/{pm['id']}"}},
                       "status": "active", "type": "multi_use"}
            self.mandates[mandate["id"]] = mandate
            setup.update(status="succeeded", payment_method=pm["id"], mandate=mandate["id"])
            events = [self.webhooks.event("payment_method.attached", pm),
                      self.webhooks.event("setup_intent.succeeded", setup)]
            after = copy.deepcopy(setup)
        self.webhooks.dispatch(*events)
        return after

    def complete_debit(self, pi_id: str, *, outcome: str = "succeeded",
                       failure_code: str = "insufficient_funds") -> dict[str, Any]:
        """The payer's bank settled a processing SEPA debit: "succeeded", or "failed" with `failure_code`."""
        if outcome not in ("succeeded", "failed") or failure_code not in FAILURE_CODES:
            raise ValueError(f"unknown outcome {outcome!r} or failure code {failure_code!r}")
        with self._lock:
            intent = self.payments.intents[pi_id]
            if intent["status"] != "processing":
                raise ValueError(f"PaymentIntent {pi_id} has status {intent['status']} and is not being collected")
            charge = self.payments.charges[intent["latest_charge"]]
            pm = copy.deepcopy(self.payments.payment_methods[intent["payment_method"]])
            events = []
            if outcome == "succeeded":
                charge.update(status="succeeded", paid=True)
                intent.update(status="succeeded", amount_received=intent["amount"], processing=None)
                events += [self.webhooks.event("charge.succeeded", charge),
                           self.webhooks.event("payment_intent.succeeded", intent)]
            else:
                message = FAILURE_CODES[failure_code]
                charge.update(status="failed", paid=False, amount_captured=0, failure_code=failure_code,
                              failure_message=message)
                intent.update(status="requires_payment_method", payment_method=None, processing=None,
                              last_payment_error={"type": "invalid_request_error", "code": failure_code,
                                                  "message": message, "charge": charge["id"], "payment_method": pm,
                                                  "doc_url": f"https://stripe.com/docs/error-codes/"
                                                             f"{failure_code.replace('_', '-')}"})
                events += [self.webhooks.event("charge.failed", charge),
                           self.webhooks.event("payment_intent.payment_failed", intent)]
                if failure_code in ENDS_MANDATE:
                    events += self._end_mandates(pm["id"])
            after = copy.deepcopy(intent)
        self.webhooks.dispatch(*events)
        return after

    def revoke(self, mandate_id: str) -> dict[str, Any]:
        """The payer revoked the mandate at their bank: inactive, `mandate.updated`."""
        with self._lock:
            mandate = self.mandates[mandate_id]
            events = self._end_mandates(mandate["payment_method"])
            after = copy.deepcopy(mandate)
        self.webhooks.dispatch(*events)
        return after

    def page(self, request: Request, seti: str, submitted: bool) -> Response:
        """The mandate page: the person types the account holder and IBAN and accepts."""
        with self._lock:
            setup = copy.deepcopy(self.setups.get(seti))
        if setup is None:
            return Response("no such setup", status=404)
        if not hmac.compare_digest(request.values.get("client_secret", ""), setup["client_secret"]):
            return Response("the client_secret does not match this setup", status=403)
        return_url = request.values.get("return_url", "")
        if submitted and request.method == "POST":
            if request.values.get("outcome") != "accept":
                return Response("the mandate was not accepted", status=400)
            try:
                setup = self.complete_setup(seti, iban=request.values.get("iban", ""),
                                            name=request.values.get("name", ""))
            except ValueError as refusal:
                return Response(str(refusal), status=409 if "status" in str(refusal) else 400)
            if return_url:
                sep = "&" if "?" in return_url else "?"
                return redirect(f"{return_url}{sep}setup_intent={seti}&redirect_status=succeeded", 303)
        query = urlencode({"client_secret": setup["client_secret"], "return_url": return_url})
        submit = escape(f"{self.pages}/setup/{seti}/submit?{query}")
        form = SETUP_FORM.format(submit=submit) if setup["status"] == "requires_payment_method" else ""
        return Response(SETUP_PAGE.format(form=form, id=seti, status=setup["status"]),
                        content_type="text/html; charset=utf-8")
