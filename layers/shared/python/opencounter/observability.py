"""One place that sets up logging, metrics and tracing the same way in every function."""

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "OpenCounter"


def observability(service: str) -> tuple[Logger, Metrics, Tracer]:
    """Logger (JSON, correlation id), Metrics (EMF, namespace OpenCounter) and Tracer for a function."""
    logger = Logger(service=service)
    metrics = Metrics(namespace=NAMESPACE, service=service)
    tracer = Tracer(service=service)
    return logger, metrics, tracer
