"""Publishing outbox items to the EventBridge bus: in batches of ten, failures reported per item."""

from __future__ import annotations

from opencounter.core.aws import aws_client
from opencounter.core.settings import settings, trace_header

PUT_EVENTS_BATCH = 10


def publish(outbox_images: list[tuple[str, dict]]) -> list[str]:
    """Put each (key, outbox image) on the bus; return the keys EventBridge did not accept."""
    failed: list[str] = []
    trace = trace_header()
    bus = settings().required("event_bus_name")
    for start in range(0, len(outbox_images), PUT_EVENTS_BATCH):
        chunk = outbox_images[start:start + PUT_EVENTS_BATCH]
        entries = []
        for _, image in chunk:
            entry = {"Source": image["source"], "DetailType": image["detail_type"], "Detail": image["detail"],
                     "EventBusName": bus}
            if trace:
                entry["TraceHeader"] = trace
            entries.append(entry)
        try:
            response = aws_client("events").put_events(Entries=entries)
        except Exception:
            failed += [key for key, _ in chunk]
            continue
        results = zip(chunk, response["Entries"], strict=True)
        failed += [key for (key, _), result in results if result.get("ErrorCode")]
    return failed
