"""template.yaml, checked offline: it lints, it translates to the CloudFormation we expect, every
function's handler imports, and every state machine definition is sound (parses, its state
references resolve, its ${placeholders} are all substituted).

The checkers for state machine definitions are proven on small inline documents as well, so they
are known to catch mistakes even while statemachines/ holds no files."""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.config import ManualArgs
from moto.events.models import EventPattern
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from samtranslator.translator.transform import transform

from infra.local.template import ACCOUNT, ROOT, TEMPLATE, Resolver, load_template

REGION = "eu-west-1"  # the region samconfig.toml deploys to
STATEMACHINES = ROOT / "statemachines"
SHARED_LAYER = ROOT / "layers" / "shared" / "python"
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
LOCAL_URIS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}

TEMPLATE_DATA = load_template()


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in template["Resources"].items() if spec["Type"] == kind}


def function_property(spec: dict[str, Any], key: str) -> Any:
    """A function's property, falling back to Globals.Function as SAM does."""
    return spec.get("Properties", {}).get(key, TEMPLATE_DATA.get("Globals", {}).get("Function", {}).get(key))


FUNCTIONS = resources_of(TEMPLATE_DATA, "AWS::Serverless::Function")
STATE_MACHINES = resources_of(TEMPLATE_DATA, "AWS::Serverless::StateMachine")
ASL_FILES = sorted(STATEMACHINES.glob("*.asl.json"))


def refuse_connection(*_: Any, **__: Any) -> None:
    raise OSError("this check must run offline")


def go_offline(patch: pytest.MonkeyPatch) -> None:
    """No connection can be opened: what runs after this provably needs no network."""
    patch.setattr(socket.socket, "connect", refuse_connection)
    patch.setattr(socket.socket, "connect_ex", refuse_connection)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    go_offline(monkeypatch)


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether a piece of template names a resource (Ref, Fn::GetAtt or ${...} in Fn::Sub)."""
    if isinstance(value, list):
        return any(refers_to(v, logical_id) for v in value)
    if not isinstance(value, dict):
        return False
    if value.get("Ref") == logical_id:
        return True
    att = value.get("Fn::GetAtt")
    if att is not None:
        return (att[0] if isinstance(att, list) else str(att).split(".", 1)[0]) == logical_id
    sub = value.get("Fn::Sub")
    if sub is not None:
        text = sub if isinstance(sub, str) else sub[0]
        if any(token.split(".", 1)[0] == logical_id for token in PLACEHOLDER.findall(text)):
            return True
    return any(refers_to(v, logical_id) for v in value.values())


# ------------------------------------------------------------------ cfn-lint


def lint_errors(template: Path) -> tuple[list[Any], str]:
    """cfn-lint's error-level findings for a template, and a report of everything it found."""
    matches = lint_file(template, config=ManualArgs(regions=[REGION]))
    report = "\n".join(f"{m.rule.id} [{m.rule.severity}] {m.filename}:{m.linenumber}: {m.message}" for m in matches)
    errors = [m for m in matches if m.rule.severity == "error" or m.rule.id.startswith("E")]
    return errors, report


def test_cfn_lint_finds_no_errors_in_the_template(offline: None) -> None:
    # Given template.yaml / When cfn-lint checks it
    errors, report = lint_errors(TEMPLATE)
    # Then it reports no errors
    assert not errors, f"cfn-lint found errors in template.yaml:\n{report}"


def test_cfn_lint_check_reports_a_broken_template(tmp_path: Path, offline: None) -> None:
    # Given a template whose queue policy names a queue that does not exist
    broken = tmp_path / "broken.yaml"
    broken.write_text(textwrap.dedent("""\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Policy:
            Type: AWS::SQS::QueuePolicy
            Properties:
              Queues: [!Ref NoSuchQueue]
              PolicyDocument: {Statement: []}
        """))
    # When the same check runs on it
    errors, report = lint_errors(broken)
    # Then it reports the error
    assert errors, f"the lint check missed a Ref to a missing resource; cfn-lint said:\n{report}"
    assert "NoSuchQueue" in report


# ------------------------------------------------------------------ SAM translation


def test_every_local_code_and_definition_path_exists() -> None:
    # Given every resource that points at local code or a local definition
    local = {f"{name}.{key}": spec["Properties"][key]
             for name, spec in TEMPLATE_DATA["Resources"].items()
             if (key := LOCAL_URIS.get(spec["Type"])) and isinstance(spec.get("Properties", {}).get(key), str)}
    # Then each path exists in the repository
    assert local, "no local CodeUri/ContentUri/DefinitionUri found: the template is not being read"
    missing = {where: path for where, path in local.items() if not (ROOT / path).exists()}
    assert not missing, f"these local paths do not exist: {missing}"


