"""What happens to a sign-up. Plain data in, plain data out: no HTTP here."""

from __future__ import annotations

import hmac
import uuid
from datetime import date
from typing import Any

from opencounter.appointments.capacity import Window
from opencounter.appointments.records import Appointment
from opencounter.appointments.service import plan_with, window_free_at
from opencounter.appointments.views import window_view
from opencounter.billing.invoices import connection_invoice
from opencounter.catalogue.service import plan_on_sale, visit_needed
from opencounter.core import one_time_codes, resume_codes
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.resume_codes import code_digest
from opencounter.core.table import Item
from opencounter.core.validation import validate_request
from opencounter.customers.service import dutch_postcode, new_customer, new_holding
from opencounter.customers.views import find_customers
from opencounter.ports.identity_verification import start_verification, verification_outcome
from opencounter.ports.messaging import masked
from opencounter.signups import signing
from opencounter.signups.credit import decide
from opencounter.signups.records import ABANDONED_AFTER, STEPS, ResumeCode, SignatureEvidence, SigningCode, Signup

OLDEST_APPLICANT_YEARS = 120
#: where the applicant's postcode is in the application: the field a window refused there names
POSTCODE_FIELD = "applicant.address.postcode"


def _birth_date(raw: str) -> str:
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"applicant.birth_date: {raw!r} is not a date (YYYY-MM-DD)",
                           field="applicant.birth_date", reason="birth_date_invalid") from None
    today = business_today()
    if born >= today:
        raise InvalidInput("applicant.birth_date: lies in the future", field="applicant.birth_date",
                           reason="birth_date_future")
    if born < today.replace(year=today.year - OLDEST_APPLICANT_YEARS):
        raise InvalidInput(f"applicant.birth_date: more than {OLDEST_APPLICANT_YEARS} years ago",
                           field="applicant.birth_date", reason="birth_date_too_old", years=OLDEST_APPLICANT_YEARS)
    return born.isoformat()


def _view(signup: Signup, evidence: Any = None) -> dict[str, Any]:
    steps = [{"name": name, **signup.steps[name]} for name in STEPS]
    waiting = next((s["name"] for s in steps if s["status"] in ("pending", "in_progress", "action_required")), None)
    applicant = signup.applicant
    return {
        "signup_id": signup.signup_id,
        "status": signup.status,
        "channel": signup.channel,
        "applicant": {"given_name": applicant["given_name"], "family_name": applicant["family_name"],
                      "email": applicant["email"]},
        "product": {"code": signup.plan["product_code"], "name": signup.plan["product_name"],
                    "plan_code": signup.plan["code"], "plan": signup.plan["name"],
                    "monthly_fee_cents": signup.plan["monthly_fee_cents"],
                    "catalogue_version": signup.plan["catalogue_version"]},
        "steps": steps,
        "next_step": waiting,
        "customer_id": signup.customer_id,
        "product_id": signup.product_id,
        "fulfilment": None if signup.fulfilment is None else {
            k: signup.fulfilment.get(k) for k in ("kind", "status", "window", "appointment_id")},
        "version": int(signup.version),
        "created_at": signup.created_at,
        "updated_at": signup.updated_at,
        "evidence": signing.evidence_view(evidence) if evidence is not None else None,
    }


def start_signup(request: dict[str, Any]) -> dict[str, Any]:
    """Apply for a product: the sign-up with its resume code (shown once)."""
    validate_request("signup", request)
    applicant = dict(request["applicant"])
    applicant["birth_date"] = _birth_date(applicant["birth_date"])
    applicant["email"] = applicant["email"].strip().lower()
    applicant["address"] = {**applicant["address"], "postcode": dutch_postcode(applicant["address"]["postcode"],
                                                                         "applicant.address.postcode")}
    plan = plan_on_sale(request["product_code"], request["plan_code"])
    kind = visit_needed(plan["product_code"], plan["catalogue_version"])
    slot = signing.slot_asked(request.get("slot"), plan, kind)
    if find_customers(applicant["email"]):
        raise Conflict("applicant.email: there is an account with this e-mail address already; sign in to add a "
                       "product, or call us", field="applicant.email", reason="email_has_account")
    # the window is free now at the applicant's address; it is booked when the sign-up is signed (ADR 19)
    fulfilment = None if kind is None or slot is None else {
        "kind": kind, "slot": slot, "status": "chosen", "appointment_id": None,
        "window": window_free_at(applicant["address"], kind, slot, field=POSTCODE_FIELD)}
    now = utcnow()
    signup_id, resume_code = str(uuid.uuid4()), resume_codes.new_code(grouped=True)
    steps = {name: {"status": "pending"} for name in STEPS}
    steps["application"] = {"status": "passed", "at": isoformat(now)}
    expires = now + ABANDONED_AFTER
    signup = Signup(*Signup.keys(signup_id), signup_id=signup_id, status="APPLIED",
                    channel=request.get("channel", "web"), applicant=applicant, plan=plan,
                    consents=request.get("consents", []), fulfilment=fulfilment, steps=steps,
                    resume_code_digest=code_digest(resume_code),
                    created_at=isoformat(now), updated_at=isoformat(now), expires_at=expires)
    resume = ResumeCode(*ResumeCode.keys(resume_code), signup_id=signup_id, expires_at=expires)
    event = domain_event("SignupStarted", customer_id=None, signup_id=signup_id,
                         actor={"type": "applicant", "id": signup_id}, channel=signup.channel,
                         data={"product_code": plan["product_code"], "plan_code": plan["code"]})
    commit([Write(signup, Signup.PK.does_not_exist(), conflict="sign-up already exists"),
            Write(resume, ResumeCode.PK.does_not_exist(), conflict="resume code clash; try again")], [event])
    return {**_view(signup), "resume_code": resume_code}


