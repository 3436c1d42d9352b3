"""Once a day (a schedule): deletes what the table's TTL cannot, the kinds the retention table
marks "sweep" (opencounter.privacy.sweep). Logs and counts how many went of each kind, never what."""

from opencounter.edge.observability import observability
from opencounter.privacy.sweep import sweep

logger, metrics = observability("retention-sweep")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    swept = sweep(time_left_ms=context.get_remaining_time_in_millis)  # type: ignore[attr-defined]
    for kind, outcomes in swept.items():
        metrics.add_metric(name=f"RetentionSwept{kind}", unit="Count", value=outcomes.get("forgotten", 0))
    logger.info("retention sweep done", extra={"swept": swept})
    return swept
