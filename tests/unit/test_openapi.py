"""The API's OpenAPI document (infra/openapi, kept at docs/openapi.json) says what the API does:
every route of the template and no other, with the request schema its code validates with and the
errors its code can raise (read from the code, tests/code_paths.py), valid OpenAPI 3.1, kept up
to date; and the check that holds the integration tests' answers to it can fail."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from infra.local.template import ROOT, api_routes, load_template
from infra.openapi.document import DOCUMENT, document, error_codes, errors_of, schema_files, text
from infra.openapi.routes import PROVIDER_EVENT, ROUTES
from tests.code_paths import route_code
from tests.contract import Contract

DOCUMENTED = document()
TEMPLATE_ROUTES = {f"{r.method} {r.resource}": r for r in api_routes(load_template())}
#: the `code` of an error body by status, as a client reads it (the functions' and the gateway's alike)
CODES = {"400": "invalid_input", "401": "not_authenticated", "403": "forbidden", "404": "not_found", "409": "conflict",
         "410": "gone", "413": "payload_too_large", "429": "throttled", "503": "unavailable", "5XX": "internal_error"}


def _operations(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": operation for path, item in data["paths"].items()
            for method, operation in item.items()}


def test_every_route_of_the_template_is_documented_and_nothing_else():
    assert len(TEMPLATE_ROUTES) >= 68
    assert sorted(_operations(DOCUMENTED)) == sorted(TEMPLATE_ROUTES)
    assert sorted(ROUTES) == sorted(TEMPLATE_ROUTES), "infra/openapi/routes.py declares a route the template lacks"


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENTED["openapi"] == "3.1.0"
    validate(DOCUMENTED)


def test_the_kept_document_is_the_one_the_generator_makes_now():
    assert DOCUMENT.read_text() == text(DOCUMENTED), "docs/openapi.json is out of date: run `make openapi`"


@pytest.mark.parametrize("key", sorted(TEMPLATE_ROUTES))
def test_who_may_call_a_route_is_the_templates_and_the_edges(key):
    route, operation = TEMPLATE_ROUTES[key], _operations(DOCUMENTED)[key]
    assert operation["security"] == ([{"cognito": []}] if route.authorized else [])
    expected = {"me": "customer", "agent": "staff", "privacy": "privacy officer"}.get(key.split(" ")[1].split("/")[1],
                                                                                      "anyone")
    assert operation["x-audience"] == expected
    responses = operation["responses"]
    assert ("401" in responses) == route.authorized
    assert ("403" in responses) == (expected != "anyone" or 403 in ROUTES[key].errors)


@pytest.mark.parametrize("key", sorted(TEMPLATE_ROUTES))
def test_every_route_has_a_schema_for_its_success_and_its_errors(key):
    responses = _operations(DOCUMENTED)[key]["responses"]
    success = [status for status in responses if status.startswith("2")]
    assert success == [str(ROUTES[key].status), *map(str, ROUTES[key].also)]
    content = responses[success[0]]["content"]
    assert "schema" in next(iter(content.values()))
    for status, answer in responses.items():
        if not status.startswith("2"):
            answer = DOCUMENTED["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]] \
                if "$ref" in answer else answer
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/error", "properties": {"code": {"const": CODES[status]}}}


@pytest.mark.parametrize("key", sorted(TEMPLATE_ROUTES))
def test_the_request_schema_documented_is_the_one_the_routes_code_validates_with(key):
    code, operation = route_code()[key], ROUTES[key]
    assert code.schemas == ({operation.request} if operation.request else set()), (
        f"{key}: its code ({code.handler}) validates the body with {sorted(code.schemas) or 'no schema'}; "
        f"infra/openapi/routes.py says {operation.request}")
    # a route that reads a body documents it: a provider's event is read as sent first (its signature covers
    # the bytes), everything else only as a JSON object of text
    documented = operation.request is not None or operation.body is not None
    assert ("requestBody" in _operations(DOCUMENTED)[key]) == documented
    if operation.body is PROVIDER_EVENT:
        assert code.reads & {"raw_body", "text_body"}, f"{key}: a signed body read as sent: {sorted(code.reads)}"
    else:  # json_body reads through the others
        assert ("json_body" in code.reads) == documented, f"{key}: reads {sorted(code.reads)}"
        assert bool(code.reads) == documented, f"{key}: reads {sorted(code.reads)}"


@pytest.mark.parametrize("key", sorted(TEMPLATE_ROUTES))
def test_the_errors_documented_are_those_the_routes_code_can_raise(key):
    code, operation = route_code()[key], ROUTES[key]
    documented = {int(s) for s in errors_of(TEMPLATE_ROUTES[key], operation) if s.isdigit()}
    missing = code.statuses - documented - set(operation.unanswered)
    assert not missing, f"{key}: its code can raise errors answered with {sorted(missing)}, not documented"
    invented = set(operation.errors) - code.statuses
    assert not invented, f"{key}: documents {sorted(invented)}, which nothing on its code path raises"
    stale = set(operation.unanswered) - code.statuses
    assert not stale, f"{key}: says its code path raises {sorted(stale)} and cannot answer them; it raises none"
    assert not set(operation.unanswered) & documented


def test_the_gateways_error_codes_must_agree_with_the_functions():
    assert {k: v for k, v in error_codes(load_template()).items() if k in CODES} == CODES
    template = load_template()
    api = next(spec for spec in template["Resources"].values() if spec["Type"] == "AWS::Serverless::Api")
    api["Properties"]["GatewayResponses"]["UNAUTHORIZED"]["ResponseTemplates"]["application/json"] = \
        '{"code": "unauthorized", "reason": "not_signed_in", "message": "sign in first"}'
    with pytest.raises(ValueError, match="the gateway answers 401 .UNAUTHORIZED. as unauthorized"):
        error_codes(template)


def test_the_staff_request_routes_extra_field_is_the_handlers_own_check():
    tree = ast.parse((ROOT / "functions" / "service_desk" / "app.py").read_text())
    channels = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "STAFF_CHANNELS" for t in node.targets))
    fields = ROUTES["POST /agent/customers/{customer_id}/requests"].request_fields
    assert fields["channel"]["enum"] == list(channels)


def test_every_schema_file_is_a_valid_schema_and_every_answer_schema_is_used():
    for path in schema_files().values():
        Draft202012Validator.check_schema(json.loads(path.read_text()))
    answers = {name for name, path in schema_files().items() if path.parent.name == "responses"}
    assert answers - set(DOCUMENTED["components"]["schemas"]) == set()


# ---------------------------------------------------------------- the reading of the code


def test_the_code_reading_follows_calls_into_the_layer_and_leaves_out_what_is_caught():
    routes = route_code()
    # PATCH /me: the handler calls update_customer, which validates; GET /me reads no body
    assert routes["PATCH /me"].schemas == {"customer-update"} and "json_body" in routes["PATCH /me"].reads
    assert routes["GET /me"].schemas == set() and not routes["GET /me"].reads
    # the sign-up is handed to the idempotency wrapper, not called: still followed
    assert routes["POST /signups"].schemas == {"signup"}
    # the identity webhook's unknown sign-up (NotFound) is caught and ignored: no 404
    assert 404 not in routes["POST /webhooks/identity"].statuses
    # an error handed back and raised by the caller counts (an invoice that cannot be spread)
    assert 409 in routes["POST /me/invoices/{invoice_id}/arrangement"].statuses
    # ...and one only handed back does not (the invoice's actions, read on every GET)
    assert 409 not in routes["GET /me/invoices"].statuses


# ---------------------------------------------------------------- the check of the tests' answers


def _answer(method: str, path: str, status: int, body: Any, kind: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers["Content-Type"] = kind
    response.request = requests.Request(method, f"http://127.0.0.1:3000{path}").prepare()
    return response


CHECK = Contract(DOCUMENTED)
TERMS = {"version": "2026-11", "sha256": "0" * 64, "text": "..."}
NOT_FOUND = {"code": "not_found", "reason": "invoice_not_found", "message": "no such invoice"}


def test_an_answer_as_documented_passes():
    CHECK.check(_answer("GET", "/terms", 200, TERMS))
    CHECK.check(_answer("GET", "/me/invoices/OC-20261101-0a1b2c3d", 404, NOT_FOUND))
    CHECK.check(_answer("GET", "/me/invoices/OC-20261101-0a1b2c3d", 502, {**NOT_FOUND, "code": "internal_error"}))
    CHECK.check(_answer("GET", "/webhooks/whatsapp", 200, b"challenge", "text/plain; charset=utf-8"))
    CHECK.check(_answer("GET", "/local/mailbox?to=x", 200, {"messages": []}))  # not the API


def test_an_undocumented_status_fails_naming_the_route():
    with pytest.raises(AssertionError, match=r"GET /terms answered 404, which the API's document does not give"):
        CHECK.check(_answer("GET", "/terms", 404, NOT_FOUND))


def test_a_body_that_breaks_the_schema_fails_naming_route_status_and_error():
    with pytest.raises(AssertionError, match=r"GET /terms answered 200, breaking .* at sha256: 'x' does not match"):
        CHECK.check(_answer("GET", "/terms", 200, {**TERMS, "sha256": "x"}))
    with pytest.raises(AssertionError, match=r"GET /me/invoices/\{invoice_id\} answered 404, .*'reason' is a required"):
        CHECK.check(_answer("GET", "/me/invoices/OC-1", 404, {"code": "not_found", "message": "gone"}))
    with pytest.raises(AssertionError, match=r"answered 200 as text/html; the document says application/json"):
        CHECK.check(_answer("GET", "/terms", 200, b"<html>", "text/html"))


def test_the_gateways_answer_for_a_route_the_api_lacks_is_an_error_in_the_apis_shape():
    CHECK.check(_answer("DELETE", "/me", 404, {"code": "not_found", "reason": "route_not_found", "message": "no"}))
    with pytest.raises(AssertionError, match="DELETE /me"):
        CHECK.check(_answer("DELETE", "/me", 404, {"message": "Missing Authentication Token"}))


# ---------------------------------------------------------------- published with the portal


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_object(self, **call: Any) -> None:
        self.calls.append(call)

    def create_invalidation(self, **call: Any) -> None:
        self.calls.append(call)


def test_the_deploy_publishes_the_document_beside_the_pages_with_the_apis_address():
    from infra.deploy.portal import publish

    s3, cloudfront = _Recorder(), _Recorder()
    outputs = {"PortalBucketName": "portal", "PortalDistributionId": "E1", "ApiUrl": "https://api.example/dev/",
               "LoginDomain": "https://login.example", "UserPoolClientId": "client"}
    count = publish(outputs, s3, cloudfront)
    uploaded = {call["Key"]: call for call in s3.calls}
    assert count == len(uploaded)
    published = uploaded["openapi.json"]
    assert (published["ContentType"], published["CacheControl"]) == ("application/json", "no-cache")
    served = json.loads(published["Body"])
    assert served["servers"] == [{"url": "https://api.example/dev"}]
    assert {k: v for k, v in served.items() if k != "servers"} == json.loads(DOCUMENT.read_text())


def test_the_bench_counts_routes_the_kept_document_leaves_out_or_gives_no_schema(tmp_path):
    from bench.contract import routes_without_schema

    assert routes_without_schema()["routes_without_schema"] == 0
    broken = json.loads(DOCUMENT.read_text())
    del broken["paths"]["/me/usage"]["get"]
    broken["paths"]["/faq"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/no-such-schema"}
    del broken["paths"]["/terms"]["get"]["responses"]["200"]
    (tmp_path / "openapi.json").write_text(json.dumps(broken))
    found = routes_without_schema(tmp_path / "openapi.json")
    assert (found["missing"], found["without_schema"]) == (["GET /me/usage"], ["GET /terms", "GET /faq"])
    assert found["routes_without_schema"] == 3 and not found["document_up_to_date"]


# ---------------------------------------------------------------- links: what a client does next


def _schema_at(schema: dict[str, Any], pointer: list[str]) -> dict[str, Any] | None:
    """The part of an answer's schema a JSON pointer into its body reaches, through references."""
    while "$ref" in schema and "properties" not in schema:
        schema = _resolve(schema["$ref"])
    if not pointer:
        return schema
    head, rest = pointer[0], pointer[1:]
    if head.isdigit():
        return _schema_at(schema["items"], rest) if "items" in schema else None
    if head in schema.get("properties", {}):
        return _schema_at(schema["properties"][head], rest)
    return _schema_at(_resolve(schema["$ref"]), pointer) if "$ref" in schema else None


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = DOCUMENTED
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _links() -> list[tuple[str, str, dict[str, Any]]]:
    return [(key, name, link) for key, operation in _operations(DOCUMENTED).items()
            for answer in operation["responses"].values() for name, link in answer.get("links", {}).items()]


