"""Every five minutes: the planned call-backs nobody made within their slot and the grace after it
are marked missed, once each; the customer is told (CallbackMissed) and staff see it first."""

from opencounter.contacts.callbacks import watch_missed
from opencounter.edge.observability import observability

logger, metrics = observability("callback-watch")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    found = watch_missed()
    metrics.add_metric(name="CallbacksMissed", unit="Count", value=found["missed"])
    return found
