"""Tells the customer, on their preferred channel, about events that need their attention: a new
invoice, a failed payment, a plan that fits their use better, a visit planned, moved or cancelled."""

from opencounter.edge.observability import observability
from opencounter.notifications.service import notify

logger, metrics = observability("customer-notifier")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcome = notify(event["detail-type"], event["detail"])
    metrics.add_metric(name="CustomerNotified" if outcome.startswith("sent") else "CustomerNotNotified",
                       unit="Count", value=1)
    return {"outcome": outcome}
