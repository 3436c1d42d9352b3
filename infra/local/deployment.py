"""Deploying template.yaml into moto's in-memory AWS, as CloudFormation would: the table, the bus
and its archive, queues, the user pool, buckets, the functions (run in this process), the state
machines, and what connects them (rules, queue and stream event sources). What only grants or
routes between resources that the local cloud wires in-process is noted, not made."""

from __future__ import annotations

import io
import json
import os
import threading
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from moto.events.models import EventPattern

from infra.local.lambdas import Function
from infra.local.template import ACCOUNT, ROOT, Resolver
from opencounter.core.settings import settings

LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT}:role/opencounter-local-lambda"
STATES_ROLE = f"arn:aws:iam::{ACCOUNT}:role/opencounter-local-states"
#: what only grants or routes between resources the local cloud already wires in-process (SES's
#: receipt rule is played by the sandbox mail sender, which invokes the function itself)
WIRED_IN_PROCESS = ("AWS::Serverless::LayerVersion", "AWS::Serverless::Api", "AWS::CloudWatch::Alarm",
                    "AWS::SQS::QueuePolicy", "AWS::CloudWatch::Dashboard", "AWS::S3::BucketPolicy",
                    "AWS::SES::ReceiptRuleSet", "AWS::SES::ReceiptRule", "AWS::Lambda::Permission",
                    # the gateway serves web/ itself, with the CloudFront response headers policy's headers
                    "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl",
                    "AWS::CloudFront::ResponseHeadersPolicy",
                    # the functions' logs go to this process's log handlers; the gateway keeps no access log
                    "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::ApiGateway::Account",
                    # moto's SES publishes no events: the tests put SES's events to the function
                    # themselves; the policy only grants sending with the set
                    "AWS::SES::ConfigurationSetEventDestination", "AWS::IAM::ManagedPolicy")


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
    visibility_timeout_s: int


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


@dataclass
class Deployment:
    """What deploying the template made."""

    functions: dict[str, Function] = field(default_factory=dict)
    rules: list[RuleTarget] = field(default_factory=list)
    streams: list[StreamSubscription] = field(default_factory=list)
    queues: list[QueueSubscription] = field(default_factory=list)
    state_machines: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)


def deploy(r: Resolver, client: Callable[[str], Any], environment: dict[str, str],
           secrets: dict[str, dict[str, str]] | None = None) -> Deployment:
    """Create every resource of the template in moto (through `client(service)`), in dependency
    order, filling in the resolver's physical ids and attributes as they come. `environment`
    overrides the functions' variables; `secrets` are the values an operator puts in the
    template's secrets after a deploy (logical id -> JSON object)."""
    deployed = Deployment()
    _create_roles(client)
    _create_secrets(r, client, secrets or {})
    _create_tables(r, client)
    _create_buses(r, client)
    _create_queues(r, client)
    for name, spec in r.resources("AWS::SES::EmailIdentity").items():
        address = r.resolve(spec["Properties"])["EmailIdentity"]
        client("ses").verify_email_identity(EmailAddress=address)
        r.physical[name] = address
    for name, spec in r.resources("AWS::SES::ConfigurationSet").items():
        set_name = r.resolve(spec["Properties"])["Name"]
        client("ses").create_configuration_set(ConfigurationSet={"Name": set_name})
        r.physical[name] = set_name
    _create_user_pools(r, client)
    _create_rules(r, client)
    for name in r.resources("AWS::S3::Bucket"):
        bucket = f"opencounter-local-{name.lower()}"
        client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": r.region})
        r.physical[name], r.attributes[(name, "Arn")] = bucket, f"arn:aws:s3:::{bucket}"
    for kind in WIRED_IN_PROCESS:
        for name in r.resources(kind):
            r.physical[name] = name
            r.attributes[(name, "Arn")] = f"arn:aws:local:{r.region}:{ACCOUNT}:{name}"
    for name, spec in r.resources("AWS::Serverless::Function").items():
        deployed.functions[name] = _create_function(r, client, name, spec)
    for name, spec in r.resources("AWS::Serverless::StateMachine").items():
        _create_state_machine(r, client, deployed, name, spec)
    # resolved last: a function's settings may name a state machine, whose tasks name functions
    _export_environment(r, deployed, environment)
    for name, spec in {**r.resources("AWS::Serverless::Function"),
                       **r.resources("AWS::Serverless::StateMachine")}.items():
        _connect_events(r, client, deployed, name, spec)
    return deployed


