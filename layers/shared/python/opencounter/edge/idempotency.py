"""Requests that may arrive twice (a retry after a timeout, a double click) carry an
Idempotency-Key header: the first answer is remembered for a day (Powertools Idempotency on
the single table) and a repeat gets that answer again, with nothing done a second time.

Powertools' idempotency utility is imported when a keyed request first arrives, on purpose:
it is a heavy import that only the routes using it should pay for at a cold start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from opencounter.core.errors import Conflict, InvalidInput
from opencounter.core.settings import settings

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
REMEMBERED_FOR_S = 24 * 3600

Work = Callable[[dict[str, Any]], dict[str, Any]]
_remembered: dict[str, tuple[Callable[..., dict[str, Any]], Any]] = {}


def idempotency_key(app: APIGatewayRestResolver) -> str | None:
    """The request's Idempotency-Key, checked; None when it has none."""
    key = app.current_event.get_header_value(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"{HEADER}: 1 to {MAX_KEY_LENGTH} printable characters", field=HEADER,
                           reason="idempotency_key_invalid")
    return key


def _once(scope: str, work: Work) -> tuple[Callable[..., dict[str, Any]], Any]:
    """`work`, remembered per key in its own partition of the table (IDEMPOTENCY#<scope>)."""
    if scope not in _remembered:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        store = DynamoDBPersistenceLayer(table_name=settings().required("table_name"), key_attr="PK",
                                         sort_key_attr="SK", expiry_attr="expires_at",
                                         static_pk_value=f"IDEMPOTENCY#{scope}")
        config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request",
                                   expires_after_seconds=REMEMBERED_FOR_S)

        @idempotent_function(data_keyword_argument="attempt", persistence_store=store, config=config)
        def work_once(attempt: dict[str, Any]) -> dict[str, Any]:
            return work(attempt["request"])

        _remembered[scope] = (work_once, config)
    return _remembered[scope]


def idempotent(app: APIGatewayRestResolver, scope: str, work: Work, request: dict[str, Any]) -> dict[str, Any]:
    """`work(request)`, once per Idempotency-Key (every time when the request has none). A key
    reused for another request, or whose first request is still under way, is a Conflict. The
    invocation's context lets an attempt that died halfway release its key when time is up."""
    key = idempotency_key(app)
    if key is None:
        return work(request)
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    work_once, config = _once(scope, work)
    if app.lambda_context is not None:
        config.register_lambda_context(app.lambda_context)
    try:
        return work_once(attempt={"key": key, "request": request})
    except IdempotencyValidationError:
        raise Conflict(f"{HEADER}: already used for a different request", field=HEADER,
                       reason="idempotency_key_reused") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(f"{HEADER}: the first request with this key is still being handled", field=HEADER,
                       reason="busy_try_again") from None
