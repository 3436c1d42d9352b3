"""Verification task: the compensating rollback of a sign-up whose deeper checks failed."""

from opencounter.edge.observability import observability
from opencounter.signups.verification import roll_back

logger, metrics = observability("signup-rollback")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    result = roll_back(event["signup_id"], event["checks"])
    metrics.add_metric(name="SignupRolledBack", unit="Count", value=1)
    return result
