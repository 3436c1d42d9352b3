"""Domain errors. Logic raises these; the edge (opencounter.edge.http) answers each with its
`status`. A new kind of error is a subclass, so it always has a status: none falls through.

What a client shows is never the English `message` (that is for logs and developers): it is the
sentence its own message catalogue holds for the error's `reason`, a stable snake_case name of
what went wrong, filled in with the error's `params` (the amounts, dates and limits the sentence
needs). `code` is the kind of error (conflict, not_found, ...), for a client that knows no better."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can be told about. `code` is stable for clients."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None,
                 **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.reason = reason or self.code
        self.params = params

    def to_dict(self) -> dict:
        body: dict[str, object] = {"code": self.code, "reason": self.reason, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.params:
            body["params"] = self.params
        return body


class InvalidInput(DomainError):
    """The request is malformed or breaks a business rule about its own content."""

    code, status = "invalid_input", 400


class NotAuthenticated(DomainError):
    """Nobody is signed in on a route that needs someone."""

    code, status = "not_authenticated", 401


class Forbidden(DomainError):
    """The caller is known but may not touch this object or route."""

    code, status = "forbidden", 403


class NotFound(DomainError):
    """No such object, or none the caller may know of."""

    code, status = "not_found", 404


class Conflict(DomainError):
    """The object changed since the caller read it, or the request clashes with its state."""

    code, status = "conflict", 409


class Gone(DomainError):
    """The object was there and is no more: kept for a while only, and that while is over."""

    code, status = "gone", 410


class PayloadTooLarge(DomainError):
    """The request body is larger than the route takes."""

    code, status = "payload_too_large", 413


class Unavailable(DomainError):
    """The route cannot work now, through nothing the caller did: a provider or setting it needs
    is not configured."""

    code, status = "unavailable", 503


class InternalError(DomainError):
    """Something went wrong on our side (a bug): the answer names the request to quote."""

    code, status = "internal_error", 500


class Contended(DomainError):
    """Other requests held what this one writes at the same moment, every time it was tried:
    nothing was done, and the same request sent again shortly will do. Answered as a Conflict is
    (409), but not one: nothing clashed with the record's state, so no caller mistakes it for a
    conflict it expects (an event already applied, a version gone)."""

    code, status = "conflict", 409


def require_version(sent: int, current: int, what: str) -> None:
    """A change sent with the version of `what` it was read at: Conflict (stale_version, the
    current version in params) when it changed since."""
    if int(sent) != int(current):
        raise Conflict(f"version: the {what} changed since you read it; read it again", field="version",
                       reason="stale_version", version=int(current))
