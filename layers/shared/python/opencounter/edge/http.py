"""The HTTP edge every API function shares: one resolver setup, one error-to-status map, who may
call which route, the caller's identity, and request bodies parsed and size-checked. Logic never
sees any of this."""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from opencounter.core import access_log
from opencounter.core.errors import DomainError, InternalError, InvalidInput, NotFound, PayloadTooLarge, Unavailable
from opencounter.core.settings import MissingSetting, settings
from opencounter.core.validation import text_kind
from opencounter.edge import identity
from opencounter.edge.identity import Caller, caller_from_claims, require_customer, require_staff

#: larger bodies are refused before they are parsed
MAX_BODY_BYTES = 16 * 1024
#: a provider's signed delivery may batch many messages
WEBHOOK_MAX_BYTES = 1024 * 1024
#: no request of this API nests deeper (a deeper body is refused, not parsed into a stack overflow)
MAX_DEPTH = 16
#: what no text holds: lone surrogates (not encodable), and control characters but tab, CR, LF
NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: routes under these paths are for staff, and for customers acting on their own record
STAFF_ROUTES = "/agent"
CUSTOMER_ROUTES = "/me"
#: routes under this path are for privacy officers only
PRIVACY_ROUTES = "/privacy"
#: request headers the portal sends besides the simple ones
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Resume-Code", "X-Client", "X-Contact-Id",
                "X-Access-Reason"]

def _json(status: int, body: dict) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(body, separators=(",", ":")))


def _error(error: DomainError) -> Response:
    """Every error a function answers, in the one shape clients read (DomainError.to_dict)."""
    return _json(error.status, error.to_dict())


def _under(resource: str, prefix: str) -> bool:
    return resource == prefix or resource.startswith(prefix + "/")


def _admit(app: APIGatewayRestResolver) -> None:
    """Who may call a route, and ids in its path that could be ids: checked before the route
    reads anything. /agent... is for staff, /me... for a customer, /privacy... for a privacy
    officer; a path parameter is an id
    or code this API gave out (the `identifier` kind of text), else 400 naming it."""
    event = app.current_event
    if _under(event.resource, STAFF_ROUTES):
        require_staff(caller(app))
    elif _under(event.resource, CUSTOMER_ROUTES):
        require_customer(caller(app))
    elif _under(event.resource, PRIVACY_ROUTES):
        identity.require_privacy_officer(caller(app))
    for name, value in (event.path_parameters or {}).items():
        if not text_kind("identifier").fullmatch(value):
            raise InvalidInput(f"{name}: not an id this API gives out", field=name, reason="field_format")


def _guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware, logger: Logger) -> Response:
    """_admit, once for every route of every function, and a staff read put on record before its
    answer goes out (_on_record): a route can forget neither."""
    _admit(app)
    event = app.current_event
    why = _access_why(app) if reads_on_record(event.http_method, event.resource) else None
    answer = next_middleware(app)
    if why is not None:
        _on_record(app, answer, why, logger)
    return answer


# ---------------------------------------------------------------- staff reads on record

#: staff requests that only find something, sent as a POST to keep what is looked for out of URLs:
#: reads like a GET, of this kind (core.access_log.KINDS); every other POST, PUT, PATCH or DELETE
#: changes the record and is on it (and on the customer's timeline) as done by the staff member
FINDING = {"POST /agent/customers/search": "search", "POST /agent/requests/resume": "record"}
#: the headers the desk says why with: the contact the staff member is handling (an id), or a
#: reason in their words (one line, percent-encoded UTF-8 as a header must be ASCII)
CONTACT_HEADER, REASON_HEADER = "X-Contact-Id", "X-Access-Reason"
REASON_MAX = 200


#: staff routes that read no customer's data, only operations' own (an outage, a mailing and their
#: figures; the voice of the customer: counts per channel and journey, the top ideas under their
#: pseudonyms, the unanswered questions grouped without who asked): every other staff read must say
#: whose data it shows, or it is refused
NO_CUSTOMER_DATA = frozenset({"GET /agent/incidents", "GET /agent/incidents/{incident_id}", "GET /agent/mailings",
                              "GET /agent/mailings/{mailing_id}", "GET /agent/voice"})


def reads_on_record(method: str, resource: str) -> bool:
    """Whether a staff route reads a customer's data, and so is put on record."""
    key = f"{method} {resource}"
    return _under(resource, STAFF_ROUTES) and key not in NO_CUSTOMER_DATA and (method == "GET" or key in FINDING)


