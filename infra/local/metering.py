"""What AWS would bill for what the local cloud serves, counted while a Meter is switched on (the
bench's cost figures, bench/cost.py). Nothing here runs unless switched on, and the application's
code does not know of it: the meter patches the places where the local cloud dispatches work.

- Lambda (`lambdas.Function.invoke`): each invocation, the function's MemorySize from the template,
  its duration as measured here, in this process (billed per millisecond, rounded up), whether an
  execution environment started for it, and what it logs: every line a `logging.StreamHandler`
  writes and everything printed (Powertools' EMF metrics), plus the two lines Lambda itself writes
  per invocation in the JSON log format (`platform.start`, `platform.report`);
- API Gateway: an invocation with a REST proxy event is one API request, and one access log line in
  the template's format;
- every AWS API call made through botocore while the meter is on, in any thread (the functions', and
  the local cloud's own deliveries where AWS would make the same call): DynamoDB in read and write
  request units worked out from the items' sizes, as DynamoDB does; SQS requests in 64 KB chunks;
  EventBridge entries in 64 KB chunks; Step Functions executions started (their state transitions
  read from the history when the reading ends); Secrets Manager calls; SES mails, SNS texts, S3
  requests and Cognito calls.

The arithmetic (item sizes, units, chunks) is in plain functions of its own, tested by hand-worked
numbers in tests/unit/test_metering.py.
"""

from __future__ import annotations

import builtins
import contextlib
import gzip
import json
import logging
import math
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest import mock

from botocore.client import BaseClient
from moto.dynamodb.models import dynamodb_backends

from infra.local import dynamodb
from infra.local.lambdas import Function
from infra.local.template import ACCOUNT

KB = 1024
#: a read request unit reads 4 KB, a write request unit writes 1 KB (DynamoDB's sizes are binary)
READ_UNIT_BYTES = 4 * KB
WRITE_UNIT_BYTES = KB
#: SQS, EventBridge: each 64 KB chunk of a request's payload is billed as one request or event
CHUNK_BYTES = 64 * KB
#: DynamoDB stores 100 bytes of overhead per item (and per index entry) besides its attributes
STORED_ITEM_OVERHEAD = 100
#: kept of what functions log, to work out how well CloudWatch Logs compresses it
LOG_SAMPLE_BYTES = 4 * 1024 * 1024


# ------------------------------------------------------------------ the arithmetic


def _number_size(text: str) -> int:
    """A number's size: 1 byte per two significant digits, plus 1 (leading and trailing zeros
    are not significant)."""
    digits = Decimal(text).normalize().as_tuple().digits
    significant = str(int("".join(map(str, digits)) or "0")).rstrip("0") or "0"
    return math.ceil(len(significant) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's JSON ({"S": ...}, {"N": ...}, {"M": {...}}...),
    without its name, as DynamoDB counts it: strings in UTF-8 bytes, binary in raw bytes, numbers
    by significant digits, a boolean or null 1 byte, a list or map 3 bytes plus 1 byte and the size
    of each element (a map's element with its name), a set the sum of its elements."""
    (kind, content), = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in content)
    if kind == "NS":
        return sum(_number_size(n) for n in content)
    if kind == "BS":
        return sum(len(b) for b in content)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in content)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in content.items())
    raise ValueError(f"not a DynamoDB attribute value: {kind}")


def item_size(item: dict[str, dict[str, Any]] | None) -> int:
    """An item's size: the sum of its attribute names (UTF-8) and values (0 for no item)."""
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def read_units(size: int, *, consistent: bool = False, transactional: bool = False) -> float:
    """Read request units of reading `size` bytes: one per started 4 KB strongly consistent, half
    of that eventually consistent, twice that in a transaction; at least one 4 KB block."""
    blocks = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write request units of writing `size` bytes: one per started 1 KB (at least one), twice
    that in a transaction."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES)) * (2 if transactional else 1)


