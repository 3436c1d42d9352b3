"""Steps of the dispute workflow (statemachines/dispute.asl.json): assess, wait for staff with a
deadline, escalate, decide for the customer when nobody did, uphold or reject; and, from the bus,
a staff decision handed to the workflow waiting for it."""

from typing import Any

from opencounter.disputes.flow import assess, await_staff, decision_taken, escalate, lapse, reject, uphold
from opencounter.edge.observability import observability

logger, metrics = observability("dispute-flow")

STEPS = {"assess": assess, "escalate": escalate, "lapse": lapse, "uphold": uphold, "reject": reject}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> Any:
    if "detail-type" in event:  # DisputeDecisionTaken
        detail = event["detail"]
        return {"handed": decision_taken(detail["customer_id"], detail["data"]["dispute_id"])}
    if event["step"] == "await_staff":
        await_staff(event["customer_id"], event["dispute_id"], event["token"])
        return None
    result = STEPS[event["step"]](event["customer_id"], event["dispute_id"])
    if event["step"] in ("uphold", "reject") and result["outcome"] != "done":
        metrics.add_metric(name=f"Dispute{result['outcome'].capitalize()}", unit="Count", value=1)
    return result
