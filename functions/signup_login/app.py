"""Verification task: make sure the new customer's login exists."""

from opencounter.edge.observability import observability
from opencounter.signups.verification import ensure_login

logger, metrics = observability("signup-login")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return {"login": ensure_login(event["signup_id"])}