def chunks(payload_bytes: int) -> int:
    """Requests (SQS) or events (EventBridge) billed for a payload: one per started 64 KB."""
    return max(1, math.ceil(payload_bytes / CHUNK_BYTES))


def sqs_payload(message: dict[str, Any]) -> int:
    """An SQS message's payload: its body and its attributes (name, data type and value)."""
    size = len(str(message.get("MessageBody", message.get("Body", ""))).encode())
    for name, attribute in (message.get("MessageAttributes") or {}).items():
        value = attribute.get("StringValue", attribute.get("BinaryValue", b""))
        size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode()) + len(
            value if isinstance(value, bytes) else str(value).encode())
    return size


def event_entry_size(entry: dict[str, Any]) -> int:
    """A PutEvents entry's size as EventBridge counts it: Time (14 bytes when given), Source,
    DetailType, Detail and each Resources entry in UTF-8."""
    size = 14 if entry.get("Time") else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name, "")).encode())
    return size + sum(len(str(r).encode()) for r in entry.get("Resources") or [])


def billed_ms(duration_ms: float) -> int:
    """Lambda bills duration per millisecond, rounded up."""
    return max(1, math.ceil(duration_ms))


def gb_seconds(memory_mb: int, billed: int) -> float:
    """GB-seconds of `billed` milliseconds at `memory_mb` (Lambda's GB is 1024 MB)."""
    return memory_mb / 1024 * billed / 1000


def compression(lines: list[str], chunk: int = CHUNK_BYTES) -> float | None:
    """Compressed / raw size of log lines stored as CloudWatch Logs stores them (gzip level 6), a
    batch of about 64 KB at a time: a function's batch holds its own lines, not the whole day's."""
    text = "".join(lines).encode()
    if not text:
        return None
    packed = sum(len(gzip.compress(text[i:i + chunk], compresslevel=6)) for i in range(0, len(text), chunk))
    return round(packed / len(text), 3)


# ------------------------------------------------------------------ what one reading holds


@dataclass
class Reading:
    """Every billable unit counted while a reading was open (one flow, say)."""

    name: str
    #: flat billable units: "lambda.requests", "dynamodb.wru", "sqs.requests", ...
    units: Counter[str] = field(default_factory=Counter)
    #: the same units per function they were counted in ("-": outside any, such as Lambda's pollers
    #: receiving from a queue, or an execution's transitions)
    functions: dict[str, Counter[str]] = field(default_factory=dict)
    #: per DynamoDB operation: calls, rru, wru
    dynamodb: dict[str, Counter[str]] = field(default_factory=dict)
    #: per other AWS operation ("sqs.SendMessageBatch"): calls
    calls: Counter[str] = field(default_factory=Counter)
    executions: list[str] = field(default_factory=list)
    log_sample: list[str] = field(default_factory=list)
    log_sample_bytes: int = 0

    def log_compression(self) -> float | None:
        """Compressed / raw size of what was logged (see `compression`)."""
        return compression(self.log_sample)

    def as_dict(self) -> dict[str, Any]:
        return {"units": _rounded(self.units),
                "functions": {name: _rounded(c) for name, c in sorted(self.functions.items())},
                "dynamodb_operations": {name: _rounded(c) for name, c in sorted(self.dynamodb.items())},
                "other_calls": dict(sorted(self.calls.items())), "log_compression": self.log_compression()}


def _rounded(counter: Counter[str]) -> dict[str, float | int]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in sorted(counter.items())}


# ------------------------------------------------------------------ the meter


class _Invocation:
    def __init__(self, function: str) -> None:
        self.function = function
        self.log_bytes = 0
        self.log_lines = 0


