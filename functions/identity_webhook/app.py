"""Receives the identity provider's signed webhooks (Stripe Identity) and moves the sign-up on:
identified and validated at once, or asked to try again. A bad or stale signature gets 400
and writes nothing; a repeated delivery has no second effect."""

from opencounter.edge.http import WEBHOOK_MAX_BYTES, rest_api, text_body
from opencounter.edge.observability import observability
from opencounter.signups.service import record_identity_outcome

logger, metrics = observability("identity-webhook")
app = rest_api(logger)


@app.post("/webhooks/identity")
def receive() -> dict:
    body = text_body(app, WEBHOOK_MAX_BYTES)
    result = record_identity_outcome(body.encode(), app.current_event.get_header_value("Stripe-Signature"))
    metrics.add_metric(name=f"Identity{result.title().replace('_', '')}", unit="Count", value=1)
    return {"received": True, "result": result}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
