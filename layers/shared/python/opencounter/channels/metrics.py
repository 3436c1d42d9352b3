"""Service-level figures per channel, as business metrics for the dashboard (the norm: 85% of
contacts answered within 15 s, NEN 8878). The functions that see a contact answered or
abandoned record them through their own Metrics."""

from __future__ import annotations

from aws_lambda_powertools import Metrics

from opencounter.channels.queueing import NORM_THRESHOLD_S


def answered_metrics(metrics: Metrics, channel: str, waited_s: float) -> None:
    """A contact answered after `waited_s`."""
    metrics.add_dimension(name="channel", value=channel)
    metrics.add_metric(name="ContactAnswered", unit="Count", value=1)
    metrics.add_metric(name="AnsweredWithin15s", unit="Count", value=1 if waited_s <= NORM_THRESHOLD_S else 0)
    metrics.add_metric(name="AnswerWaitSeconds", unit="Seconds", value=waited_s)


def abandoned_metrics(metrics: Metrics, channel: str) -> None:
    """A caller who hung up waiting: offered, never answered within the norm."""
    metrics.add_dimension(name="channel", value=channel)
    metrics.add_metric(name="ContactAbandoned", unit="Count", value=1)