class OfflinePolicies:
    """Stands in for samtranslator's ManagedPolicyLoader, which would ask IAM."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def load(self) -> dict[str, str]:
        return {name: f"arn:aws:iam::aws:policy/{name}" for name in self.names}


def managed_policy_names(template: dict[str, Any]) -> set[str]:
    """Policies given by managed-policy name (not an ARN, not a SAM policy template)."""
    holders = [*template["Resources"].values(), {"Properties": template.get("Globals", {}).get("Function", {})}]
    names: set[str] = set()
    for spec in holders:
        policies = spec.get("Properties", {}).get("Policies", [])
        for policy in policies if isinstance(policies, list) else [policies]:
            if isinstance(policy, str) and not policy.startswith("arn:"):
                names.add(policy)
    return names


def sam_ready(template: dict[str, Any]) -> dict[str, Any]:
    """The template as `sam package` would leave it: code in S3, state machine definitions inline."""
    template = copy.deepcopy(template)
    for name, spec in template["Resources"].items():
        props = spec.get("Properties", {})
        key = LOCAL_URIS.get(spec["Type"])
        if not key or not isinstance(props.get(key), str):
            continue
        if spec["Type"] == "AWS::Serverless::StateMachine":
            props["Definition"] = json.loads((ROOT / props.pop(key)).read_text())
        else:
            props[key] = f"s3://opencounter-artifacts/{name}/{Path(props[key]).name or name}.zip"
    return template


@pytest.fixture(scope="module")
def cfn() -> dict[str, dict[str, Any]]:
    """The resources SAM's own translator makes of template.yaml, translated offline."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_REGION", REGION)
        go_offline(patch)
        template = sam_ready(load_template())
        translated = transform(template, {}, OfflinePolicies(managed_policy_names(template)))
    assert "Transform" not in translated
    return translated["Resources"]


def test_sam_translation_leaves_no_serverless_resources(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the translated template / Then only plain CloudFormation resources remain
    left = {name: spec["Type"] for name, spec in cfn.items() if spec["Type"].startswith("AWS::Serverless::")}
    assert not left
    assert resources_of({"Resources": cfn}, "AWS::Lambda::Function").keys() == FUNCTIONS.keys()


def dependency_cycle(resources: dict[str, dict[str, Any]]) -> list[str]:
    """A chain of resources that depend on one another round to the first (CloudFormation refuses
    to create such a stack), or [] when there is none. A resource depends on those it names and
    those in its DependsOn."""
    needs = {name: {other for other in resources if other != name and refers_to(spec, other)}
             | set([spec["DependsOn"]] if isinstance(spec.get("DependsOn"), str) else spec.get("DependsOn", []))
             for name, spec in resources.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name):], name]
        if name in done:
            return []
        for other in sorted(needs.get(name, ())):
            cycle = visit(other, [*path, name])
            if cycle:
                return cycle
        done.add(name)
        return []

    return next((cycle for name in sorted(resources) if (cycle := visit(name, []))), [])


def test_no_resource_depends_on_itself_through_others(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the translated template / Then CloudFormation can order its resources: no cycle
    assert dependency_cycle(cfn) == []


def test_the_cycle_check_names_a_function_whose_role_names_the_workflow_that_invokes_it() -> None:
    # Given a workflow invoking a function whose role may answer that workflow's task tokens
    resources = {
        "Flow": {"Type": "AWS::StepFunctions::StateMachine",
                 "Properties": {"DefinitionSubstitutions": {"Arn": {"Fn::GetAtt": ["Step", "Arn"]}}}},
        "Step": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["StepRole", "Arn"]}}},
        "StepRole": {"Type": "AWS::IAM::Role",
                     "Properties": {"Policies": [{"Resource": {"Fn::Sub": "${Flow.Name}"}}]}},
    }
    # Then the chain is named; and when the role names the workflow by its literal name, there is none
    assert dependency_cycle(resources) == ["Flow", "Step", "StepRole", "Flow"]
    resources["StepRole"]["Properties"]["Policies"][0]["Resource"] = {"Fn::Sub": "opencounter-${Stage}-flow"}
    assert dependency_cycle(resources) == []


