"""Verification tasks: decide what the checks mean, and record the outcome when nothing has to be
undone (verified, or in review when a check could not be completed)."""

from opencounter.edge.observability import observability
from opencounter.signups.verification import decide, mark_for_review, mark_verified

logger, metrics = observability("signup-outcome")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event["action"] == "decide":
        return {"next": decide(event["checks"])}
    if event["action"] == "verified":
        outcome = mark_verified(event["signup_id"], event["checks"])
    else:
        outcome = mark_for_review(event["signup_id"], event["checks"])
    metrics.add_metric(name="SignupVerified" if outcome == "verified" else "SignupInReview", unit="Count", value=1)
    return {"outcome": outcome}
