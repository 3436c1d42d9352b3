"""Domain errors. Logic raises these; the edge (opencounter.edge.http) answers each with its
`status`. A new kind of error is a subclass, so it always has a status: none falls through."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can be told about. `code` is stable for clients."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
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


class PayloadTooLarge(DomainError):
    """The request body is larger than the route takes."""

    code, status = "payload_too_large", 413
