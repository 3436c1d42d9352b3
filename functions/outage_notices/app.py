"""Tells customers of an outage where they live, and gives them the all-clear: an incident's event
puts a page per postcode area on the outage queue; each page from the queue tells its customers
and puts the area's next page on it (a page that fails is retried on its own, then kept on the
outage DLQ, alarmed). A contact a customer makes while an outage they were told of lasts is
counted against it."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.edge.observability import observability
from opencounter.outages.service import count_contact, enqueue, first_pages, tell_page

logger, metrics = observability("outage-notices")
processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    following = tell_page(json.loads(record.body))
    if following is not None:
        enqueue([following])


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    kind = event.get("detail-type")
    if kind in ("IncidentReported", "IncidentResolved"):
        data = event["detail"]["data"]
        enqueue(first_pages(data["incident_id"], data["phase"]))
        return {"outcome": "queued"}
    if kind == "ContactQueued":
        counted = count_contact(event["detail"]["customer_id"], event["detail"]["data"]["contact_id"])
        metrics.add_metric(name="OutageContact", unit="Count", value=counted)
        return {"outcome": "counted" if counted else "no_outage"}
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)
