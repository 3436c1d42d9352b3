"""Deeper verification after activation, and the rollback when it fails: the tasks of the
signup-verification workflow (statemachines/signup_verification.asl.json). Every task is
idempotent: Step Functions retries them, and a rule may deliver the start twice."""

from __future__ import annotations

import json
from typing import Any

from opencounter.appointments.capacity import Window
from opencounter.appointments.service import cancel_with, coming_for
from opencounter.appointments.views import window_view
from opencounter.billing.payments import refund_everything, void_invoice
from opencounter.billing.records import Invoice, Payment
from opencounter.core.aws import aws_client
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import Write, commit, domain_event
from opencounter.core.retention import after
from opencounter.core.settings import settings
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import ProductHolding, Profile
from opencounter.ports import screening
from opencounter.ports.accounts import create_login, disable_login, login_enabled
from opencounter.ports.messaging import send_email
from opencounter.ports.payments import cancel_payment
from opencounter.pricing.money import euros
from opencounter.signups.records import (
    DECIDED_AGAINST_KEPT,
    ResumeCode,
    RollbackAudit,
    SignatureEvidence,
    SigningCode,
    Signup,
)

SYSTEM = {"type": "system", "id": "signup-verification"}
#: how long each check takes relative to VERIFICATION_WAIT_SECONDS (the document review longest)
CHECK_WAIT_SHARE = {"document": 1.0, "sanctions": 0.25, "address": 0.5}


def flow_input(detail: dict[str, Any]) -> dict[str, Any]:
    """What a verification run starts with, from the SignupActivated event."""
    base = settings().verification_wait_seconds
    return {"signup_id": detail["signup_id"], "customer_id": detail["customer_id"],
            "product_id": detail["data"]["product_id"],
            "waits": {f"{check}_seconds": int(base * share) for check, share in CHECK_WAIT_SHARE.items()}}


def start_flow(detail: dict[str, Any]) -> str:
    """Start the run for a sign-up; its name is the sign-up id, so a repeated start runs nothing twice."""
    sfn = aws_client("stepfunctions")
    try:
        sfn.start_execution(stateMachineArn=settings().required("signup_verification_arn"), name=detail["signup_id"],
                            input=json.dumps(flow_input(detail)))
    except sfn.exceptions.ExecutionAlreadyExists:
        return "already_started"
    return "started"


def _signup(signup_id: str) -> Signup:
    return Signup.get(*Signup.keys(signup_id))


def ensure_login(signup_id: str) -> str:
    signup = _signup(signup_id)
    return create_login(signup.applicant["email"], signup.customer_id)


def run_check(check: str, signup_id: str) -> dict[str, Any]:
    signup = _signup(signup_id)
    applicant = signup.applicant
    if check == "document":
        result = screening.document_check(signup.steps["identification"]["session_id"])
    elif check == "sanctions":
        result = screening.sanctions_check(applicant["family_name"], applicant["email"])
    elif check == "address":
        result = screening.address_check(applicant["address"])
    else:
        raise ValueError(f"no check called {check!r}")
    return result.to_dict()


def record_step(signup: Signup, status: str, **detail: Any) -> None:
    """Where the verification step of the sign-up stands now."""
    signup.steps = {**signup.steps, "verification": {"status": status, "at": isoformat(utcnow()), **detail}}
    signup.updated_at = isoformat(utcnow())


def decide(checks: list[dict]) -> str:
    """What the checks mean: "rollback" when one failed, "review" when one could not be
    completed (a provider failing is no reason to undo a customer), else "verified"."""
    if any(c.get("passed") is False for c in checks):
        return "rollback"
    if any(c.get("passed") is None for c in checks):
        return "review"
    return "verified"