def _create_roles(client: Callable[[str], Any]) -> None:
    for arn, service in ((LAMBDA_ROLE, "lambda"), (STATES_ROLE, "states")):
        client("iam").create_role(RoleName=arn.rsplit("/", 1)[-1], AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": f"{service}.amazonaws.com"}}]}))


def _create_secrets(r: Resolver, client: Callable[[str], Any], values: dict[str, dict[str, str]]) -> None:
    for name, spec in r.resources("AWS::SecretsManager::Secret").items():
        props = r.resolve(spec["Properties"])
        value = json.dumps(values[name]) if name in values else props["SecretString"]
        arn = client("secretsmanager").create_secret(Name=props["Name"], SecretString=value)["ARN"]
        r.physical[name] = arn  # Ref of a secret is its ARN


def _create_tables(r: Resolver, client: Callable[[str], Any]) -> None:
    ddb = client("dynamodb")
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


def _create_buses(r: Resolver, client: Callable[[str], Any]) -> None:
    events = client("events")
    for name, spec in r.resources("AWS::Events::EventBus").items():
        bus = r.resolve(spec["Properties"])["Name"]
        arn = events.create_event_bus(Name=bus)["EventBusArn"]
        r.physical[name], r.attributes[(name, "Arn")], r.attributes[(name, "Name")] = bus, arn, bus
    for name, spec in r.resources("AWS::Events::Archive").items():
        props = r.resolve(spec["Properties"])
        events.create_archive(ArchiveName=name, EventSourceArn=props["SourceArn"],
                              RetentionDays=props.get("RetentionDays", 0))
        r.physical[name] = name


def _create_queues(r: Resolver, client: Callable[[str], Any]) -> None:
    sqs = client("sqs")
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


def _create_user_pools(r: Resolver, client: Callable[[str], Any]) -> None:
    """The user pool, its app client and groups, in moto's Cognito: logins created by the
    application (sign-up) live there, as they would in AWS."""
    idp = client("cognito-idp")
    for name, spec in r.resources("AWS::Cognito::UserPool").items():
        props = r.resolve(spec["Properties"])
        pool = idp.create_user_pool(PoolName=props.get("UserPoolName", name), Schema=props.get("Schema", []),
                                    UsernameAttributes=props.get("UsernameAttributes", []),
                                    Policies=props.get("Policies", {}),
                                    AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []))["UserPool"]
        r.physical[name], r.attributes[(name, "Arn")] = pool["Id"], pool["Arn"]
    for name, spec in r.resources("AWS::Cognito::UserPoolClient").items():
        props = r.resolve(spec["Properties"])
        oauth = {k: props[k] for k in ("AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
                                       "CallbackURLs", "LogoutURLs", "SupportedIdentityProviders") if k in props}
        app_client = idp.create_user_pool_client(UserPoolId=props["UserPoolId"], ClientName=props["ClientName"],
                                                 ExplicitAuthFlows=props.get("ExplicitAuthFlows", []), **oauth)
        r.physical[name] = app_client["UserPoolClient"]["ClientId"]
    for name, spec in r.resources("AWS::Cognito::UserPoolDomain").items():
        # the managed login itself is served by the local gateway (infra/local/login.py)
        r.physical[name] = r.resolve(spec["Properties"])["Domain"]
    for name, spec in r.resources("AWS::Cognito::UserPoolGroup").items():
        props = r.resolve(spec["Properties"])
        idp.create_group(GroupName=props["GroupName"], UserPoolId=props["UserPoolId"])
        r.physical[name] = props["GroupName"]


