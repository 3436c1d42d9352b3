"""Sign-ups staff review. A deeper check that could not be completed (a provider failing) is no
reason to undo a customer, so a person decides: verify, or roll back. They have five working days
(to 17:00 Amsterdam), five more once escalated; when nobody has decided by then, the checks that
could not be completed are run again and decide: passed verifies, failed rolls back, and still
unfinished rolls back too, telling the customer we could not confirm their details in time. No
sign-up waits without an end.

The verification workflow (statemachines/signup_verification.asl.json) waits on a task token
meanwhile. A staff decision is a conditional write on the sign-up's version, with its event
(SignupDecisionTaken) in the same transaction: the event hands the decision to the waiting
token, and a decision taken before the token was kept is handed back when the wait starts, so
neither a crash nor the order strands the workflow. Every step may run again (Step Functions
retries a task whose process died): each writes conditionally and finds its own work done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opencounter.core.clock import isoformat, staff_window, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound, require_version
from opencounter.core.ids import stable_id
from opencounter.core.outbox import Write, commit, domain_event
from opencounter.core.validation import validate_request
from opencounter.core.workflows import answer_task
from opencounter.signups.records import Signup
from opencounter.signups.service import resume_for_staff, staff_view
from opencounter.signups.verification import CHECK_WAIT_SHARE, SYSTEM, decide, record_step

#: staff decide within this many working days, and as many again once escalated
REVIEW_WORKING_DAYS = 5
ESCALATED_WORKING_DAYS = 5
#: the statuses staff list sign-ups of: those waiting for them
QUEUED = ("IN_REVIEW",)
VERIFY, ROLL_BACK = "verify", "roll_back"
#: where a review stands, as the workflow routes on it: a person decides; the checks are run
#: again; or the review is over (decided otherwise, or no longer in review)
STAFF, RECHECK, DONE = "staff", "recheck", "done"
#: what the customer is told when the checks could still not be completed at the last deadline
NOT_CONFIRMED_IN_TIME = "we could not confirm your details in time"
#: a staff decision to roll back, as a failed check: the reasons staff gave are the customer's
STAFF_REVIEW = "staff_review"
#: the checks that run after the login is made: none of them ran when the login could not be made
DEEP_CHECKS = tuple(CHECK_WAIT_SHARE)


def _signup(signup_id: str) -> Signup:
    return Signup.get(*Signup.keys(signup_id))


def _answer(outcome: str, *, staff_seconds: int = 0, checks: list[dict] | None = None,
            recheck: list[str] | None = None) -> dict[str, Any]:
    """What every review step answers the workflow: always the same fields, so each of its
    states finds the one it reads."""
    return {"outcome": outcome, "staff_seconds": staff_seconds, "checks": checks or [], "recheck": recheck or []}


def _seconds_until(deadline: str) -> int:
    return max(1, int((datetime.fromisoformat(deadline) - utcnow()).total_seconds()))


def _state(signup: Signup) -> dict[str, Any]:
    """Where the review stands: decided (verify or roll_back, with the checks the decision rests
    on), over (done), or waiting for a person (staff, with the seconds left until the deadline)."""
    if signup.status != "IN_REVIEW":
        return _answer(DONE)
    if signup.decision is not None:
        return _answer(signup.decision["outcome"], checks=signup.decision["checks"])
    return _answer(STAFF, staff_seconds=_seconds_until(signup.review["deadline"]))


# ------------------------------------------------------------------ the workflow's steps


def hand_to_staff(signup_id: str, checks: list[dict]) -> dict[str, Any]:
    """A check could not be completed: the sign-up waits for a person, with a deadline. Nothing is
    undone meanwhile: the customer keeps using the product."""
    signup = _signup(signup_id)
    if signup.status == "ACTIVE":
        now = utcnow()
        unfinished = [c["check"] for c in checks if c.get("passed") is None]
        signup.status = "IN_REVIEW"
        signup.review = {"unfinished": unfinished, "checks": checks, "since": isoformat(now),
                         "deadline": isoformat(now + staff_window(now, REVIEW_WORKING_DAYS)), "escalated": False}
        record_step(signup, "needs_review", unfinished=unfinished)
        signup.index()
        # the customer is told: their product works meanwhile, and by when a colleague decides
        told = domain_event("SignupInReview", customer_id=signup.customer_id, signup_id=signup.signup_id,
                            actor=SYSTEM, channel="system",
                            data={"signup_id": signup.signup_id, "unfinished": unfinished,
                                  "decision_by": signup.review["deadline"][:10]},
                            event_id=stable_id("signup-review", signup.signup_id))
        commit([Write(signup, conflict="the sign-up changed meanwhile")], [told])
    return _state(signup)


def await_staff(signup_id: str, token: str) -> None:
    """Keep the token the workflow waits on, for the decision to hand back; a decision taken
    before the token was kept is handed back at once."""
    signup = _signup(signup_id)
    if signup.status == "IN_REVIEW" and signup.decision is None:
        signup.task_token = token
        try:
            commit([Write(signup, conflict="the sign-up changed meanwhile")], [])
            return
        except Conflict:
            signup = _signup(signup_id)  # decided meanwhile: hand that back
    hand_back(signup, token)


def hand_back(signup: Signup, token: str | None = None) -> str:
    """Give the workflow waiting on the review how it ended: "handed", "not_waiting" (no token
    kept, or the wait ended), or "undecided"."""
    token = token or signup.task_token
    state = _state(signup)
    if state["outcome"] == STAFF:
        return "undecided"
    if not token:
        return "not_waiting"
    return "handed" if answer_task(token, state) else "not_waiting"


def decision_taken(signup_id: str) -> str:
    """SignupDecisionTaken: hand the decision to the workflow waiting for it."""
    return hand_back(_signup(signup_id))


def escalate(signup_id: str) -> dict[str, Any]:
    """The deadline passed without a decision: the sign-up is marked escalated (the queue shows it)
    with a last deadline. A decision taken meanwhile goes on."""
    signup = _signup(signup_id)
    if signup.status == "IN_REVIEW" and signup.decision is None and not signup.review["escalated"]:
        now = utcnow()
        signup.review = {**signup.review, "escalated": True,
                         "deadline": isoformat(now + staff_window(now, ESCALATED_WORKING_DAYS))}
        signup.task_token, signup.updated_at = None, isoformat(now)
        signup.index()
        commit([Write(signup, conflict="the sign-up changed meanwhile")], [])
    return _state(signup)


def lapse(signup_id: str) -> dict[str, Any]:
    """The last deadline passed too: which checks to run again (recheck), those that could not be
    completed; when it was the login, every check, for none of them ran. A decision taken
    meanwhile goes on."""
    signup = _signup(signup_id)
    state = _state(signup)
    if state["outcome"] != STAFF:
        return state
    unfinished = signup.review["unfinished"]
    return _answer(RECHECK, recheck=["login", *DEEP_CHECKS] if "login" in unfinished else unfinished)


def conclude(signup_id: str, rechecked: list[dict]) -> dict[str, Any]:
    """The checks run again decide, and the decision is kept as the flow's own: all passed
    verifies; one failed rolls back for its reason; one still unfinished rolls back, the customer
    told we could not confirm their details in time. A staff decision taken meanwhile wins."""
    signup = _signup(signup_id)
    state = _state(signup)
    if state["outcome"] != STAFF:
        return state
    results = {c["check"]: c for c in signup.review["checks"]}
    results.update({c["check"]: c for c in rechecked})
    checks = list(results.values())
    meaning = decide(checks)
    if meaning == "review":
        checks = [{**c, "passed": False, "reason": NOT_CONFIRMED_IN_TIME} if c.get("passed") is None else c
                  for c in checks]
    outcome = VERIFY if meaning == "verified" else ROLL_BACK
    signup.decision = {"outcome": outcome, "basis": "lapsed" if meaning == "review" else "recheck", "by": SYSTEM,
                       "at": isoformat(utcnow()), "reasons": None, "checks": checks}
    commit([Write(signup, conflict="the sign-up changed meanwhile")], [])
    return _answer(outcome, checks=checks)


# ------------------------------------------------------------------ staff


def review_queue(status: str, limit: int) -> dict[str, Any]:
    """Sign-ups of a status for staff (IN_REVIEW: those waiting for them), soonest deadline
    first: one Query of GSI1."""
    if status not in QUEUED:
        raise InvalidInput(f"status: one of {', '.join(QUEUED)}", field="status", reason="status_unknown")
    found = Signup.lookup.query(Signup.queue(status), limit=limit)
    return {"status": status, "items": [staff_view(s) for s in found if isinstance(s, Signup)][:limit]}


def staff_lookup(resume_code: str | None, status: str | None, limit: int) -> dict[str, Any]:
    """The sign-up the code a customer reads out continues, or the sign-ups of a status: one of
    the two is asked."""
    if status is not None and resume_code is not None:
        raise InvalidInput("status: give a resume_code or a status, not both", field="status",
                           reason="signup_lookup_either")
    if status is not None:
        return review_queue(status, limit)
    if not resume_code:
        raise InvalidInput("resume_code: give the code the customer reads out (or status=IN_REVIEW)",
                           field="resume_code", reason="field_required")
    return resume_for_staff(resume_code)


def decide_review(signup_id: str, body: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """A member of staff decides a sign-up in review: verify, or roll back with reasons the
    customer reads. Stored with who, when and why; the workflow applies it (SignupDecisionTaken
    hands it the decision). Two deciding at once: one wins, the other gets 409."""
    validate_request("signup-decision", body)
    try:
        signup = _signup(signup_id)
    except Signup.DoesNotExist:
        raise NotFound("signup_id: no such sign-up", field="signup_id", reason="signup_not_found") from None
    # (a sign-up put in review before reviews were kept has no workflow waiting to apply a decision)
    if signup.status != "IN_REVIEW" or signup.review is None or signup.decision is not None:
        raise Conflict(f"status: the sign-up is {signup.status.lower()}; it does not wait for a decision",
                       field="status", reason="signup_not_in_review", status=signup.status.lower())
    require_version(body["version"], signup.version, "sign-up")
    now, reasons = isoformat(utcnow()), body["reasons"].strip()
    checks = signup.review["checks"]
    if body["outcome"] == ROLL_BACK:
        checks = [*checks, {"check": STAFF_REVIEW, "passed": False, "reason": reasons}]
    signup.decision = {"outcome": body["outcome"], "basis": "staff", "by": actor, "at": now, "reasons": reasons,
                       "checks": checks}
    signup.updated_at = now
    event = domain_event("SignupDecisionTaken", customer_id=signup.customer_id, signup_id=signup_id, actor=actor,
                         channel="agent", data={"outcome": body["outcome"]})
    commit([Write(signup, conflict="the sign-up changed meanwhile: someone else decided it")], [event])
    return staff_view(signup)