def _access_why(app: APIGatewayRestResolver) -> tuple[str | None, str | None]:
    """(contact id, reason) of a staff request, from its headers (checked before the route reads
    anything): a route about a contact is handling it when no other contact is named."""
    event = app.current_event
    contact = event.get_header_value(CONTACT_HEADER)
    if contact is not None and not text_kind("identifier").fullmatch(contact):
        raise InvalidInput(f"{CONTACT_HEADER}: not a contact id", field=CONTACT_HEADER, reason="field_format")
    raw = event.get_header_value(REASON_HEADER)
    reason = None
    if raw is not None:
        try:
            reason = unquote(raw, errors="strict").strip()
        except UnicodeDecodeError as error:
            raise InvalidInput(f"{REASON_HEADER}: not percent-encoded UTF-8", field=REASON_HEADER,
                               reason="field_format") from error
        if not reason:
            raise InvalidInput(f"{REASON_HEADER}: is empty", field=REASON_HEADER, reason="field_required")
        if NOT_TEXT.search(reason) or not text_kind("line").fullmatch(reason):
            raise InvalidInput(f"{REASON_HEADER}: not one line of text", field=REASON_HEADER, reason="field_format")
        if len(reason) > REASON_MAX:
            raise InvalidInput(f"{REASON_HEADER}: longer than {REASON_MAX} characters", field=REASON_HEADER,
                               reason="field_too_long", limit=REASON_MAX)
    return contact or (event.path_parameters or {}).get("contact_id"), reason


def _answered(answer: Any) -> tuple[int, Any]:
    """(status, body) of what a route returned: a dict, (dict, status) or a Response."""
    if isinstance(answer, Response):
        body = answer.body
        if isinstance(body, str | bytes) and body:
            try:
                body = json.loads(body)
            except ValueError:
                body = None
        return answer.status_code, body
    if isinstance(answer, tuple):
        return answer[1], answer[0]
    return 200, answer


def _named(shown: Any) -> access_log.Subject | None:
    """Whose data an object of an answer is: its customer, else its sign-up (that has none yet)."""
    if not isinstance(shown, dict):
        return None
    if shown.get("customer_id"):
        return access_log.Subject("customer", str(shown["customer_id"]))
    if shown.get("signup_id"):
        return access_log.Subject("signup", str(shown["signup_id"]))
    return None


def subjects_of(path: dict[str, str], query: dict[str, str], body: Any) -> tuple[list[access_log.Subject], bool] | None:
    """Whose data a staff read showed, and whether they were shown in a list: the customer its path
    names, else its query, else its answer's (an object answers with its own customer or sign-up;
    an answer of none, an unknown sender's contact, names the key and leaves it empty); a list
    (`items`, and a sign-up a search found) shows each of its own. None: the answer names nobody,
    which no read of a customer's data may do."""
    for given in (path, query):
        if given.get("customer_id"):
            return [access_log.Subject("customer", given["customer_id"])], False
    if not isinstance(body, dict):
        return None
    if "customer_id" in body or "signup_id" in body:
        return [s for s in [_named(body)] if s], False
    if isinstance(body.get("items"), list):
        shown = [*body["items"], body.get("signup")]
        return [s for s in map(_named, shown) if s], True
    return None


def _on_record(app: APIGatewayRestResolver, answer: Any, why: tuple[str | None, str | None], logger: Logger) -> None:
    """A staff read that succeeded, put on record for every customer (or applicant) whose data it
    showed, before the answer goes out; when that cannot be written, the answer does not go out
    (503). An answer that names nobody is refused (500): the route must say whose data it shows."""
    status, body = _answered(answer)
    if not 200 <= status < 300:
        return
    event = app.current_event
    path, route = event.path_parameters or {}, f"{event.http_method} {event.resource}"
    found = subjects_of(path, event.query_string_parameters or {}, body)
    if found is None:
        raise InternalError(f"{route}: a staff read whose answer names no customer")
    subjects, listed = found
    if not subjects:
        return
    staff = caller(app)
    read = access_log.Read(
        staff=staff.username, staff_email=staff.email, groups=staff.groups, route=route,
        objects={name: value for name, value in path.items() if name != "customer_id"},
        kind=FINDING.get(route, "list" if listed else "record"), contact_id=why[0], reason=why[1],
        request_id=event.request_context.request_id)
    try:
        access_log.record(subjects, read)
    except Exception as error:
        # fail closed: a read that is not on record shows nothing
        logger.exception("the access log could not be written", extra={"route": route})
        raise Unavailable("this read could not be put on record; try again shortly",
                          reason="access_log_unavailable") from error


