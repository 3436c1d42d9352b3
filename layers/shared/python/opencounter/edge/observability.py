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

