"""The HTTP edge every API function shares: one resolver setup, one error-to-status map, the
caller's identity, and request bodies parsed and size-checked. Logic never sees any of this."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from opencounter.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
)
from opencounter.identity import Caller, caller_from_claims

#: larger bodies are refused before they are parsed
MAX_BODY_BYTES = 16 * 1024

STATUS_OF = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
}


def _json(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(body, separators=(",", ":")))


def rest_api(logger: Logger) -> APIGatewayRestResolver:
    """A REST resolver whose errors all come out as {"code", "message", "field"} JSON."""
    app = APIGatewayRestResolver()

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        status = next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))
        return _json(status, error.to_dict())

    @app.not_found
    def no_route(_: Exception) -> Response:
        return _json(404, {"code": "not_found", "message": "no such route"})

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        request_id = app.current_event.request_context.request_id
        return _json(500, {"code": "internal_error",
                           "message": f"something went wrong on our side; quote request {request_id}"})

    return app


def caller(app: APIGatewayRestResolver) -> Caller:
    """The signed-in caller, from the authorizer's claims."""
    authorizer = app.current_event.request_context.authorizer
    return caller_from_claims(authorizer.claims if authorizer else None)


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx that says what is wrong with it."""
    raw = app.current_event.decoded_body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body: larger than {MAX_BODY_BYTES} bytes", field="body")
    try:
        body = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"body: not valid JSON ({error.msg} at position {error.pos})", field="body") from error
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body")
    return body


def query_int(app: APIGatewayRestResolver, name: str, default: int, low: int, high: int) -> int:
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(f"{name}: must be a whole number from {low} to {high}", field=name)
    return int(raw)
