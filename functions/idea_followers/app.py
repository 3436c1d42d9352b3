"""Tells an idea's followers that it moved on or was answered: the event puts the first page of
followers on the followers' queue; each page from the queue is told (each on their preferred
channel, once) and puts the next page on it. A page that keeps failing is kept on the DLQ (alarmed)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.edge.observability import observability
from opencounter.ideas.followers import TOLD_OF, enqueue, hand_over, tell_page

logger, metrics = observability("idea-followers")
processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    following, outcomes = tell_page(json.loads(record.body))
    if following is not None:
        enqueue(following)
    told = sum(n for outcome, n in outcomes.items() if outcome.startswith("sent"))
    metrics.add_metric(name="IdeaFollowersTold", unit="Count", value=told)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event.get("detail-type") in TOLD_OF:
        return {"outcome": hand_over(event["detail-type"], event["detail"])}
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)
