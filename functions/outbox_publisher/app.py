"""Carries outbox items from the table's stream to the EventBridge bus.

A record EventBridge did not accept is reported as a batch item failure, so the stream hands it
(and the ones after it) over again, and to the DLQ when retries run out. Consumers deduplicate on
detail.event_id, so a second delivery is harmless: no event is lost, none has two effects.
"""

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecordEventName

from opencounter.core.publisher import publish
from opencounter.edge.observability import observability

logger, metrics = observability("outbox-publisher")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outbox = [
        (record.dynamodb.sequence_number, record.dynamodb.new_image)
        for record in DynamoDBStreamEvent(event).records
        if record.event_name == DynamoDBRecordEventName.INSERT
        and (record.dynamodb.new_image or {}).get("entity") == "OutboxEvent"
    ]
    failed = publish(outbox)
    metrics.add_metric(name="EventsPublished", unit="Count", value=len(outbox) - len(failed))
    if failed:
        logger.warning("events not accepted by the bus; the stream will deliver them again",
                       extra={"count": len(failed)})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
