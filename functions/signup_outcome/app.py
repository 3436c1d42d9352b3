"""Verification tasks: decide what the checks mean, and record the outcome when nothing has to be
undone (verified); a sign-up a check could not be completed for waits for staff with a deadline
(escalated once, then the unfinished checks run again and decide); and, from the bus, a staff
decision handed to the workflow waiting for it."""

from typing import Any

from opencounter.edge.observability import observability
from opencounter.signups.review import await_staff, conclude, decision_taken, escalate, hand_to_staff, lapse
from opencounter.signups.verification import decide, mark_verified

logger, metrics = observability("signup-outcome")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> Any:
    if "detail-type" in event:  # SignupDecisionTaken
        return {"handed": decision_taken(event["detail"]["signup_id"])}
    action, signup_id = event["action"], event.get("signup_id")
    if action == "decide":
        return {"next": decide(event["checks"])}
    if action == "verified":
        outcome = mark_verified(signup_id, event["checks"])
        if outcome == "verified":
            metrics.add_metric(name="SignupVerified", unit="Count", value=1)
        return {"outcome": outcome}
    if action == "await_staff":
        await_staff(signup_id, event["token"])
        return None
    if action == "review":
        result = hand_to_staff(signup_id, event["checks"])
        metrics.add_metric(name="SignupInReview", unit="Count", value=1)
    elif action == "escalate":
        result = escalate(signup_id)
        metrics.add_metric(name="SignupReviewEscalated", unit="Count", value=1)
    elif action == "lapse":
        result = lapse(signup_id)
    else:  # conclude: the unfinished checks, run again at the last deadline, decide
        result = conclude(signup_id, event["rechecked"])
        metrics.add_metric(name="SignupReviewLapsed", unit="Count", value=1)
    return result
