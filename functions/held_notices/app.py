"""Every five minutes: the notices held for the quiet hours that are due go out, each on the channel
the customer prefers by then, if they still consent to it (notifications/quiet.py)."""

from opencounter.edge.observability import observability
from opencounter.notifications.service import release_held

logger, metrics = observability("held-notices")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcomes = release_held()
    metrics.add_metric(name="HeldNoticesReleased", unit="Count", value=sum(outcomes.values()))
    return {"outcomes": outcomes}
