"""What AWS does between resources and moto does not, done the way AWS does it:
- EventBridge: rules match with moto's own EventPattern and deliver to Lambda and Step Functions
  targets; Lambda takes a rule's event as an asynchronous invocation (handing it over does not
  fail here, so the rule's retry policy and dead-letter queue, for events Lambda would not take,
  are never needed), and runs it with its own retries and on-failure destination;
- asynchronous invocations (rules, SES, `InvocationType: Event`): the first try and the
  function's MaximumRetryAttempts more, then a record of the failure on its on-failure queue,
  as Lambda writes it;
- DynamoDB streams: the table's stream is read through the public streams API and handed to its
  consumers with their filter criteria, batch size, partial batch failures and on-failure queue;
- SQS event sources: queues are polled and their messages handed to the consumer in batches,
  with partial batch failures. As Lambda's poller does, a message taken is invisible to any other
  consumer for the queue's VisibilityTimeout, deleted when it succeeded, and left to come back
  once that timeout has passed when it failed; the queue's own redrive policy (in moto) moves it
  to its DLQ on the receive after maxReceiveCount.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.dynamodb.models import dynamodb_backends

from infra.local.deployment import Deployment, QueueSubscription, RuleTarget, StreamSubscription
from infra.local.lambdas import FunctionCrashed
from infra.local.template import ACCOUNT

Job = Callable[[], None]
#: batches one poll hands to a queue's consumer at most, one after the other (Lambda's poller
#: would run them side by side)
QUEUE_BATCHES_PER_POLL = 50


class Delivery:
    """Delivers events, stream records and queued messages of one deployment to their targets.
    `invoke(function, event)` runs a function now; `submit(job)` runs a job now (synchronous
    mode) or on a worker."""

    def __init__(self, deployed: Deployment, client: Callable[[str], Any], invoke: Callable[[str, Any], Any],
                 submit: Callable[[Job], None], *, synchronous: bool) -> None:
        self.deployed = deployed
        self.client = client
        self.invoke = invoke
        self.submit = submit
        self.synchronous = synchronous
        self._shards: dict[str, str] = {}

    # ------------------------------------------------------------ EventBridge

    def route_event(self, bus: str, event: dict[str, Any]) -> None:
        """Called for every event moto accepted on a bus: deliver it to each matching rule target."""
        for rule in self.deployed.rules:
            if rule.bus == bus and rule.pattern.matches_event(event):
                if rule.kind == "lambda":
                    self.submit(lambda rule=rule: self.invoke_async(rule.target, event))
                else:
                    self.submit(lambda rule=rule: self._start_execution(rule, event))

    def _start_execution(self, rule: RuleTarget, event: dict[str, Any]) -> None:
        sfn = self.client("stepfunctions")
        with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=rule.target, name=event["id"], input=json.dumps(event))

    def invoke_async(self, function: str, event: Any) -> None:
        """An asynchronous invocation, as Lambda runs one: tried, retried MaximumRetryAttempts
        times, then recorded on the function's on-failure queue (or dropped, as Lambda drops it
        when there is none)."""
        spec = self.deployed.functions[function]
        tries = spec.async_retries + 1
        for attempt in range(tries):
            try:
                self.invoke(function, event)
                return
            except FunctionCrashed as crash:
                last = crash
                if not self.synchronous:
                    time.sleep(min(0.05 * 2 ** attempt, 1.0))
        if spec.on_failure_arn:
            self.send_to_queue(spec.on_failure_arn, {
                "version": "1.0", "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": f"{spec.arn}:$LATEST",
                                   "condition": "RetriesExhausted", "approximateInvokeCount": tries},
                "requestPayload": event,
                "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                "responsePayload": last.payload}, {})

    def send_to_queue(self, queue_arn: str, body: Any, attributes: dict[str, str]) -> None:
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str),
                         MessageAttributes={k: {"DataType": "String", "StringValue": v[:1000]}
                                            for k, v in attributes.items()})

    # ------------------------------------------------------------ DynamoDB streams

    def poll_streams(self) -> bool:
        """Hand new stream records to their consumers; True when anything was handed over."""
        moved = False
        for subscription in self.deployed.streams:
            moved |= self._poll_stream(subscription)
        return moved

    def _poll_stream(self, sub: StreamSubscription) -> bool:
        if not has_records_after(sub.stream_arn, sub.checkpoint):
            return False  # what reading it would find, without the requests (settle() asks every round)
        # a fresh iterator every time: moto undoes a failed transaction by restoring a copy of the
        # table, and an iterator kept from before would go on reading the discarded stream
        records = self.stream_records(sub.stream_arn, after=sub.checkpoint)
        if not records:
            return False
        batch = []
        for record in records:
            record = json.loads(json.dumps({**record, "eventSourceARN": sub.stream_arn}, default=_epoch))
            if not sub.filters or any(f.matches_event(record) for f in sub.filters):
                batch.append(record)
            if len(batch) == sub.batch_size:
                break
        last_seen = (batch[-1] if len(batch) == sub.batch_size else records[-1])["dynamodb"]["SequenceNumber"]
        if not batch:
            sub.checkpoint = last_seen
            return False
        failed_from = self._deliver_stream_batch(sub, batch)
        if failed_from is None:
            sub.checkpoint, sub.failed_attempts = last_seen, 0
            return True
        sub.failed_attempts += 1
        if 0 <= sub.max_retries < sub.failed_attempts:
            # retries exhausted: record the batch on the on-failure destination and move on
            if sub.on_failure_arn:
                self.send_to_queue(sub.on_failure_arn, {"DDBStreamBatchInfo": {
                    "streamArn": sub.stream_arn, "batchSize": len(batch),
                    "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                    "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"]}},
                    {"ERROR_MESSAGE": "retries exhausted"})
            sub.checkpoint, sub.failed_attempts = last_seen, 0
            return True
        # resume just before the first failed record, as Lambda does with ReportBatchItemFailures
        index = next(i for i, rec in enumerate(batch) if rec["dynamodb"]["SequenceNumber"] == failed_from)
        sub.checkpoint = batch[index - 1]["dynamodb"]["SequenceNumber"] if index else sub.checkpoint
        return True

    def _deliver_stream_batch(self, sub: StreamSubscription, batch: list[dict]) -> str | None:
        """Invoke the consumer; the sequence number to retry from, or None when all succeeded."""
        try:
            response = self.invoke(sub.function, {"Records": batch})
        except FunctionCrashed:
            return batch[0]["dynamodb"]["SequenceNumber"]
        failures = (response or {}).get("batchItemFailures", []) if sub.report_item_failures else []
        if not failures:
            return None
        failed = {f["itemIdentifier"] for f in failures}
        return next(r["dynamodb"]["SequenceNumber"] for r in batch if r["dynamodb"]["SequenceNumber"] in failed)

    def _shard(self, stream_arn: str) -> str:
        if stream_arn not in self._shards:
            description = self.client("dynamodbstreams").describe_stream(StreamArn=stream_arn)["StreamDescription"]
            self._shards[stream_arn] = description["Shards"][0]["ShardId"]
        return self._shards[stream_arn]

    def stream_records(self, stream_arn: str, *, after: str | None, limit: int = 1000) -> list[dict[str, Any]]:
        """Stream records after a sequence number (from the start when None), as GetRecords answers
        them. Read off moto's shard in this process, as `has_records_after` reads it: the API
        serialises every record to the wire and parses it back, which cost a stream's consumers most
        of their time (the records are copies: a consumer may change what it is handed)."""
        records = shard_records(stream_arn, after=after, limit=limit)
        if records is None:  # no such table or stream: the streams API answers
            position = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                        if after else {"ShardIteratorType": "TRIM_HORIZON"})
            streams = self.client("dynamodbstreams")
            iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=self._shard(stream_arn),
                                                  **position)["ShardIterator"]
            return streams.get_records(ShardIterator=iterator, Limit=limit)["Records"]
        return records

    # ------------------------------------------------------------ SQS event sources

    def poll_queues(self) -> bool:
        """Hand waiting messages to their consumers, as Lambda's SQS poller does; True when
        anything was handed over. A message that fails comes back after the queue's visibility
        timeout (the queue's redrive policy moves it to its DLQ after maxReceiveCount receives).
        Each queue is read until it is empty or QUEUE_BATCHES_PER_POLL batches went out (messages
        a consumer sends to its own queue, the billing run's next pages, go out in the same poll)."""
        moved = False
        for sub in self.deployed.queues:
            for _ in range(QUEUE_BATCHES_PER_POLL):
                if not self._poll_queue(sub):
                    break
                moved = True
        return moved

    def _poll_queue(self, sub: QueueSubscription) -> bool:
        sqs = self.client("sqs")
        messages: list[dict[str, Any]] = []
        while len(messages) < sub.batch_size:
            received = sqs.receive_message(
                QueueUrl=sub.queue_url, MaxNumberOfMessages=min(10, sub.batch_size - len(messages)),
                AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not received:
                break
            messages += received
        if not messages:
            return False
        region = sub.queue_arn.split(":")[3]
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": sub.queue_arn,
                    "awsRegion": region} for m in messages]
        try:
            response = self.invoke(sub.function, {"Records": records})
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])} \
                if sub.report_item_failures else set()
        except FunctionCrashed:
            failed = {r["messageId"] for r in records}
        for record in records:
            if record["messageId"] not in failed:  # a failed one waits out its visibility timeout
                sqs.delete_message(QueueUrl=sub.queue_url, ReceiptHandle=record["receiptHandle"])
        return True