def rest_api(logger: Logger) -> APIGatewayRestResolver:
    """A REST resolver that guards its routes (see _guard) and answers every error, its own
    included, as a DomainError's JSON ({"code", "reason", "message", "field", "params"})."""
    origin = settings().portal_origin
    # debug never: Powertools' debug mode prints every event whole (POWERTOOLS_DEV would switch it on)
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=origin, allow_headers=CORS_HEADERS, max_age=600)
                                 if origin else None, debug=False)

    def guard(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        return _guard(resolver, next_middleware, logger)
    app.use(middlewares=[guard])

    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response:
        return _error(error)

    @app.exception_handler(MissingSetting)
    def not_configured(error: MissingSetting) -> Response:
        # fail closed: a check without its secret, a provider without its key, refuses to work
        logger.error("not configured", extra={"missing": str(error)})
        return _error(Unavailable("this service is not configured; try again later", reason="not_configured"))

    @app.not_found
    def no_route(_: Exception) -> Response:
        # the gateway routed this path here, but the resolver takes fewer characters in a path
        # parameter than the gateway does: it is refused as any route refuses such an id
        try:
            _admit(app)
        except DomainError as error:
            return _error(error)
        return _error(NotFound("no such route", reason="route_not_found"))

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")  # its type, frames and code; its message stays out (edge.observability)
        request_id = app.current_event.request_context.request_id
        return _error(InternalError(f"something went wrong on our side; quote request {request_id}"))

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


def raw_body(app: APIGatewayRestResolver, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body exactly as sent (what a webhook's signature covers): API Gateway hands
    over text, or base64 for bytes that are not UTF-8. Larger than `limit`: 413."""
    event = app.current_event
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogatepass")
    if len(raw) > limit:
        raise PayloadTooLarge(f"body: larger than {limit} bytes", field="body", reason="body_too_large", limit=limit)
    return raw


def text_body(app: APIGatewayRestResolver, limit: int = MAX_BODY_BYTES) -> str:
    """The request body as UTF-8 text (what a signed webhook's JSON is), else 400."""
    try:
        return raw_body(app, limit).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"body: not UTF-8 (byte {error.start})", field="body", reason="body_not_utf8") from error


def json_body(app: APIGatewayRestResolver, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The request body as a JSON object of clean text, or a 4xx that says what is wrong with it:
    the one way every route reads a body. Refused: not UTF-8, not JSON, not an object, nested
    deeper than MAX_DEPTH, or a text holding what no text may (a lone surrogate, a control
    character other than tab and line breaks), which no store or screen could take."""
    text = text_body(app, limit)
    try:
        body = json.loads(text) if text.strip() else None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"body: not valid JSON ({error.msg} at position {error.pos})", field="body",
                           reason="body_not_json") from error
    except RecursionError as error:
        raise InvalidInput(f"body: nested deeper than {MAX_DEPTH} levels", field="body",
                           reason="body_too_deep", limit=MAX_DEPTH) from error
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object", field="body", reason="body_not_json")
    _check_text(body)
    return body


def _check_text(body: dict[str, Any]) -> None:
    """Every key and string in the body is text a person could have typed; nesting is bounded."""
    pending: list[tuple[Any, str, int]] = [(body, "", 1)]
    while pending:
        node, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput(f"body: nested deeper than {MAX_DEPTH} levels", field="body",
                               reason="body_too_deep", limit=MAX_DEPTH)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            where = f"{path}.{key}" if path else str(key)
            for text in (key, value) if isinstance(key, str) else (value,):
                if isinstance(text, str) and NOT_TEXT.search(text):
                    raise InvalidInput(f"{where}: holds a character that is not text", field=where,
                                       reason="text_invalid")
            if isinstance(value, dict | list):
                pending.append((value, where, depth + 1))


def query_text(app: APIGatewayRestResolver, name: str, kind: str = "line") -> str | None:
    """A query parameter as given (None when it is not), the one way routes read one: a value
    given must be the kind of text it is said to be in the contracts (_text.schema.json), so an
    empty one is refused (it is not left out), and so is one holding what no text may."""
    value = app.current_event.get_query_string_value(name)
    if value is None:
        return None
    if not value.strip():
        raise InvalidInput(f"{name}: is empty", field=name, reason="field_required")
    if NOT_TEXT.search(value) or not text_kind(kind).fullmatch(value):
        raise InvalidInput(f"{name}: not {kind} text", field=name, reason="field_format")
    return value


def query_int(app: APIGatewayRestResolver, name: str, default: int, low: int, high: int) -> int:
    raw = app.current_event.get_query_string_value(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        reason = "field_too_large" if raw.isdigit() and int(raw) > high else "field_invalid"
        raise InvalidInput(f"{name}: must be a whole number from {low} to {high}", field=name, reason=reason,
                           low=low, high=high)
    return int(raw)
