"""The OpenAPI 3.1 document of the API, made from template.yaml (paths, methods, which routes the
Cognito authorizer guards, each function's description), the layer's JSON Schemas (request bodies
in contracts/requests, answers in contracts/responses) and routes.py (what those cannot say).

The schema files become components under their file's name (`customer-update`, `invoice`...),
their references rewritten to point there; the gateway's own answers and what every route of a
kind can answer are added here, once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.local.template import ROOT, Route, api_routes, load_template
from infra.openapi.routes import LINKS, PATH_PARAMETERS, PATH_SCHEMAS, PROVIDER_EVENT, ROUTES, Link, Operation, Param
from infra.openapi.routes import text as text_kind
from opencounter.edge.http import CONTACT_HEADER, REASON_HEADER, REASON_MAX, reads_on_record

CONTRACTS = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts"
#: where the document is kept (make openapi writes it; a test checks it is up to date)
DOCUMENT = ROOT / "docs" / "openapi.json"
VERSION = "1.0.0"
#: who may call routes under these paths (the edge's guard, opencounter.edge.http)
AUDIENCES = {"/me": ("customer", "a signed-in customer, acting on their own record (group customers)"),
             "/agent": ("staff", "staff: members of the agents, admins or privacy group"),
             "/privacy": ("privacy officer", "a privacy officer (group privacy)")}
COMPONENT = "#/components/schemas/"
JSON = "application/json"
REF = re.compile(r"^(?P<file>[a-z0-9_-]+)\.schema\.json(?:#(?P<pointer>.*))?$")
BODY_LIMITS = "larger than 16 KB (the function reads no more) or 10 MB (the gateway's limit) (body_too_large)"


def schema_files() -> dict[str, Path]:
    """Every request and response schema, by name (the file's name without .schema.json)."""
    found: dict[str, Path] = {}
    for folder in ("requests", "responses"):
        for path in sorted((CONTRACTS / folder).glob("*.schema.json")):
            name = path.name.removesuffix(".schema.json")
            if name in found:
                raise ValueError(f"{name}: a request and a response schema may not share a name")
            found[name] = path
    return found


def _component(name: str, schema: Any) -> Any:
    """A schema file as a component: no $id or $schema, and every reference pointing into the
    document's components (a file's own "#/..." into its own component)."""
    if isinstance(schema, list):
        return [_component(name, item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("$id", "$schema"):
            continue
        if key == "$ref":
            result[key] = _reference(name, value)
        elif key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            result[key] = {k: _component(name, v) for k, v in value.items()}
        else:
            result[key] = _component(name, value)
    return result


def _reference(name: str, ref: str) -> str:
    if ref.startswith("#"):
        return f"{COMPONENT}{name}{ref[1:]}"
    match = REF.match(ref)
    if match is None:
        raise ValueError(f"{name}: a reference to another schema of the contracts only, not {ref!r}")
    return f"{COMPONENT}{match['file']}{match['pointer'] or ''}"


def _references(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(COMPONENT):
                yield value.removeprefix(COMPONENT).split("/")[0]
            else:
                yield from _references(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _references(item)


def _parameter(location: str, param: Param) -> dict[str, Any]:
    return {"name": param.name, "in": location, "required": param.required, "description": param.description,
            "schema": param.schema}


def _audience(route: Route) -> tuple[str, str]:
    for prefix, audience in AUDIENCES.items():
        if route.resource == prefix or route.resource.startswith(prefix + "/"):
            return audience
    if route.authorized:
        return "signed-in", "anyone signed in"
    return "anyone", "anyone, no token" if not route.resource.startswith("/webhooks/") else \
        "the provider, no token: the body's signature is checked"


def _request_body(operation: Operation, schemas: dict[str, Any]) -> dict[str, Any] | None:
    if operation.request is not None:
        schema: dict[str, Any] = {"$ref": f"{COMPONENT}{operation.request}"}
        if operation.request_fields:
            # the schema closes its object: a copy of its fields with the route's own added
            base = _component(operation.request, schemas[operation.request])
            schema = {**base, "title": f"{base.get('title', operation.request)}; this route also takes "
                                       f"{', '.join(operation.request_fields)}",
                      "properties": {**base["properties"], **operation.request_fields}}
        return {"required": True, "content": {JSON: {"schema": schema}}}
    if operation.body is not None:
        return {"required": True, "content": {JSON: {"schema": operation.body}}}
    return None


#: what every route of a kind can answer, once: components/responses (name -> status, when)
COMMON_ERRORS = {
    "not-signed-in": (401, "no valid token (the authorizer: not_signed_in)"),
    "customers-only": (403, "the caller is not a customer (customers_only)"),
    "staff-only": (403, "the caller is not staff (staff_only)"),
    "privacy-officers-only": (403, "the caller is not a privacy officer (privacy_officers_only)"),
    "body-too-large": (413, f"the body is {BODY_LIMITS}"),
    "throttled": (429, "too many requests: try again shortly (the gateway: busy_try_again)"),
    "server-error": ("5XX", "something went wrong on our side (500, internal_error), the function failed (502, "
                            "server_error) or took too long (504)"),
}
BAD_BODY = ("the body is not a JSON object of text (body_not_json, body_not_utf8, body_too_deep, text_invalid), or "
            "a field breaks the request schema: `field` names it, `reason` says how (field_required, field_format, "
            "field_too_long...)")
BAD_PARAMETER = ("a path or query parameter is not the kind of text it is (an id, a line): `field` names it "
                 "(field_format, field_required when empty)")
TEXT_KINDS = "#/components/schemas/_text/"
#: what every staff read can answer besides its own: it is put on record (opencounter.edge.http)
BAD_WHY = (f"{CONTACT_HEADER} is not an id, or {REASON_HEADER} is empty, not one line of percent-encoded UTF-8 "
           f"text or longer than {REASON_MAX} characters: `field` names the header")
NOT_ON_RECORD = ("the read could not be put on record (unavailable: access_log_unavailable): nothing is shown, "
                 "try again shortly")
#: the headers a staff read says why with
WHY_HEADERS = (Param(CONTACT_HEADER, "the contact the staff member is handling (on record with the read); a route "
                                     "about a contact is handling that one when none is named",
                     text_kind("identifier")),
               Param(REASON_HEADER, f"why, in the staff member's words when no contact is: one line, percent-encoded "
                                    f"UTF-8, at most {REASON_MAX} characters (on record with the read)"))
PROVIDER_BODY = "after the signature, the body is not a JSON object of text (body_not_json, body_not_utf8...)"


def _subclasses(kind: type) -> Iterator[type]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_codes(template: dict[str, Any]) -> dict[str, str]:
    """The `code` an error body has, by status: the layer's errors (opencounter.core.errors, the
    functions' answers) and the gateway's own (the template's GatewayResponses), which agree."""
    from opencounter.core.errors import DomainError

    codes: dict[str, str] = {}
    for kind in _subclasses(DomainError):
        codes.setdefault(str(kind.status), kind.code)
    api = next(spec for spec in template["Resources"].values() if spec["Type"] == "AWS::Serverless::Api")
    for name, spec in api["Properties"].get("GatewayResponses", {}).items():
        status = str(spec.get("StatusCode") or ("5XX" if name == "DEFAULT_5XX" else "4XX"))
        body = spec["ResponseTemplates"]["application/json"].replace("$context.error.messageString", '""')
        code = json.loads(body)["code"]
        if codes.setdefault(status, code) != code:
            raise ValueError(f"the gateway answers {status} ({name}) as {code}, the functions as {codes[status]}")
    return codes


def _reason(when: str) -> str:
    """The reason a common answer names in brackets at its end: "... (staff_only)" -> "(staff_only)"."""
    return when[when.rindex("("):]


def errors_of(route: Route, operation: Operation) -> dict[str, str]:
    """Every error status the route can answer: its own (status -> when), and what every route of
    its kind gives (status -> the name of the common answer in components/responses, with #)."""
    audience, _ = _audience(route)
    found = {str(status): when for status, when in operation.errors.items()}
    bad = []
    if "{" in route.resource or any(p.schema.get("$ref", "").startswith(TEXT_KINDS) for p in operation.query):
        bad.append(BAD_PARAMETER)
    if operation.request is not None or operation.body is not None:
        bad.append(PROVIDER_BODY if operation.body is PROVIDER_EVENT else BAD_BODY)
    if reads_on_record(route.method, route.resource):
        bad.append(BAD_WHY)
        found["503"] = "; ".join([NOT_ON_RECORD, *([found["503"]] if "503" in found else [])])
    if bad:
        found["400"] = "; ".join([*bad, *([found["400"]] if "400" in found else [])])
    common = []
    if route.authorized:
        common.append("not-signed-in")
    only = {"customer": "customers-only", "staff": "staff-only", "privacy officer": "privacy-officers-only"}
    if audience in only:
        common.append(only[audience])
    if route.method in ("POST", "PUT", "PATCH"):
        common.append("body-too-large")
    common += ["throttled", "server-error"]
    for name in common:
        status = str(COMMON_ERRORS[name][0])
        if status in found and _reason(COMMON_ERRORS[name][1]) in found[status]:
            continue  # the route's own answer narrows the common one, and says both
        if status in found:
            raise ValueError(f"{route.method} {route.resource}: {status} is what every such route gives; say it "
                             "in COMMON_ERRORS, not per route")
        found[status] = f"#{name}"
    return dict(sorted(found.items()))


def _error_content(status: str, codes: dict[str, str]) -> dict[str, Any]:
    """An error answer's body: the error schema, with the `code` of its status."""
    return {JSON: {"schema": {"$ref": f"{COMPONENT}error", "properties": {"code": {"const": codes[status]}}}}}


def _error_response(status: str, when: str, codes: dict[str, str]) -> dict[str, Any]:
    if when.startswith("#"):
        return {"$ref": f"#/components/responses/{when[1:]}"}
    return {"description": when, "content": _error_content(status, codes)}


def _operation(route: Route, operation: Operation, tag: str, schemas: dict[str, Any],
               codes: dict[str, str]) -> dict[str, Any]:
    audience, who = _audience(route)
    parameters = [{"name": name, "in": "path", "required": True, "description": PATH_PARAMETERS[name],
                   "schema": PATH_SCHEMAS.get(name, text_kind("identifier"))}
                  for name in re.findall(r"\{(\w+)\}", route.resource)]
    parameters += [_parameter("query", p) for p in operation.query]
    parameters += [_parameter("header", p) for p in operation.headers]
    if reads_on_record(route.method, route.resource):
        parameters += [_parameter("header", p) for p in WHY_HEADERS]
    content = {JSON: {"schema": {"$ref": f"{COMPONENT}{operation.response}"}}} if operation.response \
        else {"text/plain": {"schema": {"type": "string"}}}
    described = schemas[operation.response].get("title", operation.response) if operation.response \
        else "the challenge, echoed as text"
    responses: dict[str, Any] = {str(operation.status): {"description": described, "content": content}}
    for status, when in operation.also.items():
        responses[str(status)] = {"description": f"{described}: {when}", "content": content}
    links = LINKS.get(f"{route.method} {route.resource}", [])
    if links:
        responses[str(operation.status)]["links"] = dict(_link(link) for link in links)
    for status, when in errors_of(route, operation).items():
        responses[status] = _error_response(status, when, codes)
    result: dict[str, Any] = {
        "tags": [tag],
        "summary": operation.summary,
        "description": "\n\n".join(part for part in (f"Who: {who}.", operation.description) if part),
        "operationId": _operation_id(route),
        "x-audience": audience,
    }
    if parameters:
        result["parameters"] = parameters
    body = _request_body(operation, schemas)
    if body is not None:
        result["requestBody"] = body
    result["responses"] = responses
    result["security"] = [{"cognito": []}] if route.authorized else []
    return result


def _operation_id(route: Route) -> str:
    return operation_id(route.method, route.resource)


def operation_id(method: str, resource: str) -> str:
    """getMeInvoicesInvoiceId for GET /me/invoices/{invoice_id}."""
    words = [method.lower()] + [w for part in resource.strip("/").split("/")
                                for w in re.split(r"[^A-Za-z0-9]+", part) if w]
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _link(link: Link) -> tuple[str, dict[str, Any]]:
    """A link as the document has it, named after the operation it leads to."""
    target = operation_id(*link.to.split(" ", 1))
    found: dict[str, Any] = {"operationId": target}
    if link.parameters:
        found["parameters"] = dict(link.parameters)
    if link.body is not None:
        found["requestBody"] = dict(link.body)
    return target, found


def document(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document of every route of the template, as routes.py declares it."""
    template = template or load_template()
    files = {name: json.loads(path.read_text()) for name, path in schema_files().items()}
    routes = api_routes(template)
    unknown = sorted({f"{r.method} {r.resource}" for r in routes} - set(ROUTES))
    if unknown:
        raise KeyError(f"routes of the template that infra/openapi/routes.py does not declare: {unknown}")
    functions = template["Resources"]
    codes = error_codes(template)
    tags: dict[str, str] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        spec = functions[route.function]["Properties"]
        tag = spec["CodeUri"].strip("/").split("/")[-1]
        tags[tag] = spec.get("Description", "")
        operation = ROUTES[f"{route.method} {route.resource}"]
        paths.setdefault(route.resource, {})[route.method.lower()] = _operation(route, operation, tag, files, codes)
    used = {"error"} | set(_references(paths))
    components: dict[str, Any] = {}
    while used - set(components):
        for name in sorted(used - set(components)):
            if name not in files:
                raise KeyError(f"{name}: no such schema in contracts/requests or contracts/responses")
            components[name] = _component(name, files[name])
            used |= set(_references(components[name]))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OpenCounter API",
            "version": VERSION,
            "description": "The digital front counter of a subscription business: customers serve themselves "
                           "(/me), staff serve them (/agent), anyone signs up or reads the shop window and the "
                           "service information, providers deliver signed webhooks (/webhooks). Errors are one "
                           "shape (components/schemas/error): show the sentence for its `reason`.",
        },
        "tags": [{"name": name, "description": description} for name, description in sorted(tags.items())],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "responses": {name: {"description": when, "content": _error_content(str(status), codes)}
                          for name, (status, when) in COMMON_ERRORS.items()},
            "securitySchemes": {"cognito": {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "the ID token of the Cognito user pool (the managed login's authorization code "
                               "flow with PKCE), as it is: no Bearer prefix",
                "x-amazon-apigateway-authtype": "cognito_user_pools"}},
        },
    }


def text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def served(api_url: str, path: Path = DOCUMENT) -> dict[str, Any]:
    """The kept document as the portal serves it: with the API's address (it is not the portal's)."""
    data = json.loads(path.read_text())
    return {**{k: v for k, v in data.items() if k in ("openapi", "info")}, "servers": [{"url": api_url.rstrip("/")}],
            **{k: v for k, v in data.items() if k not in ("openapi", "info")}}