@pytest.mark.parametrize(("key", "name", "link"), _links(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_link_leads_to_an_operation_and_fills_its_parameters_from_the_answer(key, name, link):
    targets = {operation["operationId"]: (k, operation) for k, operation in _operations(DOCUMENTED).items()}
    assert link["operationId"] in targets and name == link["operationId"]
    _, target = targets[link["operationId"]]
    parameters = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
    assert set(link.get("parameters", {})) <= parameters
    assert {f"path.{p}" for p in re.findall(r"\{(\w+)\}", targets[link["operationId"]][0])} <= set(
        link.get("parameters", {})), "every path parameter of the target is filled in"
    answer = next(a for s, a in _operations(DOCUMENTED)[key]["responses"].items() if s.startswith("2"))
    schema = answer["content"]["application/json"]["schema"]
    source = re.findall(r"\{(\w+)\}", key)
    for expression in [*link.get("parameters", {}).values(), *link.get("requestBody", {}).values()]:
        if expression.startswith("$request.path."):
            assert expression.removeprefix("$request.path.") in source
        else:
            pointer = expression.removeprefix("$response.body#/").split("/")
            assert expression.startswith("$response.body#/") and _schema_at(schema, pointer) is not None, expression
    if "requestBody" in link:
        body = target["requestBody"]["content"]["application/json"]["schema"]
        assert set(link["requestBody"]) <= set(_schema_at(body, [])["properties"])


def test_the_link_check_finds_a_pointer_the_answer_does_not_have():
    invoices = _operations(DOCUMENTED)["GET /me/invoices"]["responses"]["200"]["content"]["application/json"]
    assert _schema_at(invoices["schema"], ["items", "0", "invoice_id"]) is not None
    assert _schema_at(invoices["schema"], ["items", "0", "invoice_number"]) is None
