"""JSON-Schema contracts for request bodies (contracts/requests) and events (contracts/events,
also reachable as events/ at the top of the repository). jsonschema is imported on first use,
so functions that validate nothing never pay for it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from opencounter.core.errors import InvalidInput

#: the JSON Schemas of requests and events, and the contract terms: data beside the floors of code
CONTRACTS = Path(__file__).parent.parent / "contracts"


#: a date-time as RFC 3339 has it: a date, a time and an offset (Z or +hh:mm)
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)
#: an absolute URI as RFC 3986 has it: a scheme, then only the characters a URI may hold (an
#: address with other letters is an IRI, which must be percent-encoded first)
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_TIME.fullmatch(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # a day or hour that does not exist: ValueError
    return True


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not URI.fullmatch(value):
        return False
    parts = urlsplit(value)  # a broken host or port: ValueError
    return bool(parts.scheme) and (parts.port is None or parts.port >= 0)


@cache
def format_checker() -> Any:
    """The formats the contracts use, each checked the same way wherever the layer runs.
    jsonschema checks `uri` and `date-time` only when optional packages are installed (rfc3987,
    rfc3339-validator), which the functions do not have: a format nobody checks lets anything
    through. These checkers need nothing; a format the contracts use that is not here is refused
    by a test (tests/unit/test_contracts.py)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=("date", "email", "uuid"))  # jsonschema's own, needing no package
    checker.checks("date-time", raises=ValueError)(_date_time)
    checker.checks("uri", raises=ValueError)(_uri)
    return checker


@cache
def text_kind(kind: str) -> re.Pattern[str]:
    """The pattern of a kind of text (requests/_text.schema.json: text, line, identifier...),
    for what is read outside a body: a path or query parameter."""
    kinds = json.loads((CONTRACTS / "requests" / "_text.schema.json").read_text())["$defs"]
    return re.compile(kinds[kind]["pattern"])


@cache
def _validator(kind: str, name: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    folder = CONTRACTS / kind
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in folder.glob("*.schema.json")
    ]
    registry = Registry().with_resources(resources)
    schema = json.loads((folder / f"{name}.schema.json").read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=format_checker())


def _field_of(error: Any) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties":
        # name the unexpected field itself, not its parent
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        path += extra[:1]
    elif error.validator == "required":
        path.append(error.message.split("'")[1])
    return ".".join(path) or "body"


def _message_of(error: Any, field: str) -> str:
    if error.validator == "additionalProperties":
        return f"{field}: unknown field"
    if error.validator == "required":
        return f"{field}: is required"
    return f"{field}: {error.message}"


#: the reason a broken rule of a schema is reported with, and the limit a message can quote
REASONS = {"required": "field_required", "additionalProperties": "field_unknown", "type": "field_type",
           "pattern": "field_format", "format": "field_format", "enum": "field_choice", "const": "field_choice",
           "minLength": "field_too_short", "maxLength": "field_too_long", "minItems": "field_too_few",
           "maxItems": "field_too_many", "minimum": "field_too_small", "exclusiveMinimum": "field_too_small",
           "maximum": "field_too_large", "exclusiveMaximum": "field_too_large"}


def validate(kind: str, name: str, document: Any) -> None:
    """Raise InvalidInput naming the first offending field if `document` breaks schema `name`:
    its reason says which kind of rule (field_required, field_format...), its params the limit."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(kind, name).iter_errors(document))
    if error is not None:
        field = _field_of(error)
        reason = REASONS.get(error.validator, "field_invalid")
        if error.validator == "pattern" and isinstance(error.instance, str) and not error.instance.strip():
            # a text of spaces only is a field not filled in
            raise InvalidInput(f"{field}: is required (only spaces given)", field=field, reason="field_required")
        limited = reason.startswith(("field_too_", "field_choice")) and error.validator != "const"
        params = {"choices" if reason == "field_choice" else "limit": error.validator_value} if limited else {}
        raise InvalidInput(_message_of(error, field), field=field, reason=reason, **params)


def validate_request(name: str, body: Any) -> None:
    validate("requests", name, body)


def validate_event(detail_type: str, detail: Any) -> None:
    validate("events", detail_type, detail)


def event_types() -> list[str]:
    """Every detail-type in the catalogue."""
    return sorted(p.name.removesuffix(".schema.json") for p in (CONTRACTS / "events").glob("*.schema.json")
                  if not p.name.startswith("_"))
