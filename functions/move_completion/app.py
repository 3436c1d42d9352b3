"""The task of the move-house flow: on the move date, announce the new address if the move is
still the one in force (it may have been replaced by a later registration for the same day)."""

from opencounter.customers.service import complete_move
from opencounter.edge.observability import observability

logger, metrics = observability("move-completion")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcome = complete_move(event["customer_id"], event["move_id"], event["effective_from"])
    metrics.add_metric(name="MoveCompleted" if outcome == "announced" else "MoveCompletionSkipped",
                       unit="Count", value=1)
    return {"outcome": outcome}
