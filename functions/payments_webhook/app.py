"""Receives the payment provider's signed webhooks (Stripe) and applies them at once: the invoice
is PAID as soon as the event is processed. A bad or stale signature gets 400 and writes nothing;
a duplicate delivery, in any order or at the same moment, has one effect. A chargeback's events
also file and move on the dispute it is; a direct debit mandate's events store it (the account masked) or
end it."""

from opencounter.billing.mandates import apply_mandate_update
from opencounter.billing.payments import apply_payment_update
from opencounter.disputes.chargebacks import follow as follow_chargeback
from opencounter.edge.http import WEBHOOK_MAX_BYTES, rest_api, text_body
from opencounter.edge.observability import observability
from opencounter.ports.payments import MandateUpdate, payment_update

logger, metrics = observability("payments-webhook")
app = rest_api(logger)


@app.post("/webhooks/stripe")
def receive() -> dict:
    body = text_body(app, WEBHOOK_MAX_BYTES)
    update = payment_update(body.encode(), app.current_event.get_header_value("Stripe-Signature"))
    if update is None:
        return {"received": True, "result": "ignored"}
    if isinstance(update, MandateUpdate):
        result = apply_mandate_update(update)
    else:
        result = apply_payment_update(update, follow_chargeback)
    metrics.add_metric(name=f"PaymentEvent{result.title().replace('_', '')}", unit="Count", value=1)
    return {"received": True, "result": result}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
