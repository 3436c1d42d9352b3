"""Every error a function answers, its edge's own included (a crash, a missing setting, a path the
function has no route for), is one shape: the error schema of the API's contract, with the code
its status has there."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from jsonschema import Draft202012Validator

from infra.local.template import load_template
from infra.openapi.document import CONTRACTS, error_codes
from opencounter.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from opencounter.core.settings import MissingSetting
from opencounter.edge.http import rest_api

ERROR = Draft202012Validator(json.loads((CONTRACTS / "responses" / "error.schema.json").read_text()))
CODES = error_codes(load_template())

app = rest_api(Logger(service="edge-errors", level="CRITICAL"))
FAILURES: dict[str, Exception] = {
    "crash": RuntimeError("a bug"),
    "setting": MissingSetting("STRIPE_SECRET_KEY is not set for this function"),
    "invalid": InvalidInput("name: is required", field="name", reason="field_required"),
    "missing": NotFound("no such invoice", reason="invoice_not_found"),
    "conflict": Conflict("changed meanwhile", reason="record_changed"),
    "large": PayloadTooLarge("body: larger than 16384 bytes", field="body", reason="body_too_large", limit=16384),
}


@app.get("/failing/<what>")
def failing(what: str) -> dict:
    raise FAILURES[what]


def _answer(path: str) -> tuple[int, dict[str, Any]]:
    event = {"resource": path, "path": path, "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
             "body": None, "isBase64Encoded": False,
             "requestContext": {"requestId": "req-1", "resourcePath": path, "httpMethod": "GET", "stage": "dev"}}
    result = app.resolve(event, None)
    return result["statusCode"], json.loads(result["body"])


@pytest.mark.parametrize(("path", "status", "reason"), [
    ("/failing/crash", 500, "internal_error"), ("/failing/setting", 503, "not_configured"),
    ("/failing/invalid", 400, "field_required"), ("/failing/missing", 404, "invoice_not_found"),
    ("/failing/conflict", 409, "record_changed"), ("/failing/large", 413, "body_too_large"),
    ("/no/such/route", 404, "route_not_found"),
])
def test_every_error_the_edge_answers_is_the_contracts_error(path, status, reason):
    answered, body = _answer(path)
    assert (answered, body["reason"]) == (status, reason)
    assert list(ERROR.iter_errors(body)) == []
    assert body["code"] == CODES["5XX" if status == 500 else str(status)]


def test_a_crash_names_the_request_to_quote_and_nothing_of_the_bug():
    _, body = _answer("/failing/crash")
    assert "req-1" in body["message"] and "a bug" not in json.dumps(body)