def test_the_table_the_functions_use_is_durable_encrypted_streamed_and_indexed(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the table the functions get as TABLE_NAME
    table_ref = TEMPLATE_DATA["Globals"]["Function"]["Environment"]["Variables"]["TABLE_NAME"]
    table = cfn[table_ref["Ref"]]
    props = table["Properties"]
    # Then it is a DynamoDB table with point-in-time recovery, encryption, TTL, a stream and GSI1
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True
    assert props.get("SSESpecification", {}).get("SSEEnabled") is True
    assert props.get("TimeToLiveSpecification") == {"AttributeName": "expires_at", "Enabled": True}
    assert props.get("StreamSpecification", {}).get("StreamViewType") == "NEW_AND_OLD_IMAGES"  # outbox reads NewImage
    gsi1 = [index for index in props.get("GlobalSecondaryIndexes", []) if index["IndexName"] == "GSI1"]
    assert len(gsi1) == 1
    assert [key["AttributeName"] for key in gsi1[0]["KeySchema"]] == ["GSI1PK", "GSI1SK"]
    assert table.get("DeletionPolicy") == "Retain"


def public_routes(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, method) of Api events that explicitly opt out of the authorizer."""
    public = set()
    for spec in resources_of(template, "AWS::Serverless::Function").values():
        for event in spec["Properties"].get("Events", {}).values():
            props = event.get("Properties", {})
            if event["Type"] == "Api" and props.get("Auth", {}).get("Authorizer") == "NONE":
                method = props["Method"].lower()
                public.add((props["Path"], "x-amazon-apigateway-any-method" if method == "any" else method))
    return public


def test_the_rest_api_guards_every_route_with_the_cognito_authorizer(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the REST API SAM made
    apis = resources_of({"Resources": cfn}, "AWS::ApiGateway::RestApi")
    assert apis, "no AWS::ApiGateway::RestApi in the translated template"
    for name, api in apis.items():
        body = api["Properties"]["Body"]
        # Then it has a Cognito user pool authorizer on a user pool of this stack
        cognito = {scheme: spec for scheme, spec in body.get("securityDefinitions", {}).items()
                   if spec.get("x-amazon-apigateway-authorizer", {}).get("type") == "cognito_user_pools"}
        assert cognito, f"{name}: no Cognito authorizer"
        pools = resources_of(TEMPLATE_DATA, "AWS::Cognito::UserPool")
        for scheme, spec in cognito.items():
            providers = spec["x-amazon-apigateway-authorizer"]["providerARNs"]
            assert any(refers_to(providers, pool) for pool in pools), f"{name}.{scheme}: not this stack's pool"
        # And every route uses it, except those the template explicitly makes public
        public = public_routes(TEMPLATE_DATA)
        unguarded = [(path, method) for path, methods in body["paths"].items() for method, op in methods.items()
                     if method != "options" and (path, method) not in public
                     and not any(scheme in requirement for requirement in op.get("security", [])
                                 for scheme in cognito)]
        assert body["paths"], f"{name}: no routes"
        assert not unguarded, f"{name}: routes without the Cognito authorizer: {unguarded}"


def test_every_event_source_mapping_keeps_what_it_gives_up_on(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the event source mappings SAM made
    mappings = resources_of({"Resources": cfn}, "AWS::Lambda::EventSourceMapping")
    assert mappings, "no AWS::Lambda::EventSourceMapping in the translated template"
    queues = resources_of(TEMPLATE_DATA, "AWS::SQS::Queue")
    for name, mapping in mappings.items():
        props = mapping["Properties"]
        source = next((queue for queue in queues if refers_to(props["EventSourceArn"], queue)), None)
        if source is not None:
            # Then a queue's poison messages go to a dead-letter queue of ours after a few receives
            redrive = queues[source]["Properties"].get("RedrivePolicy", {})
            assert any(refers_to(redrive.get("deadLetterTargetArn"), q) for q in queues), f"{source}: no DLQ"
            assert 1 < redrive["maxReceiveCount"] <= 10
            assert "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []), f"{name}: whole batches retry"
            continue
        # Then a stream's batches it gives up on go to one of our queues
        destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        assert any(refers_to(destination, queue) for queue in queues), f"{name}: no on-failure queue"
        # And every filter it has is a pattern (JSON in a string) that the local cloud can load
        for spec in props.get("FilterCriteria", {}).get("Filters", []):
            EventPattern.load(spec["Pattern"])
    filtered = [name for name, mapping in mappings.items() if mapping["Properties"].get("FilterCriteria")]
    assert filtered, "no event source mapping has FilterCriteria"


def test_every_rule_target_retries_and_has_a_dead_letter_queue(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the EventBridge rules SAM made
    rules = resources_of({"Resources": cfn}, "AWS::Events::Rule")
    assert rules, "no AWS::Events::Rule in the translated template"
    queues = resources_of(TEMPLATE_DATA, "AWS::SQS::Queue")
    for name, rule in rules.items():
        targets = rule["Properties"]["Targets"]
        assert targets, f"{name}: no targets"
        for target in targets:
            # Then each target has a retry policy and a dead-letter queue of this stack
            assert target.get("RetryPolicy", {}).get("MaximumRetryAttempts") is not None, f"{name}: no RetryPolicy"
            dead_letter = target.get("DeadLetterConfig", {}).get("Arn")
            assert any(refers_to(dead_letter, queue) for queue in queues), f"{name}: no DeadLetterConfig"


def dashboard_body(dashboard: dict[str, Any]) -> tuple[str, Any]:
    """The dashboard body's text and, with every ${...} filled in, its JSON."""
    body = dashboard["Properties"]["DashboardBody"]
    sub = body if isinstance(body, str) else body["Fn::Sub"]
    text = sub if isinstance(sub, str) else sub[0]
    try:
        return text, json.loads(PLACEHOLDER.sub(lambda m: m.group(1).replace('"', ""), text))
    except json.JSONDecodeError as error:
        pytest.fail(f"the dashboard body is not JSON once substituted: {error}")


def test_the_dashboard_is_valid_and_shows_every_alarm(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the CloudWatch dashboard
    dashboards = resources_of({"Resources": cfn}, "AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1, f"expected one dashboard, found {sorted(dashboards)}"
    text, body = dashboard_body(next(iter(dashboards.values())))
    # Then its body is JSON with widgets
    assert body["widgets"], "the dashboard has no widgets"
    # And every alarm of the stack is on it
    alarms = resources_of({"Resources": cfn}, "AWS::CloudWatch::Alarm")
    missing = [alarm for alarm in alarms if "${" + alarm + ".Arn}" not in text]
    assert not missing, f"alarms not on the dashboard: {missing}"


#: the metrics our alarms read, with the dimension sets their services publish them under: an
#: alarm on any other combination sees no data and can never fire (DynamoDB publishes
#: ThrottledRequests per operation, say, and Lambda's Errors per function or for the account)
PUBLISHED = {
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): [{"QueueName"}],
    ("AWS/ApiGateway", "5XXError"): [{"ApiName"}, {"ApiName", "Stage"}],
    ("AWS/DynamoDB", "ReadThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/DynamoDB", "WriteThrottleEvents"): [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}],
    ("AWS/Lambda", "Errors"): [set(), {"FunctionName"}],
    ("AWS/Lambda", "Throttles"): [set(), {"FunctionName"}],
    ("AWS/Lambda", "IteratorAge"): [{"FunctionName"}],
    ("AWS/States", "ExecutionsFailed"): [{"StateMachineArn"}],
}
#: our own metrics (Powertools, EMF): every one carries the function's service and, for a
#: channel's figures, the channel
OWN = {"OpenCounter": [{"service"}, {"service", "channel"}]}


def _alarm_metrics(props: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    if "MetricName" in props:
        return [(props["Namespace"], props["MetricName"], {d["Name"] for d in props.get("Dimensions", [])})]
    return [(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
             {d["Name"] for d in m["MetricStat"]["Metric"].get("Dimensions", [])})
            for m in props.get("Metrics", []) if "MetricStat" in m]


def test_every_alarm_reads_metrics_as_they_are_published_and_nothing_an_alarm_cannot_evaluate(
        cfn: dict[str, dict[str, Any]]) -> None:
    alarms = {name: spec["Properties"] for name, spec in resources_of({"Resources": cfn},
                                                                       "AWS::CloudWatch::Alarm").items()}
    assert alarms
    # alarms cannot be based on SEARCH (CloudFormation would fail the deploy and roll back)
    expressions = {name: [m["Expression"] for m in props.get("Metrics", []) if "Expression" in m]
                   for name, props in alarms.items()}
    assert [name for name, found in expressions.items() if any("SEARCH" in e.upper() for e in found)] == []
    unpublished = [(name, namespace, metric, sorted(dimensions)) for name, props in alarms.items()
                   for namespace, metric, dimensions in _alarm_metrics(props)
                   if dimensions not in PUBLISHED.get((namespace, metric), OWN.get(namespace, []))]
    assert unpublished == []


def test_the_alarm_check_knows_an_unpublished_metric_when_it_sees_one() -> None:
    throttled = {"Namespace": "AWS/DynamoDB", "MetricName": "ThrottledRequests", "Dimensions": [{"Name": "TableName"}]}
    [(namespace, metric, dimensions)] = _alarm_metrics(throttled)
    assert dimensions not in PUBLISHED.get((namespace, metric), OWN.get(namespace, []))


def dead_letter_queues(cfn: dict[str, dict[str, Any]]) -> set[str]:
    """Queues something sends its failures to: rule DLQs, on-failure destinations, redrive targets."""
    queues = resources_of({"Resources": cfn}, "AWS::SQS::Queue")
    places: list[Any] = []
    for spec in cfn.values():
        props = spec.get("Properties", {})
        places += [target.get("DeadLetterConfig") for target in props.get("Targets", []) if isinstance(target, dict)]
        places += [props.get("DestinationConfig", {}).get("OnFailure"), props.get("DeadLetterConfig"),
                   props.get("RedrivePolicy")]
    return {queue for queue in queues if refers_to(places, queue) or "dlq" in queue.lower()}


def test_every_dead_letter_queue_has_an_alarm(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the queues the stack sends failures to
    dlqs = dead_letter_queues(cfn)
    assert dlqs, "no dead-letter queues found"
    # Then each has a CloudWatch alarm on its SQS metrics
    alarms = [spec["Properties"] for spec in resources_of({"Resources": cfn}, "AWS::CloudWatch::Alarm").values()]
    unwatched = [queue for queue in sorted(dlqs)
                 if not any("AWS/SQS" in json.dumps(alarm) and refers_to(alarm, queue) for alarm in alarms)]
    assert not unwatched, f"dead-letter queues without an alarm: {unwatched}"


# ------------------------------------------------------------------ function handlers

IMPORT_HANDLERS = """
import importlib.util, json, sys, traceback
results = {}
for name, path, attribute in json.loads(sys.argv[1]):
    try:
        spec = importlib.util.spec_from_file_location("handler_" + name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        handler = getattr(module, attribute)
        results[name] = {"callable": callable(handler), "error": None}
    except BaseException:
        results[name] = {"callable": False, "error": traceback.format_exc()}
print("RESULTS " + json.dumps(results))
"""


def handler_location(spec: dict[str, Any]) -> tuple[Path, str]:
    module, attribute = function_property(spec, "Handler").rsplit(".", 1)
    return ROOT / function_property(spec, "CodeUri") / f"{module.replace('.', '/')}.py", attribute


@pytest.fixture(scope="module")
def imported_handlers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every function's handler imported in a fresh interpreter that sees only the shared layer."""
    targets = [(name, str(path), attribute) for name, (path, attribute)
               in ((name, handler_location(spec)) for name, spec in FUNCTIONS.items())]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "PYTHON"))}
    env.update(PYTHONPATH=str(SHARED_LAYER), TABLE_NAME="x", EVENT_BUS_NAME="y", AWS_REGION=REGION,
               AWS_DEFAULT_REGION=REGION, POWERTOOLS_TRACE_DISABLED="true")
    done = subprocess.run([sys.executable, "-c", IMPORT_HANDLERS, json.dumps(targets)], env=env,
                          cwd=tmp_path_factory.mktemp("handlers"), capture_output=True, text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, f"the import run failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix("RESULTS "))


def test_the_template_has_functions() -> None:
    assert FUNCTIONS, "no AWS::Serverless::Function in template.yaml"


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_handler_imports_and_is_callable(function: str, imported_handlers: dict[str, Any]) -> None:
    # Given a function of the template, imported as Lambda would with only the shared layer
    result = imported_handlers[function]
    # Then its handler imports and is callable
    assert result["error"] is None, f"{function}: its handler does not import:\n{result['error']}"
    assert result["callable"], f"{function}: {function_property(FUNCTIONS[function], 'Handler')} is not callable"


# ------------------------------------------------------------------ state machine definitions


def reference_problems(definition: Any, scope: str = "") -> list[str]:
    """Every StartAt, Next and Default that names no state of its scope (Parallel branches and Map
    processors are scopes of their own), and states that neither go on nor end."""
    if not isinstance(definition, dict) or not isinstance(definition.get("States"), dict) \
            or not definition["States"]:
        return [f"{scope or 'top level'}: no States"]
    states = definition["States"]
    where = f"{scope}: " if scope else ""
    problems = [] if definition.get("StartAt") in states else \
        [f"{where}StartAt {definition.get('StartAt')!r} is not a state here"]
    for name, state in states.items():
        links = [("Next", state["Next"])] if "Next" in state else []
        links += [("Default", state["Default"])] if "Default" in state else []
        links += [(f"Choices[{i}].Next", choice.get("Next")) for i, choice in enumerate(state.get("Choices", []))]
        links += [(f"Catch[{i}].Next", catcher.get("Next")) for i, catcher in enumerate(state.get("Catch", []))]
        problems += [f"{where}{name}.{field} {target!r} is not a state here"
                     for field, target in links if target not in states]
        if state.get("Type") not in ("Choice", "Succeed", "Fail") and "Next" not in state and not state.get("End"):
            problems.append(f"{where}{name} has neither Next nor End")
        for i, branch in enumerate(state.get("Branches", [])):
            problems += reference_problems(branch, f"{scope}{name}.Branches[{i}]")
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                problems += reference_problems(state[key], f"{scope}{name}.{key}")
    return problems


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def missing_substitutions(text: str, substitutions: dict[str, Any]) -> set[str]:
    """The ${Name}s a definition uses that its DefinitionSubstitutions do not define."""
    return placeholders(text) - set(substitutions)


def asl_problems(text: str, values: dict[str, str]) -> list[str]:
    """Everything wrong with an ASL document: not JSON, dangling references, or moto's parser
    rejects it (after filling in its ${placeholders} with `values`, or a Lambda ARN by default)."""
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as error:
        return [f"not JSON: {error}"]
    problems = reference_problems(definition)
    filled = PLACEHOLDER.sub(lambda m: values.get(m.group(1), f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
                                                 f"{m.group(1)}"), text)
    try:
        AmazonStateLanguageParser.parse(filled)
    except Exception as error:  # the parser raises its own exceptions and plain ValueErrors
        problems.append(f"moto's ASL parser rejects it: {error!r}")
    return problems


class FakeAttributes(dict):
    """Fn::GetAtt answers for a template that is not deployed: realistic ARNs and names."""

    def __init__(self, template: dict[str, Any]) -> None:
        super().__init__()
        self.types = {name: spec["Type"] for name, spec in template["Resources"].items()}

    def __missing__(self, key: tuple[str, str]) -> str:
        name, attribute = key
        if attribute == "Arn":
            return fake_arn(name, self.types.get(name, "AWS::Unknown::Thing"))
        if attribute == "StreamArn":
            return fake_arn(name, self.types.get(name, "")) + "/stream/2020-01-01T00:00:00.000"
        return f"{name}-{attribute}"


def fake_arn(name: str, kind: str) -> str:
    formats = {
        "AWS::Serverless::Function": "arn:aws:lambda:{r}:{a}:function:{n}",
        "AWS::Lambda::Function": "arn:aws:lambda:{r}:{a}:function:{n}",
        "AWS::Serverless::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
        "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
        "AWS::SQS::Queue": "arn:aws:sqs:{r}:{a}:{n}",
        "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:{n}",
        "AWS::DynamoDB::Table": "arn:aws:dynamodb:{r}:{a}:table/{n}",
        "AWS::Events::EventBus": "arn:aws:events:{r}:{a}:event-bus/{n}",
    }
    service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
    return formats.get(kind, "arn:aws:" + service + ":{r}:{a}:{n}").format(r=REGION, a=ACCOUNT, n=name)


def fake_resolver(template: dict[str, Any]) -> Resolver:
    """Resolves the template's intrinsics as if it were deployed (every resource exists)."""
    resolver = Resolver(template, REGION, "opencounter-check", attributes=FakeAttributes(template))
    for name, spec in template["Resources"].items():
        kind = spec["Type"]
        if kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine", "AWS::SNS::Topic"):
            resolver.physical[name] = fake_arn(name, kind)
        elif kind == "AWS::SQS::Queue":
            resolver.physical[name] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
        else:
            resolver.physical[name] = name
    return resolver


def definition_text(spec: dict[str, Any]) -> str:
    props = spec["Properties"]
    if isinstance(props.get("DefinitionUri"), str):
        return (ROOT / props["DefinitionUri"]).read_text()
    return json.dumps(props.get("Definition", {}))


def substitution_values(path: Path) -> dict[str, str]:
    """What the state machines using this file substitute for its ${placeholders}."""
    resolver = fake_resolver(TEMPLATE_DATA)
    values: dict[str, str] = {}
    for spec in STATE_MACHINES.values():
        uri = spec["Properties"].get("DefinitionUri")
        if isinstance(uri, str) and (ROOT / uri).resolve() == path.resolve():
            resolved = resolver.resolve(spec["Properties"].get("DefinitionSubstitutions", {}))
            values.update({key: str(value) for key, value in resolved.items()})
    return values


VALID_ASL = {
    "Comment": "every kind of reference, all pointing at states that exist",
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Default": "Work",
                  "Choices": [{"Variable": "$.skip", "BooleanEquals": True, "Next": "Done"}]},
        "Work": {"Type": "Task", "Resource": "${WorkFunctionArn}", "Next": "Both",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]},
        "Both": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 1, "Next": "RightDone"},
                                            "RightDone": {"Type": "Succeed"}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done",
                 "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}}},
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail", "Error": "WorkFailed"},
    },
}


def broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID_ASL)
    change(document["States"])
    return document


def map_with_iterator_leaving_its_scope(states: dict[str, Any]) -> None:
    """The older Map form (Iterator), whose only state goes on to a state outside the Map."""
    states["Each"]["Iterator"] = states["Each"].pop("ItemProcessor")
    states["Each"]["Iterator"]["States"]["One"] = {"Type": "Pass", "Next": "Each"}


BROKEN_ASL = {
    "Next": (broken(lambda s: s["Work"].update(Next="Bouth")), "Work.Next 'Bouth'"),
    "Default": (broken(lambda s: s["Check"].update(Default="Wrok")), "Check.Default 'Wrok'"),
    "Choices": (broken(lambda s: s["Check"]["Choices"][0].update(Next="Don")), "Check.Choices[0].Next 'Don'"),
    "Catch": (broken(lambda s: s["Work"]["Catch"][0].update(Next="Fail")), "Work.Catch[0].Next 'Fail'"),
    "Parallel branch": (broken(lambda s: s["Both"]["Branches"][1]["States"]["Right"].update(Next="Left")),
                        "Both.Branches[1]: Right.Next 'Left'"),
    "Parallel StartAt": (broken(lambda s: s["Both"]["Branches"][0].update(StartAt="Right")),
                         "Both.Branches[0]: StartAt 'Right'"),
    "Map": (broken(lambda s: s["Each"]["ItemProcessor"].update(StartAt="Two")), "Each.ItemProcessor: StartAt 'Two'"),
    "Map Iterator": (broken(map_with_iterator_leaving_its_scope), "Each.Iterator: One.Next 'Each'"),
    "no Next nor End": (broken(lambda s: s["Work"].pop("Next")), "Work has neither Next nor End"),
}


