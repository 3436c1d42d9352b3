"""Bills the pages of the billing run's slices, a message from the billing queue each: a page
that fails is reported on its own and retried; after the queue's retries it lands in the
billing slice DLQ (alarmed) and the run waits until it is sent back."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.billing.run import bill_slice_page
from opencounter.edge.observability import observability

logger, metrics = observability("billing-run")
processor = BatchProcessor(event_type=EventType.SQS)


def bill(record: SQSRecord) -> None:
    outcome = bill_slice_page(json.loads(record.body))
    metrics.add_metric(name="BillingPageBilled" if outcome == "billed" else "BillingPageRepeated", unit="Count",
                       value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return process_partial_response(event=event, record_handler=bill, processor=processor, context=context)
