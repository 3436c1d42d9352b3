"""What happens to a sign-up. Plain data in, plain data out: no HTTP here."""

from __future__ import annotations

import hmac
import os
import secrets
import uuid
from datetime import date, timedelta
from typing import Any

from opencounter.catalogue import plan_on_sale
from opencounter.customers.service import business_today, dutch_postcode
from opencounter.errors import Conflict, InvalidInput, NotFound
from opencounter.outbox import Write, commit, domain_event, isoformat, utcnow
from opencounter.signups.records import STEPS, ResumeCode, Signup, code_digest
from opencounter.validation import validate_request

#: an application nobody continues is forgotten after this long (TTL)
ABANDONED_AFTER = timedelta(days=30)
RESUME_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
OLDEST_APPLICANT_YEARS = 120
MAX_IDEMPOTENCY_KEY = 100


def _new_resume_code() -> str:
    code = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def _birth_date(raw: str) -> str:
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"applicant.birth_date: {raw!r} is not a date (YYYY-MM-DD)",
                           field="applicant.birth_date") from None
    today = business_today()
    if born >= today:
        raise InvalidInput("applicant.birth_date: lies in the future", field="applicant.birth_date")
    if born < today.replace(year=today.year - OLDEST_APPLICANT_YEARS):
        raise InvalidInput(f"applicant.birth_date: more than {OLDEST_APPLICANT_YEARS} years ago",
                           field="applicant.birth_date")
    return born.isoformat()


def _view(signup: Signup) -> dict[str, Any]:
    steps = [{"name": name, **signup.steps[name]} for name in STEPS]
    waiting = next((s["name"] for s in steps if s["status"] in ("pending", "in_progress")), None)
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
        "version": int(signup.version),
        "created_at": signup.created_at,
        "updated_at": signup.updated_at,
    }


def _create(request: dict[str, Any]) -> dict[str, Any]:
    validate_request("signup", request)
    applicant = dict(request["applicant"])
    applicant["birth_date"] = _birth_date(applicant["birth_date"])
    applicant["email"] = applicant["email"].strip().lower()
    applicant["address"] = {**applicant["address"], "postcode": dutch_postcode(applicant["address"]["postcode"],
                                                                         "applicant.address.postcode")}
    plan = plan_on_sale(request["product_code"], request["plan_code"])
    now = utcnow()
    signup_id, resume_code = str(uuid.uuid4()), _new_resume_code()
    steps = {name: {"status": "pending"} for name in STEPS}
    steps["application"] = {"status": "passed", "at": isoformat(now)}
    expires = now + ABANDONED_AFTER
    signup = Signup(*Signup.keys(signup_id), signup_id=signup_id, status="APPLIED",
                    channel=request.get("channel", "web"), applicant=applicant, plan=plan,
                    consents=request.get("consents", []), steps=steps, resume_code_digest=code_digest(resume_code),
                    created_at=isoformat(now), updated_at=isoformat(now), expires_at=expires)
    resume = ResumeCode(*ResumeCode.keys(resume_code), signup_id=signup_id, expires_at=expires)
    event = domain_event("SignupStarted", customer_id=None, signup_id=signup_id,
                         actor={"type": "applicant", "id": signup_id}, channel=signup.channel,
                         data={"product_code": plan["product_code"], "plan_code": plan["code"]})
    commit([Write(signup, Signup.PK.does_not_exist(), conflict="sign-up already exists"),
            Write(resume, ResumeCode.PK.does_not_exist(), conflict="resume code clash; try again")], [event])
    return {**_view(signup), "resume_code": resume_code}


_create_once: Any = None
_idempotency_config: Any = None


def _idempotent_create() -> Any:
    """`_create`, remembered per Idempotency-Key (Powertools Idempotency on the single table)."""
    global _create_once, _idempotency_config
    if _create_once is None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        store = DynamoDBPersistenceLayer(table_name=os.environ["TABLE_NAME"], key_attr="PK", sort_key_attr="SK",
                                         expiry_attr="expires_at", static_pk_value="IDEMPOTENCY#signups")
        config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request",
                                   expires_after_seconds=24 * 3600)
        _idempotency_config = config

        @idempotent_function(data_keyword_argument="attempt", persistence_store=store, config=config)
        def create_once(attempt: dict[str, Any]) -> dict[str, Any]:
            return _create(attempt["request"])

        _create_once = create_once
    return _create_once


def start_signup(request: dict[str, Any], *, idempotency_key: str | None = None,
                 lambda_context: Any = None) -> dict[str, Any]:
    """Apply for a product. With an Idempotency-Key, a repeated request (a retry, a double click)
    returns the first answer (same sign-up, same resume code) and creates nothing more. The Lambda
    context lets an attempt that died halfway release its key when the invocation's time is up."""
    if idempotency_key is None:
        return _create(request)
    if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY or not idempotency_key.isprintable():
        raise InvalidInput(f"Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY} printable characters",
                           field="Idempotency-Key")
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    create_once = _idempotent_create()
    if lambda_context is not None:
        _idempotency_config.register_lambda_context(lambda_context)
    try:
        return create_once(attempt={"key": idempotency_key, "request": request})
    except IdempotencyValidationError:
        raise Conflict("Idempotency-Key: already used for a different request", field="Idempotency-Key") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("Idempotency-Key: the first request with this key is still being handled",
                       field="Idempotency-Key") from None


def _load(signup_id: str) -> Signup:
    try:
        return Signup.get(*Signup.keys(signup_id))
    except Signup.DoesNotExist:
        raise NotFound("no such sign-up") from None


def signup_with_code(signup_id: str, resume_code: str | None) -> dict[str, Any]:
    """A sign-up for whoever holds its resume code (any channel, not signed in)."""
    signup = _load(signup_id)
    if not resume_code or not hmac.compare_digest(signup.resume_code_digest, code_digest(resume_code)):
        raise NotFound("no such sign-up")  # the same answer as for an unknown id: nothing to probe
    return _view(signup)


def signup_of_customer(signup_id: str, customer_id: str) -> dict[str, Any]:
    signup = _load(signup_id)
    if signup.customer_id != customer_id:
        raise NotFound("no such sign-up")
    return _view(signup)


def signup_for_staff(signup_id: str) -> dict[str, Any]:
    return _view(_load(signup_id))


def resume(resume_code: str) -> dict[str, Any]:
    """Continue on another channel with only the resume code."""
    try:
        signup_id = ResumeCode.get(*ResumeCode.keys(resume_code)).signup_id
    except ResumeCode.DoesNotExist:
        raise NotFound("resume_code: no sign-up goes with this code", field="resume_code") from None
    return _view(_load(signup_id))
