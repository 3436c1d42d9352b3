"""Makes the copy of everything held about a customer that they asked for (DataRequestReceived of
an export): writes the file to the exports bucket and closes the request, telling the customer it
is ready; once, however often the event comes or the step is tried again."""

from opencounter.edge.observability import observability
from opencounter.privacy.export import make

logger, metrics = observability("data-export")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    detail = event["detail"]
    if detail["data"].get("kind") != "export":  # the rule takes only exports; fail closed all the same
        return {"outcome": "not_an_export"}
    outcome = make(detail["customer_id"], detail["data"]["request_id"])
    if outcome == "made":
        metrics.add_metric(name="DataExportMade", unit="Count", value=1)
    return {"outcome": outcome}
