"""Receives the field service's and the carriers' signed webhooks about a visit's day (planned,
en route with an ETA, arrived, done, missed) and applies each at once. The signature is checked
on the raw body before the body is read: a bad or stale one gets 400 and writes nothing; an
update for an appointment its customer does not hold gets 404; a duplicate, or an older update
arriving late, has one effect."""

from opencounter.appointments.field import take_update
from opencounter.edge.http import WEBHOOK_MAX_BYTES, json_body, raw_body, rest_api
from opencounter.edge.observability import observability
from opencounter.ports.field_service import HEADER, verified_delivery

logger, metrics = observability("field-service-webhook")
app = rest_api(logger)


@app.post("/webhooks/field-service")
def receive() -> dict:
    verified_delivery(raw_body(app, WEBHOOK_MAX_BYTES), app.current_event.get_header_value(HEADER))
    result = take_update(json_body(app, WEBHOOK_MAX_BYTES))
    metrics.add_metric(name=f"FieldUpdate{result['result'].title()}", unit="Count", value=1)
    return {"received": True, **result}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
