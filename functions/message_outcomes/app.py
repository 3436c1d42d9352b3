"""What came of the mails we sent: SES publishes each message's delivery, bounce, complaint,
opening and click to the default event bus (the configuration set's EventBridge destination), and
each is put on the message it is about (notifications/messages.py)."""

from opencounter.edge.observability import observability
from opencounter.notifications.messages import ses_outcome

logger, metrics = observability("message-outcomes")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcome = ses_outcome(event)
    metrics.add_metric(name="MessageOutcome" if outcome == "applied" else "MessageOutcomeKnown", unit="Count",
                       value=1)
    return {"outcome": outcome}