def has_records_after(stream_arn: str, sequence_number: str | None) -> bool:
    """Whether a table's stream holds a record after `sequence_number` (any record, when None),
    read off moto's shard in this process: it numbers its records from its starting sequence
    number on, one by one, as GetRecords reads them (guarded by test_moto_internals). Unknown
    (no such table or stream): True, and the streams API answers."""
    shard = _shard_of(stream_arn)
    if shard is None:
        return True
    if sequence_number is None:
        return len(shard.items) > 0
    return int(sequence_number) + 1 - shard.starting_sequence_number < len(shard.items)


def shard_records(stream_arn: str, *, after: str | None, limit: int) -> list[dict[str, Any]] | None:
    """What GetRecords answers from the record after `after` (from the start when None), read off
    moto's shard in this process, as copies (guarded by test_moto_internals); None without the
    table or its stream."""
    shard = _shard_of(stream_arn)
    if shard is None:
        return None
    start = int(after) + 1 - shard.starting_sequence_number if after else 0
    return [_wire(record) for record in shard.items[start:start + limit]]


def _shard_of(stream_arn: str) -> Any:
    """Moto's shard of a table's stream in this process (the table as it is now: moto restores a copy
    of it when a transaction fails), or None without such a table or stream."""
    region, _, rest = stream_arn.split(":", 5)[3:]
    table = dynamodb_backends[ACCOUNT][region].tables.get(rest.split("/")[1])
    return getattr(table, "stream_shard", None)


def _wire(record: Any) -> dict[str, Any]:
    """A stream record as GetRecords answers it: a copy, its moment of creation in UTC to the
    millisecond (as the wire carries it)."""
    answer = copy.deepcopy(record.to_json())
    moment = answer["dynamodb"]["ApproximateCreationDateTime"]
    if isinstance(moment, datetime):
        answer["dynamodb"]["ApproximateCreationDateTime"] = moment.replace(
            microsecond=moment.microsecond // 1000 * 1000, tzinfo=moment.tzinfo or UTC)
    return answer


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"not JSON: {type(value).__name__}")
