"""The API's contract against its routes: how many routes of template.yaml the kept OpenAPI
document (docs/openapi.json, what the portal publishes) leaves out, or documents without a schema
for an answer it gives (no cloud), and how many failures schemathesis finds over every route (on
a local cloud of its own, in a process of its own: tests/fuzzing.py). The goal is 0 for both.

`.venv/bin/python -m bench.contract` from the repository root prints the result as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.local.template import api_routes, load_template
from infra.openapi.document import DOCUMENT, document, text
from tests.fuzzing import run_apart


def _resolves(data: dict[str, Any], schema: Any) -> bool:
    """Every reference of `schema` into the document's components names one that is there."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            parts = ref.removeprefix("#/").split("/")
            if parts[:2] != ["components", "schemas"] or parts[2] not in data.get("components", {}).get("schemas", {}):
                return False
        return all(_resolves(data, v) for k, v in schema.items() if k != "$ref")
    if isinstance(schema, list):
        return all(_resolves(data, item) for item in schema)
    return True


def _has_schemas(data: dict[str, Any], operation: dict[str, Any]) -> bool:
    """A success answer, and every answer (success and errors) with a schema that resolves."""
    responses = operation.get("responses", {})
    if not any(status.startswith("2") for status in responses):
        return False
    for answer in responses.values():
        if "$ref" in answer:
            answer = data.get("components", {}).get("responses", {}).get(answer["$ref"].rsplit("/", 1)[-1], {})
        content = answer.get("content") or {}
        schemas = [media.get("schema") for media in content.values()]
        if not schemas or not all(s and _resolves(data, s) for s in schemas):
            return False
    return True


def routes_without_schema(path: Path = DOCUMENT, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Template routes the document at `path` leaves out or documents without response schemas."""
    template = template or load_template()
    data = json.loads(path.read_text()) if path.exists() else {}
    routes = [f"{r.method} {r.resource}" for r in api_routes(template)]
    missing, schemaless = [], []
    for key in routes:
        method, resource = key.split(" ", 1)
        operation = data.get("paths", {}).get(resource, {}).get(method.lower())
        if operation is None:
            missing.append(key)
        elif not _has_schemas(data, operation):
            schemaless.append(key)
    try:
        up_to_date = path.exists() and path.read_text() == text(document(template))
    except KeyError:  # a route the declarations do not know: the generator refuses
        up_to_date = False
    return {"routes_without_schema": len(missing) + len(schemaless), "routes": len(routes),
            "missing": missing, "without_schema": schemaless, "document_up_to_date": up_to_date}


def schemathesis(*, log: Callable[[str], None]) -> dict[str, Any]:
    """Schemathesis over every route, as `make test` runs it (tests/fuzzing.py: a local cloud of
    its own, a customer and staff, positive, negative and stateful cases, derandomised)."""
    with tempfile.TemporaryDirectory(prefix="bench-schemathesis-") as folder:
        outcome = run_apart(Path(folder))
    log(f"  schemathesis: {outcome.count} failures over {outcome.operations} operations, {outcome.test_cases} "
        f"test cases in {outcome.seconds:.0f} s (goal 0 failures)")
    for failure in outcome.failures:
        log(f"    {failure['code']} {failure['title']}: {', '.join(failure.get('operations', []))}")
    return {"schemathesis_failures": outcome.count,
            "schemathesis": {"operations": outcome.operations, "test_cases": outcome.test_cases,
                             "seconds": outcome.seconds, "failures": outcome.failures}}


def run(*, log: Callable[[str], None]) -> dict[str, Any]:
    found = routes_without_schema()
    log(f"  {found['routes_without_schema']} of {found['routes']} routes without a schema in "
        f"{DOCUMENT.name} (goal 0); the kept document is {'' if found['document_up_to_date'] else 'NOT '}up to date")
    fuzzed = schemathesis(log=log)
    return {"contract": {"routes_without_schema": found["routes_without_schema"],
                         "schemathesis_failures": fuzzed["schemathesis_failures"]},
            "contract_detail": {**{k: v for k, v in found.items() if k != "routes_without_schema"},
                                "schemathesis": fuzzed["schemathesis"]}}


if __name__ == "__main__":
    print(json.dumps(run(log=lambda line: print(line, file=sys.stderr)), indent=2))
