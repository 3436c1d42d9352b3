"""One place that sets up logging and metrics the same way in every function.

Tracing comes from the platform (`Tracing: Active` on every function and the API), not from the
X-Ray SDK: importing it costs about 0.3 s of every cold start (docs/adr/0005-cold-starts.md).
"""

import warnings

from aws_lambda_powertools import Logger, Metrics

# a read that records no business metric is normal, not worth a warning on every request
warnings.filterwarnings("ignore", "No application metrics to publish")

NAMESPACE = "OpenCounter"


def observability(service: str) -> tuple[Logger, Metrics]:
    """Logger (JSON, correlation id) and Metrics (EMF, namespace OpenCounter) for a function."""
    return Logger(service=service), Metrics(namespace=NAMESPACE, service=service)


def answered_metrics(metrics: Metrics, channel: str, waited_s: float) -> None:
    """Service-level figures per channel (the dashboard's norm: 85% answered within 15 s): a
    contact answered after `waited_s`."""
    from opencounter.channels.queueing import NORM_THRESHOLD_S

    metrics.add_dimension(name="channel", value=channel)
    metrics.add_metric(name="ContactAnswered", unit="Count", value=1)
    metrics.add_metric(name="AnsweredWithin15s", unit="Count", value=1 if waited_s <= NORM_THRESHOLD_S else 0)
    metrics.add_metric(name="AnswerWaitSeconds", unit="Seconds", value=waited_s)


def abandoned_metrics(metrics: Metrics, channel: str) -> None:
    """A caller who hung up waiting: offered, never answered within the norm."""
    metrics.add_dimension(name="channel", value=channel)
    metrics.add_metric(name="ContactAbandoned", unit="Count", value=1)
