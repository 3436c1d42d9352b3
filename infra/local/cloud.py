"""The local cloud: template.yaml running in moto's in-memory AWS, with our functions in-process.

What AWS does between resources and moto does not, this module does, the way AWS does it:
- Lambda: every function in the template exists in moto and its invocations (by API Gateway,
  EventBridge, the table stream, Step Functions tasks or `lambda.invoke`) run our handler here;
- EventBridge: rules from the template match with moto's own EventPattern and deliver to Lambda
  and Step Functions targets, with the target's retry policy and dead-letter queue;
- DynamoDB streams: the table's stream is read through the public streams API and handed to its
  consumers with their filter criteria, batch size, partial batch failures and on-failure queue;
- SQS event sources: queues are polled and their messages handed to the consumer in batches,
  with partial batch failures; the queue's own redrive policy (in moto) moves poison to its DLQ;
- Step Functions: moto's interpreter runs the ASL for real (execute_state_machine).

`synchronous=True` (tests) runs every consequence of a request before the request returns;
otherwise (make run) deliveries happen on background workers, as they would in AWS.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import queue
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from moto.events.models import EventPattern

from infra.local import patches
from infra.local.template import ACCOUNT, ROOT, TEMPLATE, Resolver, load_template
from opencounter.core.settings import settings

#: an execution waiting longer than this is parked: settle() does not wait for it
PARKED_AFTER_S = 5.0
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/opencounter-local-lambda"
STATES_ROLE = f"arn:aws:iam::{ACCOUNT}:role/opencounter-local-states"
MOTO_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}


class FunctionCrashed(Exception):
    """The handler raised: what Lambda reports as an Unhandled function error."""

    def __init__(self, function: str, error: BaseException) -> None:
        super().__init__(f"{function}: {type(error).__name__}: {error}")
        self.error = error
        self.payload = {"errorMessage": str(error), "errorType": type(error).__name__,
                        "stackTrace": traceback.format_exception(error)}


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Function:
    """One AWS::Serverless::Function, run in this process like a warm Lambda."""

    name: str
    code_dir: Path
    handler_path: str
    environment: dict[str, str]
    memory: int
    timeout: int
    arn: str = ""
    _handler: Callable | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> Callable:
        with self._lock:
            if self._handler is None:
                module_name, attribute = self.handler_path.rsplit(".", 1)
                spec = importlib.util.spec_from_file_location(
                    f"opencounter_function_{self.name}", self.code_dir / f"{module_name}.py")
                module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
                spec.loader.exec_module(module)  # type: ignore[union-attr]
                self._handler = getattr(module, attribute)
            return self._handler

    def invoke(self, event: Any) -> Any:
        context = LambdaContext(self.name, self.arn, self.memory, self.timeout)
        try:
            return self.handler()(event, context)
        except Exception as error:
            raise FunctionCrashed(self.name, error) from error
        finally:
            if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
                _discard_metrics()


@dataclass
class RuleTarget:
    """A rule from the template and what it delivers to."""

    rule: str
    bus: str
    pattern: Any
    kind: str  # "lambda" | "states"
    target: str  # function name or state machine ARN
    max_retries: int
    dead_letter_arn: str | None


@dataclass
class QueueSubscription:
    """An SQS event source of a function."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int
    report_item_failures: bool


@dataclass
class StreamSubscription:
    """A DynamoDB stream event source of a function."""

    function: str
    stream_arn: str
    filters: list[Any]
    batch_size: int
    max_retries: int
    report_item_failures: bool
    on_failure_arn: str | None
    checkpoint: str | None = None
    failed_attempts: int = 0


