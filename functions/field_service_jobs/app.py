"""Tells the field service of a visit planned, moved or cancelled (AppointmentPlanned, Changed,
Cancelled from the bus), as the appointment stands, with its version: a repeated or late event
changes nothing there. A visit planned or moved starts the workflow that follows its day."""

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from opencounter.appointments.day import follow, job_of
from opencounter.edge.observability import observability
from opencounter.ports.field_service import send_job

logger, metrics = observability("field-service-jobs")


@logger.inject_lambda_context(correlation_id_path="detail.event_id")
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: object) -> dict:
    detail = event.detail
    # the workflow first: a field service that is down delays telling it, never the reminder
    followed = follow(event.detail_type, detail) if event.detail_type != "AppointmentCancelled" else "nothing"
    told = send_job(job_of(detail["customer_id"], detail["data"]["appointment_id"]))
    return {"told": told.get("result", "accepted"), "workflow": followed}