def _load(signup_id: str) -> Signup:
    try:
        return Signup.get(*Signup.keys(signup_id))
    except Signup.DoesNotExist:
        raise NotFound("no such sign-up", reason="signup_not_found") from None


def _record(signup_id: str) -> tuple[Signup, Any]:
    """The sign-up and its signature evidence, if any: one Query over the sign-up's partition."""
    signup = evidence = None
    for item in Item.query(Signup.keys(signup_id)[0]):
        if isinstance(item, Signup):
            signup = item
        elif isinstance(item, SignatureEvidence):
            evidence = item
    if signup is None:
        raise NotFound("no such sign-up", reason="signup_not_found")
    return signup, evidence


def signup_with_code(signup_id: str, resume_code: str | None) -> dict[str, Any]:
    """A sign-up for whoever holds its resume code (any channel, not signed in)."""
    signup, evidence = _record(signup_id)
    _require_code(signup, resume_code)
    return _view(signup, evidence)


def signup_of_customer(signup_id: str, customer_id: str) -> dict[str, Any]:
    signup, evidence = _record(signup_id)
    if signup.customer_id != customer_id:
        raise NotFound("no such sign-up", reason="signup_not_found")
    return _view(signup, evidence)


def staff_view(signup: Signup, evidence: Any = None) -> dict[str, Any]:
    """A sign-up as staff see it: as the applicant does, and, once a check could not be completed,
    its review: what could not be checked, the deadline, and how it was decided, by whom and why."""
    review, decision = signup.review, signup.decision
    return {**_view(signup, evidence), "review": None if review is None else {
        "unfinished": review["unfinished"],
        "checks": [{"check": c["check"], "passed": c.get("passed"), "reason": c.get("reason")}
                   for c in review["checks"]],
        "since": review["since"], "deadline": review["deadline"], "escalated": bool(review["escalated"]),
        "decision": None if decision is None else {k: decision[k] for k in ("outcome", "basis", "by", "at", "reasons")},
    }}


def signup_for_staff(signup_id: str) -> dict[str, Any]:
    return staff_view(*_record(signup_id))


def _with_code(resume_code: str) -> Signup:
    try:
        signup_id = ResumeCode.get(*ResumeCode.keys(resume_code)).signup_id
    except ResumeCode.DoesNotExist:
        raise NotFound("resume_code: no sign-up goes with this code", field="resume_code",
                       reason="resume_code_unknown") from None
    return _load(signup_id)


def resume(resume_code: str) -> dict[str, Any]:
    """Continue on another channel with only the resume code."""
    return _view(_with_code(resume_code))


def resume_for_staff(resume_code: str) -> dict[str, Any]:
    """The sign-up the code a customer reads out continues, as staff see it."""
    return staff_view(_with_code(resume_code))


# ---------------------------------------------------------------- identification and validation


def _require_code(signup: Signup, resume_code: str | None) -> None:
    if not resume_code or not hmac.compare_digest(signup.resume_code_digest, code_digest(resume_code)):
        raise NotFound("no such sign-up",
                       reason="signup_not_found")  # the same answer as for an unknown id: nothing to probe


def _load_with_code(signup_id: str, resume_code: str | None) -> Signup:
    signup = _load(signup_id)
    _require_code(signup, resume_code)
    return signup


def _step(signup: Signup, name: str, status: str, **detail: Any) -> None:
    signup.steps = {**signup.steps, name: {"status": status, "at": isoformat(utcnow()), **detail}}
    signup.updated_at = isoformat(utcnow())


def _require_status(signup: Signup, allowed: tuple[str, ...], doing: str) -> None:
    if signup.status not in allowed:
        raise Conflict(f"status: the sign-up is {signup.status}; {doing} is not possible now", field="status",
                       reason="signup_step_not_possible", status=signup.status.lower())