def test_asl_checker_passes_a_sound_definition() -> None:
    # Given a definition using every kind of reference correctly / When it is checked
    problems = asl_problems(json.dumps(VALID_ASL), {})
    # Then nothing is reported
    assert problems == []


@pytest.mark.parametrize("case", sorted(BROKEN_ASL))
def test_asl_checker_reports_a_dangling_reference(case: str) -> None:
    # Given a definition with one reference that names no state in its scope
    document, expected = BROKEN_ASL[case]
    # When it is checked
    problems = asl_problems(json.dumps(document), {})
    # Then exactly that reference is reported
    assert len(problems) == 1 and expected in problems[0], problems


def test_asl_checker_reports_what_moto_cannot_parse_and_what_is_not_json() -> None:
    # Given a definition with a state type ASL does not have, and a file that is not JSON
    bogus = broken(lambda s: s["Done"].update(Type="Succeeded"))
    # When they are checked / Then both are reported
    assert any("moto's ASL parser rejects it" in p for p in asl_problems(json.dumps(bogus), {}))
    assert asl_problems('{"StartAt": "A", "States": {', {})[0].startswith("not JSON")


def test_asl_checker_fills_placeholders_with_the_given_values() -> None:
    # Given a Task whose Resource is a placeholder
    text = json.dumps(VALID_ASL)
    # When the substitution gives it something that is not an ARN / Then moto's parser rejects it
    assert any("rejects" in p for p in asl_problems(text, {"WorkFunctionArn": "not-an-arn"}))
    # And with a real function ARN it parses
    assert asl_problems(text, {"WorkFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"}) == []


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda p: p.name)
def test_state_machine_file_is_sound(path: Path) -> None:
    # Given a definition under statemachines/, filled in as its state machines' substitutions would
    values = substitution_values(path)
    # When it is checked / Then it is JSON, moto parses it, and every reference resolves
    assert asl_problems(path.read_text(), values) == []


