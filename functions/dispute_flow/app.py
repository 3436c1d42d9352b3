"""Steps of the dispute workflow (statemachines/dispute.asl.json): assess, wait for staff with a
deadline, escalate, decide for the customer when nobody did, uphold or reject; and, from the bus,
a staff decision handed to the workflow waiting for it."""

from typing import Any

from opencounter.disputes.flow import assess, await_staff, decision_taken, escalate, lapse, reject, uphold
from opencounter.edge.observability import observability

logger, metrics = observability("dispute-flow")

STEPS = {"assess": assess, "escalate": escalate, "lapse": lapse, "uphold": uphold, "reject": reject}
#: what the dashboard counts, by step and outcome: to a person, escalated past the deadline, decided
#: for the customer when nobody did, and every decision applied
METRICS = {("assess", "staff"): "DisputeWithStaff", ("escalate", "staff"): "DisputeEscalated",
           ("lapse", "upheld"): "DisputeLapsed", ("uphold", "upheld"): "DisputeUpheld",
           ("reject", "rejected"): "DisputeRejected"}


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
    name = METRICS.get((event["step"], result["outcome"]))
    if name and not result.get("again"):  # counted by the run that made the change
        metrics.add_metric(name=name, unit="Count", value=1)
    return result
