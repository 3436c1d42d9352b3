"""Puts every event from the bus on its customer's timeline, or, before a sign-up has a customer,
on the sign-up's, which joins the customer's when it activates (an EventBridge rule target).
Redelivered events are recognised by their id and stored once."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from opencounter.core.validation import validate_event
from opencounter.customers.timeline import record_event
from opencounter.edge.observability import observability

logger, metrics = observability("timeline-writer")


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: object) -> dict:
    validate_event(event.detail_type, event.detail)
    stored = record_event(event.detail_type, event.detail)
    metrics.add_metric(name="TimelineEntryWritten" if stored else "TimelineDuplicateIgnored", unit="Count", value=1)
    return {"stored": stored}