def test_substitution_check_reports_a_placeholder_without_a_substitution() -> None:
    # Given a definition that uses ${WorkFunctionArn} and ${TableName}
    text = json.dumps(broken(lambda s: s["Done"].update(Type="Pass", End=True, Parameters={"t": "${TableName}"})))
    # When only one of them is substituted / Then the other is reported
    assert missing_substitutions(text, {"WorkFunctionArn": {"Fn::GetAtt": "F.Arn"}}) == {"TableName"}
    # And when both are, nothing is
    assert missing_substitutions(text, {"WorkFunctionArn": "a", "TableName": "b"}) == set()


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_substitutes_every_placeholder(machine: str) -> None:
    # Given a state machine of the template and its definition
    spec = STATE_MACHINES[machine]
    text = definition_text(spec)
    # Then every ${Name} in the definition has a DefinitionSubstitutions entry
    missing = missing_substitutions(text, spec["Properties"].get("DefinitionSubstitutions", {}))
    assert not missing, f"{machine}: no DefinitionSubstitutions for {sorted(missing)}"
    # And the definition, substituted as deployed, is sound
    resolved = fake_resolver(TEMPLATE_DATA).resolve(spec["Properties"].get("DefinitionSubstitutions", {}))
    assert asl_problems(text, {key: str(value) for key, value in resolved.items()}) == []


