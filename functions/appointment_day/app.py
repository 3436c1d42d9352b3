"""Steps of the workflow that follows an appointment through its day
(statemachines/appointment.asl.json): what is next for it as it stands now, and acting on it
(remind, or check that somebody reported on the visit) if that is still due."""

from typing import Any

from opencounter.appointments.day import act, what_next
from opencounter.edge.observability import observability

logger, metrics = observability("appointment-day")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> Any:
    if event["step"] == "next":
        return what_next(event["customer_id"], event["appointment_id"], event["followed"])
    result = act(event["customer_id"], event["appointment_id"], event["followed"], event["action"])
    if result["done"] != "nothing":
        metrics.add_metric(name=f"Appointment{result['done'].title()}ByWorkflow", unit="Count", value=1)
    return result
