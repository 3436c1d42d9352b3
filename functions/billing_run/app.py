"""Steps of the monthly billing run (statemachines/billing_run.asl.json): plan, bill a page of a
shard's customers, sum up."""

from opencounter.billing.run import bill_page, plan_run, summarise
from opencounter.edge.observability import observability

logger, metrics = observability("billing-run")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event["action"] == "plan":
        return plan_run(event.get("input") or {})
    if event["action"] == "bill":
        return bill_page(event["work"])
    totals = summarise(event["run"])
    metrics.add_metric(name="InvoicesIssued", unit="Count", value=totals["counts"]["issued"])
    metrics.add_metric(name="CustomersBilled", unit="Count", value=totals["customers"])
    return totals
