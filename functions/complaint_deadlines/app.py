"""Every fifteen minutes: complaints whose term passed
unanswered go to the complaints lead's queue (the customer is told), answered complaints whose time
to reopen passed are closed, and the figures of the complaints procedure go to the dashboard:
complaints open, overdue, and each closing's days (its median is the time to close)."""

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from opencounter.complaints.service import run_deadlines
from opencounter.edge.observability import NAMESPACE, observability

logger, metrics = observability("complaint-deadlines")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    done = run_deadlines()
    metrics.add_metric(name="ComplaintEscalated", unit="Count", value=done["escalated"])
    for days in done["days_to_close"]:
        metrics.add_metric(name="ComplaintClosed", unit="Count", value=1)
        # beside the closings of the complaints function: one median of every complaint closed
        with single_metric(name="ComplaintDaysToClose", unit=MetricUnit.Count, value=days, namespace=NAMESPACE,
                           default_dimensions={"service": "complaints"}):
            pass
    for figure, name in (("open", "ComplaintsOpen"), ("overdue", "ComplaintsOverdue")):
        with single_metric(name=name, unit=MetricUnit.Count, value=done[figure], namespace=NAMESPACE,
                           default_dimensions={"service": "complaint-deadlines"}):
            pass
    return {k: v for k, v in done.items() if k != "days_to_close"}
