"""Publishing outbox items to the EventBridge bus: in batches of ten, failures reported per item."""

from __future__ import annotations

import os
from typing import Any

from opencounter import settings

PUT_EVENTS_BATCH = 10


class EventPublisher:
    """Sends outbox images to the bus. The boto3 client is made on first use and then kept."""

    def __init__(self) -> None:
        self._client: Any = None

    def _events(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("events", region_name=settings.region())
        return self._client

    def publish(self, outbox_images: list[tuple[str, dict]]) -> list[str]:
        """Put each (key, outbox image) on the bus; return the keys EventBridge did not accept."""
        failed: list[str] = []
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        for start in range(0, len(outbox_images), PUT_EVENTS_BATCH):
            chunk = outbox_images[start:start + PUT_EVENTS_BATCH]
            entries = []
            for _, image in chunk:
                entry = {"Source": image["source"], "DetailType": image["detail_type"],
                         "Detail": image["detail"], "EventBusName": settings.event_bus_name()}
                if trace:
                    entry["TraceHeader"] = trace
                entries.append(entry)
            try:
                response = self._events().put_events(Entries=entries)
            except Exception:
                failed += [key for key, _ in chunk]
                continue
            results = zip(chunk, response["Entries"], strict=True)
            failed += [key for (key, _), result in results if result.get("ErrorCode")]
        return failed
