"""Feedback as business metrics for the dashboard: each answer counted per journey and per channel
(two dimension sets, so each chart reads one SEARCH), with the share satisfied and, on the NPS
scale, its points (+100 a promoter, -100 a detractor: their average is the NPS)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import EphemeralMetrics

from opencounter.edge.observability import NAMESPACE
from opencounter.feedback.records import SATISFIED_FROM, SCALES, UNHAPPY_UNTIL


def answer_metrics(service: str, journey: str, channel: str, score: int) -> None:
    """One answer about `journey` on `channel` scored `score`, published at once."""
    scale = SCALES[journey]
    satisfied, unhappy = score >= SATISFIED_FROM[scale], score <= UNHAPPY_UNTIL[scale]
    for dimension, value in (("journey", journey), ("channel", channel)):
        published = EphemeralMetrics(namespace=NAMESPACE, service=service)
        published.add_dimension(name=dimension, value=value)
        published.add_metric(name="FeedbackAnswered", unit="Count", value=1)
        published.add_metric(name="SatisfiedPercent", unit="Percent", value=100 if satisfied else 0)
        if scale == "nps":
            published.add_metric(name="NpsPoints", unit="None", value=100 if satisfied else -100 if unhappy else 0)
        published.flush_metrics()
