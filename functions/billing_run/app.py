"""Steps of the monthly billing run (statemachines/billing_run.asl.json): plan, hand the slices
to the billing queue (the step then waits until the last slice is done), sum up."""

from opencounter.billing.run import plan_run, start_slices, summarise
from opencounter.edge.observability import observability

logger, metrics = observability("billing-run")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    if event["action"] == "plan":
        return plan_run(event.get("input") or {}, event["run"])
    if event["action"] == "start":
        return start_slices(event["plan"], event["token"])
    totals = summarise(event["plan"])
    metrics.add_metric(name="InvoicesIssued", unit="Count", value=totals["counts"]["issued"])
    metrics.add_metric(name="CustomersBilled", unit="Count", value=totals["customers"])
    return totals