def test_logs_are_kept_a_limited_time_and_every_function_and_the_api_write_to_them(
        cfn: dict[str, dict[str, Any]]) -> None:
    groups = resources_of({"Resources": cfn}, "AWS::Logs::LogGroup")
    assert groups and all("RetentionInDays" in spec["Properties"] for spec in groups.values())
    functions = resources_of({"Resources": cfn}, "AWS::Lambda::Function")
    assert [n for n, spec in functions.items() if not refers_to(spec["Properties"].get("LoggingConfig"),
                                                                  "FunctionLogGroup")] == []
    stages = resources_of({"Resources": cfn}, "AWS::ApiGateway::Stage")
    assert stages and all(refers_to(spec["Properties"].get("AccessLogSetting"), "ApiAccessLogGroup")
                          for spec in stages.values())


#: what would write events, requests or workflows' data whole into the logs (docs/deploy.md)
LOGS_EVERYTHING = {"POWERTOOLS_LOGGER_LOG_EVENT", "POWERTOOLS_DEBUG", "POWERTOOLS_DEV",
                   "POWERTOOLS_EVENT_HANDLER_DEBUG"}


def test_every_log_group_is_kept_for_the_deploys_log_retention_and_none_is_made_without_one(
        cfn: dict[str, dict[str, Any]]) -> None:
    # Given every log group of the stack: each is kept LogRetentionDays (the deploy's choice), none for ever
    groups = resources_of({"Resources": cfn}, "AWS::Logs::LogGroup")
    assert [n for n, spec in groups.items() if not refers_to(spec["Properties"].get("RetentionInDays"),
                                                             "LogRetentionDays")] == []
    # And nothing makes a log group of its own, which AWS would keep for ever: no API execution logging
    # (it would also log request bodies), and a workflow logs, if at all, without its data, to one of them
    settings = [m for spec in resources_of({"Resources": cfn}, "AWS::ApiGateway::Stage").values()
                for m in spec["Properties"].get("MethodSettings", [])]
    assert settings and all("LoggingLevel" not in m and not m.get("DataTraceEnabled") for m in settings)
    for name, spec in resources_of({"Resources": cfn}, "AWS::StepFunctions::StateMachine").items():
        logging_ = spec["Properties"].get("LoggingConfiguration")
        if logging_ is None:
            continue
        assert logging_.get("IncludeExecutionData") is False, name
        assert all(any(refers_to(d, group) for group in groups) for d in logging_.get("Destinations", [])), name


