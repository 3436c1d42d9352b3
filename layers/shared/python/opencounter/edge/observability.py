"""One place that sets up logging and metrics the same way in every function.

Tracing comes from the platform (`Tracing: Active` on every function and the API), not from the
X-Ray SDK: importing it costs about 0.3 s of every cold start (docs/adr/0005-cold-starts.md).

The logs carry ids, outcomes and reasons, never what a person sent or is (docs/adr/0026-retention.md):
- the invocation's event is never logged, whatever the environment says (POWERTOOLS_LOGGER_LOG_EVENT,
  a decorator's log_event): it holds request bodies, e-mail addresses, messages;
- an error is logged by its type, where it was raised and its code (an AWS error code, a domain
  reason), never by its message, which can quote what a customer sent (an address an e-mail service
  refused, a value a validator names): a logged exception is replaced by a stand-in that says so;
- an error no code handled leaves the handler as such a stand-in too (same type name, same frames),
  since Lambda logs the message of what a handler raises.
tests/personal_data.py scans every line a full test run logs for the demo customers' data.
"""

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger as PowertoolsLogger
from aws_lambda_powertools import Metrics

# a read that records no business metric is normal, not worth a warning on every request
warnings.filterwarnings("ignore", "No application metrics to publish")

NAMESPACE = "OpenCounter"


class Scrubbed(Exception):
    """Stands in for an error in the logs: its type's name and module, its frames and its code,
    without its message."""


_STAND_INS: dict[tuple[str, str], type[Scrubbed]] = {}


def _code(error: BaseException) -> str | None:
    """What names an error without quoting anyone: an AWS error code, a domain error's reason."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        return str(response["Error"].get("Code") or "") or None
    for attribute in ("reason", "cause_response_code"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def scrubbed(error: BaseException) -> BaseException:
    """A stand-in for `error` and the errors it came from: the same type names and frames, and a
    message that says only its code (if any)."""
    if isinstance(error, Scrubbed):
        return error
    kind = type(error)
    key = (kind.__module__, kind.__qualname__)
    if key not in _STAND_INS:
        _STAND_INS[key] = type(kind.__name__, (Scrubbed,), {"__module__": kind.__module__,
                                                           "__qualname__": kind.__qualname__})
    code = _code(error)
    stand_in = _STAND_INS[key](f"{code} (message left out of the logs)" if code else "(message left out of the logs)")
    stand_in.__traceback__ = error.__traceback__
    cause = error.__cause__ if error.__cause__ is not None else \
        None if error.__suppress_context__ else error.__context__
    if cause is not None:
        stand_in.__cause__ = scrubbed(cause)
    stand_in.__suppress_context__ = True
    return stand_in


class _WithoutMessages(logging.Filter):
    """A record's exception is logged as its stand-in (what Powertools writes of it: the text of
    the traceback, its type, its value, its frames)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            stand_in = scrubbed(record.exc_info[1])
            record.exc_info, record.exc_text = (type(stand_in), stand_in, record.exc_info[2]), None
        return True


Handler = Callable[[Any, Any], Any]


class Logger(PowertoolsLogger):
    """Powertools' Logger, JSON with a correlation id, that never logs an event or an error's message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(isinstance(f, _WithoutMessages) for f in self._logger.filters):
            self._logger.addFilter(_WithoutMessages())

    def inject_lambda_context(self, lambda_handler: Handler | None = None, log_event: bool | None = None,
                              correlation_id_path: str | None = None, clear_state: bool | None = False,
                              flush_buffer_on_uncaught_error: bool = False) -> Any:
        """Powertools' decorator, with the event never logged (`log_event` is ignored: an event holds
        what customers send) and an unhandled error leaving as its stand-in."""
        if lambda_handler is None:
            return functools.partial(self.inject_lambda_context, correlation_id_path=correlation_id_path,
                                     clear_state=clear_state,
                                     flush_buffer_on_uncaught_error=flush_buffer_on_uncaught_error)
        decorated = super().inject_lambda_context(
            lambda_handler, log_event=False, correlation_id_path=correlation_id_path, clear_state=clear_state,
            flush_buffer_on_uncaught_error=flush_buffer_on_uncaught_error)

        @functools.wraps(lambda_handler)
        def handler(event: Any, context: Any) -> Any:
            try:
                return decorated(event, context)
            except Exception as error:
                stand_in = scrubbed(error)
                raise stand_in from stand_in.__cause__
        return handler


def observability(service: str) -> tuple[Logger, Metrics]:
    """Logger (JSON, correlation id, no events, no error messages) and Metrics (EMF, namespace
    OpenCounter) for a function."""
    return Logger(service=service), Metrics(namespace=NAMESPACE, service=service)
