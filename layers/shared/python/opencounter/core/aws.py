"""AWS clients: one per service per process, made on first use and kept (boto3 clients are
thread-safe, and a warm Lambda reuses them). boto3 is imported on that first use on purpose: a
function that never calls AWS itself (pynamodb brings its own client) does not load it at its
cold start."""

from __future__ import annotations

import threading
from typing import Any

from opencounter.core.settings import settings

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def aws_client(service: str) -> Any:
    """The process's client of `service` ("ses", "cognito-idp", ...) in the function's region."""
    with _lock:
        if service not in _clients:
            import boto3

            _clients[service] = boto3.client(service, region_name=settings().region)
        return _clients[service]
