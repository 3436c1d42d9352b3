"""Every answer a test receives from the API, held to the API's OpenAPI document (infra/openapi):
the status must be one the document gives for the route, and the body must match the schema
documented for that status. A mismatch fails the test that caused it, naming the route, the
status and what is wrong. Validators are compiled once per route and status."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import requests
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from infra.openapi.document import document
from opencounter.core.validation import format_checker

#: the document's own address, for the validators' references into it
BASE = "urn:opencounter:openapi"
#: what the local cloud serves beside the API: the local sign-in and mailbox, the providers' stand-ins
NOT_THE_API = ("/local/", "/sandbox/")


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """The document's routes, ready to check answers against."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.registry: Registry[Any] = Registry().with_resource(BASE, DRAFT202012.create_resource(data))
        #: (path pattern, literal segments, path) of every path; the most literal first, as the gateway picks
        self.paths = sorted(((re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "/?$"), path)
                             for path in data["paths"]), key=lambda p: p[1].count("{"))
        self._validators: dict[str, Draft202012Validator] = {}

    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator({"$ref": f"{BASE}#{pointer}"}, registry=self.registry,
                                                             format_checker=format_checker())
        return self._validators[pointer]

    def route(self, method: str, path: str) -> str | None:
        """The documented path that serves `method` on `path`, if any."""
        for pattern, documented in self.paths:
            if pattern.match(path) and method.lower() in self.data["paths"][documented]:
                return documented
        return None

    def check(self, response: requests.Response, *_: Any, **__: Any) -> None:
        """A hook of a requests.Session: raise AssertionError when the answer breaks the document."""
        request = response.request
        method, path = (request.method or "GET").upper(), urlsplit(str(request.url)).path
        if method == "OPTIONS" or path.startswith(NOT_THE_API):
            return
        documented = self.route(method, path)
        if documented is None:
            if response.status_code >= 400 and (response.headers.get("Content-Type") or "").startswith(
                    "application/json"):
                # the gateway's own answer for a route the API does not have (pages, /config.json and
                # /openapi.json are served beside the API)
                self._body(f"{method} {path}", response, _pointer("components", "schemas", "error"))
            return
        where = f"{method} {documented}"
        responses = self.data["paths"][documented][method.lower()]["responses"]
        status = str(response.status_code)
        key = status if status in responses else f"{status[0]}XX" if f"{status[0]}XX" in responses else None
        if key is None:
            raise AssertionError(f"{where} answered {status}, which the API's document does not give for it "
                                 f"(it gives {', '.join(responses)}): {response.text[:300]}")
        answer = responses[key]
        pointer = _pointer("paths", documented, method.lower(), "responses", key)
        if "$ref" in answer:
            name = answer["$ref"].rsplit("/", 1)[-1]
            answer, pointer = self.data["components"]["responses"][name], _pointer("components", "responses", name)
        content = answer.get("content", {})
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind not in content:
            raise AssertionError(f"{where} answered {status} as {kind or 'nothing'}; the document says "
                                 f"{', '.join(content) or 'no body'}")
        if kind == "application/json":
            self._body(f"{where} answered {status}", response, pointer + _pointer("content", kind, "schema"))

    def _body(self, what: str, response: requests.Response, pointer: str) -> None:
        try:
            body = response.json()
        except ValueError:
            raise AssertionError(f"{what} with a body that is not JSON: {response.text[:300]}") from None
        error = best_match(self._validator(pointer).iter_errors(body))
        if error is not None:
            at = "/".join(str(p) for p in error.absolute_path) or "(the body)"
            raise AssertionError(f"{what}, breaking the document's schema at {at}: {error.message} "
                                 f"(schema {'/'.join(str(p) for p in error.absolute_schema_path)}); "
                                 f"body: {json.dumps(body)[:500]}")


#: a staff member's address: staff sign in with one of the business's own (agent@, admin@, a test's
#: agent-1a2b@); the business's own sender (noreply@) is no person
STAFF_ADDRESS = re.compile(r"[\w.+-]+@opencounter\.example", re.IGNORECASE)
NOT_A_PERSON = ("noreply@opencounter.example",)
#: the routes only staff are answered on; every other answer may reach a customer or anyone
STAFF_ROUTES = ("/agent/", "/privacy/")


def no_staff_address(response: requests.Response, *_: Any, **__: Any) -> None:
    """A hook of a requests.Session: raise AssertionError when an answer on a route that is not
    staff's own (the customer's, a sign-up's, the public ones) names a staff member by their
    address. Customers see staff by role only (`opencounter.core.actors`)."""
    path = urlsplit(str(response.request.url)).path
    if path.startswith(STAFF_ROUTES) or path.startswith(NOT_THE_API):
        return
    found = {a for a in STAFF_ADDRESS.findall(response.text) if a.lower() not in NOT_A_PERSON}
    if found:
        raise AssertionError(f"{response.request.method} {path} answered with a staff member's address "
                             f"({', '.join(sorted(found))}), which no customer may see: {response.text[:300]}")


@cache
def contract() -> Contract:
    """The document as the generator makes it now (the kept docs/openapi.json is tested to equal it)."""
    return Contract(document())