def start_identification(signup_id: str, resume_code: str | None) -> dict[str, Any]:
    """Open an identity verification for the applicant (again, after a failed attempt)."""
    signup = _load_with_code(signup_id, resume_code)
    _require_status(signup, ("APPLIED", "IDENTIFYING"), "identification")
    attempt = int(signup.steps["identification"].get("attempts", 0)) + 1
    started = start_verification(signup_id, signup.applicant["email"], attempt)
    signup.status = "IDENTIFYING"
    signup.identity_sessions = list(dict.fromkeys([*signup.identity_sessions, started.session_id]))
    _step(signup, "identification", "in_progress", attempts=attempt, session_id=started.session_id)
    commit([Write(signup, conflict="the sign-up changed meanwhile; read it again")], [])
    return {**_view(signup), "identification": {"session_id": started.session_id, "url": started.url}}


def record_identity_outcome(payload: bytes, signature: str | None) -> str:
    """Handle a signed identity webhook. Returns what happened ("identified", "declined",
    "retry_needed" or "ignored"); a repeated or stale delivery changes nothing."""
    outcome = verification_outcome(payload, signature)
    if outcome is None:
        return "ignored"
    try:
        signup = _load(outcome.signup_id)
    except NotFound:
        return "ignored"
    current = signup.steps["identification"]
    if signup.status != "IDENTIFYING" or current.get("session_id") != outcome.session_id:
        return "ignored"  # already decided, or a session the applicant has since replaced
    actor = {"type": "system", "id": "identity-verification"}
    if not outcome.verified:
        _step(signup, "identification", "action_required", attempts=current.get("attempts", 1),
              session_id=outcome.session_id, reason=outcome.reason or "the document could not be verified")
        commit([Write(signup)], [])
        return "retry_needed"
    _step(signup, "identification", "passed", session_id=outcome.session_id)
    events = [domain_event("CustomerIdentified", customer_id=None, signup_id=signup.signup_id, actor=actor,
                           channel=signup.channel, data={"method": "document_and_selfie"})]
    decision = decide(signup.applicant, int(signup.plan["monthly_fee_cents"]), business_today())
    if decision.approved:
        signup.status = "VALIDATED"
        _step(signup, "validation", "passed", bureau_reference=decision.bureau_reference)
    else:
        signup.status = "DECLINED"  # kept as evidence of the decision, then forgotten (Signup.kept_until)
        _step(signup, "validation", "failed", reasons=decision.reasons, bureau_reference=decision.bureau_reference)
        events.append(domain_event("ApplicationDeclined", customer_id=None, signup_id=signup.signup_id,
                                   actor={"type": "system", "id": "credit-check"}, channel=signup.channel,
                                   data={"reasons": decision.reasons}))
    try:
        commit([Write(signup)], events)
    except Conflict:
        return "ignored"  # a concurrent delivery of the same outcome got there first
    return "identified" if decision.approved else "declined"


# ---------------------------------------------------------------- signing and provisioning

def _signing_scope(signup_id: str) -> str:
    return f"signing:{signup_id}"


def send_signing_code(signup_id: str, resume_code: str | None) -> dict[str, Any]:
    """E-mail a one-time code that signs the contract; a new code replaces the previous one."""
    signup = _load_with_code(signup_id, resume_code)
    _require_status(signup, ("VALIDATED",), "signing")
    sent = int(signup.steps["signing"].get("codes_sent", 0))
    signing.require_another_code(sent)
    code = one_time_codes.new_code()
    now = utcnow()
    email = signup.applicant["email"]
    _step(signup, "signing", "in_progress", codes_sent=sent + 1)
    record = SigningCode(*SigningCode.keys(signup_id), digest=one_time_codes.digest(_signing_scope(signup_id), code),
                         sent_to=masked(email), sent_at=isoformat(now), attempts=0,
                         expires_at=now + one_time_codes.LIFETIME)
    commit([Write(signup), Write(record)], [])
    signed = signing.mail_code(email, signup.plan["product_name"], code)
    return {"sent_to": masked(email), "expires_at": isoformat(now + one_time_codes.LIFETIME), "terms": signed}


