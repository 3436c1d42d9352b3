"""The erasure workflow's steps (statemachines/erasure.asl.json), one per state: check again and
count, close the login, redact the identity checks at Stripe, have the field service forget the
visits, delete the raw mail, the evidence files, the look-ups and the history, send the last
e-mail, delete the record (keeping the books, stripped, until their end date), sweep, and write
the receipt. Each may run again; what it answers holds ids and counts only."""

from typing import Any

from opencounter.edge.observability import observability
from opencounter.privacy.erasure import run_step

logger, metrics = observability("erasure-steps")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> Any:
    result = run_step(event["step"], event["customer_id"], event["request_id"], event.get("done"))
    logger.info("erasure step done", extra={"step": event["step"], "request_id": event["request_id"],
                                            "result": result})
    if event["step"] == "finish":
        metrics.add_metric(name="CustomerErased", unit="Count", value=1)
    elif event["step"] == "begin" and result["outcome"] == "refused":
        metrics.add_metric(name="ErasureRefused", unit="Count", value=1)
    return result
