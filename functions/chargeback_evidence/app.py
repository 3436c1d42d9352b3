"""Answers a chargeback (ChargebackFiled) at the payment provider with the evidence the business
holds, once; a chargeback of a cancelled invoice is accepted instead."""

from opencounter.disputes.chargebacks import submit_evidence
from opencounter.edge.observability import observability

logger, metrics = observability("chargeback-evidence")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    detail = event["detail"]
    outcome = submit_evidence(detail["customer_id"], detail["data"]["dispute_id"])
    metrics.add_metric(name=f"Chargeback{outcome.title().replace('_', '')}", unit="Count", value=1)
    return {"outcome": outcome}
