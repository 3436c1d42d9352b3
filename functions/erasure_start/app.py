"""Starts the erasure workflow when a customer's erasure is asked for (DataRequestReceived of kind
erasure, from the bus). The run is named after the request, so a redelivered event starts nothing
twice."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from opencounter.edge.observability import observability
from opencounter.privacy.erasure import start_workflow

logger, metrics = observability("erasure-start")


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: object) -> dict:
    return {"outcome": start_workflow(event.detail)}
