"""A product ordered with a visit or a delivery becomes active when the field service reports it
done (AppointmentDone of an appointment that came with an order): once, in one transaction with
the order; a duplicated report, an order not waiting for that visit, is left as it is."""

from opencounter.edge.observability import observability
from opencounter.signups.orders import visit_done

logger, metrics = observability("order-activation")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    detail = event["detail"]
    data = detail["data"]
    if not data.get("order_id"):  # the rule takes only visits of an order; fail closed all the same
        return {"outcome": "no_order"}
    outcome = visit_done(detail["customer_id"], data["order_id"])
    if outcome == "activated":
        metrics.add_metric(name="OrderActivatedAfterVisit", unit="Count", value=1)
    return {"outcome": outcome}
