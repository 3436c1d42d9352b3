"""Starts the deep verification of an activated sign-up (a target of the SignupActivated rule).
The run is named after the sign-up, so a redelivered event starts nothing twice."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from opencounter.edge.observability import observability
from opencounter.signups.verification import start_flow

logger, metrics = observability("signup-verification-start")


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: object) -> dict:
    return {"outcome": start_flow(event.detail)}