class LocalCloud:
    """Builds template.yaml in moto and runs it. Use as a context manager or start()/stop()."""

    def __init__(self, *, synchronous: bool, template: Path = TEMPLATE, region: str = "eu-west-1",
                 parameters: dict[str, str] | None = None, environment: dict[str, str] | None = None,
                 workers: int = 4) -> None:
        """`environment` overrides the template's function variables (e.g. a quieter log level)."""
        self.synchronous = synchronous
        self.region = region
        self.resolver = Resolver(load_template(template), region, "opencounter-local", dict(parameters or {}))
        self.functions: dict[str, Function] = {}
        self.rules: list[RuleTarget] = []
        self.streams: list[StreamSubscription] = []
        self.queues: list[QueueSubscription] = []
        self.state_machines: dict[str, str] = {}
        self.definitions: dict[str, dict[str, Any]] = {}
        #: function name -> a fault run before its handler (or after it, when the fault has
        #: `after_work = True`); a fault that raises is a crash of that invocation
        self.faults: dict[str, Callable[[Any], None]] = {}
        self._work: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._busy = 0
        self._busy_lock = threading.Condition()
        self._stream_lock = threading.Lock()
        self._settle_lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._workers = workers
        self._exit = contextlib.ExitStack()
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._shards: dict[str, str] = {}
        self._mail: list[dict[str, str]] = []
        self._wake_times: dict[str, float] = {}
        self.environment = dict(environment or {})

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> LocalCloud:
        for name, value in {**MOTO_ENV, "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}.items():
            os.environ[name] = value
        os.environ.pop("AWS_ENDPOINT_URL", None)
        self._exit.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._exit.enter_context(patches.applied(self))
        self._create_resources()
        if not self.synchronous:
            for index in range(self._workers):
                self._spawn(self._work_loop, f"delivery-{index}")
            self._spawn(self._stream_loop, "stream-poller")
        return self

    def stop(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._work.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._exit.close()
        self._clients.clear()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def client(self, service: str) -> Any:
        """A client of the in-memory AWS, made once and shared (boto3 clients are thread-safe)."""
        with self._clients_lock:
            if service not in self._clients:
                # botocore now sends stream calls to account-based endpoints, which moto does not route
                endpoint = f"https://streams.dynamodb.{self.region}.amazonaws.com" \
                    if service == "dynamodbstreams" else None
                self._clients[service] = boto3.client(service, region_name=self.region, endpoint_url=endpoint)
            return self._clients[service]

    # ------------------------------------------------------------ building the template

    def _create_resources(self) -> None:
        r = self.resolver
        ddb, events, sqs = self.client("dynamodb"), self.client("events"), self.client("sqs")
        self._create_roles()
        for name, spec in r.resources("AWS::DynamoDB::Table").items():
            props = r.resolve(spec["Properties"])
            table = props.get("TableName", name)
            create = {k: props[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
                                            "LocalSecondaryIndexes", "StreamSpecification", "BillingMode",
                                            "SSESpecification") if k in props}
            if "SSESpecification" in create:  # CloudFormation says SSEEnabled where the API says Enabled
                create["SSESpecification"] = {"Enabled": bool(create["SSESpecification"].get("SSEEnabled"))}
            if "StreamSpecification" in create:
                create["StreamSpecification"] = {"StreamEnabled": True, **create["StreamSpecification"]}
            description = ddb.create_table(TableName=table, **create)["TableDescription"]
            if "TimeToLiveSpecification" in props:
                ddb.update_time_to_live(TableName=table, TimeToLiveSpecification=props["TimeToLiveSpecification"])
            r.physical[name] = table
            r.attributes[(name, "Arn")] = description["TableArn"]
            r.attributes[(name, "StreamArn")] = description.get("LatestStreamArn", "")
        for name, spec in r.resources("AWS::Events::EventBus").items():
            bus = r.resolve(spec["Properties"])["Name"]
            arn = events.create_event_bus(Name=bus)["EventBusArn"]
            r.physical[name], r.attributes[(name, "Arn")], r.attributes[(name, "Name")] = bus, arn, bus
        for name, spec in r.resources("AWS::Events::Archive").items():
            props = r.resolve(spec["Properties"])
            events.create_archive(ArchiveName=name, EventSourceArn=props["SourceArn"],
                                  RetentionDays=props.get("RetentionDays", 0))
            r.physical[name] = name
        # dead-letter queues first: a queue's redrive policy names its DLQ's ARN
        queues = sorted(r.resources("AWS::SQS::Queue").items(),
                        key=lambda item: "RedrivePolicy" in item[1].get("Properties", {}))
        for name, spec in queues:
            props = r.resolve(spec.get("Properties", {}))
            queue_name = props.get("QueueName", name)
            attributes = {k: json.dumps(props[k]) if isinstance(props[k], dict) else str(props[k])
                          for k in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy") if k in props}
            url = sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            r.physical[name], r.attributes[(name, "Arn")], r.attributes[(name, "QueueName")] = url, arn, queue_name
        for name, spec in r.resources("AWS::SES::EmailIdentity").items():
            address = r.resolve(spec["Properties"])["EmailIdentity"]
            self.client("ses").verify_email_identity(EmailAddress=address)
            r.physical[name] = address
        self._create_user_pools()
        for name, spec in r.resources("AWS::Events::Rule").items():
            props = r.resolve(spec["Properties"])
            bus = props.get("EventBusName", "default")
            arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]),
                                  Description=props.get("Description", ""))["RuleArn"]
            # moto puts events on SQS targets itself; other target kinds are not used by the template
            events.put_targets(Rule=name, EventBusName=bus, Targets=[
                {"Id": t["Id"], "Arn": t["Arn"]} for t in props.get("Targets", []) if ":sqs:" in t["Arn"]])
            r.physical[name], r.attributes[(name, "Arn")] = name, arn
        for name in r.resources("AWS::S3::Bucket"):
            bucket = f"opencounter-local-{name.lower()}"
            self.client("s3").create_bucket(Bucket=bucket,
                                            CreateBucketConfiguration={"LocationConstraint": self.region})
            r.physical[name], r.attributes[(name, "Arn")] = bucket, f"arn:aws:s3:::{bucket}"
        # what only grants or routes between resources the local cloud already wires in-process (SES's
        # receipt rule is played by the sandbox mail sender, which invokes the function itself)
        for kind in ("AWS::Serverless::LayerVersion", "AWS::Serverless::Api", "AWS::CloudWatch::Alarm",
                     "AWS::SQS::QueuePolicy", "AWS::CloudWatch::Dashboard", "AWS::S3::BucketPolicy",
                     "AWS::SES::ReceiptRuleSet", "AWS::SES::ReceiptRule", "AWS::Lambda::Permission"):
            for name in r.resources(kind):
                r.physical[name] = name
                r.attributes[(name, "Arn")] = f"arn:aws:local:{self.region}:{ACCOUNT}:{name}"
        for name, spec in r.resources("AWS::Serverless::Function").items():
            self._create_function(name, spec)
        for name, spec in r.resources("AWS::Serverless::StateMachine").items():
            self._create_state_machine(name, spec)
        # resolved last: a function's settings may name a state machine, whose tasks name functions
        self._export_environment()
        for name, spec in {**r.resources("AWS::Serverless::Function"),
                           **r.resources("AWS::Serverless::StateMachine")}.items():
            self._connect_events(name, spec)

    def _create_roles(self) -> None:
        iam = self.client("iam")
        for arn, service in ((LAMBDA_ROLE, "lambda"), (STATES_ROLE, "states")):
            iam.create_role(RoleName=arn.rsplit("/", 1)[-1], AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": f"{service}.amazonaws.com"}}]}))

    def _create_user_pools(self) -> None:
        """The user pool, its app client and groups, in moto's Cognito: logins created by the
        application (sign-up) live there, as they would in AWS."""
        r, idp = self.resolver, self.client("cognito-idp")
        for name, spec in r.resources("AWS::Cognito::UserPool").items():
            props = r.resolve(spec["Properties"])
            pool = idp.create_user_pool(PoolName=props.get("UserPoolName", name), Schema=props.get("Schema", []),
                                        UsernameAttributes=props.get("UsernameAttributes", []))["UserPool"]
            r.physical[name], r.attributes[(name, "Arn")] = pool["Id"], pool["Arn"]
        for name, spec in r.resources("AWS::Cognito::UserPoolClient").items():
            props = r.resolve(spec["Properties"])
            client = idp.create_user_pool_client(UserPoolId=props["UserPoolId"], ClientName=props["ClientName"],
                                                 ExplicitAuthFlows=props.get("ExplicitAuthFlows", []))
            r.physical[name] = client["UserPoolClient"]["ClientId"]
        for name, spec in r.resources("AWS::Cognito::UserPoolGroup").items():
            props = r.resolve(spec["Properties"])
            idp.create_group(GroupName=props["GroupName"], UserPoolId=props["UserPoolId"])
            r.physical[name] = props["GroupName"]

    def _create_function(self, name: str, spec: dict[str, Any]) -> None:
        r = self.resolver
        defaults = r.function_globals()
        props = spec["Properties"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "# runs in-process in the local cloud\n")
        arn = self.client("lambda").create_function(
            FunctionName=name, Runtime=props.get("Runtime", defaults.get("Runtime", "python3.13")),
            Role=LAMBDA_ROLE, Handler=props["Handler"], Code={"ZipFile": code.getvalue()},
        )["FunctionArn"]
        self.functions[name] = Function(
            name=name, code_dir=ROOT / props["CodeUri"], handler_path=props["Handler"], environment={},
            memory=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
            timeout=int(props.get("Timeout", defaults.get("Timeout", 3))), arn=arn,
        )
        r.physical[name], r.attributes[(name, "Arn")] = name, arn

    def _export_environment(self) -> None:
        """Functions share this process's environment, as warm Lambdas share nothing: so two
        functions may not give one variable different values (name them apart instead)."""
        r = self.resolver
        defaults = r.function_globals().get("Environment", {}).get("Variables", {})
        for name, spec in r.resources("AWS::Serverless::Function").items():
            own = spec["Properties"].get("Environment", {}).get("Variables", {})
            self.functions[name].environment = {k: str(v) for k, v in r.resolve({**defaults, **own}).items()}
        merged: dict[str, str] = {}
        for function in self.functions.values():
            for key, value in function.environment.items():
                if merged.setdefault(key, value) != value:
                    raise ValueError(f"environment variable {key} differs between functions; "
                                     "give each function's setting its own name")
        os.environ.update({**merged, **self.environment})
        # every function in this process reads the settings the template gives it, as at a cold start
        settings.cache_clear()

    def _create_state_machine(self, name: str, spec: dict[str, Any]) -> None:
        props = self.resolver.resolve(spec["Properties"])
        definition = (ROOT / props["DefinitionUri"]).read_text() if "DefinitionUri" in props \
            else json.dumps(props["Definition"])
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        machine = props.get("Name", name)
        arn = self.client("stepfunctions").create_state_machine(
            name=machine, definition=definition, roleArn=STATES_ROLE,
            type=props.get("Type", "STANDARD"))["stateMachineArn"]
        self.state_machines[name] = arn
        self.definitions[name] = json.loads(definition)
        self.resolver.physical[name] = arn
        self.resolver.attributes[(name, "Name")] = machine
        self.resolver.attributes[(name, "Arn")] = arn

    def _connect_events(self, name: str, spec: dict[str, Any]) -> None:
        kind = "states" if spec["Type"] == "AWS::Serverless::StateMachine" else "lambda"
        target = self.state_machines[name] if kind == "states" else name
        for event_name, event in spec["Properties"].get("Events", {}).items():
            props = self.resolver.resolve(event.get("Properties", {}))
            if event["Type"] == "EventBridgeRule":
                bus = props.get("EventBusName", "default")
                rule = f"{name}-{event_name}"
                self.client("events").put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]))
                self.rules.append(RuleTarget(
                    rule=rule, bus=bus, pattern=EventPattern.load(json.dumps(props["Pattern"])), kind=kind,
                    target=target, max_retries=int(props.get("RetryPolicy", {}).get("MaximumRetryAttempts", 185)),
                    dead_letter_arn=props.get("DeadLetterConfig", {}).get("Arn")))
            elif event["Type"] == "SQS":
                queue_name = props["Queue"].rsplit(":", 1)[-1]
                self.queues.append(QueueSubscription(
                    function=name, queue_url=self.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"],
                    queue_arn=props["Queue"], batch_size=int(props.get("BatchSize", 10)),
                    report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])))
            elif event["Type"] == "DynamoDB":
                filters = [EventPattern.load(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])]
                self.streams.append(StreamSubscription(
                    function=name, stream_arn=props["Stream"], filters=filters,
                    batch_size=int(props.get("BatchSize", 100)),
                    max_retries=int(props.get("MaximumRetryAttempts", -1)),
                    report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                    on_failure_arn=props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")))

    # ------------------------------------------------------------ Lambda

    def function(self, name_or_arn: str) -> Function:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        return self.functions[name]

    def invoke(self, name: str, event: Any) -> Any:
        """Run a function's handler now, in this thread (as a synchronous Lambda invocation)."""
        function = self.function(name)
        fault = self.faults.get(function.name)
        after = getattr(fault, "after_work", False)
        if fault is not None and not after:
            try:
                fault(event)
            except Exception as error:
                raise FunctionCrashed(function.name, error) from error
        result = function.invoke(event)
        if fault is not None and after:  # the work is done, then the process dies before answering
            try:
                fault(event)
            except Exception as error:
                raise FunctionCrashed(function.name, error) from error
        return result

    def invoke_async(self, name: str, event: Any) -> None:
        self._submit(lambda: self._deliver_with_retries(name, event, retries=2, dead_letter_arn=None))

    # ------------------------------------------------------------ EventBridge

    def route_event(self, bus: str, event: dict[str, Any]) -> None:
        """Called for every event moto accepted on a bus: deliver it to each matching rule target."""
        for rule in self.rules:
            if rule.bus == bus and rule.pattern.matches_event(event):
                if rule.kind == "lambda":
                    self._submit(lambda rule=rule: self._deliver_with_retries(
                        rule.target, event, rule.max_retries, rule.dead_letter_arn))
                else:
                    self._submit(lambda rule=rule: self._start_execution(rule, event))

    def _start_execution(self, rule: RuleTarget, event: dict[str, Any]) -> None:
        with contextlib.suppress(self.client("stepfunctions").exceptions.ExecutionAlreadyExists):
            self.client("stepfunctions").start_execution(
                stateMachineArn=rule.target, name=event["id"], input=json.dumps(event))

    def _deliver_with_retries(self, function: str, event: Any, retries: int, dead_letter_arn: str | None) -> None:
        for attempt in range(retries + 1):
            try:
                self.invoke(function, event)
                return
            except FunctionCrashed as crash:
                last = crash
                if not self.synchronous:
                    time.sleep(min(0.05 * 2 ** attempt, 1.0))
        if dead_letter_arn:
            self._send_to_queue(dead_letter_arn, event, {"ERROR_MESSAGE": str(last)})

    def _send_to_queue(self, queue_arn: str, body: Any, attributes: dict[str, str]) -> None:
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body, default=str),
                         MessageAttributes={k: {"DataType": "String", "StringValue": v[:1000]}
                                            for k, v in attributes.items()})

    # ------------------------------------------------------------ DynamoDB streams

    def _poll_streams(self) -> bool:
        """Hand new stream records to their consumers; True when anything was handed over."""
        moved = False
        with self._stream_lock:
            for subscription in self.streams:
                moved |= self._poll_stream(subscription)
        return moved

    def _poll_stream(self, sub: StreamSubscription) -> bool:
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
                self._send_to_queue(sub.on_failure_arn, {"DDBStreamBatchInfo": {
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

    # ------------------------------------------------------------ SQS event sources

    def _poll_queues(self) -> bool:
        """Hand waiting messages to their consumers, as Lambda's SQS poller does; True when
        anything was handed over. A message that fails is made visible again at once (the
        queue's redrive policy moves it to its DLQ after maxReceiveCount receives)."""
        moved = False
        for sub in self.queues:
            moved |= self._poll_queue(sub)
        return moved

    def _poll_queue(self, sub: QueueSubscription) -> bool:
        sqs = self.client("sqs")
        messages: list[dict[str, Any]] = []
        while len(messages) < sub.batch_size:
            received = sqs.receive_message(
                QueueUrl=sub.queue_url, MaxNumberOfMessages=min(10, sub.batch_size - len(messages)),
                AttributeNames=["All"], MessageAttributeNames=["All"], VisibilityTimeout=30).get("Messages", [])
            if not received:
                break
            messages += received
        if not messages:
            return False
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": sub.queue_arn,
                    "awsRegion": self.region} for m in messages]
        try:
            response = self.invoke(sub.function, {"Records": records})
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])} \
                if sub.report_item_failures else set()
        except FunctionCrashed:
            failed = {r["messageId"] for r in records}
        for record in records:
            if record["messageId"] in failed:
                sqs.change_message_visibility(QueueUrl=sub.queue_url, ReceiptHandle=record["receiptHandle"],
                                              VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=sub.queue_url, ReceiptHandle=record["receiptHandle"])
        return True

    def _shard(self, stream_arn: str) -> str:
        if stream_arn not in self._shards:
            description = self.client("dynamodbstreams").describe_stream(StreamArn=stream_arn)["StreamDescription"]
            self._shards[stream_arn] = description["Shards"][0]["ShardId"]
        return self._shards[stream_arn]

    def stream_records(self, stream_arn: str, *, after: str | None, limit: int = 1000) -> list[dict[str, Any]]:
        """Stream records after a sequence number (from the start when None)."""
        position = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                    if after else {"ShardIteratorType": "TRIM_HORIZON"})
        streams = self.client("dynamodbstreams")
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=self._shard(stream_arn),
                                              **position)["ShardIterator"]
        return streams.get_records(ShardIterator=iterator, Limit=limit)["Records"]

    def write_mark(self, table: str = "Table") -> str | None:
        """The table's last write so far: `writes_since(mark)` lists every write after it. A
        sequence number, not an iterator, so it survives moto restoring a table (see above)."""
        self.settle()
        arn = self.resolver.get_att(table, "StreamArn")
        # once settled, a consumer of the stream has read it to the end: start from there
        last = max((s.checkpoint for s in self.streams if s.stream_arn == arn and s.checkpoint), default=None, key=int)
        while batch := self.stream_records(arn, after=last):
            last = batch[-1]["dynamodb"]["SequenceNumber"]
        return last

    def writes_since(self, mark: str | None, table: str = "Table") -> list[dict[str, Any]]:
        """Every insert, modify and remove since `mark`, as stream records (keys and images)."""
        arn = self.resolver.get_att(table, "StreamArn")
        records: list[dict[str, Any]] = []
        while batch := self.stream_records(arn, after=mark):
            records += batch
            mark = batch[-1]["dynamodb"]["SequenceNumber"]
        return records

    def deliver_mail(self, to: str, subject: str, body: str, source: str = "no-reply@verificationemail.com") -> None:
        """Mail that AWS services other than SES send themselves (Cognito's invitations)."""
        self._mail.append({"to": to, "subject": subject, "body": body, "source": source})

    def mailbox(self, to: str) -> list[dict[str, str]]:
        """E-mails sent to this address (through SES, or by Cognito), or text messages sent to
        this phone number (through SNS, subject "SMS"), oldest first."""
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        if to.startswith("+"):
            texts = sns_backends[ACCOUNT][self.region].sms_messages.values()
            return [{"subject": "SMS", "body": text, "source": "sns"} for number, text in texts if number == to]

        sent = ses_backends[ACCOUNT][self.region].sent_messages
        return [{"subject": m.subject, "body": m.body, "source": m.source} for m in sent
                if to in getattr(m, "destinations", {}).get("ToAddresses", [])] + \
            [{k: v for k, v in m.items() if k != "to"} for m in self._mail if m["to"] == to]

    # ------------------------------------------------------------ running consequences

    def _submit(self, job: Callable[[], None]) -> None:
        with self._busy_lock:
            self._busy += 1
        self._work.put(job)

    def _run_one(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # a delivery's own failure must not stop the cloud
            traceback.print_exc()
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()

    def _work_loop(self) -> None:
        while (job := self._work.get()) is not None:
            self._run_one(job)

    def _stream_loop(self) -> None:
        while not self._stop.wait(0.02):
            try:
                while self._poll_streams() | self._poll_queues():
                    pass
            except Exception:
                traceback.print_exc()

    def _busy_executions(self) -> int:
        """Executions still working. One parked in a Wait state for longer than PARKED_AFTER_S is
        waiting for its time (a move date, a verification window): a future consequence, not one
        still under way. Shorter waits are waited out."""
        sfn = self.client("stepfunctions")
        busy = 0
        for name, arn in self.state_machines.items():
            for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                if self._wakes_in(name, execution["executionArn"]) <= PARKED_AFTER_S:
                    busy += 1
        return busy

    def _wakes_in(self, machine: str, execution_arn: str) -> float:
        """Seconds until a parked execution wakes up; 0 when it is not parked in a Wait state."""
        wake = self._wake_times.get(execution_arn)
        if wake is None or wake <= time.time():
            history = self.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
            last = max(history, key=lambda e: e["id"]) if history else None
            if not last or last["type"] != "WaitStateEntered":
                return 0.0
            wake = _wake_time(self.definitions[machine], last)
            self._wake_times[execution_arn] = wake
        return wake - time.time()

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until every consequence of what happened so far has happened: stream records
        delivered, events routed, executions finished. In synchronous mode this does the work."""
        deadline = time.monotonic() + timeout
        with self._settle_lock:
            while time.monotonic() < deadline:
                # executions are counted before the streams are read: one that finishes meanwhile
                # may have written records this round's read missed, so it earns another round
                busy_before = self._busy_executions()
                if self.synchronous:
                    progressed = self._poll_streams() | self._poll_queues()
                    while not self._work.empty():
                        job = self._work.get()
                        if job is not None:
                            self._run_one(job)
                            progressed = True
                else:
                    progressed = self._poll_streams() | self._poll_queues()
                    with self._busy_lock:
                        if self._busy:
                            self._busy_lock.wait(0.05)
                            progressed = True
                if busy_before or self._busy_executions():
                    time.sleep(0.02)  # polling harder only takes time from the flows' own thread
                    continue
                if not progressed:
                    return
        raise TimeoutError("the local cloud did not settle in time")


def _discard_metrics() -> None:
    """With metrics off nothing flushes them, and all in-process functions share Powertools' one
    metric set: left alone it fills up and prints itself every 100 values."""
    from aws_lambda_powertools import Metrics

    Metrics().clear_metrics()


def _json_path(document: Any, path: str) -> Any:
    for part in path.removeprefix("$").strip(".").split("."):
        if part:
            document = document[part]
    return document


def _wake_time(definition: dict[str, Any], entered: dict[str, Any]) -> float:
    """When a Wait state entered as `entered` (a history event) ends, as a Unix time."""
    details = entered["stateEnteredEventDetails"]
    state = definition.get("States", {}).get(details["name"])
    if not state:  # a Wait inside a Parallel or Map branch: do not guess, treat it as working
        return time.time()
    document = json.loads(details.get("input") or "{}")
    started = entered["timestamp"].timestamp()
    if "Seconds" in state:
        return started + float(state["Seconds"])
    if "SecondsPath" in state:
        return started + float(_json_path(document, state["SecondsPath"]))
    stamp = state.get("Timestamp") or _json_path(document, state["TimestampPath"])
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"not JSON: {type(value).__name__}")
