"""The HTTP edge every API function shares: one resolver setup, one error-to-status map, who may
call which route, the caller's identity, and request bodies parsed and size-checked. Logic never
sees any of this."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from opencounter.core.errors import DomainError, InvalidInput, PayloadTooLarge
from opencounter.core.settings import settings
from opencounter.edge.identity import Caller, caller_from_claims, require_customer, require_staff

#: larger bodies are refused before they are parsed
MAX_BODY_BYTES = 16 * 1024
#: routes under these paths are for staff, and for customers acting on their own record
STAFF_ROUTES = "/agent"
CUSTOMER_ROUTES = "/me"
#: request headers the portal sends besides the simple ones
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Resume-Code", "X-Client"]

def _json(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(body, separators=(",", ":")))


def _under(resource: str, prefix: str) -> bool:
    return resource == prefix or resource.startswith(prefix + "/")


def _guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """Who may call a route, checked once for every route of every function before the route
    reads anything: /agent... is for staff, /me... for a customer. A route cannot forget it."""
    resource = app.current_event.resource
    if _under(resource, STAFF_ROUTES):
        require_staff(caller(app))
    elif _under(resource, CUSTOMER_ROUTES):
        require_customer(caller(app))
    return next_middleware(app)


def rest_api(logger: Logger) -> APIGatewayRestResolver:
    """A REST resolver that guards its routes (see _guard) and answers every error as
    {"code", "message", "field"} JSON."""
    origin = settings().portal_origin
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=origin, allow_headers=CORS_HEADERS, max_age=600)
                                 if origin else None)
    app.use(middlewares=[_guard])

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        return _json(error.status, error.to_dict())

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


def me(app: APIGatewayRestResolver) -> str:
    """The customer a /me route acts on: always the caller's own, never one from the request."""
    return require_customer(caller(app))


#: the languages texts are given in; the first is the default
LANGUAGES = ("nl", "en")


def _quality(parameters: str) -> float:
    try:
        return float(parameters.split("q=", 1)[1]) if "q=" in parameters else 1.0
    except ValueError:
        return 0.0


def language(app: APIGatewayRestResolver) -> str:
    """The language the caller reads, from Accept-Language (Dutch when it names none we speak)."""
    wanted = app.current_event.get_header_value("Accept-Language") or ""
    choices = [(_quality(parameters), tag.strip().lower()[:2])
               for tag, _, parameters in (part.partition(";") for part in wanted.split(",") if part.strip())]
    return next((tag for _, tag in sorted(choices, key=lambda c: -c[0]) if tag in LANGUAGES), LANGUAGES[0])


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx that says what is wrong with it."""
    raw = app.current_event.decoded_body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"body: larger than {MAX_BODY_BYTES} bytes", field="body",
                              reason="body_too_large", limit=MAX_BODY_BYTES)
    try:
        body = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"body: not valid JSON ({error.msg} at position {error.pos})", field="body",
                           reason="body_not_json") from error
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body", reason="body_not_json")
    return body


def query_int(app: APIGatewayRestResolver, name: str, default: int, low: int, high: int) -> int:
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        reason = "field_too_large" if raw.isdigit() and int(raw) > high else "field_invalid"
        raise InvalidInput(f"{name}: must be a whole number from {low} to {high}", field=name, reason=reason,
                           low=low, high=high)
    return int(raw)
