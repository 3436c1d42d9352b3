"""The daily reminder and collection run: the schedule (early morning, Amsterdam) puts each billing
shard's first page of due reminder steps, and of invoices due for collection by direct debit, on the
reminder queue; each page from the queue takes its steps (or collects its invoices) and puts the
shard's next page on it. A page that fails is retried on its own (every step is taken once, every
invoice collected once), and after the queue's retries kept on the reminder DLQ (alarmed)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from opencounter.billing.debits import collect_page
from opencounter.billing.reminders import enqueue, remind_page, start_run
from opencounter.edge.observability import observability

logger, metrics = observability("invoice-reminders")
processor = BatchProcessor(event_type=EventType.SQS)
#: what a step became -> the metric counting it
COUNTED = {"reminder": "InvoiceReminderSent", "final_notice": "InvoiceFinalNoticeSent",
           "ready_for_collection": "InvoiceReadyForCollection", "stopped": "InvoiceReminderStopped",
           "on_hold": "InvoiceReminderOnHold", "collected": "DirectDebitCollected",
           "waiting": "DirectDebitWaiting", "not_collected": "DirectDebitNotCollected"}


def page(record: SQSRecord) -> None:
    work = json.loads(record.body)
    outcomes, following = collect_page(work) if work.get("run") == "debits" else remind_page(work)
    if following is not None:
        enqueue([following])
    for outcome, count in outcomes.items():
        if outcome in COUNTED:
            metrics.add_metric(name=COUNTED[outcome], unit="Count", value=count)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=page, processor=processor, context=context)
    return start_run(event.get("scheduled_at"))  # the daily schedule
