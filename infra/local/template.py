"""Reads template.yaml and resolves CloudFormation intrinsics against the local cloud's resources."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ACCOUNT = "123456789012"
NO_VALUE = object()


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as plain JSON-like data (intrinsics as {"Ref": ...}, {"Fn::Sub": ...})."""
    return json.loads(json.dumps(cfn_yaml.loads(path.read_text(), str(path))))


@dataclass
class Resolver:
    """Resolves Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If/Equals/Not for the local cloud.

    `physical` maps a logical id to what Ref returns; `attributes` maps (logical id, attribute)
    to what Fn::GetAtt returns. Both fill up as the local cloud creates resources.
    """

    template: dict[str, Any]
    region: str
    stack_name: str
    parameters: dict[str, str] = field(default_factory=dict)
    physical: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in self.template.get("Parameters", {}).items():
            self.parameters.setdefault(name, str(spec.get("Default", "")))

    def ref(self, name: str) -> Any:
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT, "AWS::StackName": self.stack_name,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": NO_VALUE}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical:
            return self.physical[name]
        raise KeyError(f"Ref {name}: not a parameter or a resource the local cloud has created")

    def get_att(self, name: str, attribute: str) -> Any:
        try:
            return self.attributes[(name, attribute)]
        except KeyError:
            raise KeyError(f"Fn::GetAtt {name}.{attribute}: not known to the local cloud") from None

    def _sub(self, text: str, extra: dict[str, Any]) -> str:
        def one(match: re.Match) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in extra:
                return str(extra[token])
            if "." in token:
                return str(self.get_att(*token.split(".", 1)))
            return str(self.ref(token))
        return re.sub(r"\$\{([^}]+)\}", one, text)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            handlers: dict[str, Callable[[Any], Any]] = {
                "Ref": lambda a: self.ref(a),
                "Fn::GetAtt": lambda a: self.get_att(*(a.split(".", 1) if isinstance(a, str) else a)),
                "Fn::Sub": lambda a: self._sub(a, {}) if isinstance(a, str)
                else self._sub(a[0], {k: self.resolve(v) for k, v in a[1].items()}),
                "Fn::Join": lambda a: a[0].join(str(x) for x in self.resolve(a[1])),
                "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
                "Fn::Not": lambda a: not self.resolve(a[0]),
                "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
                "Condition": lambda a: self.condition(a),
            }
            if key in handlers:
                return handlers[key](arg)
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not NO_VALUE}

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resource, for every resource of this type."""
        return {name: spec for name, spec in self.template["Resources"].items() if spec["Type"] == kind}

    def function_globals(self) -> dict[str, Any]:
        return self.template.get("Globals", {}).get("Function", {})


@dataclass(frozen=True)
class Route:
    """A route of the API: the function behind it, its path and method, and whether it needs a token."""

    function: str
    resource: str
    method: str
    authorized: bool


def api_routes(template: dict[str, Any]) -> list[Route]:
    """Every Api event of every function in the template: its path, method and whether the
    API's authorizer stands in front of it."""
    resources = template["Resources"]
    apis = {name: spec for name, spec in resources.items() if spec["Type"] == "AWS::Serverless::Api"}
    found = []
    for name, spec in ((n, s) for n, s in resources.items() if s["Type"] == "AWS::Serverless::Function"):
        for event in spec["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            api = apis.get(props.get("RestApiId", {}).get("Ref", ""), {})
            default_auth = api.get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
            auth = props.get("Auth", {}).get("Authorizer", default_auth)
            found.append(Route(name, props["Path"], props["Method"].upper(), auth not in (None, "NONE")))
    return found
