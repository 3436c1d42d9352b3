"""Keeps the consent figures the privacy officer reads (opencounter.privacy.consents): every write
of a customer's profile on the table's stream, what it said before and after, added once. A
record that could not be counted is reported, so the stream hands it (and those after it) over
again, and to the dead-letter queue when retries run out."""

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from opencounter.edge.observability import observability
from opencounter.privacy.consents import count

logger, metrics = observability("consent-figures")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    counted = 0
    for record in DynamoDBStreamEvent(event).records:
        change = record.dynamodb
        if change is None:
            continue
        before, after = change.old_image or None, change.new_image or None
        if (before or after or {}).get("entity") != "CustomerProfile":
            continue
        try:
            counted += count(record.event_id or change.sequence_number or "", before, after)
        except Exception:
            logger.exception("a profile change could not be counted; the stream hands it over again")
            return {"batchItemFailures": [{"itemIdentifier": change.sequence_number}]}
    metrics.add_metric(name="ConsentChangesCounted", unit="Count", value=counted)
    return {"batchItemFailures": []}
