"""Work handed to an SQS queue as JSON messages, ten a request (SQS's most): the one way the
billing run and mailings put their pages on their queues."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from opencounter.core.aws import aws_client
from opencounter.core.settings import settings


def enqueue(queue_setting: str, works: Iterable[dict[str, Any]]) -> None:
    """Put `works` on the queue whose URL is the setting `queue_setting` (refused unset); a
    message the queue refuses raises, so the caller's own retry sends it again."""
    sqs, url = aws_client("sqs"), settings().required(queue_setting)
    for batch in _tens(works):
        answer = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": json.dumps(work)} for n, work in enumerate(batch)])
        if answer.get("Failed"):
            raise RuntimeError(f"{queue_setting}: the queue refused messages: {answer['Failed']}")


def _tens(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == 10:
            yield batch
            batch = []
    if batch:
        yield batch
