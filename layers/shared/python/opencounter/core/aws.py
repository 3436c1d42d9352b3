"""AWS clients: one per service per process, made on first use and kept (botocore clients are
thread-safe, and a warm Lambda reuses them).

Every client is made from the botocore session the table's connection (pynamodb) made for this
thread, not through boto3: a second session reads botocore's data again (the list of services,
every endpoint and partition) and boto3 adds an import of its own, about 50 to 100 ms of a cold
start together, and nothing we call needs boto3 (docs/adr/0015-cold-starts-under-the-goal.md)."""

from __future__ import annotations

import threading
from typing import Any

from opencounter.core.settings import settings
from opencounter.core.table import connection

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def aws_client(service: str) -> Any:
    """The process's client of `service` ("ses", "cognito-idp", ...) in the function's region."""
    with _lock:
        if service not in _clients:
            _clients[service] = connection().session.create_client(service, region_name=settings().region)
        return _clients[service]
