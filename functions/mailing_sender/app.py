"""Sends a mailing: its MailingStarted event puts each billing shard's first page of customers on
the mailing queue; each page from the queue is mailed and puts the shard's next page on it. A page
that fails is retried on its own, and after the queue's retries kept on the mailing DLQ (alarmed)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.edge.observability import observability
from opencounter.notifications.mailings import enqueue, first_pages, send_page

logger, metrics = observability("mailings")
processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    following = send_page(json.loads(record.body))
    if following is not None:
        enqueue([following])
    metrics.add_metric(name="MailingPageSent", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event.get("detail-type") == "MailingStarted":
        enqueue(first_pages(event["detail"]["data"]["mailing_id"]))
        return {"outcome": "queued"}
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)
