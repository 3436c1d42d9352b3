"""Sends a mailing: its MailingStarted event puts each billing shard's first page of customers on
the mailing queue; each page from the queue is mailed and puts the shard's next page on it. A page
that fails is retried on its own, and after the queue's retries kept on the mailing DLQ (alarmed).
A price rise is told the same way (CataloguePricesRaised): a page of products at a time."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.billing import prices
from opencounter.edge.observability import observability
from opencounter.notifications.mailings import enqueue, first_pages, send_page

logger, metrics = observability("mailings")
processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    work = json.loads(record.body)
    if work.get("price_change"):
        announced = prices.announce_page(work)
        if announced is not None:
            prices.enqueue([announced])
        metrics.add_metric(name="PriceChangePageAnnounced", unit="Count", value=1)
        return
    following = send_page(work)
    if following is not None:
        enqueue([following])
    metrics.add_metric(name="MailingPageSent", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event.get("detail-type") == "MailingStarted":
        enqueue(first_pages(event["detail"]["data"]["mailing_id"]))
        return {"outcome": "queued"}
    if event.get("detail-type") in ("ProductActivated", "ProductPlanChanged"):
        # a product now holding an older catalogue version (a quote's prices) is told of a rise coming too
        told = prices.announce_held(event["detail"]["customer_id"], event["detail"]["data"]["product_id"])
        return {"outcome": "told" if told else "nothing_to_tell"}
    if event.get("detail-type") == "CataloguePricesRaised":
        prices.enqueue(prices.first_pages(event["detail"]["data"]["catalogue_version"]))
        return {"outcome": "queued"}
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)
