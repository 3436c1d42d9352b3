"""A customer changes their own products (/me/products/{product_id}): another plan at once, or a
cancellation now or at the end of the month; staff do the same on a customer's behalf (at the
counter, on the phone), recorded as theirs."""

from opencounter.customers.products import cancel_product, change_plan
from opencounter.edge.http import caller, json_body, me, rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("product-changes")
app = rest_api(logger)


@app.patch("/me/products/<product_id>")
def patch_product(product_id: str) -> dict:
    product = change_plan(me(app), product_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="ProductPlanChanged", unit="Count", value=1)
    return product


@app.post("/me/products/<product_id>/cancellation")
def post_cancellation(product_id: str) -> tuple[dict, int]:
    product = cancel_product(me(app), product_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="ProductCancelled", unit="Count", value=1)
    return product, 201


@app.patch("/agent/customers/<customer_id>/products/<product_id>")
def patch_customer_product(customer_id: str, product_id: str) -> dict:
    staff = caller(app)
    product = change_plan(customer_id, product_id, json_body(app), actor=staff.actor, channel="agent", role=staff.role)
    metrics.add_metric(name="ProductPlanChanged", unit="Count", value=1)
    return product


@app.post("/agent/customers/<customer_id>/products/<product_id>/cancellation")
def post_customer_cancellation(customer_id: str, product_id: str) -> tuple[dict, int]:
    product = cancel_product(customer_id, product_id, json_body(app), actor=caller(app).actor, channel="agent")
    metrics.add_metric(name="ProductCancelled", unit="Count", value=1)
    return product, 201


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
