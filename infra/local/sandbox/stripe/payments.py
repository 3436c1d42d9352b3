"""Stripe's payments in test mode: PaymentIntents (iDEAL and cards), Charges and Refunds, and the
pages of the person paying: a Stripe.js checkout stand-in ({pages}/pay/{id}) and the iDEAL test
bank ({pages}/bank/{id}); a charge's disputes are in disputes.py. Amounts are in cents, at least
50; the test PaymentMethods `pm_card_visa` and `pm_card_mastercard` succeed at once,
`pm_card_chargeDeclined` and `pm_card_chargeDeclinedInsufficientFunds` are declined (HTTP 402
card_error, a failed charge); iDEAL redirects to the bank, which approves or refuses."""

from __future__ import annotations

import copy
import hmac
import secrets
import threading
import time
from html import escape
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.webhooks import Webhooks
from infra.local.sandbox.stripe.wire import amount as cents
from infra.local.sandbox.stripe.wire import error, json_response, missing, money, new_id

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


class Payments:
    """The payment objects, and the pages of the person paying under `pages` (a path)."""

    def __init__(self, webhooks: Webhooks, lock: threading.Lock, *, base_url: str, pages: str) -> None:
        self.webhooks, self._lock = webhooks, lock
        self.base_url, self.pages = base_url, pages
        self.intents: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        #: SEPA Direct Debit on a mandate (mandates.Mandates), set by the stand-in
        self.debits: Any = None

    def create_intent(self, params: dict[str, Any]) -> Response:
        amount, currency = cents(params.get("amount"), 50), str(params.get("currency") or "").lower()
        if isinstance(amount, Response):
            return amount
        if not currency:
            return error(400, "Missing required param: currency.", code="parameter_missing", param="currency")
        types = params.get("payment_method_types") or ["card"]
        for kind in types:
            if kind not in ("card", "ideal", "sepa_debit") or kind in ("ideal", "sepa_debit") and currency != "eur":
                return error(400, f"The payment method type {kind!r} is invalid for currency {currency}.",
                              code="payment_intent_invalid_parameter", param="payment_method_types")
        pi_id = new_id("pi")
        intent = {
            "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": 0,
            "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{secrets.token_hex(12)}", "confirmation_method": "automatic",
            "created": int(time.time()), "currency": currency, "customer": params.get("customer"),
            "description": params.get("description"), "last_payment_error": None, "latest_charge": None,
            "livemode": False, "metadata": params.get("metadata") or {}, "next_action": None, "payment_method": None,
            "payment_method_types": types, "processing": None, "receipt_email": params.get("receipt_email"),
            "status": "requires_payment_method",
        }
        with self._lock:
            self.intents[pi_id] = intent
            response = json_response(intent)
        if params.get("confirm") == "true" and types == ["sepa_debit"] and self.debits is not None:
            return self.debits.confirm_debit(intent, params)  # off-session on a mandate (mandates.py)
        return self.confirm(params, pi_id) if params.get("confirm") == "true" else response

    def confirm(self, params: dict[str, Any], pi_id: str) -> Response:
        with self._lock:
            intent = self.intents.get(pi_id)
            if intent is None:
                return missing("payment_intent", pi_id, "intent")
            if intent["status"] not in PAYABLE:
                return self._unexpected(intent, "confirm", PAYABLE)
            pm = self._payment_method_for(params, intent)
            if isinstance(pm, Response):
                return pm
            if pm["type"] == "card":
                events = self._settle(intent, pm, pm["card"]["last4"] not in DECLINES)
            else:
                redirect_to = {"url": f"{self.base_url}{self.pages}/bank/{pi_id}", "return_url": params["return_url"]}
                intent.update(status="requires_action", payment_method=pm["id"], last_payment_error=None,
                              next_action={"type": "redirect_to_url", "redirect_to_url": redirect_to})
                events = [self.webhooks.event("payment_intent.requires_action", intent)]
            failure = intent["last_payment_error"]  # a declined card: Stripe answers 402 with the intent
            response = json_response({"error": {**failure, "payment_intent": intent}}, 402) if failure \
                else json_response(intent)
        self.webhooks.dispatch(*events)
        return response

    def _payment_method_for(self, params: dict[str, Any], intent: dict[str, Any]) -> dict[str, Any] | Response:
        """Under the lock: the PaymentMethod a confirmation names, or Stripe's refusal of it."""
        name, data = params.get("payment_method"), params.get("payment_method_data") or {}
        kind = "card" if name else "ideal" if isinstance(data, dict) and data.get("type") == "ideal" else None
        if name and name not in TEST_CARDS:
            return missing("PaymentMethod", name, "payment_method", 400)
        if kind is None:
            return error(400, "You cannot confirm this PaymentIntent because it's missing a payment method.",
                          code="payment_intent_unexpected_state", param="payment_method")
        if kind not in intent["payment_method_types"]:
            return error(400, f"The PaymentMethod provided ({kind}) is not allowed for this PaymentIntent. Allowed "
                          f"types: {', '.join(intent['payment_method_types'])}.",
                          code="payment_intent_incompatible_payment_method", param="payment_method")
        if kind == "card":
            return self._card(name)
        if not params.get("return_url"):
            return error(400, "A return_url is required to confirm with the payment method type ideal.",
                          code="parameter_missing", param="return_url")
        bank = (data.get("ideal") or {}).get("bank")
        return self._payment_method("ideal", bank=bank if bank in IDEAL_BANKS else None)

    def cancel(self, params: dict[str, Any], pi_id: str) -> Response:
        with self._lock:
            intent = self.intents.get(pi_id)
            if intent is None:
                return missing("payment_intent", pi_id, "intent")
            if intent["status"] not in CANCELABLE:
                return self._unexpected(intent, "cancel", CANCELABLE)
            intent.update(status="canceled", canceled_at=int(time.time()), next_action=None,
                          cancellation_reason=params.get("cancellation_reason"))
            event = self.webhooks.event("payment_intent.canceled", intent)
            response = json_response(intent)
        self.webhooks.dispatch(event)
        return response

    @staticmethod
    def _unexpected(intent: dict[str, Any], verb: str, allowed: tuple[str, ...]) -> Response:
        return error(400, f"You cannot {verb} this PaymentIntent because it has a status of {intent['status']}. "
                      f"Only a PaymentIntent with one of the following statuses may be {verb}ed: "
                      f"{', '.join(allowed)}.", code="payment_intent_unexpected_state", payment_intent=intent)

    def refund(self, params: dict[str, Any]) -> Response:
        with self._lock:
            charge = self._refundable_charge(params)
            if isinstance(charge, Response):
                return charge
            left = charge["amount"] - charge["amount_refunded"]
            amount = cents(params.get("amount", left), 1)
            if isinstance(amount, Response) or amount > left:
                return amount if isinstance(amount, Response) else error(
                    400, f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded amount on "
                    f"charge ({money(left, charge['currency'])})", code="amount_too_large", param="amount")
            refund = {"id": new_id("re"), "object": "refund", "amount": amount, "balance_transaction": None,
                      "charge": charge["id"], "created": int(time.time()), "currency": charge["currency"],
                      "metadata": params.get("metadata") or {}, "payment_intent": charge["payment_intent"],
                      "reason": params.get("reason"), "receipt_number": None, "status": "succeeded"}
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            charge["refunds"]["total_count"] += 1
            events = [self.webhooks.event("charge.refunded", charge), self.webhooks.event("refund.created", refund)]
            response = json_response(refund)
        self.webhooks.dispatch(*events)
        return response

    def _refundable_charge(self, params: dict[str, Any]) -> dict[str, Any] | Response:
        pi_id, charge_id = params.get("payment_intent"), params.get("charge")
        if not pi_id and not charge_id:
            return error(400, "One of the following params should be provided for this request: payment_intent or "
                          "charge.", code="parameter_missing")
        if pi_id and pi_id not in self.intents:
            return missing("payment_intent", pi_id, "payment_intent", 400)
        charge = self.charges.get(self.intents[pi_id]["latest_charge"] or "" if pi_id else charge_id)
        if charge is None or charge["status"] != "succeeded":
            return error(400, f"This PaymentIntent ({pi_id}) does not have a successful charge to refund." if pi_id
                          else f"No such charge: '{charge_id}'", code="resource_missing",
                          param="payment_intent" if pi_id else "charge")
        if charge["disputed"]:
            return error(400, f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                          code="charge_disputed")
        if charge["refunded"]:
            return error(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        return charge

    def page(self, request: Request, kind: str, pi_id: str, submitted: bool) -> Response:
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
        submit = escape(f"{self.pages}/{kind}/{pi_id}/submit" + (f"?{query}" if query else ""))
        chosen = (self.payment_methods.get(intent["payment_method"] or "") or {}).get("ideal", {}).get("bank")
        banks = "".join(f'<option value="{b}"{" selected" if b == chosen else ""}>{label}</option>'
                        for b, label in PAGE_BANKS.items())
        forms = "".join(form.format(submit=submit, banks=banks) for method, form in (
            ("ideal", IDEAL_FORM), ("card", CARD_FORM)) if method in methods and intent["status"] in PAYABLE)
        html = PAY_PAGE.format(title="Pay" if kind == "pay" else "iDEAL: your bank", id=pi_id, forms=forms,
                               amount=money(intent["amount"], intent["currency"]), status=intent["status"],
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
        self.webhooks.dispatch(*events)
        return after

    def _payment_method(self, kind: str, **details: Any) -> dict[str, Any]:
        pm = {"id": new_id("pm"), "object": "payment_method", "type": kind, kind: details, "created": int(time.time()),
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
            events.append(self.webhooks.event("charge.succeeded" if ok else "charge.failed", charge))
        if ok:
            intent.update(status="succeeded", amount_received=intent["amount"], payment_method=pm["id"],
                          next_action=None, last_payment_error=None)
        else:
            if pm["type"] == "card":  # also what the 402 answer to confirm carries
                decline, message = DECLINES[pm["card"]["last4"]]
                failure = {"type": "card_error", "code": "card_declined", "decline_code": decline, "message": message,
                         "charge": intent["latest_charge"]}
            else:
                failure = {"type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                         "message": IDEAL_REFUSED}
            failure["doc_url"] = f"https://stripe.com/docs/error-codes/{failure['code'].replace('_', '-')}"
            intent.update(status="requires_payment_method", payment_method=None, next_action=None,
                          last_payment_error={**failure, "payment_method": copy.deepcopy(pm)})
        kind = "payment_intent.succeeded" if ok else "payment_intent.payment_failed"
        events.append(self.webhooks.event(kind, intent))
        return events

    def _charge(self, intent: dict[str, Any], pm: dict[str, Any], ok: bool) -> dict[str, Any]:
        charge_id = new_id("ch")
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