def mark_verified(signup_id: str, checks: list[dict]) -> str:
    """The customer is verified: by the checks passing, or, for a sign-up in review, by the
    decision to verify it (a person's, or the checks run again). "already_decided" for a retried
    task, or a review not decided so."""
    signup = _signup(signup_id)
    decision = signup.decision if signup.status == "IN_REVIEW" else None
    if signup.status != "ACTIVE" and (decision is None or decision["outcome"] != "verify"):
        return "already_decided"
    detail: dict[str, Any] = {"checks": [c["check"] for c in checks if c.get("passed") is True]}
    if decision is not None:
        detail["basis"] = decision["basis"]
    signup.status, signup.task_token = "VERIFIED", None
    record_step(signup, "passed", **detail)
    signup.index()
    commit([Write(signup, conflict="the sign-up changed meanwhile")], [domain_event(
        "CustomerVerified", customer_id=signup.customer_id, signup_id=signup_id, actor=SYSTEM, channel="system",
        data=detail)])
    return "verified"


def roll_back(signup_id: str, checks: list[dict]) -> dict[str, Any]:
    """Undo everything the sign-up created: the product ends, its visit or delivery still to come
    is cancelled and its place in the day plan given back, the login is disabled and the account
    closed when nothing else holds it, the resume code stops working; the customer is told why and
    an audit record is kept. One transaction; safe to run again: a second run changes nothing."""
    signup = _signup(signup_id)
    # several checks unfinished at the last deadline give the customer the same reason once
    reasons = list(dict.fromkeys(c["reason"] for c in checks if c.get("passed") is False and c.get("reason")))
    if signup.status == "ROLLED_BACK":
        return {"outcome": "already_rolled_back", "undone": signup.steps["verification"].get("undone", [])}
    # money first: what the sign-up's invoices received is paid back, and a payment still open is
    # withdrawn (both idempotent at the provider, so a retried task asks nothing twice)
    invoices = [i for i in Invoice.query(customer_key(signup.customer_id), Invoice.SK.startswith(Invoice.SK_PREFIX))
                if i.signup_id == signup_id]
    undone = refund_everything(signup.customer_id, {i.invoice_id for i in invoices}, f"rollback-{signup_id}")
    for invoice in invoices:
        if invoice.open_payment:
            cancel_payment(invoice.open_payment)
    now = isoformat(utcnow())
    # read after the refunds: their webhooks may have changed the invoices meanwhile
    items = list(Item.query(customer_key(signup.customer_id)))
    products = [p for p in items if isinstance(p, ProductHolding)]
    profile = next(p for p in items if isinstance(p, Profile))
    writes, events = [], []
    for item in items:
        if isinstance(item, Invoice) and item.signup_id == signup_id and item.status != "VOID":
            item.open_payment = None
            void_writes, void_events = void_invoice(item, "sign-up rolled back", actor=SYSTEM)
            writes += void_writes
            events += void_events
            undone.append(f"invoice {item.invoice_id} of {euros(int(item.total_cents))} cancelled")
    for product in products:
        if product.product_id == signup.product_id and product.status == "ACTIVE":
            product.status, product.ended_at, product.end_reason = "TERMINATED", now, "verification failed"
            writes.append(Write(product, ProductHolding.status == "ACTIVE", conflict="the product changed meanwhile"))
            undone.append(f"product {product.name} ({product.identifier}) deactivated")
    visits = coming_for(signup.customer_id, signup.product_id) if signup.product_id else []
    for visit in visits:
        undone.append(f"{visit.kind.replace('_', ' ')} of {window_view(Window(visit.start, visit.end))['date']} "
                      "cancelled")
    if visits and signup.fulfilment:
        signup.fulfilment = {**signup.fulfilment, "status": "cancelled"}
    others = [p for p in products if p.product_id != signup.product_id and p.status == "ACTIVE"]
    if not others:
        disable_login(signup.applicant["email"])
    if not others and profile.status != "CLOSED":
        profile.status, profile.updated_at = "CLOSED", now
        writes.append(Write(profile, conflict="the customer record changed meanwhile"))
        undone.append("account closed and login disabled")
    signup.status, signup.task_token = "ROLLED_BACK", None
    basis = {"basis": signup.decision["basis"]} if signup.decision else {}
    record_step(signup, "failed", reasons=reasons, undone=undone, **basis)
    signup.index()
    writes.append(Write(signup, conflict="the sign-up changed meanwhile"))
    writes.append(Write(ResumeCode(*ResumeCode.keys_of_digest(signup.resume_code_digest)), delete=True))
    writes.append(Write(RollbackAudit(*RollbackAudit.keys(signup_id), at=now, reasons=reasons,
                                      undone=undone, checks=checks), RollbackAudit.PK.does_not_exist(),
                        conflict="the rollback is recorded already"))
    writes += _evidence_forgotten(signup_id, now)
    events += [
        domain_event("VerificationFailed", customer_id=signup.customer_id, signup_id=signup_id, actor=SYSTEM,
                     channel="system", data={"reasons": reasons}),
        domain_event("SignupRolledBack", customer_id=signup.customer_id, signup_id=signup_id, actor=SYSTEM,
                     channel="system", data={"reasons": reasons, "undone": undone}),
    ]
    # the visits cancelled with the rest, their places in the day plans given back (read again
    # should another booking change a plan first)
    cancel_with(visits, actor=SYSTEM, channel="system", along=lambda: (writes, events))
    send_email(signup.applicant["email"], "We could not complete your sign-up", (
        f"Dear {signup.applicant['given_name']},\n\nAfter activating your {signup.plan['product_name']} we finished "
        "checking your details, and we cannot continue the agreement, because:\n"
        + "".join(f"- {reason}\n" for reason in reasons)
        + "\nWe have undone the following:\n" + "".join(f"- {item}\n" for item in undone)
        + "\nAnything you paid is refunded. Questions? Reply to this e-mail or call us.\n"), language="en")
    return {"outcome": "rolled_back", "undone": undone}