def _create_rules(r: Resolver, client: Callable[[str], Any]) -> None:
    events = client("events")
    for name, spec in r.resources("AWS::Events::Rule").items():
        props = r.resolve(spec["Properties"])
        bus = props.get("EventBusName", "default")
        arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]),
                              Description=props.get("Description", ""))["RuleArn"]
        # moto puts events on SQS targets itself; other target kinds are not used by the template
        events.put_targets(Rule=name, EventBusName=bus, Targets=[
            {"Id": t["Id"], "Arn": t["Arn"]} for t in props.get("Targets", []) if ":sqs:" in t["Arn"]])
        r.physical[name], r.attributes[(name, "Arn")] = name, arn


def _create_function(r: Resolver, client: Callable[[str], Any], name: str, spec: dict[str, Any]) -> Function:
    defaults = r.function_globals()
    props = spec["Properties"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "# runs in-process in the local cloud\n")
    arn = client("lambda").create_function(
        FunctionName=name, Runtime=props.get("Runtime", defaults.get("Runtime", "python3.13")),
        Role=LAMBDA_ROLE, Handler=props["Handler"], Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    r.physical[name], r.attributes[(name, "Arn")] = name, arn
    if props.get("AutoPublishAlias"):  # SAM's <Function>.Version and <Function>.Alias
        r.physical[f"{name}.Version"] = f"{arn}:1"
        r.physical[f"{name}.Alias"] = f"{arn}:{props['AutoPublishAlias']}"
    # an asynchronous invocation: Lambda's own retries (default 2), then the on-failure destination
    invoke_config = r.resolve(props.get("EventInvokeConfig", defaults.get("EventInvokeConfig", {})))
    on_failure = invoke_config.get("DestinationConfig", {}).get("OnFailure", {})
    return Function(name=name, code_dir=ROOT / props["CodeUri"], handler_path=props["Handler"], environment={},
                    memory=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
                    timeout=int(props.get("Timeout", defaults.get("Timeout", 3))), arn=arn,
                    async_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
                    on_failure_arn=on_failure.get("Destination") if on_failure.get("Type") == "SQS" else None)


def _export_environment(r: Resolver, deployed: Deployment, environment: dict[str, str]) -> None:
    """Functions share this process's environment, as warm Lambdas share nothing: so two
    functions may not give one variable different values (name them apart instead)."""
    defaults = r.function_globals().get("Environment", {}).get("Variables", {})
    for name, spec in r.resources("AWS::Serverless::Function").items():
        own = spec["Properties"].get("Environment", {}).get("Variables", {})
        deployed.functions[name].environment = {k: str(v) for k, v in r.resolve({**defaults, **own}).items()}
    merged: dict[str, str] = {}
    for function in deployed.functions.values():
        for key, value in function.environment.items():
            if merged.setdefault(key, value) != value:
                raise ValueError(f"environment variable {key} differs between functions; "
                                 "give each function's setting its own name")
    os.environ.update({**merged, **environment})
    # every function in this process reads the settings the template gives it, as at a cold start
    settings.cache_clear()


def _create_state_machine(r: Resolver, client: Callable[[str], Any], deployed: Deployment, name: str,
                          spec: dict[str, Any]) -> None:
    props = r.resolve(spec["Properties"])
    definition = (ROOT / props["DefinitionUri"]).read_text() if "DefinitionUri" in props \
        else json.dumps(props["Definition"])
    for key, value in props.get("DefinitionSubstitutions", {}).items():
        definition = definition.replace("${" + key + "}", str(value))
    machine = props.get("Name", name)
    arn = client("stepfunctions").create_state_machine(
        name=machine, definition=definition, roleArn=STATES_ROLE, type=props.get("Type", "STANDARD"))["stateMachineArn"]
    deployed.state_machines[name] = arn
    deployed.definitions[name] = json.loads(definition)
    r.physical[name] = arn
    r.attributes[(name, "Name")] = machine
    r.attributes[(name, "Arn")] = arn


def _connect_events(r: Resolver, client: Callable[[str], Any], deployed: Deployment, name: str,
                    spec: dict[str, Any]) -> None:
    kind = "states" if spec["Type"] == "AWS::Serverless::StateMachine" else "lambda"
    target = deployed.state_machines[name] if kind == "states" else name
    for event_name, event in spec["Properties"].get("Events", {}).items():
        props = r.resolve(event.get("Properties", {}))
        if event["Type"] == "EventBridgeRule":
            bus = props.get("EventBusName", "default")
            rule = f"{name}-{event_name}"
            client("events").put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]))
            deployed.rules.append(RuleTarget(
                rule=rule, bus=bus, pattern=EventPattern.load(json.dumps(props["Pattern"])), kind=kind,
                target=target, max_retries=int(props.get("RetryPolicy", {}).get("MaximumRetryAttempts", 185)),
                dead_letter_arn=props.get("DeadLetterConfig", {}).get("Arn")))
        elif event["Type"] == "SQS":
            queue_name = props["Queue"].rsplit(":", 1)[-1]
            url = client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
            visibility = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
            deployed.queues.append(QueueSubscription(
                function=name, queue_url=url, queue_arn=props["Queue"], batch_size=int(props.get("BatchSize", 10)),
                report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                visibility_timeout_s=int(visibility["Attributes"]["VisibilityTimeout"])))
        elif event["Type"] == "DynamoDB":
            filters = [EventPattern.load(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])]
            deployed.streams.append(StreamSubscription(
                function=name, stream_arn=props["Stream"], filters=filters,
                batch_size=int(props.get("BatchSize", 100)), max_retries=int(props.get("MaximumRetryAttempts", -1)),
                report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                on_failure_arn=props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")))


def run_custom_resources(r: Resolver, invoke: Callable[[str, Any], Any]) -> None:
    """Create the template's custom resources as CloudFormation does: invoke each one's function
    with a Create request and wait for its answer at the response URL (here a one-request HTTP
    server); a FAILED answer fails the deploy, as CloudFormation rolls the stack back."""
    for name, spec in r.template["Resources"].items():
        if not (spec["Type"].startswith("Custom::") or spec["Type"] == "AWS::CloudFormation::CustomResource"):
            continue
        props = r.resolve(spec["Properties"])
        answer = _answer_at_url(lambda url, name=name, spec=spec, props=props: invoke(
            props["ServiceToken"].rsplit(":", 1)[-1], {
                "RequestType": "Create", "ServiceToken": props["ServiceToken"], "ResponseURL": url,
                "StackId": f"arn:aws:cloudformation:{r.region}:{ACCOUNT}:stack/{r.stack_name}/local",
                "RequestId": str(uuid.uuid4()), "ResourceType": spec["Type"], "LogicalResourceId": name,
                "ResourceProperties": props}))
        if answer is None or answer["Status"] != "SUCCESS":
            raise RuntimeError(f"custom resource {name} failed: {answer.get('Reason') if answer else 'no answer'}")
        r.physical[name] = answer["PhysicalResourceId"]
        for key, value in (answer.get("Data") or {}).items():
            r.attributes[(name, key)] = value


def _answer_at_url(request: Callable[[str], Any]) -> dict[str, Any] | None:
    """Make `request(url)` and return what was PUT to that URL (CloudFormation's pre-signed URL)."""
    answers: list[dict[str, Any]] = []

    class Answer(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
            answers.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    waiter = threading.Thread(target=server.handle_request, daemon=True)
    waiter.start()
    try:
        request(f"http://127.0.0.1:{server.server_port}/answer")
        waiter.join(timeout=30)
    finally:
        server.server_close()
    return answers[0] if answers else None
