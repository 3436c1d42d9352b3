"""Erasure (GDPR art. 17): the customer sees what erasing everything means for them (what stands in
the way, what the law makes us keep and until when) and asks for it, confirming it; staff ask on
a customer's behalf. The erasure itself is a workflow (functions/erasure_steps)."""

from opencounter.edge.http import caller, json_body, me, rest_api
from opencounter.edge.observability import observability
from opencounter.privacy.erasure import ask, erasure_view, known_customer

logger, metrics = observability("erasure")
app = rest_api(logger)


@app.get("/me/data-requests/erasure")
def get_erasure() -> dict:
    return erasure_view(me(app))


@app.post("/me/data-requests/erasure")
def post_erasure() -> tuple[dict, int]:
    customer_id = me(app)
    erasure = ask(customer_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="ErasureAsked", unit="Count", value=1)
    return erasure, 202


@app.post("/agent/customers/<customer_id>/data-requests/erasure")
def post_customer_erasure(customer_id: str) -> tuple[dict, int]:
    known_customer(customer_id)  # before the body is read
    erasure = ask(customer_id, json_body(app), actor=caller(app).actor, channel="agent")
    metrics.add_metric(name="ErasureAsked", unit="Count", value=1)
    return erasure, 202


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