def _evidence_forgotten(signup_id: str, decided: str) -> list[Write]:
    """The signature's evidence of a sign-up undone goes with the sign-up (DECIDED_AGAINST_KEPT
    after the rollback): there is no contract left for it to prove."""
    keys = SignatureEvidence.keys(signup_id)
    if not list(SignatureEvidence.query(keys[0], SignatureEvidence.SK == keys[1])):
        return []
    return [Write(SignatureEvidence(*keys), condition=SignatureEvidence.PK.exists(),
                  actions=[SignatureEvidence.expires_at.set(after(decided, DECIDED_AGAINST_KEPT))],
                  conflict="the signature's evidence changed meanwhile")]


def leftovers(signup_id: str) -> list[str]:
    """What a rolled-back sign-up still has alive; empty when the rollback left nothing behind."""
    signup = _signup(signup_id)
    alive = []
    if signup.status != "ROLLED_BACK":
        alive.append(f"sign-up is {signup.status}")
    if list(ResumeCode.query(ResumeCode.keys_of_digest(signup.resume_code_digest)[0])):
        alive.append("resume code still continues the sign-up")
    if list(SigningCode.query(SigningCode.keys(signup_id)[0], SigningCode.SK == "SIGNING_CODE")):
        alive.append("signing code still valid")
    if signup.customer_id:
        items = list(Item.query(customer_key(signup.customer_id)))
        invoices = {i.invoice_id for i in items if isinstance(i, Invoice) and i.signup_id == signup_id}
        alive += [f"invoice {i.invoice_id} is {i.status}" for i in items
                  if isinstance(i, Invoice) and i.invoice_id in invoices and i.status != "VOID"]
        alive += [f"payment {p.payment_id} has {kept} cents not paid back" for p in items
                  if isinstance(p, Payment) and p.invoice_id in invoices
                  and (kept := p.kept_cents()) > 0]
        alive += [f"product {i.product_id} is {i.status}" for i in items
                  if isinstance(i, ProductHolding) and i.product_id == signup.product_id and i.status == "ACTIVE"]
        alive += [f"appointment {a.appointment_id} is {a.status}" for a in coming_for(signup.customer_id,
                                                                                     signup.product_id or "")]
        others = [i for i in items if isinstance(i, ProductHolding) and i.product_id != signup.product_id
                  and i.status == "ACTIVE"]
        if not others:
            alive += ["customer account is open" for i in items if isinstance(i, Profile) and i.status != "CLOSED"]
            if login_enabled(signup.applicant["email"]):
                alive.append("login still signs in")
    return alive