class Meter:
    """Switched on as a context manager over a running local cloud; `reading(name)` collects what
    happens until its block ends. Only one reading is open at a time (the bench's flows run one
    after another); what happens while none is open is not counted."""

    def __init__(self, cloud: Any, *, for_good_after_months: float | None = None) -> None:
        """`for_good_after_months`: an item the table's TTL keeps longer than this counts as kept for
        good (the bench's customer is that many months into the tenure: a seven years' invoice is
        there as long as the customer has been one)."""
        self.cloud = cloud
        self.for_good_after_months = for_good_after_months
        self._lock = threading.Lock()
        self._current: Reading | None = None
        self._local = threading.local()
        self._exit = contextlib.ExitStack()
        api = next(iter(cloud.resolver.resources("AWS::Serverless::Api").values()), {})
        setting = cloud.resolver.resolve(api.get("Properties", {}).get("AccessLogSetting", {}))
        self.access_log_format = " ".join(str(setting.get("Format", "")).split())

    # ---------------------------------------------------------- switching on and reading

    def __enter__(self) -> Meter:
        meter = self
        invoke, call, emit, printing = Function.invoke, BaseClient._make_api_call, logging.StreamHandler.emit, print

        def metered_invoke(function: Function, event: Any) -> Any:
            return meter._invoke(invoke, function, event)

        def metered_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            return meter._call(call, client, operation, params)

        def metered_emit(handler: logging.StreamHandler, record: logging.LogRecord) -> None:  # type: ignore[type-arg]
            meter._emit(emit, handler, record)

        def metered_print(*args: Any, **kwargs: Any) -> None:
            meter._print(printing, *args, **kwargs)

        for owner, name, replacement in ((Function, "invoke", metered_invoke),
                                         (BaseClient, "_make_api_call", metered_call),
                                         (logging.StreamHandler, "emit", metered_emit),
                                         (builtins, "print", metered_print)):
            self._exit.enter_context(mock.patch.object(owner, name, replacement))
        return self

    def __exit__(self, *_: object) -> None:
        self._exit.close()

    @contextlib.contextmanager
    def reading(self, name: str) -> Iterator[Reading]:
        """Counts everything until the block ends (settle the cloud inside it, so the flow's
        consequences are in); then the state transitions of the executions it started."""
        reading = Reading(name)
        with self._lock:
            if self._current is not None:
                raise RuntimeError(f"a reading is open already: {self._current.name}")
            self._current = reading
        try:
            yield reading
        finally:
            with self._lock:
                self._current = None
        for arn in reading.executions:
            transitions = state_transitions(self.cloud.client("stepfunctions"), arn)
            reading.units["sfn.transitions"] += transitions
            reading.functions.setdefault("-", Counter())["sfn.transitions"] += transitions

    def _add(self, units: dict[str, float], *, by: str | None = None, **details: Any) -> None:
        """Count `units` in the open reading, for the function `by` (by default the one this thread
        serves now)."""
        if by is None:
            stack = self._stack()
            by = stack[-1].function if stack else "-"
        with self._lock:
            reading = self._current
            if reading is None:
                return
            reading.units.update(units)
            if units:
                reading.functions.setdefault(by, Counter()).update(units)
            if "operation" in details:
                reading.dynamodb.setdefault(details["operation"], Counter()).update(details["operation_units"])
            if "call" in details:
                reading.calls[details["call"]] += 1
            if "execution" in details:
                reading.executions.append(details["execution"])
            if "log" in details and reading.log_sample_bytes < LOG_SAMPLE_BYTES:
                reading.log_sample.append(details["log"])
                reading.log_sample_bytes += len(details["log"])

    # ---------------------------------------------------------- Lambda and API Gateway

    def _stack(self) -> list[_Invocation]:
        if not hasattr(self._local, "stack"):
            self._local.stack = []
        stack: list[_Invocation] = self._local.stack
        return stack

    def _invoke(self, invoke: Any, function: Function, event: Any) -> Any:
        environments = function.environments
        invocation = _Invocation(function.name)
        self._stack().append(invocation)
        started = time.perf_counter()
        result: Any = None
        try:
            result = invoke(function, event)
            return result
        finally:
            duration = (time.perf_counter() - started) * 1000
            self._stack().pop()
            billed = billed_ms(duration)
            gb_s = gb_seconds(function.memory, billed)
            cold = int(function.environments > environments)
            platform = platform_log_lines(function.memory, duration, billed, cold=bool(cold))
            units: dict[str, float] = {
                "lambda.requests": 1, "lambda.billed_ms": billed, "lambda.gb_s": gb_s, "lambda.cold_starts": cold,
                "logs.function_bytes": invocation.log_bytes, "logs.platform_bytes": sum(map(len, platform)),
                "logs.events": invocation.log_lines + len(platform)}
            if _is_api_event(event):
                line = self.access_log_line(event, result, duration)
                units.update({"apigateway.requests": 1, "logs.access_bytes": len(line.encode()), "logs.events": 1
                              + units["logs.events"]})
                self._add({}, log=line + "\n")
            self._add({}, log="".join(platform))
            self._add(units, by=function.name)

    def access_log_line(self, event: dict[str, Any], result: Any, duration_ms: float) -> str:
        """The API's access log line for this request, in the template's AccessLogSetting format."""
        context = event.get("requestContext") or {}
        answer = result if isinstance(result, dict) else {}
        values = {"requestId": context.get("requestId", ""), "identity.sourceIp": context.get("identity", {}).get(
            "sourceIp", ""), "requestTime": context.get("requestTime", ""), "httpMethod": context.get("httpMethod", ""),
            "resourcePath": context.get("resourcePath", ""), "status": str(answer.get("statusCode", 502)),
            "responseLength": str(len(str(answer.get("body") or "").encode())),
            "responseLatency": str(round(duration_ms))}
        return re.sub(r"\$context\.([A-Za-z.]+)", lambda m: values.get(m.group(1), "-"), self.access_log_format)

    # ---------------------------------------------------------- logs

    def _emit(self, emit: Any, handler: logging.StreamHandler, record: logging.LogRecord) -> None:  # type: ignore[type-arg]
        stack = self._stack()
        if not stack:
            emit(handler, record)
            return
        # the handler's lock is held (Handler.handle): its stream can be swapped for this record
        stream = handler.stream
        counted = _CountingStream(stream)
        handler.stream = counted
        try:
            emit(handler, record)
        finally:
            handler.stream = stream
        self._logged(stack[-1], counted.text)

    def _print(self, printing: Any, *args: Any, **kwargs: Any) -> None:
        stack = self._stack()
        target = kwargs.get("file")
        if stack and target in (None, sys.stdout, sys.stderr):
            text = kwargs.get("sep", " ").join(map(str, args)) + kwargs.get("end", "\n")
            self._logged(stack[-1], text)
        printing(*args, **kwargs)

    def _logged(self, invocation: _Invocation, text: str) -> None:
        size = len(text.encode())
        invocation.log_bytes += size
        invocation.log_lines += max(1, text.count("\n"))
        self._add({}, log=text)

    # ---------------------------------------------------------- AWS API calls

    def _call(self, call: Any, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if service == "dynamodb":
            return self._dynamodb(call, client, operation, params)
        response = call(client, operation, params)
        units = service_units(service, operation, params, response)
        if not units:  # free, or the local cloud's own bookkeeping (settling, reading the stream)
            return response
        details: dict[str, Any] = {"call": f"{service}.{operation}"}
        if service == "stepfunctions" and operation == "StartExecution":
            details["execution"] = response["executionArn"]
        self._add(units, **details)
        return response

    def _dynamodb(self, call: Any, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        tables = _Tables(client.meta.region_name)
        writes = _written_keys(operation, params)
        before = [tables.item(table, key) for table, key, _ in writes]
        try:
            response = call(client, operation, params)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
            # a failed condition still costs the write (of the item as it stands, at least 1 KB)
            failed = write_units(max((item_size(item) for item in before), default=0)) if writes else 0
            self._add({"dynamodb.wru": failed, "dynamodb.requests": 1}, operation=f"{operation} ({code or 'failed'})",
                      operation_units={"calls": 1, "wru": failed})
            raise
        rru, wru, stored, expires, kept_months = 0.0, 0, 0, 0, 0.0
        if writes:
            after = [tables.item(table, key) for table, key, _ in writes]
            for (table, _, kind), old, new in zip(writes, before, after, strict=True):
                transactional = operation == "TransactWriteItems"
                if kind == "ConditionCheck":
                    wru += write_units(item_size(old), transactional=True)
                    continue
                wru += write_units(max(item_size(old), item_size(new)), transactional=transactional)
                indexes = tables.indexes(table)
                wru += index_write_units(indexes, old, new)
                delta = stored_delta(old, new) + index_stored_delta(indexes, old, new)
                months = kept_for_months(new if expiring(new) else old)
                if months is None or (self.for_good_after_months is not None and months > self.for_good_after_months):
                    stored += delta
                elif months <= 1:
                    expires += delta
                else:
                    kept_months += delta * months
        else:
            rru = tables.read_units(operation, params, response)
        self._add({"dynamodb.rru": rru, "dynamodb.wru": wru, "dynamodb.requests": 1, "dynamodb.stored_bytes": stored,
                   "dynamodb.expiring_bytes": expires, "dynamodb.kept_byte_months": kept_months},
                  operation=operation, operation_units={"calls": 1, "rru": rru, "wru": wru})
        return response


class _CountingStream:
    """A stream that passes writes on and keeps what was written."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return int(self._stream.write(text) or 0)

    def flush(self) -> None:
        self._stream.flush()


def _is_api_event(event: Any) -> bool:
    return isinstance(event, dict) and "httpMethod" in event and "requestContext" in event


def platform_log_lines(memory_mb: int, duration_ms: float, billed: int, *, cold: bool) -> list[str]:
    """The lines Lambda writes per invocation in the JSON log format with active tracing: the
    `platform.start` and `platform.report` records (the plain-text START and REPORT)."""
    request_id, now = str(uuid.uuid4()), datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    trace = {"spanId": uuid.uuid4().hex[:16], "type": "X-Amzn-Trace-Id",
             "value": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=1"}
    metrics: dict[str, Any] = {"durationMs": round(duration_ms, 2), "billedDurationMs": billed,
                               "memorySizeMB": memory_mb, "maxMemoryUsedMB": 98}
    if cold:
        metrics["initDurationMs"] = 412.35
    start = {"time": now, "type": "platform.start", "record": {"requestId": request_id, "version": "$LATEST",
                                                               "tracing": trace}}
    report = {"time": now, "type": "platform.report", "record": {"requestId": request_id, "metrics": metrics,
                                                                 "tracing": trace, "status": "success"}}
    return [json.dumps(start, separators=(",", ":")) + "\n", json.dumps(report, separators=(",", ":")) + "\n"]


def service_units(service: str, operation: str, params: dict[str, Any], response: dict[str, Any]) -> dict[str, float]:
    """The billable units of one AWS API call other than DynamoDB's."""
    if service == "sqs":
        if operation == "SendMessage":
            payload = sqs_payload(params)
            return {"sqs.requests": chunks(payload), "sqs.messages": 1, "sqs.bytes": payload}
        if operation == "SendMessageBatch":
            payload = sum(sqs_payload(e) for e in params.get("Entries", []))
            return {"sqs.requests": chunks(payload), "sqs.messages": len(params.get("Entries", [])),
                    "sqs.bytes": payload}
        if operation == "ReceiveMessage":
            messages = response.get("Messages") or []
            if not messages:  # an empty poll: Lambda's pollers make these whether or not anything comes
                return {"sqs.empty_receives": 1}
            # Lambda's poller deletes what one receive took in one DeleteMessageBatch (the local cloud
            # deletes them one by one: those calls are not counted again)
            return {"sqs.requests": chunks(sum(sqs_payload(m) for m in messages)) + 1}
        if operation in ("DeleteMessage", "GetQueueUrl", "GetQueueAttributes"):
            return {}
        return {"sqs.requests": 1}
    if service == "events" and operation == "PutEvents":
        sizes = [event_entry_size(e) for e in params.get("Entries", [])]
        return {"eventbridge.events": sum(chunks(s) for s in sizes), "eventbridge.bytes": sum(sizes)}
    if service == "stepfunctions" and operation == "StartExecution":
        return {"sfn.executions": 1}
    if service == "secretsmanager" and operation == "GetSecretValue":
        return {"secretsmanager.calls": 1}
    if service == "ses" and operation in ("SendEmail", "SendRawEmail", "SendTemplatedEmail"):
        destination = params.get("Destination") or {}
        recipients = sum(len(destination.get(k) or []) for k in ("ToAddresses", "CcAddresses", "BccAddresses"))
        return {"ses.messages": recipients or len(params.get("Destinations") or []) or 1}
    if service == "sns" and operation == "Publish":
        return {"sns.sms": 1} if params.get("PhoneNumber") else {"sns.publishes": 1}
    if service == "s3" and operation in ("PutObject", "CopyObject", "ListObjectsV2", "ListObjects"):
        return {"s3.put_requests": 1}
    if service == "s3" and operation in ("GetObject", "HeadObject"):
        return {"s3.get_requests": 1}
    if service == "cognito-idp":
        return {"cognito.calls": 1}
    return {}


def state_transitions(sfn: Any, execution_arn: str) -> int:
    """A Standard execution's billed state transitions: every state entered, and every retry of a
    task (a retry is a transition too)."""
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    entered = sum(1 for e in events if e["type"].endswith("StateEntered"))
    scheduled = sum(1 for e in events if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    tasks = sum(1 for e in events if e["type"] == "TaskStateEntered")
    return entered + max(0, scheduled - tasks)


def expiring(item: dict[str, Any] | None) -> bool:
    """An item the table's TTL (`expires_at`) takes away: kept days, weeks or months, not for good."""
    return bool(item and "expires_at" in item and "NULL" not in item["expires_at"])


#: a month as the storage figures count it
MONTH_S = 30 * 24 * 3600


def kept_for_months(item: dict[str, Any] | None) -> float | None:
    """How many months from now the table's TTL takes an item away, or None when it is kept for good."""
    if not expiring(item):
        return None
    assert item is not None
    return max(0.0, (float(item["expires_at"]["N"]) - time.time()) / MONTH_S)


def stored_delta(old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    """Bytes stored after a write less before it, with DynamoDB's 100 bytes per item."""
    def stored(item: dict[str, Any] | None) -> int:
        return item_size(item) + STORED_ITEM_OVERHEAD if item else 0
    return stored(new) - stored(old)


def index_write_units(indexes: list[list[str]], old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    """Writes to global secondary indexes that project every attribute (`indexes`: each one's key
    attributes) when an item changes from `old` to `new`: an entry put, changed or deleted is one
    write of its size; a changed index key deletes one entry and puts another; an item in neither
    image is not in the index and costs it nothing."""
    units = 0
    for keys in indexes:
        was = old is not None and all(k in old for k in keys)
        now = new is not None and all(k in new for k in keys)
        if was and now and all(old[k] == new[k] for k in keys):  # type: ignore[index]
            units += write_units(item_size(new))
        else:
            units += (write_units(item_size(old)) if was else 0) + (write_units(item_size(new)) if now else 0)
    return units


def index_stored_delta(indexes: list[list[str]], old: dict[str, Any] | None, new: dict[str, Any] | None) -> int:
    """Bytes the indexes store after a write less before it."""
    def entry(item: dict[str, Any] | None, keys: list[str]) -> dict[str, Any] | None:
        return item if item is not None and all(k in item for k in keys) else None
    return sum(stored_delta(entry(old, keys), entry(new, keys)) for keys in indexes)


# ------------------------------------------------------------------ DynamoDB: the items requests touch


def _written_keys(operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(table, key or item, kind) of every item a write request writes (empty for a read)."""
    if operation == "PutItem":
        return [(params["TableName"], params["Item"], "Put")]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"], operation.removesuffix("Item"))]
    if operation == "BatchWriteItem":
        return [(table, request["PutRequest"]["Item"], "Put") if "PutRequest" in request
                else (table, request["DeleteRequest"]["Key"], "Delete")
                for table, requests in params.get("RequestItems", {}).items() for request in requests]
    if operation == "TransactWriteItems":
        found = []
        for entry in params.get("TransactItems", []):
            (kind, body), = entry.items()
            found.append((body["TableName"], body.get("Item") or body["Key"], kind))
        return found
    return []


class _Tables:
    """The in-memory tables a request reads and writes, looked at as they stand."""

    def __init__(self, region: str) -> None:
        self.backend = dynamodb_backends[ACCOUNT][region]

    def table(self, name: str) -> Any:
        return self.backend.tables.get(name)

    def item(self, table_name: str, attributes: dict[str, Any]) -> dict[str, Any] | None:
        """The item a key names, as committed now, in DynamoDB's JSON (None: there is none)."""
        table = self.table(table_name)
        key = dynamodb.item_key(table, attributes)
        if table is None or key is None:
            return None
        found = dynamodb.LOCKS.reading(key, lambda: dynamodb.stored(table, key))
        return found.to_json()["Attributes"] if found is not None else None

    def indexes(self, table_name: str) -> list[list[str]]:
        """The key attributes of each of the table's global secondary indexes."""
        table = self.table(table_name)
        return [[k["AttributeName"] for k in index.schema] for index in (table.global_indexes or [])] if table else []

    def read_units(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            return read_units(item_size(self.item(params["TableName"], params["Key"])), consistent=consistent)
        if operation == "BatchGetItem":
            unprocessed = response.get("UnprocessedKeys") or {}
            return sum(read_units(item_size(self.item(table, key)), consistent=bool(spec.get("ConsistentRead")))
                       for table, spec in params.get("RequestItems", {}).items() for key in spec.get("Keys", [])
                       if key not in (unprocessed.get(table) or {}).get("Keys", []))
        if operation == "TransactGetItems":
            return sum(read_units(item_size(self.item(g["Get"]["TableName"], g["Get"]["Key"])), transactional=True)
                       for g in params.get("TransactItems", []))
        if operation in ("Query", "Scan"):
            return self._query_units(params, response, consistent and not params.get("IndexName"))
        return 0.0

    def _query_units(self, params: dict[str, Any], response: dict[str, Any], consistent: bool) -> float:
        """A Query or Scan reads every item it looks at (before any filter) and is billed on their
        sizes summed, per started 4 KB. Items answered in part (a projection) are sized whole."""
        returned = response.get("Items") or []
        partial = bool(params.get("ProjectionExpression") or params.get("AttributesToGet")) or params.get(
            "Select") not in (None, "ALL_ATTRIBUTES")
        table = self.table(params["TableName"])
        sizes = []
        for item in returned:
            whole = self.item(params["TableName"], {k: item[k] for k in (table.hash_key_attr, table.range_key_attr)
                                                    if k and k in item}) if partial and table else item
            sizes.append(item_size(whole or item))
        read = sum(sizes)
        filtered_out = int(response.get("ScannedCount", len(returned))) - len(returned)
        if filtered_out > 0 and sizes:  # items a filter dropped were read too: sized as the average kept
            read += filtered_out * read // len(sizes)
        return read_units(read, consistent=consistent)