def test_no_function_is_told_to_log_its_events_whole(cfn: dict[str, dict[str, Any]]) -> None:
    for name, spec in resources_of({"Resources": cfn}, "AWS::Lambda::Function").items():
        variables = spec["Properties"].get("Environment", {}).get("Variables", {})
        assert not LOGS_EVERYTHING & set(variables), name
        assert str(variables.get("POWERTOOLS_LOG_LEVEL", "INFO")).upper() in ("INFO", "WARNING", "ERROR"), name


def test_what_holds_customers_and_their_work_outlives_the_stack(cfn: dict[str, dict[str, Any]]) -> None:
    kept = {"AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::SQS::Queue"}
    loose = [name for name, spec in cfn.items() if spec["Type"] in kept
             and (spec.get("DeletionPolicy"), spec.get("UpdateReplacePolicy")) != ("Retain", "Retain")]
    assert loose == []


def test_no_secret_is_a_parameter_or_in_a_functions_environment(cfn: dict[str, dict[str, Any]]) -> None:
    # Given the template's parameters: none holds a secret (a deploy would copy it in plain text)
    assert [name for name, spec in TEMPLATE_DATA["Parameters"].items() if spec.get("NoEcho")] == []
    secrets = resources_of({"Resources": cfn}, "AWS::SecretsManager::Secret")
    assert {"StripeSecret", "MetaSecret", "XSecret"} <= set(secrets)
    for name, spec in resources_of({"Resources": cfn}, "AWS::Lambda::Function").items():
        variables = spec["Properties"].get("Environment", {}).get("Variables", {})
        for variable, value in variables.items():
            # Then a function is given a secret's ARN only, under *_SECRET_ARN, and may read that secret
            named = [secret for secret in secrets if refers_to(value, secret)]
            assert bool(named) == variable.endswith("_SECRET_ARN"), f"{name}: {variable}"
            if named:
                role = cfn[spec["Properties"]["Role"]["Fn::GetAtt"][0]]
                grants = [s for p in role["Properties"].get("Policies", [])
                          for s in p["PolicyDocument"]["Statement"] if refers_to(s.get("Resource"), named[0])]
                assert any("secretsmanager:GetSecretValue" in g["Action"] for g in grants), f"{name}: {named[0]}"
