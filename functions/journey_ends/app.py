"""Keeps each journey a customer finished (a move registered, a payment received, a sign-up
activated, a dispute decided, a complaint closed), as the bus hands over its event, to be asked
about once: how easy was it? The question itself is asked and answered through /me/feedback."""

from opencounter.edge.observability import observability
from opencounter.feedback.service import invite

logger, metrics = observability("journey-ends")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcome = invite(event["detail-type"], event["detail"])
    metrics.add_metric(name="JourneyFeedbackInvited" if outcome == "invited" else "JourneyFeedbackSkipped",
                       unit="Count", value=1)
    return {"outcome": outcome}
