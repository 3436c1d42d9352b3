"""What became of a call after the Amazon Connect contact flow announced it: Connect's contact
events (answered by an agent, ended) move the contact on and feed the phone's figures."""

from opencounter.channels.metrics import abandoned_metrics, answered_metrics
from opencounter.contacts.service import contact_progress
from opencounter.edge.observability import observability
from opencounter.ports.channels.connect import connect_contact_progress

logger, metrics = observability("call-events")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    progress = connect_contact_progress(event)
    if progress is None:
        return {"outcome": "ignored"}
    result = contact_progress(progress)
    if result["waited_s"] is not None:
        answered_metrics(metrics, result["channel"], result["waited_s"])
    if result["outcome"] == "abandoned":
        abandoned_metrics(metrics, result["channel"])
    return {"outcome": result["outcome"]}
