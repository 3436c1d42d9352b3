"""Stripe's Disputes in test mode: the payer's bank disputes a successful charge (a chargeback);
the funds are withdrawn at once, the business answers with evidence (staged, or submitted to the
bank) or accepts the dispute, and the bank decides: won (the funds reinstated) or lost.

Events as Stripe sends them: charge.dispute.created and charge.dispute.funds_withdrawn when the
bank disputes, charge.dispute.updated when evidence is given, charge.dispute.funds_reinstated and
charge.dispute.closed when the bank decides for the business, charge.dispute.closed alone when
it decides for the payer or the business accepts."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from werkzeug.wrappers import Response

from infra.local.sandbox.stripe.webhooks import Webhooks
from infra.local.sandbox.stripe.wire import error, json_response, missing, new_id

#: the evidence fields Stripe takes as text, and those that name an uploaded file (a File's id)
EVIDENCE_TEXT = ("access_activity_log", "billing_address", "cancellation_policy_disclosure", "cancellation_rebuttal",
                 "customer_email_address", "customer_name", "customer_purchase_ip", "duplicate_charge_explanation",
                 "duplicate_charge_id", "product_description", "refund_policy_disclosure",
                 "refund_refusal_explanation", "service_date", "shipping_address", "shipping_carrier",
                 "shipping_date", "shipping_tracking_number", "uncategorized_text")
EVIDENCE_FILES = ("cancellation_policy", "customer_communication", "customer_signature",
                  "duplicate_charge_documentation", "receipt", "refund_policy", "service_documentation",
                  "shipping_documentation", "uncategorized_file")
#: Stripe's limit on the characters of all text evidence of one dispute together
EVIDENCE_TEXT_LIMIT = 150_000
#: the fee Stripe takes for a dispute, in cents, with the withdrawal
DISPUTE_FEE = 1500
#: a dispute the business can still answer, and what submitting evidence makes of it
ANSWERABLE = {"needs_response": "under_review", "warning_needs_response": "warning_under_review"}
#: what accepting a dispute makes of it
ACCEPTED = {"needs_response": "lost", "warning_needs_response": "warning_closed"}
CLOSED = ("won", "lost", "warning_closed", "prevented")
RESPONSE_DAYS = 7


class Disputes:
    """The disputes of the charges in `charges` (the Payments' own store)."""

    def __init__(self, webhooks: Webhooks, lock: threading.Lock, charges: dict[str, dict[str, Any]],
                 intents: dict[str, dict[str, Any]]) -> None:
        self.webhooks, self._lock = webhooks, lock
        self.charges, self.intents = charges, intents
        self.disputes: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------ what the payer's bank does

    def dispute(self, payment: str, *, reason: str = "fraudulent") -> dict[str, Any]:
        """The payer's bank disputes a successful payment (an intent or charge id): the funds are
        withdrawn at once. Returns the Dispute."""
        with self._lock:
            charge = self.charges.get((self.intents.get(payment) or {}).get("latest_charge") or payment)
            if charge is None or charge["status"] != "succeeded":
                raise ValueError(f"{payment} has no successful charge to dispute")
            now = int(time.time())
            dispute: dict[str, Any] = {
                "id": new_id("dp"), "object": "dispute", "amount": charge["amount"], "balance_transactions": [],
                "charge": charge["id"], "created": now, "currency": charge["currency"],
                "enhanced_eligibility_types": [],
                "evidence": {field: None for field in (*EVIDENCE_TEXT, *EVIDENCE_FILES)},
                "evidence_details": {"due_by": now + RESPONSE_DAYS * 86400, "enhanced_eligibility": {},
                                     "has_evidence": False, "past_due": False, "submission_count": 0,
                                     "submission_method": "not_submitted"},
                "is_charge_refundable": False, "livemode": False, "metadata": {}, "network_reason_code": None,
                "payment_intent": charge["payment_intent"],
                "payment_method_details": {"type": charge["payment_method_details"]["type"]},
                "reason": reason, "status": "needs_response"}
            self._move(dispute, -dispute["amount"], "dispute", f"Chargeback withdrawal for {charge['id']}",
                       DISPUTE_FEE)
            self.disputes[dispute["id"]] = dispute
            charge["disputed"] = True
            events = [self.webhooks.event("charge.dispute.created", dispute),
                      self.webhooks.event("charge.dispute.funds_withdrawn", dispute)]
            after = copy.deepcopy(dispute)
        self.webhooks.dispatch(*events)
        return after

    def decide(self, dispute_id: str, outcome: str) -> dict[str, Any]:
        """The bank decides: "won" (for the business: the funds reinstated) or "lost" (for the
        payer). Returns the Dispute; ValueError when it is decided already."""
        if outcome not in ("won", "lost"):
            raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            dispute = self.disputes[dispute_id]
            if dispute["status"] in CLOSED:
                raise ValueError(f"dispute {dispute_id} is {dispute['status']} already")
            dispute["status"] = outcome
            events = []
            if outcome == "won":
                self._move(dispute, dispute["amount"], "dispute_reversal",
                           f"Chargeback reversal for {dispute['charge']}", 0)
                events.append(self.webhooks.event("charge.dispute.funds_reinstated", dispute))
            events.append(self.webhooks.event("charge.dispute.closed", dispute))
            after = copy.deepcopy(dispute)
        self.webhooks.dispatch(*events)
        return after

    @staticmethod
    def _move(dispute: dict[str, Any], amount: int, category: str, description: str, fee: int) -> None:
        """A balance transaction of the dispute: funds withdrawn (negative) or reinstated."""
        now = int(time.time())
        dispute["balance_transactions"].append({
            "id": new_id("txn"), "object": "balance_transaction", "amount": amount, "available_on": now,
            "created": now, "currency": dispute["currency"], "description": description, "fee": fee,
            "fee_details": [{"amount": fee, "application": None, "currency": dispute["currency"],
                             "description": "Dispute fee", "type": "stripe_fee"}] if fee else [],
            "net": amount - fee, "reporting_category": category, "source": dispute["id"], "status": "available",
            "type": "adjustment"})
        dispute["is_charge_refundable"] = False

    # ------------------------------------------------------------ the API

    def update(self, params: dict[str, Any], dispute_id: str) -> Response:
        """POST /v1/disputes/{id}: evidence (staged, or submitted with submit=true, the default)
        and metadata."""
        with self._lock:
            dispute = self.disputes.get(dispute_id)
            if dispute is None:
                return missing("dispute", dispute_id)
            evidence = params.get("evidence") or {}
            refused = self._refused_evidence(dispute, evidence)
            if refused is not None:
                return refused
            submitting = str(params.get("submit", "true")).lower() != "false" and (bool(evidence) or "submit" in params)
            if evidence or submitting:
                if dispute["status"] not in ANSWERABLE:
                    return error(400, f"This dispute is {dispute['status']}: its evidence can no longer be changed "
                                 "or submitted.", param="evidence")
                for field, value in evidence.items():
                    dispute["evidence"][field] = value or None
                details = dispute["evidence_details"]
                details["has_evidence"] = any(v for v in dispute["evidence"].values())
                if submitting:
                    details["submission_count"] += 1
                    details["submission_method"] = "manual"
                    dispute["status"] = ANSWERABLE[dispute["status"]]
            dispute["metadata"].update({k: v for k, v in (params.get("metadata") or {}).items() if v})
            for key in [k for k, v in (params.get("metadata") or {}).items() if not v]:
                dispute["metadata"].pop(key, None)
            event = self.webhooks.event("charge.dispute.updated", dispute)
            response = json_response(dispute)
        self.webhooks.dispatch(event)
        return response

    def close(self, params: dict[str, Any], dispute_id: str) -> Response:
        """POST /v1/disputes/{id}/close: the business accepts the dispute (it is lost)."""
        with self._lock:
            dispute = self.disputes.get(dispute_id)
            if dispute is None:
                return missing("dispute", dispute_id)
            if dispute["status"] not in ACCEPTED:
                return error(400, f"This dispute is {dispute['status']} and can no longer be closed.")
            dispute["status"] = ACCEPTED[dispute["status"]]
            event = self.webhooks.event("charge.dispute.closed", dispute)
            response = json_response(dispute)
        self.webhooks.dispatch(event)
        return response

    @staticmethod
    def _refused_evidence(dispute: dict[str, Any], evidence: Any) -> Response | None:
        if not isinstance(evidence, dict):
            return error(400, "Invalid hash", code="parameter_invalid_hash", param="evidence")
        for field, value in evidence.items():
            if field not in EVIDENCE_TEXT and field not in EVIDENCE_FILES:
                return error(400, f"Received unknown parameter: evidence[{field}]", code="parameter_unknown",
                             param=f"evidence[{field}]")
            if field in EVIDENCE_FILES and value:  # files are uploaded first; this stand-in keeps none
                return missing("file upload", str(value), f"evidence[{field}]", 400)
            if not isinstance(value, str):
                return error(400, "Invalid string", code="parameter_invalid_string", param=f"evidence[{field}]")
        text = {**{k: v for k, v in dispute["evidence"].items() if k in EVIDENCE_TEXT and v}, **evidence}
        if sum(len(v or "") for k, v in text.items() if k in EVIDENCE_TEXT) > EVIDENCE_TEXT_LIMIT:
            return error(400, f"The combined character count of the text evidence cannot exceed "
                         f"{EVIDENCE_TEXT_LIMIT:,} characters.", param="evidence")
        return None
