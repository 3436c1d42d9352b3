"""Verification task: one of the deeper checks (document, sanctions, address)."""

from opencounter.edge.observability import observability
from opencounter.signups.verification import run_check

logger, metrics = observability("signup-check")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    result = run_check(event["check"], event["signup_id"])
    metrics.add_metric(name="VerificationCheckPassed" if result["passed"] else "VerificationCheckFailed",
                       unit="Count", value=1)
    return result
