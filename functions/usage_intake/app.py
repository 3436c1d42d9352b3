"""Takes usage records off the usage queue (sent there directly, or as UsageRecorded events from
the bus) and adds each to its product's month once. A record that fails is reported on its own
(the rest of the batch is kept); after the queue's retries it lands in the usage DLQ."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.billing.usage import record_usage
from opencounter.edge.observability import observability

logger, metrics = observability("usage-intake")
processor = BatchProcessor(event_type=EventType.SQS)


def take_in(record: SQSRecord) -> None:
    body = json.loads(record.body)
    # from the bus the usage record is an event's detail; sent to the queue directly it is the body
    outcome = record_usage(body["detail"] if body.get("detail-type") == "UsageRecorded" else body)
    metrics.add_metric(name="UsageRecorded" if outcome == "recorded" else "UsageDuplicate", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_partial_response(event=event, record_handler=take_in, processor=processor, context=context)