def sign_and_activate(signup_id: str, resume_code: str | None, request: dict[str, Any], *,
                      ip: str, user_agent: str) -> dict[str, Any]:
    """Accept the terms with the one-time code; the product is then provisioned and active at
    once, and its visit or delivery booked in the window chosen with the application (or in
    `slot`, another one chosen now). Everything (evidence, customer, product, appointment and day
    plan, sign-up state, events) is one transaction: a process dying halfway leaves the sign-up as
    it was, ready to try again. 409 slot_taken with the next free windows when the window filled
    meanwhile: nothing is written, and the same code signs with another `slot`."""
    validate_request("signature", request)
    signup = _load_with_code(signup_id, resume_code)
    _require_status(signup, ("VALIDATED",), "signing")
    if signup.fulfilment is None:
        signing.slot_asked(request.get("slot"), signup.plan, None)
    current = signing.terms_in_force(request)
    try:
        code = SigningCode.get(*SigningCode.keys(signup_id))
    except SigningCode.DoesNotExist:
        raise Conflict("code: ask for a signing code first", field="code", reason="code_not_requested") from None
    one_time_codes.check(code, _signing_scope(signup_id), request["code"])

    now = isoformat(utcnow())
    applicant, plan, channel = signup.applicant, signup.plan, signup.channel
    customer_id = stable_id("signup", signup_id, "customer")
    product_id = stable_id("signup", signup_id, "product")
    system = {"type": "system", "id": "sign-up"}
    evidence = SignatureEvidence(
        *SignatureEvidence.keys(signup_id), terms_version=current["version"], terms_sha256=current["sha256"],
        accepted_at=now, ip=ip, user_agent=user_agent[:500],
        code_check={"method": "email_one_time_code", "sent_to": code.sent_to, "sent_at": code.sent_at,
                    "verified_at": now, "wrong_attempts": int(code.attempts)})
    person = {k: applicant[k] for k in ("given_name", "family_name", "birth_date", "email", "phone")}
    if "household_size" in applicant:
        person["household_size"] = applicant["household_size"]
    customer_writes, customer_events = new_customer(customer_id, person, applicant["address"], actor=system,
                                                    channel=channel, consents=signup.consents, signup_id=signup_id)
    identifier = signing.identifier(plan["kind"], signup_id)
    product_writes, product_events, _ = new_holding(customer_id, {
        "product_id": product_id, "product_code": plan["product_code"], "name": plan["product_name"],
        "kind": plan["kind"], "plan": plan["name"], "plan_code": plan["code"],
        "catalogue_version": plan["catalogue_version"], "identifier": identifier, "started_at": now[:10],
        "monthly_fee_cents": plan["monthly_fee_cents"], "signup_id": signup_id,
        # planned here; a sign-up applied for before windows were chosen with it is planned afterwards
        # planned now or not, the visit it came with: to plan again should the one planned be cancelled or missed
        "awaiting": visit_needed(plan["product_code"], plan["catalogue_version"])},
        actor=system, channel=channel, signup_id=signup_id)
    invoice_writes, invoice_events = connection_invoice(
        customer_id, {"product_id": product_id, "name": plan["product_name"], "kind": plan["kind"]}, plan,
        signup_id=signup_id, channel=channel)
    signup.status, signup.customer_id, signup.product_id, signup.expires_at = "ACTIVE", customer_id, product_id, None
    _step(signup, "signing", "passed", terms_version=current["version"])
    _step(signup, "provisioning", "passed", identifier=identifier)
    _step(signup, "verification", "in_progress")
    events = [
        domain_event("ContractSigned", customer_id=customer_id, signup_id=signup_id, actor=system, channel=channel,
                     data={"terms_version": current["version"], "terms_sha256": current["sha256"]}),
        *customer_events, *product_events, *invoice_events,
        domain_event("SignupActivated", customer_id=customer_id, signup_id=signup_id, actor=system, channel=channel,
                     data={"product_id": product_id, "email": applicant["email"]}),
    ]
    writes = [Write(signup, conflict="the sign-up changed meanwhile; read it again"),
              Write(evidence, SignatureEvidence.PK.does_not_exist(), conflict="the contract is signed already"),
              Write(SigningCode(*SigningCode.keys(signup_id)), delete=True), *customer_writes, *product_writes,
              *invoice_writes]
    if signup.fulfilment is None:
        commit(writes, events)
    else:
        _book(signup, request.get("slot") or signup.fulfilment["slot"], writes, events, actor=system)
    return _view(signup, evidence)


def _book(signup: Signup, slot: str, writes: list[Write], events: list[DomainEvent], *, actor: dict) -> None:
    """Book the sign-up's visit (or delivery) at the applicant's address, in the transaction that
    signs and makes the customer and the product: the appointment names both and the sign-up."""
    chosen = signup.fulfilment

    def along(visit: Appointment) -> tuple[list[Write], list[DomainEvent]]:
        # `slot` stays the one applied with; the window is the one booked
        signup.fulfilment = {**chosen, "status": "planned", "window": window_view(Window(visit.start, visit.end)),
                             "appointment_id": visit.appointment_id}
        return writes, events
    plan_with(signup.customer_id, chosen["kind"], slot, product_id=signup.product_id, signup_id=signup.signup_id,
              address=signup.applicant["address"], address_field=POSTCODE_FIELD, actor=actor, channel=signup.channel,
              along=along)

